"""How the numbers behind a hold reason read on the pages: labelled, in the user's language."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()

PARAM_LABELS = {
    "amount": gettext_lazy("amount"),
    "threshold": gettext_lazy("threshold"),
    "discount_pct": gettext_lazy("discount %"),
    "limit": gettext_lazy("credit limit"),
    "temporary": gettext_lazy("temporary limits"),
    "exposure": gettext_lazy("exposure"),
    "available": gettext_lazy("available credit"),
    "available_after": gettext_lazy("available after this order"),
    "overdue_amount": gettext_lazy("overdue"),
    "days_overdue": gettext_lazy("days overdue"),
}


@register.filter
def hold_numbers(params: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """(label, value) for each number of a hold, unknown keys as they are."""
    return [(str(PARAM_LABELS.get(key, key)), value) for key, value in (params or {}).items()]
