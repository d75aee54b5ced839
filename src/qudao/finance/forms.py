from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.errors import ValidationFailed
from qudao.core.files import document_kind
from qudao.core.forms import StyledForm
from qudao.finance.constants import (
    ADJUSTABLE_ACCOUNTS,
    Account,
    EntryKind,
    OverdueMode,
    PaymentMethod,
    StatementStatus,
)
from qudao.network.models import Org

BLANK = [("", "—")]
ALLOCATE_OLDEST, ALLOCATE_PREPAID, ALLOCATE_MANUAL = "oldest", "prepaid", "manual"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _money(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, **kwargs)


class CreditProfileForm(StyledForm):
    credit_limit = _money(_("Credit limit"), min_value=0)
    payment_term_days = forms.IntegerField(
        label=_("Payment term (days)"), min_value=0, max_value=365
    )
    overdue_days = forms.IntegerField(
        label=_("Overdue tolerance (days)"), min_value=0, max_value=365, initial=30
    )
    overdue_amount = _money(_("Overdue amount tolerated"), min_value=0, required=False)
    overdue_mode = forms.ChoiceField(
        label=_("When overdue beyond tolerance"),
        choices=OverdueMode.choices,
        initial=OverdueMode.HOLD,
    )


class NewProfileForm(CreditProfileForm):
    """A credit profile for a buyer that has no position with the seller yet."""

    seller = forms.TypedChoiceField(label=_("Seller"), coerce=int)
    buyer = forms.CharField(label=_("Buyer (org code)"), max_length=32)
    field_order = ["seller", "buyer"]

    def __init__(self, *args: Any, sellers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seller"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = sellers


class TemporaryLimitForm(StyledForm):
    amount = _money(_("Amount"))
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=DateTimeInput())
    valid_until = forms.DateTimeField(label=_("Valid until (not included)"), widget=DateTimeInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PaymentForm(StyledForm):
    amount = _money(_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    reference = forms.CharField(label=_("Bank reference"), max_length=80, required=False)
    allocate = forms.ChoiceField(
        label=_("Apply to"),
        choices=[
            (ALLOCATE_OLDEST, _("Open invoices, oldest first (the rest to prepaid)")),
            (ALLOCATE_PREPAID, _("The prepaid balance only (top-up)")),
            (ALLOCATE_MANUAL, _("The amounts entered below (the rest to prepaid)")),
        ],
        initial=ALLOCATE_OLDEST,
    )

    def __init__(self, *args: Any, invoices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate
        for invoice in invoices:  # one amount per open invoice, for a manual allocation
            self.fields[f"invoice_{invoice.pk}"] = _money(
                _("%(number)s (open ¥%(open)s)")
                % {"number": invoice.number, "open": invoice.open_amount},
                required=False,
                min_value=Decimal("0.01"),
            )
        self.order_fields(list(self.fields))

    def allocations(self) -> list[tuple[int, Any]] | None:
        """The (invoice id, amount) pairs of a manual allocation; None otherwise."""
        data = self.cleaned_data
        if data.get("allocate") != ALLOCATE_MANUAL:
            return None
        return [
            (int(key.removeprefix("invoice_")), value)
            for key, value in data.items()
            if key.startswith("invoice_") and value
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("allocate") == ALLOCATE_MANUAL and not self.allocations():
            self.add_error("allocate", _("Enter an amount against at least one invoice."))
        return data


class AdjustmentForm(StyledForm):
    account = forms.ChoiceField(
        label=_("Balance"),
        choices=[(a.value, a.label) for a in Account if a in ADJUSTABLE_ACCOUNTS],
    )
    amount = _money(_("Amount (negative to take off)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SlipForm(StyledForm):
    amount = _money(_("Amount transferred"))
    received_on = forms.DateField(label=_("Transferred on"), widget=DateInput())
    reference = forms.CharField(label=_("Bank reference"), max_length=80, required=False)
    slip = forms.FileField(
        label=_("Transfer slip (JPG, PNG or PDF, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate

    def clean_received_on(self) -> Any:
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A transfer cannot be made in the future."))
        return day

    def clean_slip(self) -> Any:
        """The service's check (real type from the first bytes, size), early on the form."""
        upload = self.cleaned_data["slip"]
        try:
            document_kind(upload, field="slip")
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class LedgerFilterForm(StyledForm):
    account = forms.ChoiceField(
        label=_("Balance"), choices=BLANK + list(Account.choices), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=BLANK + list(EntryKind.choices), required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())


class MonthField(forms.DateField):
    """A month as <input type="month"> (YYYY-MM), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]


def last_month() -> Any:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


class StatementGenerateForm(StyledForm):
    seller: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("Seller"),
        queryset=Org.objects.none(),
        empty_label=None,
    )
    period = MonthField(label=_("Month"))

    def __init__(self, *args: Any, sellers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seller"].queryset = sellers  # type: ignore[attr-defined]
        self.fields["period"].initial = last_month


class StatementFilterForm(StyledForm):
    period = MonthField(label=_("Month"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + list(StatementStatus.choices)
    )
    q = forms.CharField(label=_("Buyer or number"), required=False, max_length=60)


class StatementAnswerForm(StyledForm):
    text = forms.CharField(
        label=_("Answer"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    adjust_account = forms.ChoiceField(
        label=_("Adjust balance (optional)"),
        required=False,
        choices=BLANK + [(a.value, a.label) for a in Account if a in ADJUSTABLE_ACCOUNTS],
    )
    adjust_amount = _money(_("Adjustment (negative to take off)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("adjust_amount") is not None and not data.get("adjust_account"):
            self.add_error("adjust_account", _("Choose the balance to adjust."))
        return data
