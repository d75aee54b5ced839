"""The deposit (保证金) a buyer lodges with its seller: received when a dealer is onboarded,
refunded when it closes, less any penalty the seller keeps. Its own account on the position,
never used to pay orders and never adjusted by hand."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qudao.core.errors import ValidationFailed
from qudao.core.money import money
from qudao.core.services import audit_record
from qudao.finance.constants import Account, EntryKind
from qudao.finance.locks import lock_position
from qudao.finance.models import LedgerEntry, Position
from qudao.finance.services._ledger import (
    InsufficientBalance,
    _amount,
    _event,
    _post,
    _seller_side,
)

ZERO = Decimal("0.00")


def _optional_amount(value: Any, field: str) -> Decimal:
    """0 or a positive amount with at most 2 decimals (a penalty or refund may be nothing)."""
    if value in (None, "", 0, "0", ZERO):
        return ZERO
    try:
        if Decimal(str(value)) == 0:
            return ZERO
    except (ArithmeticError, ValueError):
        pass
    return _amount(value, field)


@transaction.atomic
def deposit_receive(*, actor: Any, position: Position, amount: Any, memo: str = "") -> LedgerEntry:
    """The buyer paid its deposit: the deposit balance grows by `amount`. The position may be
    one not saved yet (buyer and seller set): it is created on first use, as every write
    here does."""
    _seller_side(actor, position)
    value = _amount(amount)
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    before = locked.deposit_balance
    entry = _post(
        locked, Account.DEPOSIT, EntryKind.DEPOSIT_RECEIVED, value, actor=actor, memo=memo.strip()
    )
    position.deposit_balance = locked.deposit_balance
    audit_record(
        actor=actor,
        action="deposit.received",
        instance=locked,
        changes={"deposit_balance": [str(before), str(locked.deposit_balance)]},
    )
    _event("deposit.received", locked, amount=str(value), balance=str(locked.deposit_balance))
    return entry


@transaction.atomic
def deposit_refund(
    *, actor: Any, position: Position, amount: Any, penalty: Any = 0, memo: str = ""
) -> list[LedgerEntry]:
    """Give the deposit back: `amount` refunded to the buyer and `penalty` kept by the seller
    (each may be 0, not both); together at most the deposit balance. One entry per part."""
    _seller_side(actor, position)
    refunded = _optional_amount(amount, "amount")
    kept = _optional_amount(penalty, "penalty")
    if refunded + kept == 0:
        raise ValidationFailed(
            _("The amount must be more than 0."),
            code="amount_not_positive",
            fields={"amount": [_("The amount must be more than 0.")]},
        )
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    before = locked.deposit_balance
    if refunded + kept > before:
        raise InsufficientBalance(
            _(
                "The deposit is %(balance)s; %(refund)s refunded and %(penalty)s kept "
                "cannot be taken from it."
            )
            % {"balance": before, "refund": money(refunded), "penalty": money(kept)}
        )
    entries = []
    if refunded:
        entries.append(
            _post(
                locked,
                Account.DEPOSIT,
                EntryKind.DEPOSIT_REFUND,
                -refunded,
                actor=actor,
                memo=memo.strip(),
            )
        )
    if kept:
        entries.append(
            _post(
                locked,
                Account.DEPOSIT,
                EntryKind.DEPOSIT_PENALTY,
                -kept,
                actor=actor,
                memo=memo.strip(),
            )
        )
    position.deposit_balance = locked.deposit_balance
    audit_record(
        actor=actor,
        action="deposit.refunded",
        instance=locked,
        changes={
            "deposit_balance": [str(before), str(locked.deposit_balance)],
            "refund": [None, str(money(refunded))],
            "penalty": [None, str(money(kept))],
        },
    )
    _event(
        "deposit.refunded",
        locked,
        amount=str(money(refunded)),
        penalty=str(money(kept)),
        balance=str(locked.deposit_balance),
    )
    return entries
