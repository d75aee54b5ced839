"""Reads: who sees which orders (both sides, those above them, drafts only the buyer's side),
filters, the approval inbox, the cart preview (writes nothing), details — in fixed numbers of
queries."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from qudao.accounts.models import User
from qudao.core.errors import NotFound, PermissionDenied
from qudao.network.tests import factories as f
from qudao.network.tests.factories import system_actor
from qudao.orders import selectors, services
from qudao.orders.tests import factories as of
from qudao.pricing import services as pricing

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


def _fresh(user):
    """The user as a new request sees it: no cached grants."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def orders(w, net):
    """A draft, an approved and a held order of dealer1; an approved order of dealer2."""
    draft = of.draft(w, [("BP-01-STD", 1)])
    approved = of.placed(w)
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=net.dist1,
        data={"amount_enabled": True, "amount_threshold": "100"},
    )
    held = of.placed(w, [("BP-01-STD", 10)])
    of.finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer2, seller=net.dist1, data={"credit_limit": "5000"}
    )
    services.approval_rule_set(
        actor=w.seller_admin, seller=net.dist1, data={"amount_enabled": False}
    )
    other = services.order_submit(
        actor=net.dealer2_admin,
        order=of.draft(w, [("BP-01-STD", 2)], actor=net.dealer2_admin, buyer=net.dealer2),
    )
    return {"draft": draft, "approved": approved, "held": held, "other": other}


def _numbers(qs):
    return sorted(o.number for o in qs)


def test_each_side_sees_its_orders_and_drafts_stay_with_the_buyer(w, net, orders):
    mine = _numbers(orders[k] for k in ("draft", "approved", "held"))
    assert _numbers(selectors.order_list_for_actor(actor=w.buyer)) == mine
    assert _numbers(selectors.order_list_for_actor(actor=net.dealer2_admin)) == [
        orders["other"].number
    ]
    seller_sees = _numbers(orders[k] for k in ("approved", "held", "other"))
    assert _numbers(selectors.order_list_for_actor(actor=w.clerk)) == seller_sees
    # dist1 is above its dealers too: on the buying side it sees their drafts
    everything = _numbers(orders.values())
    assert _numbers(selectors.order_list_for_actor(actor=w.seller_admin)) == everything
    assert _numbers(selectors.order_list_for_actor(actor=w.seller_admin, side="selling")) == (
        seller_sees
    )
    # the region manager approves for its region: it sees what was placed there
    assert _numbers(selectors.order_list_for_actor(actor=net.region_east)) == seller_sees
    assert _numbers(selectors.order_list_for_actor(actor=w.sales)) == everything
    assert _numbers(selectors.order_list_for_actor(actor=net.dealer3_admin)) == []
    assert _numbers(selectors.order_list_for_actor(actor=net.admin)) == everything


def test_filters(w, net, orders):
    def numbers(**kw):
        return _numbers(selectors.order_list_for_actor(actor=w.seller_admin, **kw))

    assert numbers(status="pending_approval") == [orders["held"].number]
    assert numbers(status=["approved", "draft"]) == _numbers(
        [orders["approved"], orders["other"], orders["draft"]]
    )
    assert numbers(buyer_id=net.dealer2.pk) == [orders["other"].number]
    assert numbers(sku_id=w.grey.pk) == [orders["approved"].number]
    today = timezone.localdate()
    assert numbers(since=today, until=today) == _numbers(orders.values())
    assert numbers(since=today + timedelta(days=1)) == []
    assert numbers(q=orders["held"].number) == [orders["held"].number]
    assert numbers(q="宁波") == [orders["other"].number]
    with pytest.raises(NotFound):
        numbers(buyer_id=net.dealer3.pk)


def test_the_order_list_takes_two_queries(w, orders, django_assert_num_queries):
    actor = _fresh(w.seller_admin)
    with django_assert_num_queries(2):  # the actor's grants, the page
        rows = list(selectors.order_list_for_actor(actor=actor))
    assert [r.buyer.name for r in rows] and rows[0].placed_by is not None


