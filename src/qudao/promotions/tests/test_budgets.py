"""Budgets, quantity caps and coupons consumed at submit and released on cancel: exact
counters, ledger rows that add up, refusals that change nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qudao.core.ledgers import checks
from qudao.core.models import OutboxEvent
from qudao.network.tests.factories import system_actor
from qudao.promotions import selectors, services
from qudao.promotions.engine import Use
from qudao.promotions.models import Coupon, CouponHolder, CouponRedemption, Promotion, PromotionUse
from qudao.promotions.tests.factories import live

pytestmark = pytest.mark.django_db


def D(value):  # noqa: N802
    return Decimal(str(value))


def doc(n):
    return services.Doc("order", str(n), f"SO-2026-{n:06d}")


def _consume(world, uses, n=1, buyer=None):
    return services.promotions_consume(
        actor=system_actor(),
        seller=world.dist1,
        buyer=buyer or world.dealer1,
        uses=uses,
        doc=doc(n),
    )


def _counters(p):
    p.refresh_from_db()
    return p.consumed_amount, p.consumed_qty


def _state():
    return (
        list(Promotion.objects.values_list("pk", "consumed_amount", "consumed_qty").order_by("pk")),
        PromotionUse.objects.count(),
        list(Coupon.objects.values_list("pk", "used").order_by("pk")),
        list(CouponHolder.objects.values_list("pk", "used").order_by("pk")),
        CouponRedemption.objects.count(),
    )


@pytest.fixture
def capped(world, cat):
    return live(
        world.dist1,
        "flash_sale",
        {"prices": {str(cat["grey"].pk): "1799"}},
        ends_at=timezone.now() + timedelta(days=1),
        budget_qty=10,
        budget_amount="1000",
    )


def test_consume_then_release_moves_counters_and_ledger(world, capped):
    rows = _consume(world, [Use(capped.pk, D("400.00"), 4)])
    assert [(r.kind, r.amount, r.qty, r.doc_number) for r in rows] == [
        ("consume", D("400.00"), 4, "SO-2026-000001")
    ]
    assert _counters(capped) == (D("400.00"), 4)
    _consume(world, [Use(capped.pk, D("0.10"), 1)], n=2)
    assert _counters(capped) == (D("400.10"), 5)
    released = services.promotions_release(actor=system_actor(), doc=doc(1))
    assert [(r.kind, r.amount, r.qty) for r in released] == [("release", D("400.00"), 4)]
    assert _counters(capped) == (D("0.10"), 1)
    assert services.promotions_release(actor=system_actor(), doc=doc(1)) == []  # again: nothing
    assert _counters(capped) == (D("0.10"), 1)
    assert selectors.use_mismatches() == []
    check = {c.name: c for c in checks()}["promotions"]  # `qudao check-ledgers` runs it
    assert check.run() == []
    PromotionUse.objects.filter(doc_id="2").delete()  # a ledger row lost: the check says so
    assert check.run() == [f"promotion {capped.number}: used 0.10/1, ledger 0.00/0"]
    PromotionUse.objects.filter(doc_id="2").delete()
    assert OutboxEvent.objects.filter(topic="promotion.consumed").count() == 2
    assert OutboxEvent.objects.filter(topic="promotion.released").count() == 1


def test_the_cap_is_never_overspent(world, capped, en):
    _consume(world, [Use(capped.pk, D("900.00"), 9)])
    before = _state()
    with pytest.raises(services.BudgetExhausted) as exc:
        _consume(world, [Use(capped.pk, D("100.01"), 1)], n=2)
    assert exc.value.code == "promotion_budget_exhausted"
    assert "left: 100.00, 1 units" in exc.value.message
    with pytest.raises(services.BudgetExhausted):
        _consume(world, [Use(capped.pk, D("1.00"), 2)], n=2)
    assert _state() == before
    _consume(world, [Use(capped.pk, D("100.00"), 1)], n=2)  # exactly to the cap
    assert _counters(capped) == (D("1000.00"), 10)


def test_all_or_nothing_across_promotions(world, cat, capped):
    other = live(world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["pad"].pk])
    before = _state()
    with pytest.raises(services.BudgetExhausted):
        _consume(world, [Use(other.pk, D("5.00"), 1), Use(capped.pk, D("1.00"), 11)])
    assert _state() == before


def test_a_paused_promotion_is_not_consumed(world, capped):
    services.promotion_pause(actor=system_actor(), promotion=capped)
    before = _state()
    with pytest.raises(services.PromotionNotLive) as exc:
        _consume(world, [Use(capped.pk, D("1.00"), 1)])
    assert exc.value.code == "promotion_not_live"
    assert _state() == before


def test_another_sellers_promotion_is_not_consumed(world, capped):
    before = _state()
    with pytest.raises(services.PromotionNotLive):
        services.promotions_consume(
            actor=system_actor(),
            seller=world.dist2,
            buyer=world.dealer3,
            uses=[Use(capped.pk, D("1.00"), 1)],
            doc=doc(1),
        )
    assert _state() == before


# --- coupons ------------------------------------------------------------------------------------


@pytest.fixture
def coupon_promo(world):
    return live(world.dist1, "coupon", {"amount": "50"}, name="开业券")


def test_coupon_per_buyer_and_total_limits(world, coupon_promo, en):
    (shared,) = services.coupon_issue(
        actor=world.marketer,
        promotion=coupon_promo,
        code=" spring50 ",
        total_limit=3,
        per_buyer_limit=2,
    )
    assert shared.code == "SPRING50"

    def redeem(buyer, n):
        return services.coupon_redeem(
            actor=system_actor(), seller=world.dist1, buyer=buyer, code="Spring50", doc=doc(n)
        )

    redeem(world.dealer1, 1)
    redeem(world.dealer1, 2)
    before = _state()
    with pytest.raises(services.CouponRefused) as exc:
        redeem(world.dealer1, 3)
    assert exc.value.code == "coupon_limit_reached"
    assert exc.value.message == "You have used coupon SPRING50 2 times, the most allowed."
    assert _state() == before
    redeem(world.dealer2, 4)
    with pytest.raises(services.CouponRefused) as exc:
        redeem(world.dealer2, 5)
    assert exc.value.code == "coupon_used_up"
    assert _state()[2] == [(shared.pk, 3)]
    assert services.coupon_release(actor=system_actor(), doc=doc(1)) == ["SPRING50"]
    assert services.coupon_release(actor=system_actor(), doc=doc(1)) == []
    redeem(world.dealer1, 6)
    assert selectors.use_mismatches() == []


def test_issued_coupons_belong_to_their_buyer(world, coupon_promo, en):
    c1, c2 = services.coupon_issue(
        actor=world.marketer, promotion=coupon_promo, buyers=[world.dealer1, world.dealer2]
    )
    assert (c1.buyer_id, c2.buyer_id) == (world.dealer1.pk, world.dealer2.pk)
    assert len(c1.code) == 10 and c1.code != c2.code
    before = _state()
    with pytest.raises(services.CouponRefused) as exc:
        services.coupon_redeem(
            actor=system_actor(), seller=world.dist1, buyer=world.dealer2, code=c1.code, doc=doc(1)
        )
    assert exc.value.code == "coupon_wrong_buyer"
    with pytest.raises(services.CouponRefused) as exc:
        services.coupon_redeem(
            actor=system_actor(), seller=world.dist1, buyer=world.dealer1, code="NOPE", doc=doc(1)
        )
    assert exc.value.code == "coupon_unknown"
    assert _state() == before


def test_consume_redeems_the_coupon_and_release_gives_it_back(world, coupon_promo):
    (c,) = services.coupon_issue(actor=world.marketer, promotion=coupon_promo, count=1)
    _consume(world, [Use(coupon_promo.pk, D("50.00"), 1, c.pk)])
    c.refresh_from_db()
    assert c.used == 1
    with pytest.raises(services.CouponRefused):
        _consume(world, [Use(coupon_promo.pk, D("50.00"), 1, c.pk)], n=2, buyer=world.dealer2)
    services.promotions_release(actor=system_actor(), doc=doc(1))
    c.refresh_from_db()
    assert c.used == 0
    assert _counters(coupon_promo) == (D("0.00"), 0)
    assert selectors.use_mismatches() == []


def test_only_coupon_promotions_issue_codes(world, capped):
    with pytest.raises(services.PromotionInvalid) as exc:
        services.coupon_issue(actor=world.marketer, promotion=capped, count=5)
    assert exc.value.code == "not_a_coupon"
    assert not Coupon.objects.exists()
