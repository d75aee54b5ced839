"""Shipments and receipts (DESIGN.md §6 steps 4–5).

The seller's warehouse ships approved lines (partial shipments allowed; one serial per unit
of serial-tracked SKUs): stock leaves the warehouse the order reserved at, using up the
reservation, towards the buyer's default warehouse (in transit) — or out of the system when
the buyer keeps no warehouse. The shipped value is settled first from what the order paid in
advance (prepaid, rebate) and the rest is invoiced (due by the payment term), its frozen credit
released; the last shipment releases whatever is still frozen.

The buyer confirms the receipt, line by line with discrepancies (short, damaged, a note):
what arrived enters its warehouse with its serials, a shortfall is written off the transit.
Unconfirmed shipments confirm themselves after the seller's `auto_confirm_days`
(receipts.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import SHIP_ORDERS
from qudao.core.errors import InvalidTransition, ValidationFailed, check_transition
from qudao.core.money import money
from qudao.core.numbering import next_number
from qudao.finance import services as finance
from qudao.finance.services import Doc as FinanceDoc
from qudao.inventory import services as inventory
from qudao.inventory.selectors import parse_serials, warehouse_default_for
from qudao.orders.constants import (
    DOC_SHIPMENT,
    OPEN_STATUSES,
    ORDER_PIPELINE,
    OrderStatus,
)
from qudao.orders.engine import parse_qty
from qudao.orders.locks import lock_order, lock_pair
from qudao.orders.models import (
    Order,
    OrderLine,
    Shipment,
    ShipmentLine,
    ShipmentSerial,
)
from qudao.orders.services._common import record, require_on, stock_doc

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ShipLine:
    """Units of one order line to ship (its id), with their serials for tracked SKUs
    (a list, or pasted / scanned text)."""

    line_id: int
    qty: Any
    serials: Sequence[str] | str = ()


def _bad(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"lines": [message]})


def _clean_ship_lines(
    order: Order, lines: Sequence[ShipLine | tuple[Any, ...]]
) -> list[tuple[OrderLine, int, tuple[str, ...]]]:
    """(order line, qty, serials) per line given; repeats of a line add up. Refused:
    a line of another order, a quantity that is not a whole number above 0, more than is
    still to ship (`ship_exceeds_open`)."""
    by_id = {row.pk: row for row in order.lines.select_related("sku")}
    wanted: dict[int, tuple[int, tuple[str, ...]]] = {}
    for raw in lines:
        item = raw if isinstance(raw, ShipLine) else ShipLine(*raw)
        row = by_id.get(int(item.line_id))
        if row is None:
            raise _bad(
                _("Line %(id)s is not a line of this order.") % {"id": item.line_id},
                "line_not_in_order",
            )
        qty = parse_qty(item.qty)
        if qty is None or qty <= 0:
            raise _bad(
                _("%(sku)s: the quantity must be a whole number above 0.") % {"sku": row.sku.code},
                "qty_not_positive",
            )
        serials = tuple(parse_serials(item.serials or ()))
        had_qty, had_serials = wanted.get(row.pk, (0, ()))
        wanted[row.pk] = (had_qty + qty, had_serials + serials)
    if not wanted:
        raise _bad(_("Add at least one line."), "no_lines")
    over = [
        _("%(sku)s: %(open)s still to ship, %(qty)s given")
        % {"sku": by_id[pk].sku.code, "open": by_id[pk].qty_open, "qty": qty}
        for pk, (qty, _serials) in wanted.items()
        if qty > by_id[pk].qty_open
    ]
    if over:
        raise _bad(
            _("More than was ordered and not yet shipped. %(detail)s")
            % {"detail": "; ".join(over)},
            "ship_exceeds_open",
        )
    return [(by_id[pk], qty, serials) for pk, (qty, serials) in wanted.items()]


def _values(
    order: Order, picked: Sequence[tuple[OrderLine, int, tuple[str, ...]]]
) -> dict[int, Decimal]:
    """The value of each line's shipped units: its share of the line's net amount, and for
    the units that complete the line whatever of the amount is left (no cent is lost)."""
    before = dict(
        ShipmentLine.objects.filter(order_line__order=order)
        .order_by()
        .values("order_line_id")
        .annotate(s=Sum("amount"))
        .values_list("order_line_id", "s")
    )
    values = {}
    for row, qty, _serials in picked:
        if row.qty_shipped + qty == row.qty:
            values[row.pk] = money(row.amount - money(before.get(row.pk) or ZERO))
        else:
            values[row.pk] = money(row.amount * qty / row.qty)
    return values


def _settle(*, actor: Any, order: Order, shipment: Shipment, full: bool) -> None:
    """Settle the shipped value: from what was paid in advance first, the rest invoiced;
    frozen credit is released as it turns into the invoice (all of it on the last shipment)."""
    covered = min(shipment.amount, order.paid_amount - order.paid_applied)
    invoiced = shipment.amount - covered
    shipment.paid_applied = covered
    if invoiced > 0:
        shipment.invoice = finance.invoice_post(
            actor=actor,
            buyer=order.buyer,
            seller=order.seller,
            amount=invoiced,
            source=FinanceDoc(DOC_SHIPMENT, str(shipment.pk), shipment.number),
            memo=f"{order.number} {shipment.number}",
        )
    release = order.frozen_amount if full else min(invoiced, order.frozen_amount)
    if release > 0:
        finance.credit_release(
            actor=actor,
            buyer=order.buyer,
            seller=order.seller,
            amount=release,
            doc=FinanceDoc(DOC_SHIPMENT, str(shipment.pk), shipment.number),
        )
    order.frozen_amount -= release
    order.paid_applied += covered
    order.shipped_amount += shipment.amount
    order.invoiced_amount += invoiced


@transaction.atomic
def shipment_post(
    *,
    actor: Any,
    order: Order,
    lines: Sequence[ShipLine | tuple[Any, ...]],
    carrier: str = "",
    tracking_no: str = "",
    note: str = "",
) -> Shipment:
    """The seller's warehouse ships lines of an approved order. Refused, nothing written:
    `ship_exceeds_open`, `serial_count_mismatch`, `serials_rejected` (a serial of another
    SKU, not in the shipping warehouse, reserved for another order…), `insufficient_stock`."""
    order = lock_order(order)
    require_on(actor, order, SHIP_ORDERS, order.seller)
    if order.status not in OPEN_STATUSES:
        raise InvalidTransition(current=order.status, target=OrderStatus.SHIPPED)
    picked = _clean_ship_lines(order, lines)
    lock_pair(order)
    assert order.warehouse is not None  # set by approval
    now = timezone.now()
    shipment = Shipment.objects.create(
        number=next_number("SH"),
        order=order,
        warehouse=order.warehouse,
        to_warehouse=warehouse_default_for(org=order.buyer),
        carrier=carrier.strip()[:60],
        tracking_no=tracking_no.strip()[:60],
        note=note.strip()[:500],
        shipped_by=actor if getattr(actor, "pk", None) else None,
        shipped_at=now,
    )
    sent = inventory.shipment_post(
        actor=actor,
        warehouse=order.warehouse,
        lines=[inventory.Line(row.sku, qty, serials) for row, qty, serials in picked],
        doc=stock_doc(order),
        to_warehouse=shipment.to_warehouse,
    )
    values = _values(order, picked)
    rows = ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(
                shipment=shipment, order_line=row, sku=row.sku, qty=qty, amount=values[row.pk]
            )
            for row, qty, _serials in picked
        ]
    )
    ShipmentSerial.objects.bulk_create(
        [
            ShipmentSerial(line=line, serial=serial)
            for line, (_row, _qty, serials) in zip(rows, picked, strict=True)
            for serial in serials
        ],
        batch_size=2000,
    )
    for row, qty, _serials in picked:
        row.qty_shipped += qty
    OrderLine.objects.bulk_update([row for row, _q, _s in picked], ["qty_shipped"])
    full = not order.lines.exclude(qty_shipped=F("qty")).exists()
    shipment.transit = sent.transit
    shipment.amount = sum(values.values(), ZERO)
    _settle(actor=actor, order=order, shipment=shipment, full=full)
    shipment.save(update_fields=["transit", "amount", "paid_applied", "invoice"])
    target = OrderStatus.SHIPPED if full else OrderStatus.PARTIALLY_SHIPPED
    check_transition(ORDER_PIPELINE, order.status, target)
    before, order.status = order.status, target
    order.save(
        update_fields=[
            "status",
            "frozen_amount",
            "paid_applied",
            "shipped_amount",
            "invoiced_amount",
            "updated_at",
        ]
    )
    record(
        actor=actor,
        action="order.shipped",
        order=order,
        changes={
            "status": [before, target],
            "shipment": [None, shipment.number],
            "lines": [None, [[row.sku.code, qty] for row, qty, _s in picked]],
            "invoice": [None, shipment.invoice.number if shipment.invoice else None],
        },
        topic="order.shipped",
        payload={
            "shipment_id": shipment.pk,
            "shipment_number": shipment.number,
            "invoice_id": shipment.invoice_id,
            "value": str(shipment.amount),
        },
    )
    return shipment
