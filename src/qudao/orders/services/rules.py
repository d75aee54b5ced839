"""A seller's approval rule: which steps hold a submitted order, and its other order
settings (rebate cap, receipt auto-confirm, closing delivered orders)."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_ORDER_RULES
from qudao.core.errors import ValidationFailed
from qudao.core.money import money
from qudao.core.services import audit_record, changes_between, event_record, snapshot
from qudao.network import scope
from qudao.network.models import Org
from qudao.orders.models import ApprovalRule

RULE_FIELDS = (
    "amount_enabled",
    "amount_threshold",
    "discount_enabled",
    "discount_threshold_pct",
    "credit_hold_enabled",
    "overdue_enabled",
    "first_order_enabled",
    "rebate_cap_pct",
    "auto_confirm_days",
    "complete_after_days",
)
FLAGS = (
    "amount_enabled",
    "discount_enabled",
    "credit_hold_enabled",
    "overdue_enabled",
    "first_order_enabled",
)
# field: (lowest, highest)
DAYS = {"auto_confirm_days": (1, 90), "complete_after_days": (1, 365)}


def _invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _decimal(data: Mapping[str, Any], field: str) -> Decimal | None:
    value = data[field]
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(field, _("Enter a number."), "invalid_number") from exc
    if not number.is_finite() or number < 0:
        raise _invalid(field, _("Enter a number of 0 or more."), "invalid_number")
    return number


def _percent(data: Mapping[str, Any], field: str) -> Decimal | None:
    number = _decimal(data, field)
    if number is not None and number > 100:
        raise _invalid(field, _("Between 0 and 100 %."), "invalid_percent")
    return number.quantize(Decimal("0.01")) if number is not None else None


def _days(data: Mapping[str, Any], key: str) -> int:
    low, high = DAYS[key]
    try:
        days = int(data[key])
    except (TypeError, ValueError) as exc:
        raise _invalid(key, _("Enter a number of days."), "invalid_days") from exc
    if not low <= days <= high:
        raise _invalid(
            key,
            _("Between %(low)s and %(high)s days.") % {"low": low, "high": high},
            "invalid_days",
        )
    return days


def _clean(data: Mapping[str, Any], rule: ApprovalRule) -> dict[str, Any]:
    clean: dict[str, Any] = {key: bool(data[key]) for key in FLAGS if key in data}
    if "amount_threshold" in data:
        amount = _decimal(data, "amount_threshold")
        clean["amount_threshold"] = money(amount) if amount is not None else None
    for key in ("discount_threshold_pct", "rebate_cap_pct"):
        if key in data:
            clean[key] = _percent(data, key)
    if "rebate_cap_pct" in clean and clean["rebate_cap_pct"] is None:
        raise _invalid("rebate_cap_pct", _("Give the cap."), "invalid_percent")
    clean.update({key: _days(data, key) for key in DAYS if key in data})
    merged = {key: clean.get(key, getattr(rule, key)) for key in RULE_FIELDS}
    if merged["amount_enabled"] and merged["amount_threshold"] is None:
        raise _invalid(
            "amount_threshold", _("Give the amount that needs approval."), "threshold_required"
        )
    if merged["discount_enabled"] and merged["discount_threshold_pct"] is None:
        raise _invalid(
            "discount_threshold_pct",
            _("Give the discount that needs approval."),
            "threshold_required",
        )
    return clean


@transaction.atomic
def approval_rule_set(*, actor: Any, seller: Org, data: Mapping[str, Any]) -> ApprovalRule:
    """Set a seller's approval steps (each can be switched off) and order settings; only
    the fields given change."""
    scope.require(actor, MANAGE_ORDER_RULES, seller)
    rule = ApprovalRule.objects.select_for_update().filter(seller=seller).first()
    rule = rule or ApprovalRule(seller=seller)
    before = snapshot(rule, RULE_FIELDS) if rule.pk else {}
    for key, value in _clean(data, rule).items():
        setattr(rule, key, value)
    changes = changes_between(before, snapshot(rule, RULE_FIELDS))
    if not changes and rule.pk:
        return rule
    rule.updated_by = actor if getattr(actor, "pk", None) else None
    rule.save()
    audit_record(actor=actor, action="approval_rule.updated", instance=rule, changes=changes)
    event_record("approval_rule.updated", {"seller_id": seller.pk, "fields": sorted(changes)})
    return rule
