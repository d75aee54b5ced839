"""Returns and exchanges: limits by received and returned quantities and by serials shipped
to the buyer, goods back into the seller's warehouse, the credit note; an exchange's linked
replacement order at no price difference."""

from decimal import Decimal

import pytest

from qudao.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from qudao.core.models import Notification
from qudao.finance.models import Invoice
from qudao.inventory.models import Serial
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.models import LineAdjustment, Order
from qudao.orders.services import ReturnLineIn
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


@pytest.fixture
def delivered(w):
    """dealer1 received 2 grey (GRY000001–2) and 12 pads of one order, invoiced 3960."""
    order = of.placed(w)
    lines = {line.sku.code: line for line in order.lines.select_related("sku")}
    shipment = services.shipment_post(
        actor=w.clerk,
        order=order,
        lines=[(lines["TB-S1-GRY"].pk, 2, "GRY000001 GRY000002"), (lines["BP-01-STD"].pk, 12)],
    )
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    order.refresh_from_db()
    order.grey = lines["TB-S1-GRY"]
    order.pad = lines["BP-01-STD"]
    return order


def _request(w, order, lines, kind="return"):
    return services.return_request(
        actor=w.buyer,
        order=order,
        lines=lines,
        reason_code="defective",
        reason="电机异响",
        kind=kind,
    )


def test_a_return_comes_back_and_is_credited(w, delivered, django_capture_on_commit_callbacks):
    order = delivered
    with django_capture_on_commit_callbacks(execute=True):
        ret = _request(w, order, [ReturnLineIn(order.grey.pk, 1, "GRY000001"), (order.pad.pk, 2)])
    # the value of what comes back: 1 of 2 bikes (3600 / 2) and 2 of 12 pads (360 / 6)
    assert (ret.status, ret.number[:3], ret.amount) == ("requested", "RT-", D("1860.00"))
    assert list(ret.lines.order_by("id").values_list("sku__code", "qty", "amount")) == [
        ("TB-S1-GRY", 1, D("1800.00")),
        ("BP-01-STD", 2, D("60.00")),
    ]
    assert Notification.objects.filter(user=w.seller_admin, topic="return.requested").exists()
    ret = services.return_approve(actor=w.seller_admin, ret=ret, comment="同意退货")
    assert (ret.status, ret.warehouse, ret.decided_by) == ("approved", w.seller_wh, w.seller_admin)
    ret = services.return_send(actor=w.buyer, ret=ret)
    assert ret.status == "sent"
    assert inv.balance(w.buyer_wh, w.grey) == (1, 0, 0)
    assert inv.balance(w.buyer_wh, w.pad) == (10, 0, 0)
    assert inv.balance(w.seller_wh, w.grey) == (3, 0, 1)
    since = of.last_event_id()
    ret = services.return_receive(actor=w.clerk, ret=ret)
    assert ret.status == "received"
    assert inv.balance(w.seller_wh, w.grey) == (4, 0, 0)
    assert inv.balance(w.seller_wh, w.pad) == (90, 0, 0)
    unit = Serial.objects.get(serial="GRY000001")
    assert (unit.status, unit.warehouse, unit.holder_id) == (
        "returned",
        w.seller_wh,
        w.net.dist1.pk,
    )
    note = ret.credit_note
    assert (note.kind, note.amount, note.source_type) == (
        "credit_note",
        D("1860.00"),
        "order_return",
    )
    # the credit note pays the open invoice down: receivable 3960 − 1860
    assert Invoice.objects.get(kind="invoice").open_amount == D("2100.00")
    assert of.money_state(w) == (ZERO, ZERO, D("2100.00"), ZERO)
    order.refresh_from_db()
    assert order.returned_amount == D("1860.00")
    assert [line.qty_returned for line in order.lines.order_by("line_no")] == [1, 2]
    assert of.topics(since) == ["return.received", "credit_note.posted", "return.completed"]


def test_returns_never_exceed_received_minus_returned(w, delivered):
    order = delivered
    before = of.state()
    with pytest.raises(ValidationFailed) as err:
        _request(w, order, [(order.pad.pk, 13)])
    assert err.value.code == "return_exceeds_received"
    assert of.state() == before
    _request(w, order, [(order.pad.pk, 10)])  # open: claims 10 of the 12
    with pytest.raises(ValidationFailed) as err:
        _request(w, order, [(order.pad.pk, 3)])
    assert err.value.code == "return_exceeds_received"
    assert _request(w, order, [(order.pad.pk, 2)]).amount == D("60.00")


