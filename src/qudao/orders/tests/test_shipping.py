"""Shipments (stock out, invoice, frozen credit released) and receipts (goods and serials
into the buyer's warehouse, discrepancies written off), the scheduled auto-confirm and
auto-complete."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qudao.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from qudao.core.models import Notification
from qudao.finance.models import Invoice
from qudao.inventory.models import Serial, Transit
from qudao.inventory.selectors import SerialsRejected
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.models import Shipment, ShipmentSerial
from qudao.orders.services import ReceiptLine, ShipLine
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


def _lines(order):
    return {line.sku.code: line for line in order.lines.select_related("sku")}


def _serial(code):
    return Serial.objects.values_list("status", "warehouse_id", "holder_id").get(serial=code)


def test_a_partial_shipment_moves_stock_and_invoices_what_left(
    w, django_capture_on_commit_callbacks
):
    order = of.placed(w)
    lines = _lines(order)
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        shipment = services.shipment_post(
            actor=w.clerk,
            order=order,
            lines=[
                ShipLine(lines["TB-S1-GRY"].pk, 1, "gry000002"),
                ShipLine(lines["BP-01-STD"].pk, 12),
            ],
            carrier="顺丰",
            tracking_no="SF1234567890",
        )
    order.refresh_from_db()
    assert (shipment.number[:3], shipment.carrier, shipment.tracking_no) == (
        "SH-",
        "顺丰",
        "SF1234567890",
    )
    # value: half of the grey line (3600 / 2) and the whole pad line
    assert (shipment.amount, shipment.paid_applied) == (D("2160.00"), ZERO)
    invoice = shipment.invoice
    assert (invoice.amount, invoice.open_amount, invoice.source_type) == (
        D("2160.00"),
        D("2160.00"),
        "order_shipment",
    )
    assert invoice.due_on == timezone.localdate() + timedelta(days=30)
    # the frozen credit turned into the receivable: exposure unchanged
    assert of.money_state(w) == (ZERO, ZERO, D("2160.00"), D("1800.00"))
    assert (order.status, order.frozen_amount, order.shipped_amount, order.invoiced_amount) == (
        "partially_shipped",
        D("1800.00"),
        D("2160.00"),
        D("2160.00"),
    )
    assert [(line.qty, line.qty_shipped) for line in order.lines.order_by("line_no")] == [
        (2, 1),
        (12, 12),
    ]
    # stock left dist1's warehouse (the reservation used up) and is on its way to dealer1
    assert inv.balance(w.seller_wh, w.grey) == (4, 1, 0)
    assert inv.balance(w.seller_wh, w.pad) == (88, 0, 0)
    assert inv.balance(w.buyer_wh, w.grey) == (0, 0, 1)
    assert inv.balance(w.buyer_wh, w.pad) == (0, 0, 12)
    assert shipment.transit.to_warehouse == w.buyer_wh
    assert _serial("GRY000002") == ("in_transit", None, w.net.dist1.pk)
    assert list(ShipmentSerial.objects.values_list("serial", flat=True)) == ["GRY000002"]
    assert of.topics(since) == [
        "shipment.posted",
        "invoice.posted",
        "credit.released",
        "order.shipped",
    ]
    assert Notification.objects.filter(user=w.buyer, topic="order.shipped").exists()
    # the rest: the order is shipped, everything frozen released, 3960 invoiced in all
    rest = services.shipment_post(
        actor=w.clerk, order=order, lines=[(lines["TB-S1-GRY"].pk, 1, ["GRY000004"])]
    )
    order.refresh_from_db()
    assert (rest.amount, rest.invoice.amount) == (D("1800.00"), D("1800.00"))
    assert (order.status, order.frozen_amount, order.invoiced_amount) == (
        "shipped",
        ZERO,
        D("3960.00"),
    )
    assert of.money_state(w) == (ZERO, ZERO, D("3960.00"), ZERO)


def test_what_was_paid_in_advance_settles_the_first_shipments(w):
    of.top_up(w, "1000")
    order = of.placed(w)
    lines = _lines(order)
    first = services.shipment_post(
        actor=w.clerk, order=order, lines=[(lines["TB-S1-GRY"].pk, 1, ["GRY000001"])]
    )
    assert (first.amount, first.paid_applied, first.invoice.amount) == (
        D("1800.00"),
        D("1000.00"),
        D("800.00"),
    )
    assert of.money_state(w) == (ZERO, ZERO, D("800.00"), D("2160.00"))
    second = services.shipment_post(
        actor=w.clerk,
        order=order,
        lines=[(lines["TB-S1-GRY"].pk, 1, ["GRY000002"]), (lines["BP-01-STD"].pk, 12)],
    )
    assert (second.paid_applied, second.invoice.amount) == (ZERO, D("2160.00"))
    assert of.money_state(w) == (ZERO, ZERO, D("2960.00"), ZERO)


def test_a_prepaid_order_ships_without_an_invoice(w):
    of.top_up(w, "5000")
    order = of.placed(w)
    lines = _lines(order)
    shipment = services.shipment_post(
        actor=w.clerk,
        order=order,
        lines=[(lines["TB-S1-GRY"].pk, 2, "GRY000001 GRY000002"), (lines["BP-01-STD"].pk, 12)],
    )
    assert (shipment.invoice, shipment.paid_applied) == (None, D("3960.00"))
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("ship", "code"),
    [
        ([("TB-S1-GRY", 3, "GRY000001 GRY000002 GRY000003")], "ship_exceeds_open"),
        ([("TB-S1-GRY", 0, "")], "qty_not_positive"),
        ([("TB-S1-GRY", 1, "")], "serial_count_mismatch"),
        ([("TB-S1-GRY", 1, "WHT000001")], "serials_rejected"),  # a serial of another SKU
        ([("TB-S1-GRY", 1, "GRY999999")], "serials_rejected"),  # unknown
        ([("BP-01-STD", 1, "GRY000001")], "serials_not_tracked"),
        ([], "no_lines"),
    ],
)
def test_bad_shipments_are_refused_and_nothing_written(w, ship, code):
    order = of.placed(w)
    lines = _lines(order)
    before = of.state()
    with pytest.raises(ValidationFailed) as err:
        services.shipment_post(
            actor=w.clerk, order=order, lines=[(lines[c].pk, q, s) for c, q, s in ship]
        )
    assert err.value.code == code
    assert of.state() == before


def test_serial_problems_say_which_and_why(w):
    back = inv.warehouse(w.net.dist1, "D1-BACK", name="后仓")
    inv.receive(back, (w.grey, 1, ["GRY000009"]))
    order = of.placed(w)
    grey = _lines(order)["TB-S1-GRY"]
    with pytest.raises(SerialsRejected) as err:
        services.shipment_post(
            actor=w.clerk, order=order, lines=[(grey.pk, 2, "WHT000001 GRY000009")]
        )
    assert err.value.codes() == {
        "serial_wrong_sku": ["WHT000001"],
        "serial_wrong_warehouse": ["GRY000009"],
    }


def test_a_line_of_another_order_is_refused(w):
    order, other = of.placed(w, [("BP-01-STD", 1)]), of.placed(w, [("BP-01-STD", 1)])
    with pytest.raises(ValidationFailed) as err:
        services.shipment_post(actor=w.clerk, order=order, lines=[(other.lines.get().pk, 1)])
    assert err.value.code == "line_not_in_order"


def test_only_the_sellers_warehouse_ships_approved_orders(w):
    order = of.placed(w, [("BP-01-STD", 1)])
    line = order.lines.get()
    with pytest.raises(PermissionDenied):
        services.shipment_post(actor=w.buyer, order=order, lines=[(line.pk, 1)])
    held = of.draft(w, [("BP-01-STD", 1)])
    with pytest.raises(InvalidTransition):
        services.shipment_post(actor=w.clerk, order=held, lines=[(held.lines.get().pk, 1)])


def _shipped(w):
    order = of.placed(w)
    lines = _lines(order)
    shipment = services.shipment_post(
        actor=w.clerk,
        order=order,
        lines=[(lines["TB-S1-GRY"].pk, 2, "GRY000001 GRY000002"), (lines["BP-01-STD"].pk, 12)],
    )
    return order, shipment


def test_the_buyer_confirms_receipt_and_the_goods_enter_its_warehouse(
    w, django_capture_on_commit_callbacks
):
    order, shipment = _shipped(w)
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        shipment = services.receipt_confirm(actor=w.buyer, shipment=shipment)
    order.refresh_from_db()
    assert (shipment.status, shipment.received_by, shipment.auto_confirmed) == (
        "received",
        w.buyer,
        False,
    )
    assert (order.status, order.delivered_at is not None) == ("delivered", True)
    assert inv.balance(w.buyer_wh, w.grey) == (2, 0, 0)
    assert inv.balance(w.buyer_wh, w.pad) == (12, 0, 0)
    assert _serial("GRY000001") == ("in_stock", w.buyer_wh.pk, w.net.dealer1.pk)
    assert [(line.qty_received) for line in order.lines.order_by("line_no")] == [2, 12]
    assert ShipmentSerial.objects.filter(received=True).count() == 2
    assert of.topics(since) == ["shipment.received", "receipt.confirmed"]
    # an ordinary receipt is on the timeline; it notifies nobody
    assert not Notification.objects.filter(topic="receipt.confirmed").exists()


def test_a_receipt_with_discrepancies_writes_off_what_never_came(
    w, django_capture_on_commit_callbacks
):
    order, shipment = _shipped(w)
    grey, pad = (shipment.lines.get(sku=sku) for sku in (w.grey, w.pad))
    with django_capture_on_commit_callbacks(execute=True):
        services.receipt_confirm(
            actor=w.buyer,
            shipment=shipment,
            lines=[
                ReceiptLine(grey.pk, 1, ["GRY000002"], note="少一辆"),
                ReceiptLine(pad.pk, 10, damaged=1, note="一套破损"),
            ],
            note="司机已签字",
        )
    grey.refresh_from_db()
    pad.refresh_from_db()
    assert (grey.qty_received, grey.qty_short, grey.note) == (1, 1, "少一辆")
    assert (pad.qty_received, pad.qty_short, pad.qty_damaged) == (10, 2, 1)
    assert inv.balance(w.buyer_wh, w.grey) == (1, 0, 0)
    assert inv.balance(w.buyer_wh, w.pad) == (10, 0, 0)
    assert Transit.objects.get().status == "closed"
    assert _serial("GRY000002")[0] == "in_stock"
    assert _serial("GRY000001")[0] == "scrapped"
    order.refresh_from_db()
    assert order.status == "delivered"
    assert [(line.qty_shipped, line.qty_received) for line in order.lines.order_by("line_no")] == [
        (2, 1),
        (12, 10),
    ]
    told = Notification.objects.filter(topic="receipt.confirmed").values_list("user", flat=True)
    assert w.seller_admin.pk in set(told)


@pytest.mark.parametrize(
    ("received", "serials", "code"),
    [
        (1, "", "receipt_serials_required"),
        (1, "GRY000005", "serial_not_in_shipment"),
        (3, "", "invalid_receipt_qty"),
        (-1, "", "invalid_receipt_qty"),
    ],
)
def test_bad_receipts_are_refused_and_nothing_written(w, received, serials, code):
    _order, shipment = _shipped(w)
    grey = shipment.lines.get(sku=w.grey)
    before = of.state()
    with pytest.raises(ValidationFailed) as err:
        services.receipt_confirm(
            actor=w.buyer, shipment=shipment, lines=[ReceiptLine(grey.pk, received, serials)]
        )
    assert err.value.code == code
    assert of.state() == before


def test_a_receipt_is_confirmed_once_and_by_the_buyer(w):
    _order, shipment = _shipped(w)
    with pytest.raises(PermissionDenied):
        services.receipt_confirm(actor=w.clerk, shipment=shipment)
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    with pytest.raises(InvalidTransition):
        services.receipt_confirm(actor=w.buyer, shipment=shipment)


def test_unconfirmed_receipts_confirm_themselves_after_the_sellers_days(w):
    order, shipment = _shipped(w)
    now = timezone.now()
    assert services.receipts_auto_confirm(now=now + timedelta(days=6)) == 0
    assert services.receipts_auto_confirm(now=now + timedelta(days=7, minutes=1)) == 1
    shipment.refresh_from_db()
    assert (shipment.status, shipment.auto_confirmed, shipment.received_by) == (
        "received",
        True,
        None,
    )
    order.refresh_from_db()
    assert order.status == "delivered"
    assert inv.balance(w.buyer_wh, w.grey) == (2, 0, 0)
    services.approval_rule_set(
        actor=w.seller_admin, seller=w.net.dist1, data={"auto_confirm_days": 2}
    )
    _order2, second = _shipped_more(w)
    assert services.receipts_auto_confirm(now=now + timedelta(days=2, minutes=1)) == 1
    assert Shipment.objects.get(pk=second.pk).auto_confirmed


def _shipped_more(w):
    order = of.placed(w, [("BP-01-STD", 1)])
    return order, services.shipment_post(
        actor=w.clerk, order=order, lines=[(order.lines.get().pk, 1)]
    )


def test_delivered_orders_complete_after_the_sellers_days(w):
    order, shipment = _shipped(w)
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    now = timezone.now()
    assert services.orders_auto_complete(now=now + timedelta(days=29)) == 0
    assert services.orders_auto_complete(now=now + timedelta(days=30, minutes=1)) == 1
    order.refresh_from_db()
    assert (order.status, order.completed_at is not None) == ("completed", True)


def test_either_side_may_close_a_delivered_order(w):
    order, shipment = _shipped(w)
    with pytest.raises(InvalidTransition):
        services.order_complete(actor=w.buyer, order=order)
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    with pytest.raises(PermissionDenied):
        services.order_complete(actor=w.clerk, order=order)
    assert services.order_complete(actor=w.buyer, order=order).status == "completed"


def test_the_celery_task_runs_every_sweep(w):
    from qudao.orders.tasks import orders_sweep

    assert orders_sweep() == {
        "receipts_confirmed": 0,
        "orders_completed": 0,
        "group_buys_settled": 0,
    }
