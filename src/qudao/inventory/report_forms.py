"""Forms of the count, sell-out and 进销存 pages. Warehouses and categories come in as choices
built by the view (one query each, reused by every form of the page); SKUs and orgs are typed
by code, as people read them off labels and reports."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category, Sku
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import NotFound
from qudao.core.forms import StyledForm
from qudao.inventory.constants import CountStatus
from qudao.inventory.models import StockCountLine, Warehouse
from qudao.inventory.selectors import parse_serials
from qudao.network.models import Org
from qudao.network.selectors import org_get_by_code

BLANK = [("", "—")]
MAX_IMPORT_BYTES = 20 * 1024 * 1024
SUBTREE, OWN = "1", "0"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _serials_widget(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "spellcheck": "false", "autocomplete": "off"})


def warehouse_label(warehouse: Warehouse) -> str:
    return f"{warehouse.org.name} · {warehouse.name}"


class WarehouseChoiceField(forms.TypedChoiceField):
    """A warehouse among those the view offers (cleaned to the Warehouse itself)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)
        self.warehouses: dict[int, Warehouse] = {}

    def offer(self, warehouses: Sequence[Warehouse], *, blank: bool = False) -> None:
        self.warehouses = {w.pk: w for w in warehouses}
        self.choices = (BLANK if blank else []) + [(w.pk, warehouse_label(w)) for w in warehouses]

    def clean(self, value: Any) -> Warehouse | None:
        pk = super().clean(value)
        return self.warehouses.get(pk) if pk not in (None, "") else None


def _sku_by_code(code: str) -> Sku:
    found = sku_map_by_codes([code]).get(code.strip())
    if found is None:
        raise forms.ValidationError(
            _("No SKU with code %(code)s."), code="unknown_sku", params={"code": code.strip()}
        )
    return found


# --- stock counts ---------------------------------------------------------------------------


