"""Forms of the order pages. Documents with one row per order / shipment line get their per-line
fields added at construction (`line_fields`), so a refused post comes back bound, line by line."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import StyledForm
from qudao.network.models import Org
from qudao.orders.constants import OrderStatus, ReturnKind, ReturnReason

BLANK = [("", "—")]
SERIALS_WIDGET = forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"})


SIDES = [("", _("Both")), ("buying", _("I buy")), ("selling", _("I sell"))]


class DocFilterForm(StyledForm):
    """The filters of the shipment and return lists: side and the document's status."""

    side = forms.ChoiceField(label=_("Side"), required=False, choices=SIDES)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, statuses: Iterable[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = BLANK + list(statuses)  # type: ignore[attr-defined]


class OrderFilterForm(StyledForm):
    side = forms.ChoiceField(label=_("Side"), required=False, choices=SIDES)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + list(OrderStatus.choices)
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Org.objects.none(), required=False)
    sku = forms.CharField(label=_("SKU code"), required=False, max_length=40)
    q = forms.CharField(label=_("Search"), required=False, max_length=60)

    def __init__(self, *args: Any, buyers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if buyers is not None:
            self.fields["buyer"].queryset = buyers  # type: ignore[attr-defined]


class DraftForm(StyledForm):
    """Lines pasted as "SKU code  quantity  [unit]", one per row (from Excel too); the
    catalogue's quantity boxes add to them."""

    lines = forms.CharField(
        label=_("Paste lines: SKU code, quantity, unit (optional), one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    use_rebate = forms.BooleanField(label=_("Deduct from my rebate balance"), required=False)
    coupon_codes = forms.CharField(
        label=_("Coupon codes"),
        required=False,
        max_length=200,
        help_text=_("Separate several codes with spaces; the best one for you is used."),
    )

    def clean_coupon_codes(self) -> list[str]:
        return str(self.cleaned_data.get("coupon_codes") or "").replace(",", " ").split()


class CommentForm(StyledForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class RejectForm(StyledForm):
    comment = forms.CharField(label=_("Why it is rejected"), max_length=500)


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class SellerCancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class LinesForm(StyledForm):
    """A document form with fields per line: `line_fields(line)` returns the line's fields
    keyed by a short name; `rows()` pairs each line with its bound fields for the template."""

    def __init__(self, *args: Any, lines: Iterable[Any] = (), **kwargs: Any) -> None:
        self.lines = list(lines)
        super().__init__(*args, **kwargs)
        for line in self.lines:
            for name, field in self.line_fields(line).items():
                self.fields[f"{name}_{line.pk}"] = field
        self.style_fields()

    def line_fields(self, line: Any) -> dict[str, forms.Field]:
        return {}

    def rows(self) -> list[tuple[Any, dict[str, Any]]]:
        return [
            (line, {name: self[f"{name}_{line.pk}"] for name in self.line_fields(line)})
            for line in self.lines
        ]

    def value(self, name: str, line: Any) -> Any:
        return self.cleaned_data.get(f"{name}_{line.pk}")


class ShipForm(LinesForm):
    """Pick from the approved lines: how many of each to ship now (partial allowed) and, for
    serial-tracked SKUs, their serials — scanned or pasted, one per line."""

    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=60)
    tracking_no = forms.CharField(label=_("Tracking number"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def line_fields(self, line: Any) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            "qty": forms.IntegerField(
                label=_("Ship now"), required=False, min_value=0, initial=line.open_qty
            )
        }
        if line.sku.serial_tracked:
            fields["serials"] = forms.CharField(
                label=_("Serial numbers (one per line)"), required=False, widget=SERIALS_WIDGET
            )
        return fields


class ReceiptForm(LinesForm):
    """What arrived of each shipment line; left as shipped, everything arrived."""

    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def line_fields(self, line: Any) -> dict[str, forms.Field]:
        return {
            "received": forms.IntegerField(
                label=_("Received"), required=False, min_value=0, initial=line.qty
            ),
            "damaged": forms.IntegerField(
                label=_("Damaged"), required=False, min_value=0, initial=0
            ),
            "note": forms.CharField(label=_("Discrepancy"), required=False, max_length=200),
        }


class ReturnForm(LinesForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReturnKind.choices)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices)
    reason = forms.CharField(label=_("Description"), max_length=500)

    def line_fields(self, line: Any) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            "qty": forms.IntegerField(label=_("Return"), required=False, min_value=0)
        }
        if line.sku.serial_tracked:
            fields["serials"] = forms.CharField(
                label=_("Serial numbers (one per line)"), required=False, widget=SERIALS_WIDGET
            )
        return fields
