"""Credit: a buyer's profile with its seller (limit, payment term, overdue policy), temporary
limits, and freezing / releasing credit for orders with the check's refusal text."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_FINANCE
from qudao.core.errors import ValidationFailed
from qudao.core.money import money
from qudao.core.services import audit_record, changes_between, snapshot
from qudao.finance.constants import Account, EntryKind, Outcome, OverdueMode
from qudao.finance.locks import lock_position
from qudao.finance.models import LedgerEntry, Position, TemporaryLimit
from qudao.finance.selectors import CreditDecision, credit_check
from qudao.finance.services._ledger import (
    CreditHold,
    CreditRefused,
    Doc,
    _amount,
    _event,
    _not_too_large,
    _post,
    _seller_side,
)
from qudao.network import scope
from qudao.network.models import Org

PROFILE_FIELDS = (
    "credit_limit",
    "payment_term_days",
    "overdue_days",
    "overdue_amount",
    "overdue_mode",
)


def _clean_profile(data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "credit_limit" in data:
        limit = Decimal(str(data["credit_limit"] or 0))
        if limit < 0:
            raise ValidationFailed(_("The credit limit cannot be negative."), code="invalid_limit")
        clean["credit_limit"] = money(_not_too_large(limit, "credit_limit"))
    for key in ("payment_term_days", "overdue_days"):
        if key in data:
            clean[key] = int(data[key] or 0)
            if not 0 <= clean[key] <= 365:
                raise ValidationFailed(
                    _("Between 0 and 365 days."),
                    code="invalid_days",
                    fields={key: [_("Between 0 and 365 days.")]},
                )
    if "overdue_amount" in data:
        value = data["overdue_amount"]
        clean["overdue_amount"] = (
            None
            if value in (None, "")
            else money(_not_too_large(Decimal(str(value)), "overdue_amount"))
        )
    if "overdue_mode" in data:
        if data["overdue_mode"] not in OverdueMode.values:
            raise ValidationFailed(_("Choose warn, hold or block."), code="invalid_mode")
        clean["overdue_mode"] = data["overdue_mode"]
    return clean


@transaction.atomic
def credit_profile_set(*, actor: Any, buyer: Org, seller: Org, data: Mapping[str, Any]) -> Position:
    """Limit, payment term and overdue policy of a buyer with this seller."""
    scope.require(actor, MANAGE_FINANCE, seller)
    return _profile_write(actor=actor, buyer=buyer, seller=seller, data=data)


@transaction.atomic
def credit_terms_apply(
    *, actor: Any, buyer: Org, seller: Org, credit_limit: Any, payment_term_days: int, rule: str
) -> Position:
    """The brand's terms for a dealer grade (limit and payment term), applied by rule when the
    dealer's grade is set. Called by the dealers service that sets the grade, which checks its
    own permission (the channel team grades; the terms are the brand's, not a person's
    choice); the audit row names the rule."""
    return _profile_write(
        actor=actor,
        buyer=buyer,
        seller=seller,
        data={"credit_limit": credit_limit, "payment_term_days": payment_term_days},
        rule=rule,
    )


def _profile_write(
    *, actor: Any, buyer: Org, seller: Org, data: Mapping[str, Any], rule: str = ""
) -> Position:
    position = lock_position(buyer=buyer, seller=seller)
    before = snapshot(position, PROFILE_FIELDS)
    clean = _clean_profile(data)
    for key, value in clean.items():
        setattr(position, key, value)
    changes = changes_between(before, snapshot(position, PROFILE_FIELDS))
    if changes:
        position.save(update_fields=[*clean, "updated_at"])
        if rule:
            changes["rule"] = [None, rule]
        audit_record(
            actor=actor, action="credit_profile.updated", instance=position, changes=changes
        )
        _event("credit_profile.updated", position, **({"rule": rule} if rule else {}))
    return position


@transaction.atomic
def temporary_limit_grant(
    *,
    actor: Any,
    position: Position,
    amount: Any,
    valid_from: datetime,
    valid_until: datetime,
    reason: str,
) -> TemporaryLimit:
    """Extra credit in a window; windows may overlap and stop counting by themselves."""
    _seller_side(actor, position)
    value = _amount(amount)
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise ValidationFailed(_("Give a date and time with its time zone."), code="naive_time")
    if valid_until <= valid_from:
        raise ValidationFailed(
            _("The end must come after the start."),
            code="invalid_window",
            fields={"valid_until": [_("The end must come after the start.")]},
        )
    if not reason.strip():
        raise ValidationFailed(
            _("Give a reason."), code="reason_required", fields={"reason": [_("Give a reason.")]}
        )
    lock_position(buyer=position.buyer, seller=position.seller)
    limit = TemporaryLimit.objects.create(
        position=position,
        amount=value,
        valid_from=valid_from,
        valid_until=valid_until,
        reason=reason.strip()[:200],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="temporary_limit.created",
        instance=position,
        changes={
            "temporary_limit": [None, f"+{value} {valid_from:%Y-%m-%d}–{valid_until:%Y-%m-%d}"]
        },
    )
    _event("temporary_limit.created", position, amount=str(value))
    return limit


def _refusal(decision: CreditDecision) -> str:
    return _(
        "Credit check: limit %(limit)s + temporary %(temporary)s − exposure %(exposure)s = "
        "available %(available)s; this order needs %(amount)s; overdue %(overdue)s "
        "(%(days)s days)."
    ) % {
        "limit": decision.credit_limit,
        "temporary": decision.temporary,
        "exposure": decision.exposure,
        "available": decision.available,
        "amount": decision.amount,
        "overdue": decision.overdue_amount,
        "days": decision.max_days_overdue,
    }


@transaction.atomic
def credit_freeze(
    *, actor: Any, buyer: Org, seller: Org, amount: Any, doc: Doc, approved: bool = False
) -> tuple[LedgerEntry, CreditDecision]:
    """Freeze credit for an approved order after checking it again under the position's lock.
    Refusals raise with the numbers; a hold raises unless an approver has `approved` it."""
    value = _amount(amount)
    position = lock_position(buyer=buyer, seller=seller)
    decision = credit_check(position=position, amount=value)
    if decision.outcome == Outcome.REFUSE:
        raise CreditRefused(_refusal(decision), reasons=",".join(decision.reasons))
    if decision.outcome == Outcome.HOLD and not approved:
        raise CreditHold(_refusal(decision), reasons=",".join(decision.reasons))
    entry = _post(position, Account.FROZEN, EntryKind.FREEZE, value, actor=actor, doc=doc)
    _event("credit.frozen", position, amount=str(value), doc=doc.number)
    return entry, decision


@transaction.atomic
def credit_release(*, actor: Any, buyer: Org, seller: Org, amount: Any, doc: Doc) -> LedgerEntry:
    """Release frozen credit (order shipped, cancelled or rejected)."""
    value = _amount(amount)
    position = lock_position(buyer=buyer, seller=seller)
    entry = _post(position, Account.FROZEN, EntryKind.RELEASE, -value, actor=actor, doc=doc)
    _event("credit.released", position, amount=str(value), doc=doc.number)
    return entry
