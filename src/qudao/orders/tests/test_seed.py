"""The demo orders (qudao.demo.orders, run by `qudao seed` after inventory and before the
statements): a year of orders walked through the order services under a frozen clock, ending
in every state, with returns and an exchange, consistent with stock, serials, invoices and
payments, and nothing added by a second run.

One test, because one small seed is expensive (the services run for every step of every
order); the demo app sits above orders in the import layers, so it runs through the command."""

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from qudao.catalog.models import Category
from qudao.core.models import AuditEvent, Notification
from qudao.finance.constants import InvoiceKind
from qudao.finance.models import Invoice, LedgerEntry
from qudao.inventory.constants import SerialStatus
from qudao.inventory.models import Serial, SerialEvent, StockMove
from qudao.orders.constants import OrderKind, OrderStatus, ReturnKind, ReturnStatus
from qudao.orders.models import Order, ReturnRequest, ReturnSerial, Shipment

pytestmark = pytest.mark.django_db
LINE = re.compile(r"Orders: (\d+) created through the order services \((.*?)\);")


def _seed() -> str:
    out = StringIO()
    call_command("seed", "--scale", "small", stdout=out)
    return out.getvalue()


def _running_balances_follow_time(model, keys, amount, after) -> None:  # type: ignore[no-untyped-def]
    running: dict[tuple, Decimal] = defaultdict(Decimal)
    rows = model.objects.order_by(*keys, "created_at", "pk").values_list(*keys, amount, after)
    for *key, value, balance in rows.iterator():
        running[tuple(key)] += value
        assert running[tuple(key)] == balance, (model.__name__, key)


def _states_and_dates(total: int) -> None:
    orders = Order.objects.all()
    assert 100 <= total == orders.count() <= 170
    statuses = set(orders.values_list("status", flat=True))
    assert statuses == set(OrderStatus.values) - {OrderStatus.SUBMITTED}
    now = timezone.now()
    placed = sorted(orders.values_list("placed_at", flat=True))
    assert now - timedelta(days=366) < placed[0] < now - timedelta(days=300)
    assert placed[-1] <= now
    assert orders.filter(on_behalf=True, kind=OrderKind.STANDARD).exists()  # 代客下单
    # the older ones mostly completed, the last weeks' still open
    old = orders.filter(placed_at__lt=now - timedelta(days=60))
    assert old.filter(status=OrderStatus.COMPLETED).count() > old.count() / 2
    assert not old.filter(status__in=(OrderStatus.DRAFT, OrderStatus.APPROVED)).exists()


def _returns_and_exchanges() -> None:
    # a return for credit, a bike returned by its frame number back at the seller's warehouse
    credited = ReturnRequest.objects.filter(
        kind=ReturnKind.RETURN, status=ReturnStatus.RECEIVED, credit_note__isnull=False
    )
    assert credited.exists()
    assert all(r.credit_note.kind == InvoiceKind.CREDIT_NOTE for r in credited)
    bikes = Category.objects.get(code="BIKE").path
    frame = ReturnSerial.objects.filter(
        line__ret__in=credited, line__sku__product__category__path__startswith=bikes
    ).select_related("line__ret__order")
    bike = frame.first()
    assert bike is not None
    unit = Serial.objects.get(serial=bike.serial)
    ret = bike.line.ret
    assert unit.status == SerialStatus.RETURNED
    assert (unit.warehouse_id, unit.holder_id) == (ret.warehouse_id, ret.order.seller_id)
    # its journey, in time order, from the factory to the return: each step starts where the
    # one before ended (the walk never shipped a unit before it had arrived)
    journey = list(
        SerialEvent.objects.filter(serial=unit)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "from_warehouse", "to_warehouse")
    )
    assert journey[0][0] == "" and journey[-1][1] == SerialStatus.RETURNED
    for before, after in zip(journey, journey[1:], strict=False):
        assert (before[1], before[3]) == (after[0], after[2])
    # an exchange with its replacement order
    exchanges = ReturnRequest.objects.filter(
        kind=ReturnKind.EXCHANGE, replacement_order__isnull=False
    ).select_related("replacement_order", "order")
    assert exchanges.exists()
    for ex in exchanges:
        rep = ex.replacement_order
        assert rep.kind == OrderKind.REPLACEMENT and rep.amount == 0
        assert (rep.buyer_id, rep.seller_id) == (ex.order.buyer_id, ex.order.seller_id)


