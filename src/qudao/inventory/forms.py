"""Forms of the stock pages: one SKU per submission (with its pasted serials); documents with
many lines come through the API or from the orders app."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Sku
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.forms import StyledForm
from qudao.inventory.constants import MoveKind
from qudao.inventory.models import Warehouse
from qudao.inventory.selectors import parse_serials

BLANK = [("", "—")]


class SkuLineForm(StyledForm):
    """A SKU by code, a quantity and — for serial-tracked SKUs — its serials, one per line
    (a scanner types them line by line; a paste from Excel works too). The quantity may be
    left empty when serials are given: it is their number."""

    sku = forms.CharField(label=_("SKU code"), max_length=40)
    qty = forms.IntegerField(label=_("Quantity"), required=False)
    serials = forms.CharField(
        label=_("Serial numbers (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_sku(self) -> Sku:
        code = self.cleaned_data["sku"].strip()
        found = sku_map_by_codes([code]).get(code)
        if found is None:
            raise forms.ValidationError(_("No SKU with code %(code)s."), params={"code": code})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        serials = parse_serials(data.get("serials") or "")
        data["serial_list"] = serials
        if data.get("qty") is None:
            if not serials:
                self.add_error("qty", _("Enter a quantity or paste the serial numbers."))
            else:
                data["qty"] = len(serials)
        return data

    def line(self) -> tuple[Sku, int, list[str]]:
        data = self.cleaned_data
        return (data["sku"], data["qty"], data["serial_list"])


class ReceiveForm(SkuLineForm):
    reason = forms.CharField(label=_("Where from / note"), max_length=200, required=False)


class AdjustForm(SkuLineForm):
    qty = forms.IntegerField(label=_("Quantity (negative to take off)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TransferForm(SkuLineForm):
    to_warehouse = forms.ModelChoiceField(
        label=_("To warehouse"), queryset=Warehouse.objects.none(), empty_label=None
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    field_order = ["to_warehouse", "sku", "qty", "serials", "note"]

    def __init__(self, *args: Any, targets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["to_warehouse"].queryset = targets  # type: ignore[attr-defined]


class SafetyForm(StyledForm):
    sku = SkuLineForm.base_fields["sku"]
    qty = forms.IntegerField(label=_("Safety stock"), min_value=0)

    clean_sku = SkuLineForm.clean_sku


class StockFilterForm(StyledForm):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False
    )
    q = forms.CharField(label=_("SKU"), required=False, max_length=60)
    below_safety = forms.BooleanField(label=_("Below safety stock only"), required=False)

    def __init__(self, *args: Any, warehouses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.fields["warehouse"].queryset = warehouses  # type: ignore[attr-defined]


class MoveFilterForm(StockFilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=BLANK + list(MoveKind.choices)
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    below_safety = None  # type: ignore[assignment]


class ReverseForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)
