"""Receivables: invoices and credit notes, payments (recorded by finance, or a buyer's slip
confirmed or rejected), and their allocation to open invoices — oldest due first or as given,
the rest to the prepaid balance."""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import VIEW_FINANCE
from qudao.core.errors import NotFound, PermissionDenied, ValidationFailed, check_transition
from qudao.core.files import document_kind, random_name
from qudao.core.numbering import next_gapless_number, next_number
from qudao.core.services import audit_record
from qudao.finance.constants import (
    PAYMENT_PIPELINE,
    Account,
    EntryKind,
    InvoiceKind,
    PaymentMethod,
    PaymentStatus,
)
from qudao.finance.locks import lock_position
from qudao.finance.models import Allocation, Invoice, Payment, Position
from qudao.finance.services._ledger import Doc, _amount, _event, _post, _seller_side
from qudao.finance.services.statements import period_check_open
from qudao.network import scope
from qudao.network.models import Org


@transaction.atomic
def invoice_post(
    *,
    actor: Any,
    buyer: Org,
    seller: Org,
    amount: Any,
    issued_on: date | None = None,
    source: Doc = Doc(),  # noqa: B008 — Doc is a frozen dataclass (_ledger)
    memo: str = "",
) -> Invoice:
    """A receivable for a shipment: gap-free number, due date = issue date + payment term."""
    value = _amount(amount)
    position = lock_position(buyer=buyer, seller=seller)
    issued = issued_on or timezone.localdate()
    period_check_open(position, issued)
    invoice = Invoice.objects.create(
        position=position,
        kind=InvoiceKind.INVOICE,
        number=next_gapless_number("INV"),
        amount=value,
        open_amount=value,
        issued_on=issued,
        due_on=issued + timedelta(days=position.payment_term_days),
        source_type=source.type,
        source_id=str(source.id),
        memo=memo[:200],
    )
    _post(
        position,
        Account.RECEIVABLE,
        EntryKind.INVOICE,
        value,
        actor=actor,
        doc=Doc("invoice", str(invoice.pk), invoice.number),
        memo=memo,
    )
    _event("invoice.posted", position, invoice_id=invoice.pk, amount=str(value))
    return invoice


def _open_invoices(position: Position) -> list[Invoice]:
    return list(
        Invoice.objects.select_for_update()
        .filter(position=position, kind=InvoiceKind.INVOICE, open_amount__gt=0)
        .order_by("due_on", "issued_on", "id")
    )


def _plan_allocations(
    position: Position, total: Decimal, manual: Iterable[tuple[int, Any]] | None
) -> list[tuple[Invoice, Decimal]]:
    """Oldest due first, or the given (invoice id, amount) pairs, checked for over-allocation
    and for invoices of another position."""
    invoices = _open_invoices(position)
    if manual is None:
        plan, left = [], total
        for invoice in invoices:
            if left <= 0:
                break
            take = min(left, invoice.open_amount)
            plan.append((invoice, take))
            left -= take
        return plan
    by_id = {i.pk: i for i in invoices}
    plan = []
    for invoice_id, amount in manual:
        found = by_id.get(int(invoice_id))
        if found is None:
            raise NotFound(
                _("Invoice %(id)s is not an open invoice of this buyer.") % {"id": invoice_id},
                code="invoice_not_of_position",
            )
        invoice = found
        take = _amount(amount)
        if take > invoice.open_amount:
            raise ValidationFailed(
                _("%(number)s has %(open)s open; %(amount)s is too much.")
                % {"number": invoice.number, "open": invoice.open_amount, "amount": take},
                code="over_allocation",
            )
        plan.append((invoice, take))
    if sum((t for _i, t in plan), Decimal("0")) > total:
        raise ValidationFailed(
            _("The allocations add up to more than the payment."), code="over_allocation"
        )
    return plan


def _apply(
    position: Position,
    total: Decimal,
    plan: list[tuple[Invoice, Decimal]],
    *,
    actor: Any,
    doc: Doc,
    kind: str,
    payment: Payment | None = None,
    credit_note: Invoice | None = None,
    rest_kind: str = EntryKind.OVERPAYMENT,
) -> None:
    allocated = Decimal("0.00")
    for invoice, take in plan:
        invoice.open_amount -= take  # locked by _open_invoices (select_for_update)
        invoice.save(update_fields=["open_amount"])
        Allocation.objects.create(
            payment=payment, credit_note=credit_note, invoice=invoice, amount=take
        )
        allocated += take
    if allocated:
        _post(position, Account.RECEIVABLE, kind, -allocated, actor=actor, doc=doc)
    if total > allocated:  # beyond the open invoices: the buyer's prepaid balance
        _post(
            position,
            Account.PREPAID,
            rest_kind,
            total - allocated,
            actor=actor,
            doc=doc,
        )


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    position: Position,
    amount: Any,
    method: str,
    received_on: date,
    reference: str = "",
    allocations: Iterable[tuple[int, Any]] | None = None,
    to_prepaid: bool = False,
) -> Payment:
    """Money received: allocated to open invoices oldest first (or as given), the rest — or
    all of it, for a top-up — to the prepaid balance."""
    _seller_side(actor, position)
    value = _amount(amount)
    if method not in PaymentMethod.values:
        raise ValidationFailed(_("Choose a payment method."), code="invalid_method")
    if received_on > timezone.localdate():
        raise ValidationFailed(
            _("A payment cannot be received in the future."), code="future_payment"
        )
    locked = lock_position(buyer=position.buyer, seller=position.seller)
    period_check_open(locked, received_on)
    payment = Payment.objects.create(
        position=locked,
        number=next_number("PAY"),
        method=method,
        amount=value,
        received_on=received_on,
        reference=reference[:80],
        status=PaymentStatus.CONFIRMED,
        created_by=actor,
    )
    plan = [] if to_prepaid else _plan_allocations(locked, value, allocations)
    _apply(
        locked,
        value,
        plan,
        actor=actor,
        doc=Doc("payment", str(payment.pk), payment.number),
        kind=EntryKind.PAYMENT,
        payment=payment,
        # a deliberate top-up reads as one in the ledger, not as money left over
        rest_kind=EntryKind.TOPUP if to_prepaid else EntryKind.OVERPAYMENT,
    )
    audit_record(
        actor=actor,
        action="payment.recorded",
        instance=payment,
        changes={"amount": [None, str(value)], "method": [None, method]},
    )
    _event("payment.recorded", locked, payment_id=payment.pk, amount=str(value))
    return payment