def _invoices_and_payments() -> None:
    shipments = Shipment.objects.all()
    assert shipments.filter(invoice__isnull=False).exists()
    # what was not paid in advance is invoiced
    assert not shipments.filter(invoice__isnull=True).exclude(amount=F("paid_applied")).exists()
    for s in shipments.filter(invoice__isnull=False).select_related("invoice"):
        assert s.invoice.amount == s.amount - s.paid_applied
    invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE, source_type="order_shipment")
    assert invoices.filter(open_amount=0, allocations__payment__isnull=False).exists()
    assert invoices.filter(open_amount__gt=0).exists()  # the recent ones not yet due


def _books_read_in_time_order() -> None:
    call_command("check-ledgers", stdout=StringIO())  # raises on any difference
    _running_balances_follow_time(
        LedgerEntry, ("position_id", "account"), "amount", "balance_after"
    )
    _running_balances_follow_time(StockMove, ("warehouse_id", "sku_id"), "qty", "on_hand_after")
    # every unit's history, in time order, runs from one place to the next
    last: dict[int, tuple[str, int | None]] = {}
    for serial, start, end, came_from, went_to in (
        SerialEvent.objects.order_by("serial_id", "at", "pk")
        .values_list("serial_id", "from_status", "to_status", "from_warehouse", "to_warehouse")
        .iterator()
    ):
        assert last.get(serial, ("", None)) == (start, came_from), serial
        last[serial] = (end, went_to)
    now = timezone.now()
    assert not StockMove.objects.filter(created_at__gt=now).exists()
    audit = AuditEvent.objects.filter(action="order.submitted").order_by("created_at").first()
    assert audit is not None and audit.created_at < now - timedelta(days=300)
    assert Notification.objects.filter(created_at__lt=now - timedelta(days=300)).exists()


def _promotions_used() -> None:
    """The promotions calendar (demo/promotions.py) in every status, and orders of the past
    that got the promotions then open — their ledger adding up to what each has used."""
    from qudao.promotions.models import Promotion, PromotionUse
    from qudao.promotions.selectors import use_mismatches

    statuses = set(Promotion.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "live", "paused", "ended"}
    used = Promotion.objects.filter(consumed_amount__gt=0)
    assert used.count() >= 3
    assert PromotionUse.objects.filter(doc_type="order").exists()
    assert use_mismatches() == []
    # an order that got a promotion carries it on its lines
    adjusted = Order.objects.filter(lines__adjustments__source="promotion").distinct()
    assert adjusted.exists()
    assert all(o.adjustment_amount < 0 for o in adjusted)


def test_a_year_of_orders_in_every_state_consistent_and_idempotent(divisions):
    out = _seed()
    found = LINE.search(out)
    assert found, out
    assert "refused" not in out  # the walk checks before it acts: no step was turned down
    _states_and_dates(int(found.group(1)))
    _returns_and_exchanges()
    _invoices_and_payments()
    _books_read_in_time_order()
    _promotions_used()
    # the dealers' demo walks its services after the orders (their figures need them)
    assert (
        "Dealers: 12 lifecycle records, 11 territories, 16 documents, 8 contracts with targets, "
        "a grading run of 11 dealers, 7 applications."
    ) in out
    call_command("check-ledgers", stdout=StringIO())
    before = (Order.objects.count(), Shipment.objects.count(), LedgerEntry.objects.count())
    again = _seed()
    assert "Orders: 0 created" in again
    assert "Dealers: 0 lifecycle records" in again
    assert (Order.objects.count(), Shipment.objects.count(), LedgerEntry.objects.count()) == before
