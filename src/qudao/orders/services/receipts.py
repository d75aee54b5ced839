"""The buyer's receipt of a shipment (DESIGN.md §6 step 5) and the scheduled sweeps: receipts
that confirm themselves after the seller's `auto_confirm_days`, delivered orders that close
after its `complete_after_days`."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import SHIP_ORDERS
from qudao.core.errors import DomainError, ValidationFailed, check_transition
from qudao.inventory import services as inventory
from qudao.inventory.selectors import parse_serials
from qudao.inventory.services import Doc as StockDoc
from qudao.orders.constants import (
    DEFAULT_AUTO_CONFIRM_DAYS,
    DEFAULT_COMPLETE_AFTER_DAYS,
    DOC_SHIPMENT,
    ORDER_PIPELINE,
    SHIPMENT_PIPELINE,
    OrderStatus,
    ShipmentStatus,
)
from qudao.orders.engine import parse_qty
from qudao.orders.locks import lock_order, lock_shipment
from qudao.orders.models import (
    ApprovalRule,
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    ShipmentSerial,
)
from qudao.orders.services._common import record, require_buyer_side
from qudao.orders.services.cancel import order_complete

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptLine:
    """What arrived of one shipment line (its id): the units received, the serials of the
    received units when some of a serial-tracked line are missing, how many of the received
    are damaged, and a note."""

    shipment_line_id: int
    received: Any
    serials: Sequence[str] | str = ()
    damaged: Any = 0
    note: str = ""


@dataclass
class _Plan:
    line: ShipmentLine
    received: int
    damaged: int
    note: str
    serials: tuple[str, ...]

    @property
    def short(self) -> int:
        return self.line.qty - self.received


def _bad(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"lines": [message]})


def _count(value: Any, line: ShipmentLine, *, upto: int) -> int:
    number = parse_qty(value)
    if number is None or not 0 <= number <= upto:
        raise _bad(
            _("%(sku)s: enter a whole number from 0 to %(max)s.")
            % {"sku": line.sku.code, "max": upto},
            "invalid_receipt_qty",
        )
    return number


def _received_serials(line: ShipmentLine, item: ReceiptLine, received: int) -> tuple[str, ...]:
    shipped = [s.serial for s in line.serials.all()]
    if not line.sku.serial_tracked:
        return ()
    if received == line.qty:
        return tuple(shipped)
    given = tuple(parse_serials(item.serials or ()))
    if len(given) != received or len(set(given)) != len(given):
        raise _bad(
            _("%(sku)s: scan the serials of the %(n)s units received.")
            % {"sku": line.sku.code, "n": received},
            "receipt_serials_required",
        )
    foreign = [s for s in given if s not in set(shipped)]
    if foreign:
        raise _bad(
            _("Not in this shipment: %(serials)s.") % {"serials": "、".join(foreign[:20])},
            "serial_not_in_shipment",
        )
    return given


def _plan(
    lines: Sequence[ShipmentLine], given: Sequence[ReceiptLine | tuple[Any, ...]] | None
) -> list[_Plan]:
    """Every line as it arrived: as shipped unless the buyer says otherwise."""
    items: dict[int, ReceiptLine] = {}
    for raw in given or ():
        item = raw if isinstance(raw, ReceiptLine) else ReceiptLine(*raw)
        items[int(item.shipment_line_id)] = item
    by_id = {line.pk: line for line in lines}
    unknown = [str(pk) for pk in items if pk not in by_id]
    if unknown:
        raise _bad(
            _("Not lines of this shipment: %(ids)s.") % {"ids": ", ".join(unknown)},
            "line_not_in_shipment",
        )
    plans = []
    for line in lines:
        found = items.get(line.pk)
        if found is None:
            plans.append(_Plan(line, line.qty, 0, "", tuple(s.serial for s in line.serials.all())))
            continue
        received = _count(found.received, line, upto=line.qty)
        damaged = _count(found.damaged or 0, line, upto=received)
        serials = _received_serials(line, found, received)
        plans.append(_Plan(line, received, damaged, (found.note or "").strip()[:200], serials))
    return plans


def _move_goods(actor: Any, shipment: Shipment, plans: Sequence[_Plan]) -> None:
    """Into the buyer's warehouse what arrived (with serials); a shortfall is written off the
    transit. A shipment to a buyer without a warehouse moved nothing into one."""
    transit = shipment.transit
    if transit is None:
        return
    arriving = [inventory.Line(p.line.sku, p.received, p.serials) for p in plans if p.received]
    short = [p for p in plans if p.short]
    doc = StockDoc(DOC_SHIPMENT, str(shipment.pk), shipment.number)
    if arriving:
        inventory.receipt_post(
            actor=actor, transit=transit, lines=None if not short else arriving, doc=doc
        )
    if short:
        inventory.transit_close(
            actor=actor,
            transit=transit,
            reason=_("Short on receipt of %(number)s: %(detail)s")
            % {
                "number": shipment.number,
                "detail": ", ".join(f"{p.line.sku.code} × {p.short}" for p in short),
            },
        )


def _write(shipment: Shipment, plans: Sequence[_Plan]) -> None:
    for p in plans:
        p.line.qty_received, p.line.qty_short = p.received, p.short
        p.line.qty_damaged, p.line.note = p.damaged, p.note
    ShipmentLine.objects.bulk_update(
        [p.line for p in plans], ["qty_received", "qty_short", "qty_damaged", "note"]
    )
    arrived = [s for p in plans for s in p.serials]
    if arrived:
        ShipmentSerial.objects.filter(line__shipment=shipment, serial__in=arrived).update(
            received=True
        )
    rows = {
        row.pk: row
        for row in OrderLine.objects.filter(pk__in=[p.line.order_line_id for p in plans])
    }
    for p in plans:
        rows[p.line.order_line_id].qty_received += p.received
    OrderLine.objects.bulk_update(list(rows.values()), ["qty_received"])


def confirm(
    *,
    actor: Any,
    order: Order,
    shipment: Shipment,
    lines: Sequence[ReceiptLine | tuple[Any, ...]] | None,
    note: str,
    auto: bool,
) -> Shipment:
    """The receipt of a locked order's shipment (access checked by the caller)."""
    shipment = lock_shipment(shipment)
    check_transition(SHIPMENT_PIPELINE, shipment.status, ShipmentStatus.RECEIVED)
    plans = _plan(list(shipment.lines.select_related("sku").prefetch_related("serials")), lines)
    _move_goods(actor, shipment, plans)
    _write(shipment, plans)
    now = timezone.now()
    shipment.status, shipment.received_at = ShipmentStatus.RECEIVED, now
    shipment.received_by = actor if getattr(actor, "pk", None) else None
    shipment.auto_confirmed, shipment.receipt_note = auto, (note or "").strip()[:500]
    shipment.save(
        update_fields=["status", "received_at", "received_by", "auto_confirmed", "receipt_note"]
    )
    discrepancies = [
        {"sku": p.line.sku.code, "short": p.short, "damaged": p.damaged, "note": p.note}
        for p in plans
        if p.short or p.damaged or p.note
    ]
    delivered = (
        order.status == OrderStatus.SHIPPED
        and not order.shipments.filter(status=ShipmentStatus.POSTED).exists()
    )
    if delivered:
        check_transition(ORDER_PIPELINE, order.status, OrderStatus.DELIVERED)
        order.status, order.delivered_at = OrderStatus.DELIVERED, now
        order.save(update_fields=["status", "delivered_at", "updated_at"])
    record(
        actor=actor,
        action="receipt.confirmed",
        order=order,
        instance=shipment,
        changes={
            "status": [ShipmentStatus.POSTED, ShipmentStatus.RECEIVED],
            "automatic": [None, auto],
            "discrepancies": [None, discrepancies],
        },
        topic="receipt.confirmed",
        payload={
            "shipment_id": shipment.pk,
            "shipment_number": shipment.number,
            "automatic": auto,
            "discrepancies": discrepancies,
            "delivered": delivered,
        },
    )
    return shipment


