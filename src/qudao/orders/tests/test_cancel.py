"""Cancelling before the first shipment gives back exactly what approval took."""

from decimal import Decimal

import pytest

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import Notification
from qudao.finance.models import LedgerEntry
from qudao.inventory.models import Reservation
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


def test_the_buyer_cancels_an_approved_order_and_gets_everything_back(
    w, django_capture_on_commit_callbacks
):
    of.top_up(w, "1000")
    of.rebate(w, "2000")
    order = of.placed(w, use_rebate=True)
    assert of.money_state(w) == (ZERO, D("812.00"), ZERO, D("1772.00"))
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_cancel(actor=w.buyer, order=order, reason="订错了")
    assert (order.status, order.cancel_reason, order.cancelled_by) == (
        "cancelled",
        "订错了",
        w.buyer,
    )
    assert order.frozen_amount == ZERO
    assert of.money_state(w) == (D("1000.00"), D("2000.00"), ZERO, ZERO)
    reversals = LedgerEntry.objects.filter(kind="reversal").order_by("id")
    assert [(e.account, e.amount) for e in reversals] == [
        ("prepaid", D("1000.00")),
        ("rebate", D("1188.00")),
    ]
    assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)
    assert inv.balance(w.seller_wh, w.pad) == (100, 0, 0)
    assert not Reservation.objects.filter(open_qty__gt=0).exists()
    assert of.topics(since) == ["credit.released", "stock.released", "order.cancelled"]
    sellers = set(
        Notification.objects.filter(topic="order.cancelled").values_list("user", flat=True)
    )
    assert w.seller_admin.pk in sellers and w.buyer.pk not in sellers


def test_a_draft_is_cancelled_quietly(w, django_capture_on_commit_callbacks):
    order = of.draft(w)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_cancel(actor=w.buyer, order=order)
    assert order.status == "cancelled"
    assert not Notification.objects.filter(topic="order.cancelled").exists()


def test_a_held_order_is_cancelled_without_releasing_anything(w):
    services.approval_rule_set(
        actor=w.seller_admin, seller=w.net.dist1, data={"first_order_enabled": True}
    )
    order = of.placed(w)
    before = of.money_state(w)
    order = services.order_cancel(actor=w.buyer, order=order)
    assert order.status == "cancelled"
    assert of.money_state(w) == before
    assert not LedgerEntry.objects.filter(kind__in=["release", "reversal"]).exists()


def test_the_seller_cancels_with_a_reason(w, django_capture_on_commit_callbacks):
    order = of.placed(w)
    with pytest.raises(ValidationFailed) as err:
        services.order_cancel_by_seller(actor=w.seller_admin, order=order, reason="")
    assert err.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_cancel_by_seller(
            actor=w.seller_admin, order=order, reason="该车型停产"
        )
    assert (order.status, order.cancel_reason) == ("cancelled", "该车型停产")
    assert of.money_state(w) == (ZERO, ZERO, ZERO, ZERO)
    assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)
    notified = Notification.objects.get(topic="order.cancelled", user=w.buyer)
    assert notified.body == "该车型停产"


def test_the_seller_does_not_see_drafts_and_the_buyer_cannot_cancel_for_the_seller(w):
    draft = of.draft(w)
    with pytest.raises(NotFound):
        services.order_cancel_by_seller(actor=w.seller_admin, order=draft, reason="x")
    order = of.placed(w)
    with pytest.raises(PermissionDenied):
        services.order_cancel_by_seller(actor=w.buyer, order=order, reason="x")


def test_nothing_cancels_once_goods_have_shipped(w):
    order = of.placed(w)
    line = order.lines.get(sku=w.pad)
    services.shipment_post(actor=w.clerk, order=order, lines=[(line.pk, 12)])
    before = of.state()
    with pytest.raises(InvalidTransition) as err:
        services.order_cancel(actor=w.buyer, order=order)
    assert err.value.code == "invalid_transition"
    with pytest.raises(InvalidTransition):
        services.order_cancel_by_seller(actor=w.seller_admin, order=order, reason="x")
    assert of.state() == before