def test_an_order_outside_scope_is_not_found_and_without_a_right_forbidden(w, net, orders):
    assert selectors.order_get(actor=w.buyer, order_id=orders["held"].pk) == orders["held"]
    with pytest.raises(NotFound):
        selectors.order_get(actor=net.dealer3_admin, order_id=orders["held"].pk)
    with pytest.raises(NotFound):  # a draft is not the seller's to see
        selectors.order_get(actor=w.clerk, order_id=orders["draft"].pk)
    technician = f.member(net.dealer1, "technician", username="tech")
    with pytest.raises(PermissionDenied):
        selectors.order_get(actor=technician, order_id=orders["held"].pk)
    with pytest.raises(NotFound):
        selectors.order_get(actor=w.buyer, order_id=10**9)


def test_the_approval_inbox(w, net, orders, django_assert_num_queries):
    actor = _fresh(w.fin)
    with django_assert_num_queries(3):  # grants, orders, their reasons
        rows = list(selectors.approval_inbox(actor=actor))
    assert [o.number for o in rows] == [orders["held"].number]
    assert [h.code for h in rows[0].holds.all()] == ["amount_over_threshold"]
    assert list(selectors.approval_inbox(actor=w.buyer)) == []
    assert list(selectors.approval_inbox(actor=w.clerk)) == []
    assert selectors.pending_counts(actor=w.fin) == {
        "to_approve": 1,
        "to_receive": 0,
        "returns_to_decide": 0,
    }


def test_the_detail_shows_lines_reasons_shipments_and_the_timeline(
    w, orders, django_assert_num_queries
):
    order = orders["approved"]
    grey = order.lines.get(sku=w.grey)
    services.shipment_post(actor=w.clerk, order=order, lines=[(grey.pk, 1, "GRY000001")])
    actor = _fresh(w.buyer)
    # grants, order, shipments (+ lines, serials), returns, lines (+ adjustments), reasons,
    # timeline (shipment and return ids, events)
    with django_assert_num_queries(12):
        detail = selectors.order_detail(actor=actor, order_id=order.pk)
        [line.adjustments.all() for line in detail.lines]
        [s.serial for sh in detail.shipments for ln in sh.lines.all() for s in ln.serials.all()]
    assert [line.sku.code for line in detail.lines] == ["TB-S1-GRY", "BP-01-STD"]
    assert [s.status for s in detail.shipments] == ["posted"]
    assert [e.action for e in detail.timeline] == [
        "order.shipped",
        "order.approved",
        "order.submitted",
        "order.created",
    ]
    assert detail.actions == {"reorder"}  # partly shipped, nothing received yet to return
    seller = selectors.order_detail(actor=w.seller_admin, order_id=order.pk)
    assert seller.actions == {"ship", "reorder"}  # dist1 also orders for its dealers


def test_allowed_actions_follow_status_and_side(w, orders):
    assert selectors.allowed_actions(actor=w.buyer, order=orders["draft"]) == {
        "edit",
        "submit",
        "cancel",
    }
    assert selectors.allowed_actions(actor=w.fin, order=orders["held"]) == {
        "approve",
        "reject",
        "cancel_by_seller",
    }
    assert selectors.allowed_actions(actor=w.clerk, order=orders["approved"]) == {"ship"}


def test_the_cart_preview_answers_everything_and_writes_nothing(w, net):
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=net.dist1,
        data={"discount_enabled": True, "discount_threshold_pct": "5"},
    )
    of.top_up(w, "1000")
    before = of.state()
    preview = selectors.cart_preview(
        actor=w.buyer,
        buyer=net.dealer1,
        seller=net.dist1,
        lines=[("TB-S1-GRY", 4), ("BP-01-STD", 1, "箱"), ("NOPE", 1)],
    )
    assert of.state() == before
    assert [
        (line.sku.code, line.qty, line.unit_price, line.stock_state) for line in preview.lines
    ] == [
        ("TB-S1-GRY", 4, D("1800.00"), "low"),  # 5 free: under 10
        ("BP-01-STD", 12, D("30.00"), "in_stock"),
    ]
    assert (preview.list_amount, preview.amount, preview.discount_pct) == (
        D("8360.00"),
        D("7560.00"),
        D("9.57"),
    )
    assert (preview.split.prepaid, preview.split.rebate, preview.split.credit) == (
        D("1000.00"),
        ZERO,
        D("6560.00"),
    )
    assert preview.available_credit_after == D("3440.00")
    assert [h.code for h in preview.holds] == ["discount_over_threshold"]
    assert [p.code for p in preview.problems] == ["unknown_sku"]
    assert not preview.can_submit


