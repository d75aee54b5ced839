"""Balances: paying orders from the prepaid or rebate balance, rebate credits, refunds,
manual adjustments, and reversing an entry by its opposite."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qudao.core.errors import Conflict, ValidationFailed
from qudao.core.services import audit_record
from qudao.finance.constants import ADJUSTABLE_ACCOUNTS, Account, EntryKind
from qudao.finance.locks import lock_position
from qudao.finance.models import LedgerEntry, Position
from qudao.finance.services._ledger import Doc, _amount, _event, _post, _seller_side
from qudao.network.models import Org


@transaction.atomic
def balance_debit(
    *, actor: Any, buyer: Org, seller: Org, account: str, amount: Any, doc: Doc
) -> LedgerEntry:
    """Pay part of an order from the prepaid or the rebate balance; never below zero."""
    if account not in (Account.PREPAID, Account.REBATE):
        raise ValidationFailed(
            _("Only the prepaid or the rebate balance pays orders."), code="invalid_account"
        )
    value = _amount(amount)
    position = lock_position(buyer=buyer, seller=seller)
    kind = EntryKind.ORDER_DEBIT if account == Account.PREPAID else EntryKind.REBATE_DEBIT
    entry = _post(position, account, kind, -value, actor=actor, doc=doc)
    _event("balance.debited", position, account=account, amount=str(value), doc=doc.number)
    return entry


@transaction.atomic
def entry_reverse(*, actor: Any, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Undo an entry by its opposite; an entry is reversed once at most."""
    if not reason.strip():
        raise ValidationFailed(_("Give a reason."), code="reason_required")
    position = lock_position(buyer=entry.position.buyer, seller=entry.position.seller)
    if LedgerEntry.objects.filter(reversal_of=entry).exists() or entry.reversal_of_id:
        raise Conflict(
            _("This entry is already reversed, or is a reversal."), code="already_reversed"
        )
    reversal = _post(
        position,
        entry.account,
        EntryKind.REVERSAL,
        -entry.amount,
        actor=actor,
        doc=Doc(entry.doc_type, entry.doc_id, entry.doc_number),
        memo=reason.strip(),
        reversal_of=entry,
    )
    audit_record(
        actor=actor,
        action="ledger_entry.reversed",
        instance=position,
        changes={"entry": [None, entry.pk], "reason": [None, reason.strip()]},
    )
    return reversal


@transaction.atomic
def balance_adjust(
    *, actor: Any, position: Position, account: str, amount: Any, reason: str
) -> LedgerEntry:
    """A manual correction with a required reason; `amount` is signed."""
    _seller_side(actor, position)
    if account not in ADJUSTABLE_ACCOUNTS:
        raise ValidationFailed(
            _("Choose the prepaid, rebate or receivable balance."), code="invalid_account"
        )
    if not reason.strip():
        raise ValidationFailed(
            _("Give a reason."), code="reason_required", fields={"reason": [_("Give a reason.")]}
        )
    signed = Decimal(str(amount))
    _amount(abs(signed))
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    entry = _post(locked, account, EntryKind.ADJUSTMENT, signed, actor=actor, memo=reason.strip())
    audit_record(
        actor=actor,
        action="balance.adjusted",
        instance=locked,
        changes={
            "account": [None, account],
            "amount": [None, str(signed)],
            "reason": [None, reason.strip()],
        },
    )
    return entry


@transaction.atomic
def rebate_credit(*, actor: Any, position: Position, amount: Any, memo: str) -> LedgerEntry:
    """Settled rebates post to the rebate balance (later usable on orders up to the cap)."""
    _seller_side(actor, position)
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    return _post(
        locked, Account.REBATE, EntryKind.REBATE_CREDIT, _amount(amount), actor=actor, memo=memo
    )


@transaction.atomic
def rebate_settle(*, buyer: Org, seller: Org, amount: Any, memo: str, doc: Doc) -> LedgerEntry:
    """A rebate computed by the system and settled on schedule (a group-buy's final tier;
    later, rebate programs): posted to the buyer's rebate balance with the document that
    settled it. No person acts, so there is no permission check: only scheduled steps of the
    app that computed the amount call it."""
    locked = lock_position(buyer=buyer, seller=seller)
    entry = _post(
        locked,
        Account.REBATE,
        EntryKind.REBATE_CREDIT,
        _amount(amount),
        actor=None,
        memo=memo,
        doc=doc,
    )
    _event("rebate.settled", locked, amount=str(entry.amount), doc=doc.number)
    return entry


@transaction.atomic
def refund(*, actor: Any, position: Position, amount: Any, memo: str) -> LedgerEntry:
    """Pay prepaid money back to the buyer."""
    _seller_side(actor, position)
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    entry = _post(
        locked, Account.PREPAID, EntryKind.REFUND, -_amount(amount), actor=actor, memo=memo
    )
    audit_record(
        actor=actor,
        action="refund.paid",
        instance=locked,
        changes={"amount": [None, str(-entry.amount)]},
    )
    return entry