class CountFilterForm(StyledForm):
    warehouse = WarehouseChoiceField(label=_("Warehouse"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + list(CountStatus.choices)
    )

    def __init__(self, *args: Any, warehouses: Sequence[Warehouse] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, WarehouseChoiceField)
        field.offer(warehouses, blank=True)


class CountCreateForm(StyledForm):
    """A new count: a warehouse the actor manages, all its SKUs or one category's."""

    warehouse = WarehouseChoiceField(label=_("Warehouse"))
    category = forms.TypedChoiceField(
        label=_("SKUs to count"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        warehouses: Sequence[Warehouse] = (),
        categories: Sequence[Category] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, WarehouseChoiceField)
        field.offer(warehouses)
        self.categories = {c.pk: c for c in categories}
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", _("All SKUs the warehouse holds"))] + [
            (c.pk, f"{'　' * (c.depth - 1)}{c.name} ({c.code})") for c in categories
        ]

    def chosen_category(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        return self.categories.get(pk) if pk is not None else None


class CountEnterForm(StyledForm):
    """One counted quantity per line of the count (blank: not counted yet) and, for
    serial-tracked SKUs, the serials found (then the quantity may stay blank: it is their
    number); plus one line for a SKU found but not on the count."""

    new_sku = forms.CharField(label=_("Another SKU found (code)"), max_length=40, required=False)
    new_qty = forms.IntegerField(label=_("Counted"), min_value=0, required=False)
    new_serials = forms.CharField(
        label=_("Serial numbers (one per line)"), required=False, widget=_serials_widget()
    )

    def __init__(self, *args: Any, lines: Sequence[StockCountLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"counted_{line.pk}"] = forms.IntegerField(
                label=line.sku.code,
                min_value=0,
                required=False,
                initial=line.counted_qty,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            if line.sku.serial_tracked:
                self.fields[f"serials_{line.pk}"] = forms.CharField(
                    label=_("Serial numbers of %(sku)s") % {"sku": line.sku.code},
                    required=False,
                    initial="\n".join(line.serials or []),
                    widget=_serials_widget(),
                )
        self.style_fields()

    def rows(self) -> list[tuple[StockCountLine, Any, Any]]:
        """(line, counted input, serials input or None) for the template."""
        return [
            (
                line,
                self[f"counted_{line.pk}"],
                self[f"serials_{line.pk}"] if line.sku.serial_tracked else None,
            )
            for line in self.lines
        ]

    def clean_new_sku(self) -> Sku | None:
        code = (self.cleaned_data.get("new_sku") or "").strip()
        return _sku_by_code(code) if code else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sku = data.get("new_sku")
        units = parse_serials(data.get("new_serials") or "")
        if sku is None and (units or data.get("new_qty") is not None):
            self.add_error("new_sku", _("Give the code of the SKU found."))
        elif sku is not None and data.get("new_qty") is None and not units:
            self.add_error("new_qty", _("Enter a quantity or paste the serial numbers."))
        return data

    def entries(self) -> list[tuple[Sku, int, list[str]]]:
        """The lines whose counted quantity or serials changed, for count_enter; a blank
        quantity with serials counts the serials."""
        data = self.cleaned_data
        changed = []
        for line in self.lines:
            counted = data.get(f"counted_{line.pk}")
            units = parse_serials(data.get(f"serials_{line.pk}") or "")
            if counted is None and units:
                counted = len(units)
            if counted is None:
                continue
            if counted != line.counted_qty or units != list(line.serials or []):
                changed.append((line.sku, counted, units))
        sku = data.get("new_sku")
        if sku is not None:
            units = parse_serials(data.get("new_serials") or "")
            qty = data.get("new_qty")
            changed.append((sku, len(units) if qty is None else qty, units))
        return changed


# --- sell-out -------------------------------------------------------------------------------


class OrgCodeField(forms.CharField):
    """An org of the actor's network by its code (the form resolves it with the actor)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=32, **kwargs)


def _org_in_scope(actor: Any, code: str) -> Org:
    try:
        return org_get_by_code(actor=actor, code=code)
    except NotFound as exc:
        # the same answer for an unknown org and one outside the actor's network
        raise forms.ValidationError(
            _("No org with code %(code)s in your network."),
            code="unknown_org",
            params={"code": code},
        ) from exc


class SellOutFilterForm(StyledForm):
    org = OrgCodeField(label=_("Org code"), required=False)
    sku = forms.CharField(label=_("SKU code"), max_length=40, required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_org(self) -> Org | None:
        code = (self.cleaned_data.get("org") or "").strip()
        return _org_in_scope(self.actor, code) if code else None

    def clean_sku(self) -> Sku | None:
        code = (self.cleaned_data.get("sku") or "").strip()
        return _sku_by_code(code) if code else None


class SellOutForm(StyledForm):
    """One sold line: out of which warehouse (so for which org), when, what, how many, the
    serials of tracked units and the buyer's region."""

    warehouse = WarehouseChoiceField(label=_("Sold from"))
    sold_on = forms.DateField(label=_("Date sold"), widget=DateInput())
    sku = forms.CharField(label=_("SKU code"), max_length=40)
    qty = forms.IntegerField(label=_("Quantity"), required=False)
    serials = forms.CharField(
        label=_("Serial numbers (one per line)"), required=False, widget=_serials_widget(4)
    )
    buyer_division = forms.CharField(
        label=_("Buyer's region code"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "330106", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, warehouses: Sequence[Warehouse] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, WarehouseChoiceField)
        field.offer(warehouses)

    def clean_sku(self) -> Sku:
        return _sku_by_code(self.cleaned_data["sku"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        units = parse_serials(data.get("serials") or "")
        data["serial_list"] = units
        if data.get("qty") is None:
            if units:
                data["qty"] = len(units)
            else:
                self.add_error("qty", _("Enter a quantity or paste the serial numbers."))
        return data


class SellOutImportForm(StyledForm):
    warehouse = WarehouseChoiceField(label=_("Sold from"))
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args: Any, warehouses: Sequence[Warehouse] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["warehouse"]
        assert isinstance(field, WarehouseChoiceField)
        field.offer(warehouses)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": MAX_IMPORT_BYTES >> 20}
            )
        return upload


# --- 进销存 ----------------------------------------------------------------------------------


class JxcForm(StyledForm):
    """The report's org (by code), its period and whether the org's subtree is summed."""

    org = OrgCodeField(label=_("Org code"))
    since = forms.DateField(label=_("From"), widget=DateInput())
    until = forms.DateField(label=_("To"), widget=DateInput())
    subtree = forms.ChoiceField(
        label=_("Warehouses"),
        choices=[(SUBTREE, _("The whole subtree")), (OWN, _("The org's own only"))],
    )
    sku = forms.CharField(label=_("SKU code"), max_length=40, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_org(self) -> Org:
        return _org_in_scope(self.actor, self.cleaned_data["org"].strip())

    def clean_sku(self) -> Sku | None:
        code = (self.cleaned_data.get("sku") or "").strip()
        return _sku_by_code(code) if code else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            self.add_error("until", _("The end comes before the start."))
        return data
