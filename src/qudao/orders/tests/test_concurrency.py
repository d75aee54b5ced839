"""PostgreSQL races: concurrent submits and approvals for the last units and the last credit
— exactly one wins, the other is refused with its code, and the ledgers stay whole; a draft
submitted twice at once is submitted once."""

import pytest

from qudao.core.tests.races import each
from qudao.finance import services as finance
from qudao.finance.selectors import ledger_mismatches
from qudao.inventory.selectors import stock_mismatches
from qudao.inventory.tests import factories as inv
from qudao.orders import services
from qudao.orders.models import Order
from qudao.orders.selectors import order_mismatches
from qudao.orders.tests import factories as of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _clean():
    assert ledger_mismatches() == []
    assert stock_mismatches() == []
    assert order_mismatches() == []


def _dealer2(w, net, limit="100000"):
    finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer2, seller=net.dist1, data={"credit_limit": limit}
    )


def test_two_buyers_racing_for_the_last_bikes_never_oversell(w, net):
    _dealer2(w, net)
    for _round in range(3):  # a lucky interleaving must not hide a race
        drafts = [
            of.draft(w, [("TB-S1-GRY", 3)]),
            of.draft(w, [("TB-S1-GRY", 3)], actor=net.dealer2_admin, buyer=net.dealer2),
        ]
        actors = [w.buyer, net.dealer2_admin]
        outcomes = each(
            [
                lambda d=d, a=a: services.order_submit(actor=a, order=d)
                for d, a in zip(drafts, actors, strict=True)
            ]
        )
        assert outcomes == ["insufficient_stock", "ok"]
        assert inv.balance(w.seller_wh, w.grey) == (5, 3, 0)
        winner = Order.objects.get(pk__in=[d.pk for d in drafts], status="approved")
        services.order_cancel(actor=w.seller_admin, order=winner, reason="next round")
        assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)
    _clean()


def test_two_orders_racing_for_the_last_credit_never_overdraw(w, net):
    finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer1, seller=net.dist1, data={"credit_limit": "5000"}
    )
    for _round in range(3):
        drafts = [of.draft(w, [("TB-S1-GRY", 2)]), of.draft(w, [("TB-S1-GRY", 2)])]
        outcomes = each([lambda d=d: services.order_submit(actor=w.buyer, order=d) for d in drafts])
        assert outcomes == ["credit_refused", "ok"]
        assert of.money_state(w) == (0, 0, 0, 3600)
        winner = Order.objects.get(pk__in=[d.pk for d in drafts], status="approved")
        services.order_cancel(actor=w.buyer, order=winner)
        assert of.money_state(w)[3] == 0
    _clean()


def test_two_approvals_racing_for_the_last_units(w, net):
    services.approval_rule_set(
        actor=w.seller_admin, seller=net.dist1, data={"first_order_enabled": True}
    )
    _dealer2(w, net)
    held = [
        of.placed(w, [("TB-S1-GRY", 3)]),
        of.placed(w, [("TB-S1-GRY", 3)], actor=net.dealer2_admin, buyer=net.dealer2),
    ]
    assert [o.status for o in held] == ["pending_approval"] * 2
    outcomes = each([lambda o=o: services.order_approve(actor=w.fin, order=o) for o in held])
    assert outcomes == ["insufficient_stock", "ok"]
    assert inv.balance(w.seller_wh, w.grey) == (5, 3, 0)
    _clean()


def test_two_approvals_racing_for_the_last_credit(w, net):
    services.approval_rule_set(
        actor=w.seller_admin,
        seller=net.dist1,
        data={"amount_enabled": True, "amount_threshold": "100"},
    )
    finance.credit_profile_set(
        actor=w.fin, buyer=net.dealer1, seller=net.dist1, data={"credit_limit": "5000"}
    )
    held = [of.placed(w, [("TB-S1-GRY", 2)]) for _ in range(2)]
    assert [o.status for o in held] == ["pending_approval"] * 2
    outcomes = each([lambda o=o: services.order_approve(actor=w.fin, order=o) for o in held])
    assert outcomes == ["credit_refused", "ok"]
    assert of.money_state(w) == (0, 0, 0, 3600)
    assert inv.balance(w.seller_wh, w.grey) == (5, 2, 0)
    _clean()


def test_a_draft_submitted_twice_at_once_is_submitted_once(w):
    for _round in range(3):
        order = of.draft(w, [("BP-01-STD", 1)])
        outcomes = each(
            [lambda o=order: services.order_submit(actor=w.buyer, order=o) for _ in range(2)]
        )
        assert outcomes == ["already_submitted", "ok"]
    assert of.money_state(w)[3] == 3 * 30
    _clean()


def test_two_buyers_racing_for_the_last_promotion_budget_never_overspend_it(w, net):
    from qudao.promotions.models import Promotion
    from qudao.promotions.tests.factories import live

    _dealer2(w, net)
    # 满300减50 with a budget for one order: both drafts were priced with the discount
    spend = live(
        w.net.dist1,
        "threshold_amount_off",
        {"tiers": [{"threshold": "300", "amount": "50"}]},
        budget_amount="50",
    )
    drafts = [
        of.draft(w, [("BP-01-STD", 12)]),
        of.draft(w, [("BP-01-STD", 12)], actor=net.dealer2_admin, buyer=net.dealer2),
    ]
    assert [d.amount for d in drafts] == [310, 310]
    outcomes = each(
        [
            lambda d=d, a=a: services.order_submit(actor=a, order=d)
            for d, a in zip(drafts, [w.buyer, net.dealer2_admin], strict=True)
        ]
    )
    # the loser either saw the budget gone when it priced again (its net price moved) or
    # lost the budget's conditional update: either way it is refused and wrote nothing
    assert outcomes[0] == "ok"  # sorted: the winner first
    assert outcomes[1] in {"prices_changed", "promotion_budget_exhausted"}
    assert Promotion.objects.get(pk=spend.pk).consumed_amount == 50
    assert Order.objects.filter(pk__in=[d.pk for d in drafts], status="approved").count() == 1
    assert inv.balance(w.seller_wh, w.pad) == (100, 12, 0)
    _clean()
