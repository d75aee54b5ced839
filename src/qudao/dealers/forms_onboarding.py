"""Forms of the onboarding pages: one per checklist item, suspension, and the grade terms."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qudao.core.forms import StyledForm
from qudao.dealers.models import Dealer, GradeTerms
from qudao.finance.constants import OverdueMode
from qudao.network.constants import Grade

BLANK = [("", "—")]


def _money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), required=required
    )


class ContractItemForm(StyledForm):
    file = forms.FileField(label=_("Signed contract (PDF or image, ≤ 5 MB)"))
    note = forms.CharField(label=_("Note"), max_length=150, required=False)


class OrgItemForm(StyledForm):
    code = forms.CharField(
        label=_("Org code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty for DL-<dealer number>."),
    )


class DepositItemForm(StyledForm):
    amount = _money(_("Deposit received (¥)"))
    memo = forms.CharField(label=_("Memo"), max_length=200, required=False)


class UsersItemForm(StyledForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    @classmethod
    def for_dealer(cls, dealer: Dealer, data: Any = None) -> "UsersItemForm":
        return cls(
            data,
            initial={
                "username": dealer.contact_phone,
                "display_name": dealer.contact_name,
                "mobile": dealer.contact_phone,
                "email": dealer.email,
            },
        )


class PriceGradeItemForm(StyledForm):
    grade = forms.ChoiceField(label=_("Price grade"), choices=Grade.choices)


class CreditItemForm(StyledForm):
    credit_limit = _money(_("Credit limit (¥)"))
    payment_term_days = forms.IntegerField(
        label=_("Payment term (days)"), min_value=0, max_value=365, initial=0
    )
    overdue_days = forms.IntegerField(
        label=_("Overdue tolerance (days)"), min_value=0, max_value=365, initial=30
    )
    overdue_mode = forms.ChoiceField(
        label=_("When overdue"), choices=OverdueMode.choices, initial=OverdueMode.HOLD
    )


class TerritoryItemForm(StyledForm):
    districts = forms.CharField(
        label=_("District codes"),
        help_text=_("Six-digit codes, separated by spaces or commas."),
        max_length=500,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    exclusive = forms.BooleanField(label=_("Exclusive"), required=False, initial=True)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [("", _("All categories")), *categories]

    def clean_districts(self) -> list[str]:
        return [c for c in re.split(r"[\s,，、;；]+", self.cleaned_data["districts"]) if c]


class SuspendForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReinstateForm(StyledForm):
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class GradeTermsForm(StyledForm):
    """One row per grade: a blank minimum score removes the grade's terms."""

    def __init__(self, *args: Any, current: dict[str, GradeTerms | None], **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for grade, terms in current.items():
            if terms is not None:
                initial[f"min_score_{grade}"] = terms.min_score
                initial[f"credit_limit_{grade}"] = terms.credit_limit
                initial[f"payment_term_days_{grade}"] = terms.payment_term_days
        super().__init__(*args, initial=initial, **kwargs)
        for grade in current:
            self.fields[f"min_score_{grade}"] = forms.DecimalField(
                label=_("Minimum score"),
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                decimal_places=2,
            )
            self.fields[f"credit_limit_{grade}"] = _money(_("Credit limit (¥)"), required=False)
            self.fields[f"payment_term_days_{grade}"] = forms.IntegerField(
                label=_("Payment term (days)"), required=False, min_value=0, max_value=365
            )
        self.grades = list(current)
        self.style_fields()

    def rows(self) -> list[tuple[str, Any, Any, Any]]:
        """(grade, its three bound fields) for the table."""
        return [
            (
                g,
                self[f"min_score_{g}"],
                self[f"credit_limit_{g}"],
                self[f"payment_term_days_{g}"],
            )
            for g in self.grades
        ]

    def terms(self) -> dict[str, dict[str, Any] | None]:
        data = self.cleaned_data
        result: dict[str, dict[str, Any] | None] = {}
        for g in self.grades:
            score = data.get(f"min_score_{g}")
            result[g] = (
                None
                if score is None
                else {
                    "min_score": score,
                    "credit_limit": data.get(f"credit_limit_{g}") or 0,
                    "payment_term_days": data.get(f"payment_term_days_{g}") or 0,
                }
            )
        return result