def test_the_units_that_finish_a_line_take_what_is_left_of_its_amount(w, delivered):
    order = delivered
    first = _request(w, order, [(order.pad.pk, 5)])
    rest = _request(w, order, [(order.pad.pk, 7)])
    assert (first.amount, rest.amount) == (D("150.00"), D("210.00"))


@pytest.mark.parametrize(
    ("serials", "code"),
    [
        ("GRY000005", "serial_not_shipped_to_buyer"),  # still at the seller
        ("WHT000001", "serial_not_shipped_to_buyer"),
        ("", "serial_count_mismatch"),
        ("GRY000001 GRY000002", "serial_count_mismatch"),
    ],
)
def test_a_returned_serial_must_have_been_shipped_to_the_buyer(w, delivered, serials, code):
    before = of.state()
    with pytest.raises(ValidationFailed) as err:
        _request(w, delivered, [(delivered.grey.pk, 1, serials)])
    assert err.value.code == code
    assert of.state() == before


def test_a_serial_is_returned_once(w, delivered):
    _request(w, delivered, [(delivered.grey.pk, 1, "GRY000001")])
    with pytest.raises(ValidationFailed) as err:
        _request(w, delivered, [(delivered.grey.pk, 1, "GRY000001")])
    assert err.value.code == "serial_already_returned"


def test_untracked_lines_take_no_serials_and_a_reason_is_required(w, delivered):
    with pytest.raises(ValidationFailed) as err:
        _request(w, delivered, [(delivered.pad.pk, 1, "X1")])
    assert err.value.code == "serials_not_tracked"
    with pytest.raises(ValidationFailed) as err:
        services.return_request(
            actor=w.buyer,
            order=delivered,
            lines=[(delivered.pad.pk, 1)],
            reason_code="other",
            reason=" ",
        )
    assert err.value.code == "reason_required"


def test_only_received_goods_are_returned(w):
    order = of.placed(w)
    with pytest.raises(Conflict) as err:
        _request(w, order, [(order.lines.first().pk, 1)])
    assert err.value.code == "order_not_returnable"


def test_the_seller_rejects_with_a_comment_and_the_quantities_are_free_again(w, delivered):
    ret = _request(w, delivered, [(delivered.pad.pk, 12)])
    with pytest.raises(PermissionDenied):
        services.return_approve(actor=w.buyer, ret=ret)
    ret = services.return_reject(actor=w.fin, ret=ret, comment="超出退货期")
    assert (ret.status, ret.decision_comment) == ("rejected", "超出退货期")
    assert _request(w, delivered, [(delivered.pad.pk, 12)]).status == "requested"


def test_the_goods_must_be_sent_before_the_seller_receives_them(w, delivered):
    ret = services.return_approve(
        actor=w.seller_admin, ret=_request(w, delivered, [(delivered.pad.pk, 1)])
    )
    with pytest.raises(Conflict) as err:
        services.return_receive(actor=w.clerk, ret=ret)
    assert err.value.code == "return_not_sent"
    with pytest.raises(PermissionDenied):  # the seller's clerk does not send the buyer's goods
        services.return_send(actor=w.clerk, ret=ret)


def test_an_exchange_ships_the_same_goods_again_at_no_price_difference(w, delivered):
    order = delivered
    ret = _request(w, order, [(order.grey.pk, 1, "GRY000002")], kind="exchange")
    ret = services.return_approve(actor=w.seller_admin, ret=ret)
    rep = ret.replacement_order
    assert (rep.kind, rep.status, rep.buyer, rep.seller, rep.on_behalf) == (
        "replacement",
        "approved",
        w.net.dealer1,
        w.net.dist1,
        True,
    )
    assert (rep.list_amount, rep.adjustment_amount, rep.amount, rep.credit_amount) == (
        D("1800.00"),
        D("-1800.00"),
        ZERO,
        ZERO,
    )
    line = rep.lines.get()
    assert (line.sku, line.qty, line.unit_price, line.amount) == (w.grey, 1, D("1800.00"), ZERO)
    assert list(LineAdjustment.objects.values_list("source", "amount")) == [
        ("exchange", D("-1800.00"))
    ]
    assert inv.balance(w.seller_wh, w.grey) == (3, 1, 0)  # the replacement is reserved
    services.return_send(actor=w.buyer, ret=ret)
    ret = services.return_receive(actor=w.clerk, ret=ret)
    assert (ret.status, ret.credit_note) == ("received", None)
    assert of.money_state(w) == (ZERO, ZERO, D("3960.00"), ZERO)  # no credit note
    shipment = services.shipment_post(actor=w.clerk, order=rep, lines=[(line.pk, 1, "GRY000003")])
    assert (shipment.amount, shipment.invoice) == (ZERO, None)
    assert of.money_state(w) == (ZERO, ZERO, D("3960.00"), ZERO)  # no invoice either
    assert Order.objects.get(pk=rep.pk).status == "shipped"


