"""Forms of the documents, contracts and grading pages: they parse what a person typed; the
services check the rules and refuse with errors that land on the fields they name."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.catalog.selectors import category_choices
from qudao.core.forms import StyledForm
from qudao.dealers.constants import DEFAULT_WEIGHTS, ContractStatus, Dimension, DocumentKind
from qudao.dealers.selectors.contracts import DOCUMENT_STATES
from qudao.network.constants import Grade
from qudao.network.models import Org

BLANK: list[tuple[str, Any]] = [("", "—")]
STATE_LABELS = {
    "expired": _("Expired"),
    "expiring": _("Expiring within 30 days"),
    "valid": _("Valid for more than 30 days"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- documents ------------------------------------------------------------------------------


class DocumentFilterForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=BLANK + DocumentKind.choices)
    state = forms.ChoiceField(
        label=_("Expiry"),
        required=False,
        choices=BLANK + [(s, STATE_LABELS[s]) for s in DOCUMENT_STATES],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


class DocumentForm(StyledForm):
    """A new paper (with its kind) or the renewal of one (`renewal`: the kind is fixed)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=100,
        help_text=_("Left blank: the kind's name."),
    )
    number = forms.CharField(label=_("Document number"), required=False, max_length=60)
    issued_on = forms.DateField(label=_("Date of issue"), required=False, widget=DateInput())
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_("Blank for a licence without an end date (长期)."),
    )
    file = forms.FileField(
        label=_("Scan"),
        required=False,
        help_text=_("JPG, PNG or PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def __init__(self, *args: Any, renewal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if renewal:
            del self.fields["kind"]


# --- contracts ------------------------------------------------------------------------------


class ContractFilterForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + ContractStatus.choices
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=60)


class ContractForm(StyledForm):
    seller = forms.ChoiceField(label=_("Seller"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    grade = forms.ChoiceField(label=_("Price grade"), required=False, choices=BLANK + Grade.choices)
    deposit = forms.DecimalField(
        label=_("Deposit"), required=False, min_value=Decimal("0"), decimal_places=2
    )
    policies = forms.CharField(
        label=_("Policies"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Rebates, territory, price rules the contract refers to."),
    )
    file = forms.FileField(
        label=_("Signed contract"),
        required=False,
        help_text=_("JPG, PNG or PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def __init__(self, *args: Any, sellers: list[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seller"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(s.pk), s.name) for s in sellers]


class TargetForm(StyledForm):
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=BLANK + [(q, f"Q{q}") for q in (1, 2, 3, 4)],
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    amount = forms.DecimalField(label=_("Amount"), required=False, decimal_places=2)
    units = forms.IntegerField(label=_("Units"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All products")), *categories]

    def row(self) -> dict[str, Any] | None:
        """The service's target, or None for a row left blank."""
        data = self.cleaned_data
        if not any(data.get(k) not in (None, "") for k in ("quarter", "amount", "units")):
            return None
        return {
            "quarter": data.get("quarter") or 0,
            "category": data.get("category"),
            "amount": data.get("amount"),
            "units": data.get("units"),
        }


BaseTargetFormSet = forms.formset_factory(TargetForm, extra=4, max_num=100)


def target_formset(actor: Any, data: Any = None, *, initial: Any = None) -> Any:
    """The contract form's target rows (four empty ones to fill, after the saved ones)."""
    return BaseTargetFormSet(
        data,
        prefix="targets",
        initial=initial,
        form_kwargs={"categories": category_choices(actor=actor)},
    )


# --- grading --------------------------------------------------------------------------------


class WeightsForm(StyledForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dim, label in Dimension.choices:
            self.fields[dim] = forms.DecimalField(
                label=label,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                decimal_places=2,
                initial=DEFAULT_WEIGHTS[dim],
            )
        self.fields[Dimension.SERVICE].help_text = _(
            "No data yet: every dealer scores a neutral 80 here."
        )
        self.style_fields()


class RunForm(StyledForm):
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(label=_("To"), widget=DateInput())