@transaction.atomic
def payment_submit_slip(
    *,
    actor: Any,
    position: Position,
    amount: Any,
    received_on: date,
    reference: str,
    slip: Any = None,
) -> Payment:
    """The buyer's own people report a bank transfer (with its slip); the seller's finance
    confirms or rejects it. Someone above both sides (a region manager) only reads. The slip
    must be a JPG, PNG or PDF by its content, at most 5 MB (`file_type_not_allowed`,
    `file_too_large`); it is kept in private storage under a random name."""
    scope.require(actor, VIEW_FINANCE, position.buyer)
    if scope.can(actor, VIEW_FINANCE, position.seller):
        raise PermissionDenied(_("The seller's side records payments directly."))
    slip_kind = document_kind(slip, field="slip") if slip is not None else None
    value = _amount(amount)
    if received_on > timezone.localdate():
        raise ValidationFailed(
            _("A payment cannot be received in the future."), code="future_payment"
        )
    period_check_open(position, received_on)
    payment = Payment.objects.create(
        position=position,
        number=next_number("PAY"),
        method=PaymentMethod.BANK_TRANSFER,
        amount=value,
        received_on=received_on,
        reference=reference[:80],
        status=PaymentStatus.PENDING,
        created_by=actor,
    )
    if slip is not None and slip_kind is not None:
        payment.slip.save(random_name(slip_kind), slip, save=True)
    audit_record(
        actor=actor,
        action="payment.submitted",
        instance=payment,
        changes={"amount": [None, str(value)]},
    )
    _event("payment.submitted", position, payment_id=payment.pk)
    return payment


@transaction.atomic
def payment_confirm(
    *, actor: Any, payment: Payment, allocations: Iterable[tuple[int, Any]] | None = None
) -> Payment:
    _seller_side(actor, payment.position)
    locked = lock_position(buyer=payment.position.buyer, seller=payment.position.seller)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    check_transition(PAYMENT_PIPELINE, payment.status, PaymentStatus.CONFIRMED)
    period_check_open(locked, payment.received_on)
    payment.status = PaymentStatus.CONFIRMED
    payment.save(update_fields=["status"])
    plan = _plan_allocations(locked, payment.amount, allocations)
    _apply(
        locked,
        payment.amount,
        plan,
        actor=actor,
        doc=Doc("payment", str(payment.pk), payment.number),
        kind=EntryKind.PAYMENT,
        payment=payment,
    )
    audit_record(
        actor=actor,
        action="payment.confirmed",
        instance=payment,
        changes={"status": [PaymentStatus.PENDING, PaymentStatus.CONFIRMED]},
    )
    _event("payment.confirmed", locked, payment_id=payment.pk)
    return payment


@transaction.atomic
def payment_reject(*, actor: Any, payment: Payment, reason: str) -> Payment:
    _seller_side(actor, payment.position)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    check_transition(PAYMENT_PIPELINE, payment.status, PaymentStatus.REJECTED)
    if not reason.strip():
        raise ValidationFailed(_("Give a reason."), code="reason_required")
    payment.status, payment.note = PaymentStatus.REJECTED, reason.strip()[:200]
    payment.save(update_fields=["status", "note"])
    audit_record(
        actor=actor,
        action="payment.rejected",
        instance=payment,
        changes={"status": [PaymentStatus.PENDING, PaymentStatus.REJECTED]},
    )
    _event("payment.rejected", payment.position, payment_id=payment.pk)
    return payment


@transaction.atomic
def credit_note_post(
    *,
    actor: Any,
    buyer: Org,
    seller: Org,
    amount: Any,
    source: Doc = Doc(),  # noqa: B008 — Doc is a frozen dataclass (_ledger)
    memo: str = "",
) -> Invoice:
    """A credit for a return: applied to open invoices oldest first, the rest to prepaid."""
    value = _amount(amount)
    position = lock_position(buyer=buyer, seller=seller)
    today = timezone.localdate()
    note = Invoice.objects.create(
        position=position,
        kind=InvoiceKind.CREDIT_NOTE,
        number=next_gapless_number("CN"),
        amount=value,
        open_amount=0,
        issued_on=today,
        due_on=today,
        source_type=source.type,
        source_id=str(source.id),
        memo=memo[:200],
    )
    plan = _plan_allocations(position, value, None)
    _apply(
        position,
        value,
        plan,
        actor=actor,
        doc=Doc("credit_note", str(note.pk), note.number),
        kind=EntryKind.CREDIT_NOTE,
        credit_note=note,
    )
    _event("credit_note.posted", position, invoice_id=note.pk, amount=str(value))
    return note