@transaction.atomic
def receipt_confirm(
    *,
    actor: Any,
    shipment: Shipment,
    lines: Sequence[ReceiptLine | tuple[Any, ...]] | None = None,
    note: str = "",
) -> Shipment:
    """The buyer confirms a shipment arrived: everything as shipped, or per line what was
    received (short units are written off the transit), damaged and noted. Goods and serials
    enter the buyer's default warehouse; the order is delivered with its last receipt."""
    order = lock_order(shipment.order)
    require_buyer_side(actor, order, SHIP_ORDERS)
    return confirm(actor=actor, order=order, shipment=shipment, lines=lines, note=note, auto=False)


def _days(seller_ids: set[int], field: str, default: int) -> dict[int, int]:
    found = dict(
        ApprovalRule.objects.filter(seller_id__in=seller_ids).values_list("seller_id", field)
    )
    return {pk: found.get(pk, default) for pk in seller_ids}


def receipts_auto_confirm(*, now: datetime | None = None) -> int:
    """Confirm, as received in full, the shipments whose buyer has not confirmed them within
    the seller's `auto_confirm_days`; each in its own transaction (one failure does not stop
    the others; it is logged and retried on the next run). Returns how many were confirmed."""
    now = now or timezone.now()
    due = list(
        Shipment.objects.filter(
            status=ShipmentStatus.POSTED, shipped_at__lte=now - timedelta(days=1)
        ).values_list("pk", "order_id", "order__seller_id", "shipped_at")
    )
    days = _days({row[2] for row in due}, "auto_confirm_days", DEFAULT_AUTO_CONFIRM_DAYS)
    done = 0
    for pk, order_id, seller_id, shipped_at in due:
        if shipped_at > now - timedelta(days=days[seller_id]):
            continue
        try:
            with transaction.atomic():
                order = lock_order(Order(pk=order_id))
                confirm(
                    actor=None,
                    order=order,
                    shipment=Shipment(pk=pk),
                    lines=None,
                    note="",
                    auto=True,
                )
            done += 1
        except DomainError:
            logger.exception("auto-confirm of shipment %s failed", pk)
    return done


def orders_auto_complete(*, now: datetime | None = None) -> int:
    """Close delivered orders after the seller's `complete_after_days`."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(
            status=OrderStatus.DELIVERED, delivered_at__lte=now - timedelta(days=1)
        ).values_list("pk", "seller_id", "delivered_at")
    )
    days = _days({row[1] for row in due}, "complete_after_days", DEFAULT_COMPLETE_AFTER_DAYS)
    done = 0
    for pk, seller_id, delivered_at in due:
        if delivered_at is None or delivered_at > now - timedelta(days=days[seller_id]):
            continue
        try:
            order_complete(actor=None, order=Order(pk=pk))
            done += 1
        except DomainError:
            logger.exception("auto-complete of order %s failed", pk)
    return done