def test_withdrawing_an_exchange_cancels_its_replacement(w, delivered):
    ret = _request(w, delivered, [(delivered.grey.pk, 1, "GRY000002")], kind="exchange")
    ret = services.return_approve(actor=w.seller_admin, ret=ret)
    ret = services.return_cancel(actor=w.buyer, ret=ret, reason="修好了")
    assert ret.status == "cancelled"
    assert Order.objects.get(pk=ret.replacement_order_id).status == "cancelled"
    assert inv.balance(w.seller_wh, w.grey) == (3, 0, 0)
    with pytest.raises(InvalidTransition):
        services.return_send(actor=w.buyer, ret=ret)


def test_each_step_of_a_return_tells_the_other_side(
    w, delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ret = _request(w, delivered, [(delivered.pad.pk, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        ret = services.return_approve(actor=w.seller_admin, ret=ret)
    with django_capture_on_commit_callbacks(execute=True):
        ret = services.return_send(actor=w.buyer, ret=ret)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_receive(actor=w.clerk, ret=ret)
    buyer = set(Notification.objects.filter(user=w.buyer).values_list("topic", flat=True))
    assert {"return.approved", "return.completed"} <= buyer
    clerk = set(Notification.objects.filter(user=w.clerk).values_list("topic", flat=True))
    assert "return.shipped" in clerk
    title = Notification.objects.get(user=w.buyer, topic="return.completed").title
    assert ret.number in title


def test_a_requested_return_holds_its_units_until_sent_or_withdrawn(w, delivered):
    """The bike to send back is held from the request on: it cannot be sold to a consumer
    meanwhile (so the return's send cannot fail later); withdrawing the return frees it."""
    from django.utils import timezone

    from qudao.inventory import services as inventory
    from qudao.inventory.models import Stock

    ret = _request(w, delivered, [(delivered.grey.pk, 1, "GRY000001")])
    unit = Serial.objects.get(serial="GRY000001")
    stock = Stock.objects.get(warehouse=w.buyer_wh, sku=w.grey)
    assert (unit.status, stock.on_hand, stock.reserved) == ("reserved", 2, 1)
    sale = inventory.SellOutRow(
        sold_on=timezone.localdate(), sku=w.grey, qty=1, serials=("GRY000001",)
    )
    with pytest.raises(ValidationFailed):
        inventory.sellout_record(actor=w.buyer, org=w.net.dealer1, rows=[sale])
    assert Serial.objects.get(serial="GRY000001").status == "reserved"  # nothing written

    services.return_cancel(actor=w.buyer, ret=ret, reason="不退了")
    unit.refresh_from_db()
    stock.refresh_from_db()
    assert (unit.status, stock.reserved) == ("in_stock", 0)
    inventory.sellout_record(actor=w.buyer, org=w.net.dealer1, rows=[sale])
    assert Serial.objects.get(serial="GRY000001").status == "sold"


def test_a_return_of_units_no_longer_there_is_refused(w, delivered):
    from django.utils import timezone

    from qudao.inventory import services as inventory

    sale = inventory.SellOutRow(
        sold_on=timezone.localdate(), sku=w.grey, qty=1, serials=("GRY000002",)
    )
    inventory.sellout_record(actor=w.buyer, org=w.net.dealer1, rows=[sale])
    with pytest.raises(ValidationFailed) as err:
        _request(w, delivered, [(delivered.grey.pk, 1, "GRY000002")])
    assert err.value.code == "serials_rejected"
    assert not delivered.returns.exists()
