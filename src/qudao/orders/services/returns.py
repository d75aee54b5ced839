"""Returns and exchanges (DESIGN.md §6 step 7).

The buyer asks to return received goods (a reason, lines, the serials of tracked units); no
more than received minus returned and minus what other open returns claim, and each serial
must be one shipped on this order and received by the buyer. The seller approves or rejects.
The buyer sends the goods back from its warehouse (a return transit to the seller's); the
seller receives them and a credit note is posted for their value (applied to open invoices,
oldest first, the rest to the prepaid balance). An exchange posts no credit note: approving
it creates a linked replacement order for the same goods at no price difference (each line's
price taken back by an "exchange" adjustment), approved and reserved at once.
A buyer without a warehouse has nothing to send: the seller takes the goods back in directly.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import PLACE_ORDERS, SHIP_ORDERS
from qudao.core.errors import Conflict, ValidationFailed, check_transition
from qudao.core.money import money
from qudao.core.numbering import next_number
from qudao.finance import services as finance
from qudao.finance.services import Doc as FinanceDoc
from qudao.inventory import services as inventory
from qudao.inventory.selectors import parse_serials, warehouse_default_for
from qudao.inventory.services import Doc as StockDoc
from qudao.orders.constants import (
    DOC_RETURN,
    PENDING_RETURN_STATUSES,
    RETURN_PIPELINE,
    RETURNABLE_STATUSES,
    OrderKind,
    OrderStatus,
    ReturnKind,
    ReturnReason,
    ReturnStatus,
)
from qudao.orders.engine import parse_qty
from qudao.orders.locks import lock_order, lock_pair, lock_return
from qudao.orders.models import (
    LineAdjustment,
    Order,
    OrderLine,
    ReturnLine,
    ReturnRequest,
    ReturnSerial,
    ShipmentSerial,
)
from qudao.orders.services._common import (
    record,
    require_approver,
    require_buyer_side,
    require_on,
    require_reason,
    stock_doc,
)
from qudao.orders.services.approval import seller_warehouse
from qudao.orders.services.cancel import cancel

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReturnLineIn:
    """Units of one order line (its id) to send back, with their serials for tracked SKUs."""

    line_id: int
    qty: Any
    serials: Sequence[str] | str = ()


def _bad(message: str, code: str, field: str = "lines") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _claimed(order: Order) -> tuple[dict[int, int], dict[int, Decimal], set[str]]:
    """What open returns claim per order line, the value every return so far took of each
    line (received ones included), and the serials already on a return."""
    live = ReturnLine.objects.filter(ret__order=order).exclude(
        ret__status__in=(ReturnStatus.REJECTED, ReturnStatus.CANCELLED)
    )
    pending = dict(
        live.filter(ret__status__in=PENDING_RETURN_STATUSES)
        .order_by()
        .values("order_line_id")
        .annotate(s=Sum("qty"))
        .values_list("order_line_id", "s")
    )
    values = dict(
        live.order_by()
        .values("order_line_id")
        .annotate(s=Sum("amount"))
        .values_list("order_line_id", "s")
    )
    serials = set(ReturnSerial.objects.filter(line__in=live).values_list("serial", flat=True))
    return (
        {k: int(v) for k, v in pending.items()},
        {k: money(v) for k, v in values.items()},  # SQLite: float sums
        serials,
    )


def _check_serials(row: OrderLine, qty: int, serials: tuple[str, ...], taken: set[str]) -> None:
    if not row.sku.serial_tracked:
        if serials:
            raise _bad(
                _("%(sku)s is not serial-tracked: remove its serials.") % {"sku": row.sku.code},
                "serials_not_tracked",
            )
        return
    if len(serials) != qty or len(set(serials)) != qty:
        raise _bad(
            _("%(sku)s: give one serial per unit returned (%(n)s).")
            % {"sku": row.sku.code, "n": qty},
            "serial_count_mismatch",
        )
    shipped = set(
        ShipmentSerial.objects.filter(
            line__order_line=row, received=True, serial__in=serials
        ).values_list("serial", flat=True)
    )
    foreign = [s for s in serials if s not in shipped]
    if foreign:
        raise _bad(
            _("Not shipped to this buyer on this order: %(serials)s.")
            % {"serials": "、".join(foreign[:20])},
            "serial_not_shipped_to_buyer",
        )
    again = [s for s in serials if s in taken]
    if again:
        raise _bad(
            _("Already on a return: %(serials)s.") % {"serials": "、".join(again[:20])},
            "serial_already_returned",
        )


def _clean(
    order: Order, lines: Sequence[ReturnLineIn | tuple[Any, ...]]
) -> list[tuple[OrderLine, int, tuple[str, ...], Decimal]]:
    by_id = {row.pk: row for row in order.lines.select_related("sku")}
    pending, values, taken = _claimed(order)
    picked: list[tuple[OrderLine, int, tuple[str, ...], Decimal]] = []
    for raw in lines:
        item = raw if isinstance(raw, ReturnLineIn) else ReturnLineIn(*raw)
        row = by_id.get(int(item.line_id))
        if row is None or any(p[0].pk == row.pk for p in picked):
            raise _bad(
                _("Line %(id)s is not a line of this order, or is given twice.")
                % {"id": item.line_id},
                "line_not_in_order",
            )
        qty = parse_qty(item.qty)
        if qty is None or qty <= 0:
            raise _bad(
                _("%(sku)s: the quantity must be a whole number above 0.") % {"sku": row.sku.code},
                "qty_not_positive",
            )
        left = row.qty_received - row.qty_returned - pending.get(row.pk, 0)
        if qty > left:
            raise _bad(
                _("%(sku)s: %(left)s received and not yet returned, %(qty)s asked.")
                % {"sku": row.sku.code, "left": left, "qty": qty},
                "return_exceeds_received",
            )
        serials = tuple(parse_serials(item.serials or ()))
        _check_serials(row, qty, serials, taken)
        # the units that finish the line take whatever of its amount is left (no cent lost)
        last = row.qty_returned + pending.get(row.pk, 0) + qty == row.qty
        value = (
            money(row.amount - values.get(row.pk, ZERO))
            if last
            else money(row.amount * qty / row.qty)
        )
        picked.append((row, qty, serials, value))
    if not picked:
        raise _bad(_("Add at least one line."), "no_lines")
    return picked


@transaction.atomic
def return_request(
    *,
    actor: Any,
    order: Order,
    lines: Sequence[ReturnLineIn | tuple[Any, ...]],
    reason_code: str,
    reason: str,
    kind: str = ReturnKind.RETURN,
) -> ReturnRequest:
    """The buyer asks to send received goods back, for credit or (exchange) for the same
    goods again. Refused, nothing written: `return_exceeds_received`, `serial_count_mismatch`,
    `serial_not_shipped_to_buyer`, `serial_already_returned`, `reason_required`."""
    order = lock_order(order)
    require_on(actor, order, PLACE_ORDERS, order.buyer)
    if order.status not in RETURNABLE_STATUSES:
        raise Conflict(_("Only received goods can be returned."), code="order_not_returnable")
    if kind not in ReturnKind.values:
        raise _bad(_("Choose a return or an exchange."), "invalid_kind", "kind")
    if reason_code not in ReturnReason.values:
        raise _bad(_("Choose a reason."), "invalid_reason", "reason_code")
    text = require_reason(reason)
    picked = _clean(order, lines)
    ret = ReturnRequest.objects.create(
        number=next_number("RT"),
        order=order,
        kind=kind,
        reason_code=reason_code,
        reason=text,
        amount=sum((value for _r, _q, _s, value in picked), ZERO),
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    rows = ReturnLine.objects.bulk_create(
        [
            ReturnLine(ret=ret, order_line=row, sku=row.sku, qty=qty, amount=value)
            for row, qty, _s, value in picked
        ]
    )
    ReturnSerial.objects.bulk_create(
        [
            ReturnSerial(line=line, serial=serial)
            for line, (_row, _qty, serials, _v) in zip(rows, picked, strict=True)
            for serial in serials
        ]
    )
    _hold(actor, ret, order)
    record(
        actor=actor,
        action="return.requested",
        order=order,
        instance=ret,
        changes={
            "kind": [None, kind],
            "lines": [None, [[row.sku.code, qty] for row, qty, _s, _v in picked]],
            "reason": [None, f"{reason_code}: {text}"],
            "amount": [None, str(ret.amount)],
        },
        topic="return.requested",
        payload=_payload(ret),
    )
    return ret


def _hold(actor: Any, ret: ReturnRequest, order: Order) -> None:
    """The goods to send back are held in the buyer's warehouse from the request on (its
    frame numbers with them), so that they cannot be shipped or sold elsewhere meanwhile;
    refused (`insufficient_stock`, `serials_rejected`) when they are no longer there. A
    buyer without a warehouse holds nothing: the seller takes the goods back directly."""
    source = warehouse_default_for(org=order.buyer)
    if source is not None:
        inventory.stock_reserve(
            actor=actor, warehouse=source, lines=_stock_lines(ret), doc=_doc(ret)
        )


def _unhold(actor: Any, ret: ReturnRequest) -> None:
    inventory.stock_release(actor=actor, doc=_doc(ret))


def _payload(ret: ReturnRequest, **extra: Any) -> dict[str, Any]:
    return {
        "return_id": ret.pk,
        "return_number": ret.number,
        "kind": ret.kind,
        "return_status": ret.status,
        **extra,
    }


def _move(
    actor: Any, ret: ReturnRequest, target: str, changes: dict[str, Any], topic: str, **payload: Any
) -> None:
    order = ret.order
    record(
        actor=actor,
        action=topic,
        order=order,
        instance=ret,
        changes={"status": [changes.pop("_before"), target], **changes},
        topic=topic,
        payload=_payload(ret, **payload),
    )


def _replacement(*, actor: Any, ret: ReturnRequest, order: Order) -> Order:
    """The exchange's replacement order: the returned goods again, each line's price taken
    back by an "exchange" adjustment (net 0), approved and reserved at once."""
    now = timezone.now()
    warehouse = seller_warehouse(order)
    rows = list(ret.lines.select_related("order_line", "sku").order_by("id"))
    gross = [money(r.order_line.unit_price * r.qty) for r in rows]
    rep = Order.objects.create(
        number=next_number("SO"),
        kind=OrderKind.REPLACEMENT,
        buyer=order.buyer,
        seller=order.seller,
        status=OrderStatus.APPROVED,
        placed_by=actor if getattr(actor, "pk", None) else None,
        on_behalf=True,
        note=_("Replacement for %(number)s (order %(order)s)")
        % {"number": ret.number, "order": order.number},
        warehouse=warehouse,
        list_amount=sum(gross, ZERO),
        adjustment_amount=-sum(gross, ZERO),
        placed_at=now,
        submitted_at=now,
        decided_at=now,
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=rep,
                line_no=n,
                sku=r.sku,
                unit=r.sku.base_unit,
                unit_qty=r.qty,
                unit_factor=1,
                qty=r.qty,
                unit_price=r.order_line.unit_price,
                list_price=r.order_line.unit_price,
                price_source=_("Exchange %(number)s") % {"number": ret.number},
                list_amount=value,
                gross_amount=value,
                adjustment_amount=-value,
                amount=ZERO,
            )
            for n, (r, value) in enumerate(zip(rows, gross, strict=True), start=1)
        ]
    )
    LineAdjustment.objects.bulk_create(
        [
            LineAdjustment(
                line=line,
                source="exchange",
                source_id=str(ret.pk),
                label=_("Exchange %(number)s") % {"number": ret.number},
                amount=-value,
            )
            for line, value in zip(lines, gross, strict=True)
            if value
        ]
    )
    inventory.stock_reserve(
        actor=actor,
        warehouse=warehouse,
        lines=[inventory.Line(line.sku, line.qty, (), str(line.pk)) for line in lines],
        doc=stock_doc(rep),
    )
    record(
        actor=actor,
        action="order.approved",
        order=rep,
        changes={"status": [None, OrderStatus.APPROVED], "replaces": [None, ret.number]},
        topic="order.approved",
        payload={"automatic": True, "replaces_return_id": ret.pk},
    )
    return rep


@transaction.atomic
def return_approve(*, actor: Any, ret: ReturnRequest, comment: str = "") -> ReturnRequest:
    """The seller accepts a return (the goods are to come back to the warehouse the order
    shipped from); for an exchange the replacement order is created and reserved now —
    `insufficient_stock` when the seller cannot cover it."""
    order = lock_order(ret.order)
    require_approver(actor, order)
    ret = lock_return(ret)
    check_transition(RETURN_PIPELINE, ret.status, ReturnStatus.APPROVED)
    before = ret.status
    ret.warehouse = (
        order.warehouse
        if order.warehouse and order.warehouse.is_active
        else seller_warehouse(order)
    )
    if ret.kind == ReturnKind.EXCHANGE:
        ret.replacement_order = _replacement(actor=actor, ret=ret, order=order)
    ret.status, ret.decided_by, ret.decided_at = ReturnStatus.APPROVED, actor, timezone.now()
    ret.decision_comment = (comment or "").strip()[:500]
    ret.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "warehouse",
            "replacement_order",
        ]
    )
    ret.order = order
    _move(
        actor,
        ret,
        ReturnStatus.APPROVED,
        {"_before": before, "comment": [None, ret.decision_comment]},
        "return.approved",
        replacement_order_id=ret.replacement_order_id,
    )
    return ret


@transaction.atomic
def return_reject(*, actor: Any, ret: ReturnRequest, comment: str) -> ReturnRequest:
    """The seller turns a return down, with a comment for the buyer."""
    order = lock_order(ret.order)
    require_approver(actor, order)
    ret = lock_return(ret)
    check_transition(RETURN_PIPELINE, ret.status, ReturnStatus.REJECTED)
    text = require_reason(comment, "comment")
    before = ret.status
    ret.status, ret.decided_by, ret.decided_at, ret.decision_comment = (
        ReturnStatus.REJECTED,
        actor,
        timezone.now(),
        text,
    )
    ret.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    _unhold(actor, ret)
    ret.order = order
    _move(
        actor,
        ret,
        ReturnStatus.REJECTED,
        {"_before": before, "comment": [None, text]},
        "return.rejected",
    )
    return ret


@transaction.atomic
def return_cancel(*, actor: Any, ret: ReturnRequest, reason: str = "") -> ReturnRequest:
    """The buyer withdraws a return before sending the goods; an exchange's replacement
    order is cancelled with it (refused once the replacement has shipped)."""
    order = lock_order(ret.order)
    require_on(actor, order, PLACE_ORDERS, order.buyer)
    ret = lock_return(ret)
    check_transition(RETURN_PIPELINE, ret.status, ReturnStatus.CANCELLED)
    if ret.replacement_order_id:
        rep = lock_order(Order(pk=ret.replacement_order_id))
        cancel(
            actor=actor,
            order=rep,
            reason=_("The return %(number)s was withdrawn.") % {"number": ret.number},
            by="buyer",
        )
    before = ret.status
    ret.status = ReturnStatus.CANCELLED
    ret.save(update_fields=["status"])
    _unhold(actor, ret)
    ret.order = order
    _move(
        actor,
        ret,
        ReturnStatus.CANCELLED,
        {"_before": before, "reason": [None, (reason or "").strip()[:500]]},
        "return.cancelled",
    )
    return ret


def _stock_lines(ret: ReturnRequest) -> list[inventory.Line]:
    rows = list(ret.lines.select_related("sku").prefetch_related("serials").order_by("id"))
    return [inventory.Line(r.sku, r.qty, tuple(s.serial for s in r.serials.all())) for r in rows]


def _doc(ret: ReturnRequest) -> StockDoc:
    return StockDoc(DOC_RETURN, str(ret.pk), ret.number)


@transaction.atomic
def return_send(*, actor: Any, ret: ReturnRequest, note: str = "") -> ReturnRequest:
    """The buyer's warehouse sends the goods of an approved return back to the seller's
    (out of its default warehouse; the units must be there)."""
    order = lock_order(ret.order)
    require_buyer_side(actor, order, SHIP_ORDERS)
    ret = lock_return(ret)
    check_transition(RETURN_PIPELINE, ret.status, ReturnStatus.SENT)
    source = warehouse_default_for(org=order.buyer)
    if source is None:
        raise Conflict(
            _("The buyer keeps no warehouse: the seller takes the goods back in directly."),
            code="buyer_no_warehouse",
        )
    assert ret.warehouse is not None  # set by approval
    ret.transit = inventory.return_out_post(
        actor=actor,
        warehouse=source,
        lines=_stock_lines(ret),
        doc=_doc(ret),
        to_warehouse=ret.warehouse,
        reserved_doc=_doc(ret),
    )
    before, ret.status, ret.sent_at = ret.status, ReturnStatus.SENT, timezone.now()
    ret.save(update_fields=["status", "sent_at", "transit"])
    ret.order = order
    _move(
        actor,
        ret,
        ReturnStatus.SENT,
        {"_before": before, "note": [None, note.strip()[:200]]},
        "return.shipped",
    )
    return ret


def _take_back(actor: Any, ret: ReturnRequest, order: Order) -> None:
    if ret.transit is not None:
        inventory.receipt_post(actor=actor, transit=ret.transit, doc=_doc(ret))
        return
    if warehouse_default_for(org=order.buyer) is not None:
        raise Conflict(_("The buyer has not sent the goods yet."), code="return_not_sent")
    assert ret.warehouse is not None
    inventory.return_in_post(
        actor=actor,
        warehouse=ret.warehouse,
        lines=_stock_lines(ret),
        doc=_doc(ret),
        reason=ret.reason,
    )


@transaction.atomic
def return_receive(*, actor: Any, ret: ReturnRequest) -> ReturnRequest:
    """The seller's warehouse takes the goods back (as returned units, to inspect); a return
    is credited (credit note for its value), an exchange is not (its replacement ships)."""
    order = lock_order(ret.order)
    require_on(actor, order, SHIP_ORDERS, order.seller)
    ret = lock_return(ret)
    check_transition(RETURN_PIPELINE, ret.status, ReturnStatus.RECEIVED)
    lock_pair(order)
    _take_back(actor, ret, order)
    rows = list(ret.lines.select_related("order_line"))
    for row in rows:
        row.order_line.qty_returned += row.qty
    OrderLine.objects.bulk_update([row.order_line for row in rows], ["qty_returned"])
    if ret.kind == ReturnKind.RETURN and ret.amount > 0:
        ret.credit_note = finance.credit_note_post(
            actor=actor,
            buyer=order.buyer,
            seller=order.seller,
            amount=ret.amount,
            source=FinanceDoc(DOC_RETURN, str(ret.pk), ret.number),
            memo=f"{order.number} {ret.number}",
        )
        order.returned_amount += ret.amount
        order.save(update_fields=["returned_amount", "updated_at"])
    before, ret.status, ret.received_at = ret.status, ReturnStatus.RECEIVED, timezone.now()
    ret.save(update_fields=["status", "received_at", "credit_note"])
    ret.order = order
    _move(
        actor,
        ret,
        ReturnStatus.RECEIVED,
        {
            "_before": before,
            "credit_note": [None, ret.credit_note.number if ret.credit_note else None],
        },
        "return.completed",
        credit_note_id=ret.credit_note_id,
    )
    return ret
