"""Submit and approval (DESIGN.md §6 steps 2–3): exact money and stock after each outcome,
every hold reason with its numbers, every refusal with its code and nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qudao.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from qudao.core.models import AuditEvent, Notification
from qudao.finance import services as finance
from qudao.finance.models import LedgerEntry
from qudao.finance.services import CreditRefused
from qudao.inventory.models import Reservation
from qudao.inventory.services import InsufficientStock
from qudao.inventory.tests import factories as inv
from qudao.network import services as network
from qudao.network.tests.factories import system_actor
from qudao.orders import services
from qudao.orders.models import OrderHold
from qudao.orders.services import OrderAlreadySubmitted, OrgNotActive, PricesChanged
from qudao.orders.tests import factories as of
from qudao.pricing import services as pricing

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")


def _rule(w, **data):
    services.approval_rule_set(actor=w.seller_admin, seller=w.net.dist1, data=data)


def _overdue_invoice(w, amount="500", days_ago=70):
    """An invoice of dealer1 whose 30-day term ended `days_ago − 30` days ago."""
    return finance.invoice_post(
        actor=w.fin,
        buyer=w.net.dealer1,
        seller=w.net.dist1,
        amount=amount,
        issued_on=timezone.localdate() - timedelta(days=days_ago),
    )


def test_an_order_within_every_rule_is_approved_at_once(w, django_capture_on_commit_callbacks):
    order = of.draft(w)
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_submit(actor=w.buyer, order=order)
    assert order.status == "approved"
    assert (order.prepaid_amount, order.rebate_amount, order.credit_amount) == (
        ZERO,
        ZERO,
        D("3960.00"),
    )
    assert order.frozen_amount == D("3960.00")
    assert order.warehouse == w.seller_wh
    assert order.submitted_at is not None and order.decided_by is None
    assert order.credit_numbers["available_after"] == "6040.00"
    # money: the credit part is frozen on dealer1's position, by an entry of the order
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("3960.00"))
    entry = LedgerEntry.objects.get(kind="freeze")
    assert (entry.amount, entry.doc_type, entry.doc_number) == (D("3960.00"), "order", order.number)
    # stock: the lines are reserved at dist1's warehouse, one reservation per line
    assert inv.balance(w.seller_wh, w.grey) == (5, 2, 0)
    assert inv.balance(w.seller_wh, w.pad) == (100, 12, 0)
    lines = {line.sku_id: str(line.pk) for line in order.lines.all()}
    assert sorted(
        Reservation.objects.filter(doc_type="order", doc_id=str(order.pk)).values_list(
            "sku_id", "line", "open_qty"
        )
    ) == sorted([(w.grey.pk, lines[w.grey.pk], 2), (w.pad.pk, lines[w.pad.pk], 12)])
    assert of.topics(since) == [
        "order.submitted",
        "credit.frozen",
        "stock.reserved",
        "order.approved",
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="orders.order", object_id=str(order.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["order.created", "order.submitted", "order.approved"]
    # the seller's warehouse hears of it
    assert Notification.objects.filter(user=w.clerk, topic="order.approved").count() == 1


def test_payment_takes_prepaid_first_then_rebate_up_to_the_cap_then_credit(w):
    of.top_up(w, "1000")
    of.rebate(w, "2000")
    order = services.order_submit(actor=w.buyer, order=of.draft(w, use_rebate=True))
    # 3960: prepaid 1000, rebate min(2000, 30% of 3960 = 1188, 2960) = 1188, credit 1772
    assert (order.prepaid_amount, order.rebate_amount, order.credit_amount) == (
        D("1000.00"),
        D("1188.00"),
        D("1772.00"),
    )
    assert of.money_state(w) == (ZERO, D("812.00"), ZERO, D("1772.00"))
    assert order.prepaid_entry.amount == D("-1000.00")
    assert order.rebate_entry.amount == D("-1188.00")


def test_without_asking_the_rebate_balance_stays(w):
    of.rebate(w, "2000")
    order = of.placed(w)
    assert (order.rebate_amount, order.credit_amount) == (ZERO, D("3960.00"))
    assert of.money_state(w)[1] == D("2000.00")


def test_a_fully_prepaid_order_freezes_no_credit(w):
    of.top_up(w, "5000")
    order = of.placed(w)
    assert (order.prepaid_amount, order.credit_amount, order.frozen_amount) == (
        D("3960.00"),
        ZERO,
        ZERO,
    )
    assert of.money_state(w) == (D("1040.00"), ZERO, ZERO, ZERO)


def test_orders_over_the_sellers_thresholds_wait_with_their_reasons(
    w, django_capture_on_commit_callbacks
):
    _rule(
        w,
        amount_enabled=True,
        amount_threshold="3000",
        discount_enabled=True,
        discount_threshold_pct="5",
        first_order_enabled=True,
    )
    order = of.draft(w)
    before_money = of.money_state(w)
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_submit(actor=w.buyer, order=order)
    assert order.status == "pending_approval"
    assert list(
        OrderHold.objects.filter(order=order).order_by("id").values_list("code", "params")
    ) == [
        ("amount_over_threshold", {"amount": "3960.00", "threshold": "3000.00"}),
        ("discount_over_threshold", {"discount_pct": "9.17", "threshold": "5.00"}),
        ("first_order", {}),
    ]
    # a held order holds nothing yet: the split is an estimate, nothing frozen or reserved
    assert order.credit_amount == D("3960.00") and order.frozen_amount == ZERO
    assert of.money_state(w) == before_money
    assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)
    assert of.topics(since) == ["order.submitted", "order.held"]
    approvers = set(
        Notification.objects.filter(topic="order.held").values_list("user_id", flat=True)
    )
    assert approvers == {w.fin.pk, w.seller_admin.pk}


def test_steps_switched_off_do_not_hold(w):
    _rule(w, amount_enabled=False, amount_threshold="100", first_order_enabled=False)
    assert of.placed(w).status == "approved"


def test_the_first_order_of_a_buyer_waits_then_the_next_does_not(w):
    _rule(w, first_order_enabled=True)
    first = of.placed(w, [("BP-01-STD", 1)])
    assert list(first.holds.values_list("code", flat=True)) == ["first_order"]
    services.order_approve(actor=w.fin, order=first)
    second = of.placed(w, [("BP-01-STD", 1)])
    assert second.status == "approved"


def test_approval_takes_the_money_and_holds_the_stock(w, django_capture_on_commit_callbacks):
    _rule(w, first_order_enabled=True)
    order = of.placed(w)
    since = of.last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_approve(actor=w.fin, order=order, comment="首单，同意")
    assert (order.status, order.decided_by, order.decision_comment) == (
        "approved",
        w.fin,
        "首单，同意",
    )
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("3960.00"))
    assert inv.balance(w.seller_wh, w.grey) == (5, 2, 0)
    assert of.topics(since) == ["credit.frozen", "stock.reserved", "order.approved"]
    assert Notification.objects.filter(user=w.buyer, topic="order.approved").exists()


def test_over_the_limit_is_refused_with_the_numbers_and_nothing_written(w):
    finance.credit_profile_set(
        actor=w.fin, buyer=w.net.dealer1, seller=w.net.dist1, data={"credit_limit": "3000"}
    )
    order = of.draft(w)
    before = of.state()
    with pytest.raises(CreditRefused) as err:
        services.order_submit(actor=w.buyer, order=order)
    assert err.value.code == "credit_refused"
    assert "limit 3000.00" in err.value.message and "needs 3960.00" in err.value.message
    assert err.value.params["available"] == "3000.00"
    assert of.state() == before


def test_with_the_credit_hold_step_an_order_over_the_limit_waits_for_payment(w):
    _rule(w, credit_hold_enabled=True)
    finance.credit_profile_set(
        actor=w.fin, buyer=w.net.dealer1, seller=w.net.dist1, data={"credit_limit": "3000"}
    )
    order = of.placed(w)
    hold = order.holds.get()
    assert (hold.code, hold.params["available"], hold.params["amount"]) == (
        "credit_hold",
        "3000.00",
        "3960.00",
    )
    # the approver cannot approve beyond the limit: checked again, refused with the numbers
    before = of.state()
    with pytest.raises(CreditRefused):
        services.order_approve(actor=w.fin, order=order)
    assert of.state() == before
    # the buyer pays 1000 in advance: prepaid 1000 + credit 2960 now fit
    of.top_up(w, "1000")
    order = services.order_approve(actor=w.fin, order=order)
    assert (order.prepaid_amount, order.credit_amount, order.frozen_amount) == (
        D("1000.00"),
        D("2960.00"),
        D("2960.00"),
    )
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("2960.00"))


def test_overdue_invoices_hold_the_order_by_the_buyers_overdue_mode(w):
    _overdue_invoice(w)
    order = of.placed(w)
    hold = order.holds.get()
    assert (hold.code, hold.params["days_overdue"], hold.params["overdue_amount"]) == (
        "overdue",
        40,
        "500.00",
    )
    # the approver may release an overdue hold
    order = services.order_approve(actor=w.fin, order=order)
    assert order.status == "approved"
    assert order.warnings == [{"code": "overdue", "params": hold.params}]


def test_with_the_overdue_step_off_overdue_only_warns(w):
    _rule(w, overdue_enabled=False)
    _overdue_invoice(w)
    order = of.placed(w)
    assert order.status == "approved"
    assert [warning["code"] for warning in order.warnings] == ["overdue"]


def test_a_blocking_overdue_mode_refuses(w):
    finance.credit_profile_set(
        actor=w.fin, buyer=w.net.dealer1, seller=w.net.dist1, data={"overdue_mode": "block"}
    )
    _overdue_invoice(w)
    order = of.draft(w)
    before = of.state()
    with pytest.raises(CreditRefused) as err:
        services.order_submit(actor=w.buyer, order=order)
    assert "overdue 500.00 (40 days)" in err.value.message
    assert of.state() == before


def test_not_enough_stock_is_refused_with_the_shortage(w):
    order = of.draft(w, [("TB-S1-GRY", 6), ("BP-01-STD", 1)])
    before = of.state()
    with pytest.raises(InsufficientStock) as err:
        services.order_submit(actor=w.buyer, order=order)
    assert err.value.code == "insufficient_stock"
    assert err.value.shortages == [
        {"sku": "TB-S1-GRY", "sku_id": w.grey.pk, "available": 5, "needed": 6}
    ]
    assert of.state() == before


def test_a_submitted_order_submits_once(w):
    order = of.placed(w)
    before = of.state()
    with pytest.raises(OrderAlreadySubmitted) as err:
        services.order_submit(actor=w.buyer, order=order)
    assert err.value.code == "already_submitted"
    assert "Approved" in err.value.message
    assert of.state() == before


def test_a_stale_draft_shows_its_new_prices_before_submitting(w):
    order = of.draft(w)
    pricing.price_list_set_items(
        actor=system_actor(),
        price_list=w.own,
        rows=[{"sku_id": w.grey.pk, "min_qty": 1, "price": D("1850")}],
    )
    before = of.state()
    with pytest.raises(PricesChanged) as err:
        services.order_submit(actor=w.buyer, order=order)
    assert err.value.code == "prices_changed"
    assert err.value.changes == [{"sku": "TB-S1-GRY", "old": "1800.00", "new": "1850.00"}]
    assert of.state() == before
    order = services.order_submit(actor=w.buyer, order=order, accept_price_changes=True)
    assert (order.status, order.amount) == ("approved", D("4060.00"))
    assert order.lines.get(sku=w.grey).unit_price == D("1850.00")


def test_a_buyer_suspended_after_its_draft_cannot_submit(w, net):
    order = of.draft(w)
    network.org_update(actor=system_actor(), org=net.dealer1, data={"status": "suspended"})
    before = of.state()
    with pytest.raises(OrgNotActive):
        services.order_submit(actor=w.buyer, order=order)
    assert of.state() == before


def test_only_the_sellers_approvers_approve(w, net):
    _rule(w, first_order_enabled=True)
    order = of.placed(w)
    before = of.state()
    with pytest.raises(PermissionDenied):  # the buyer sees its order but cannot approve it
        services.order_approve(actor=w.buyer, order=order)
    with pytest.raises(PermissionDenied):
        services.order_approve(actor=w.clerk, order=order)
    with pytest.raises(NotFound):  # another subtree does not learn it exists
        services.order_approve(actor=net.dealer3_admin, order=order)
    assert of.state() == before


def test_approval_checks_the_stock_again(w):
    finance.credit_profile_set(
        actor=w.fin, buyer=w.net.dealer1, seller=w.net.dist1, data={"credit_limit": "100000"}
    )
    _rule(w, first_order_enabled=True)
    held = of.placed(w, [("TB-S1-GRY", 4)])
    _rule(w, first_order_enabled=False)
    of.placed(w, [("TB-S1-GRY", 2)])  # approved at once: 3 left free
    before = of.state()
    with pytest.raises(InsufficientStock):
        services.order_approve(actor=w.fin, order=held)
    assert of.state() == before


def test_rejection_needs_a_comment_and_holds_nothing_back(w, django_capture_on_commit_callbacks):
    _rule(w, first_order_enabled=True)
    order = of.placed(w)
    with pytest.raises(ValidationFailed) as err:
        services.order_reject(actor=w.fin, order=order, comment=" ")
    assert err.value.code == "reason_required"
    before_money = of.money_state(w)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_reject(actor=w.fin, order=order, comment="信用额度需复核")
    assert (order.status, order.decision_comment, order.decided_by) == (
        "rejected",
        "信用额度需复核",
        w.fin,
    )
    assert of.money_state(w) == before_money
    assert Notification.objects.filter(user=w.buyer, topic="order.rejected").count() == 1
    with pytest.raises(InvalidTransition):
        services.order_approve(actor=w.fin, order=order)
