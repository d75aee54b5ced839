"""The ledger core every finance write posts through: the business document an entry belongs
to, the errors, amount checking, `_post` (one entry plus the cached balance, position locked),
the seller-side permission check and the outbox event."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_FINANCE
from qudao.core.errors import Conflict, DomainError, ValidationFailed
from qudao.core.money import MAX_AMOUNT
from qudao.core.services import event_record
from qudao.finance.constants import Account
from qudao.finance.models import BALANCE_FIELD, LedgerEntry, Position
from qudao.network import scope


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


class CreditRefused(DomainError):
    """The order does not fit the credit: the message carries limit, exposure and amount."""

    code = "credit_refused"
    status = 409


class CreditHold(CreditRefused):
    code = "credit_hold"


@dataclass(frozen=True)
class Doc:
    """The business document an entry belongs to (an order, a shipment, a payment)."""

    type: str = ""
    id: str = ""
    number: str = ""


def _not_too_large(value: Decimal, field: str) -> Decimal:
    """Larger would overflow the money columns, and rounding it raised (a server error)."""
    if abs(value) > MAX_AMOUNT:
        message = _("The amount is too large.")
        raise ValidationFailed(message, code="invalid_amount", fields={field: [message]})
    return value


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError) as exc:
        raise ValidationFailed(
            _("Enter an amount."), code="invalid_amount", fields={field: [_("Enter an amount.")]}
        ) from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed(
            _("The amount must be more than 0."),
            code="amount_not_positive",
            fields={field: [_("The amount must be more than 0.")]},
        )
    _not_too_large(amount, field)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("At most 2 decimals."),
            code="invalid_amount",
            fields={field: [_("At most 2 decimals.")]},
        )
    return amount


def _post(
    position: Position,
    account: str,
    kind: str,
    amount: Decimal,
    *,
    actor: Any,
    doc: Doc = Doc(),
    memo: str = "",
    reversal_of: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append one entry and move the cached balance by the same amount (position locked)."""
    name = BALANCE_FIELD[Account(account)]
    new = getattr(position, name) + amount
    if new < 0 and account != Account.RECEIVABLE:
        raise InsufficientBalance(
            _("The %(account)s is %(balance)s; %(amount)s cannot be taken from it.")
            % {
                "account": Account(account).label,
                "balance": getattr(position, name),
                "amount": -amount,
            },
        )
    # The row is locked (lock_position), so the exact new value is written; SQL arithmetic on
    # SQLite's float-backed decimals could leave -0.0000001 and trip the CHECK constraint.
    Position.objects.filter(pk=position.pk).update(**{name: new})
    setattr(position, name, new)
    return LedgerEntry.objects.create(
        position=position,
        account=account,
        kind=kind,
        amount=amount,
        balance_after=new,
        doc_type=doc.type,
        doc_id=str(doc.id),
        doc_number=doc.number,
        memo=memo[:200],
        reversal_of=reversal_of,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _seller_side(actor: Any, position: Position) -> None:
    scope.require(actor, MANAGE_FINANCE, position.seller)


def _event(topic: str, position: Position, **payload: Any) -> None:
    event_record(
        topic,
        {
            "position_id": position.pk,
            "buyer_id": position.buyer_id,
            "seller_id": position.seller_id,
            **payload,
        },
    )