def test_the_preview_names_stock_and_credit_problems(w, net):
    preview = selectors.cart_preview(
        actor=w.sales, buyer=net.dealer1, seller=net.dist1, lines=[("TB-S1-GRY", 6)]
    )
    assert [p.code for p in preview.problems] == ["insufficient_stock", "credit_refused"]
    assert preview.lines[0].stock_state == "low"


def test_the_preview_of_a_stale_draft_flags_its_new_prices(w):
    order = of.draft(w)
    pricing.price_list_set_items(
        actor=system_actor(),
        price_list=w.own,
        rows=[{"sku_id": w.grey.pk, "min_qty": 1, "price": D("1850")}],
    )
    preview = selectors.order_preview(actor=w.buyer, order=order)
    changed = [
        (line.sku.code, line.previous_price, line.unit_price)
        for line in preview.lines
        if line.price_changed
    ]
    assert changed == [("TB-S1-GRY", D("1800.00"), D("1850.00"))]
    assert preview.amount == D("4060.00")


def test_shipments_and_returns_lists(w, orders):
    order = orders["approved"]
    pad = order.lines.get(sku=w.pad)
    shipment = services.shipment_post(actor=w.clerk, order=order, lines=[(pad.pk, 12)])
    assert list(selectors.shipment_list_for_actor(actor=w.buyer, status="posted")) == [shipment]
    assert selectors.pending_counts(actor=w.buyer)["to_receive"] == 1
    assert selectors.shipment_get(actor=w.clerk, shipment_id=shipment.pk) == shipment
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    ret = services.return_request(
        actor=w.buyer, order=order, lines=[(pad.pk, 2)], reason_code="surplus", reason="多订了"
    )
    assert list(selectors.return_list_for_actor(actor=w.seller_admin, side="selling")) == [ret]
    assert selectors.return_get(actor=w.buyer, return_id=ret.pk) == ret
    with pytest.raises(NotFound):
        selectors.return_get(actor=w.net.dealer2_admin, return_id=ret.pk)


def test_returnable_serials(w):
    order = of.placed(w)
    grey = order.lines.get(sku=w.grey)
    shipment = services.shipment_post(
        actor=w.clerk, order=order, lines=[(grey.pk, 2, "GRY000001 GRY000002")]
    )
    assert selectors.returnable_serials(order=order) == {}
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    services.return_request(
        actor=w.buyer,
        order=order,
        lines=[(grey.pk, 1, "GRY000001")],
        reason_code="defective",
        reason="x",
    )
    assert selectors.returnable_serials(order=order) == {grey.pk: ["GRY000002"]}


def test_check_ledgers_stays_clean(w, orders):
    order = orders["approved"]
    pad = order.lines.get(sku=w.pad)
    shipment = services.shipment_post(actor=w.clerk, order=order, lines=[(pad.pk, 12)])
    services.receipt_confirm(actor=w.buyer, shipment=shipment)
    assert selectors.order_mismatches() == []
    out = io.StringIO()
    call_command("check_ledgers", stdout=out)
    assert "orders: every order line" in out.getvalue()
    assert "finance: every balance" in out.getvalue()
    assert "inventory: every stock balance" in out.getvalue()


def test_an_empty_cart_cannot_be_submitted(w, net):
    preview = selectors.cart_preview(actor=w.buyer, buyer=net.dealer1, seller=net.dist1, lines=[])
    assert ([p.code for p in preview.problems], preview.amount) == (["no_lines"], ZERO)
    assert not preview.can_submit
