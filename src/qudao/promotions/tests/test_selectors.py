"""Pricing a cart from the database (targets, categories, floors, coupons) in a fixed number
of queries; who sees which promotion; the conflict check."""

from decimal import Decimal

import pytest

from qudao.core.errors import PermissionDenied
from qudao.network.tests.factories import system_actor
from qudao.pricing.services import price_control_set
from qudao.promotions import selectors, services
from qudao.promotions.selectors import CartItem, price_cart
from qudao.promotions.tests.factories import live, promo

pytestmark = pytest.mark.django_db


def D(value):  # noqa: N802
    return Decimal(str(value))


@pytest.fixture
def calendar(world, cat):
    """dist1's live promotions: a special price for grade B (under the brand's floor), 满减
    on bikes for its subtree, 10% on parts in 杭州, 8% for grade A only, a draft."""
    price_control_set(actor=world.admin, sku=cat["grey"], data={"floor_distributor": "1900"})
    grey, pad = cat["grey"].pk, cat["pad"].pk
    return {
        "special": live(
            world.dist1,
            "special_price",
            {"prices": {str(grey): "1850"}},
            name="S1 特价",
            targets=[{"kind": "grade", "value": "B"}],
        ),
        "full": live(
            world.dist1,
            "threshold_amount_off",
            {"tiers": [{"threshold": "5000", "amount": "100"}]},
            name="整车满减",
            category_ids=[cat["bikes"].pk],
            targets=[{"kind": "region", "region": world.dist1.pk}],
        ),
        "parts": live(
            world.dist1,
            "percent_off",
            {"percent": "10"},
            name="配件九折",
            category_ids=[cat["parts"].pk],
            targets=[{"kind": "division", "value": "3301"}],
        ),
        "grade_a": live(
            world.dist1,
            "percent_off",
            {"percent": "8"},
            name="A级八折",
            sku_ids=[grey, pad],
            targets=[{"kind": "grade", "value": "A"}],
        ),
        "draft": promo(world.dist1, "percent_off", {"percent": "50"}, sku_ids=[grey]),
    }


def _cart(cat):
    return [CartItem(cat["grey"].pk, 3, D("2199.00")), CartItem(cat["pad"].pk, 12, D("30.00"))]


def test_price_cart_for_a_buyer(world, cat, calendar, en):
    result = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    grey, pad = result.lines
    # the special price stops at the floor (3 × 299); the bikes are then at their floor, so
    # the 满减 has nothing left to take; pads 10% off
    assert [(a.label, a.amount) for a in grey.adjustments] == [("S1 特价", D("-897.00"))]
    assert [(a.label, a.amount) for a in pad.adjustments] == [("配件九折", D("-36.00"))]
    assert result.net_total == D("6024.00")
    special = next(a for a in result.applied if a.promotion_id == calendar["special"].pk)
    assert special.limits == ["floor"]
    # grade A's promotion is none of dealer1's business
    assert [(n.name, n.message) for n in result.skipped] == [
        ("整车满减", "The brand's floor price of ¥1,900.00 does not allow it.")
    ]
    seller_view = price_cart(
        seller=world.dist1, buyer=world.dealer1, items=_cart(cat), for_seller=True
    )
    assert [(n.name, n.code) for n in seller_view.skipped] == [
        ("整车满减", "below_floor"),
        ("A级八折", "grade_not_targeted"),
    ]


def test_another_buyer_gets_its_own(world, cat, calendar):
    result = price_cart(seller=world.dist1, buyer=world.dealer2, items=_cart(cat))
    # grade A, no division: 8% on both lines; 满减 on what is left of the bikes (6069.24)
    assert [[(a.label, a.amount) for a in ln.adjustments] for ln in result.lines] == [
        [("A级八折", D("-527.76")), ("整车满减", D("-100.00"))],
        [("A级八折", D("-28.80"))],
    ]


def test_price_cart_queries_do_not_grow_with_promotions(
    world, cat, calendar, django_assert_num_queries
):
    # SKUs, categories, floors, candidates, their product rows
    with django_assert_num_queries(5):
        price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    live(
        world.dist1,
        "percent_off",
        {"percent": "1"},
        name="组合定向",
        sku_ids=[cat["pad"].pk],
        targets=[{"kind": "grade", "value": "B"}, {"kind": "division", "value": "44"}],
    )
    for n in range(20):
        live(
            world.dist1,
            "percent_off",
            {"percent": "1"},
            name=f"多余 {n}",
            sku_ids=[cat["pad"].pk],
            targets=[{"kind": "grade", "value": "C"}],
        )
    # + the target rows of promotions that combine dimensions
    with django_assert_num_queries(6):
        result = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    assert result.net_total == D("6024.00")  # grade B but not in 广东 (44): no 1% off


def test_coupons_entered_in_the_cart(world, cat, calendar, en):
    coupon = live(world.dist1, "coupon", {"amount": "50", "min_spend": "100"}, name="新店券")
    (issued,) = services.coupon_issue(
        actor=world.marketer, promotion=coupon, buyers=[world.dealer1]
    )
    mine = price_cart(
        seller=world.dist1,
        buyer=world.dealer1,
        items=_cart(cat),
        coupon_codes=[issued.code.lower()],
    )
    assert mine.discount_total == D("983.00")  # the coupon lands on the pads (bikes at floor)
    assert mine.uses()[-1].coupon_id == issued.pk
    other = price_cart(
        seller=world.dist1, buyer=world.dealer2, items=_cart(cat), coupon_codes=[issued.code, "X"]
    )
    assert [(n.code, n.message) for n in other.skipped] == [
        ("coupon_not_for_you", f"Coupon {issued.code} was issued to another buyer."),
        ("coupon_unknown", "No coupon has the code X."),
    ]


def test_visible_promotions_seller_side_and_targeted_buyers(world, cat, calendar):
    ids = {k: p.pk for k, p in calendar.items()}

    def seen(actor):
        return set(selectors.visible_promotions(actor=actor).values_list("pk", flat=True))

    assert seen(world.marketer) == set(ids.values())
    assert seen(world.admin) == set(ids.values())  # the brand sees its network's
    assert seen(world.dealer1_admin) == {ids["special"], ids["full"], ids["parts"]}
    assert seen(world.dealer2_admin) == {ids["full"], ids["grade_a"]}
    assert seen(world.dealer3_admin) == set()  # buys from dist2
    services.promotion_pause(actor=world.marketer, promotion=calendar["full"])
    assert seen(world.dealer2_admin) == {ids["grade_a"]}
    with pytest.raises(selectors.NotFound):
        selectors.promotion_get(actor=world.dealer3_admin, promotion_id=ids["full"])


def test_conflict_check_lists_overlaps_on_products_targets_and_time(world, cat, calendar):
    p = promo(
        world.dist1,
        "percent_off",
        {"percent": "3"},
        sku_ids=[cat["grey"].pk],
        targets=[{"kind": "grade", "value": "B"}],
    )
    found = {o.promotion.name: o for o in selectors.promotion_conflicts(promotion=p)}
    # grade B ∩ grade A is empty; the draft is not scheduled
    assert set(found) == {"S1 特价", "整车满减"}
    assert found["S1 特价"].sku_codes == ("TB-S1-GRY",)
    assert found["整车满减"].sku_codes == ("TB-S1-GRY",)  # through its category
    assert not found["S1 特价"].blocking


def test_usage_and_ledger_check(world, cat, calendar):
    result = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    services.promotions_consume(
        actor=system_actor(),
        seller=world.dist1,
        buyer=world.dealer1,
        uses=result.uses(),
        doc=services.Doc("order", "1", "SO-1"),
    )
    usage = selectors.promotion_usage(promotion=calendar["special"])
    assert (usage.orders, usage.buyers, usage.amount, usage.qty) == (1, 1, D("897.00"), 3)
    assert selectors.use_mismatches() == []


def test_only_live_promotions_price_a_cart(world, cat, calendar):
    parts = calendar["parts"]
    before = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    services.promotion_pause(actor=world.marketer, promotion=parts)
    paused = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    assert before.discount_total - paused.discount_total == D("36.00")
    services.promotion_resume(actor=world.marketer, promotion=parts)
    assert (
        price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat)).discount_total
        == before.discount_total
    )
    # a draft becomes a candidate only once it is live (here it ties at the floor with the
    # older special price, which keeps the line)
    draft = calendar["draft"]
    services.promotion_submit(actor=world.marketer, promotion=draft)
    services.promotion_approve(actor=world.admin, promotion=draft)
    services.promotion_publish(actor=world.marketer, promotion=draft)
    now = price_cart(seller=world.dist1, buyer=world.dealer1, items=_cart(cat))
    assert [(n.promotion_id, n.code) for n in now.lines[0].notes] == [(draft.pk, "better_offer")]


def test_the_simulator_is_the_sellers(world, cat, calendar):
    result = selectors.cart_simulate(
        actor=world.marketer, seller=world.dist1, buyer=world.dealer1, items=_cart(cat)
    )
    assert "grade_not_targeted" in {n.code for n in result.skipped}
    with pytest.raises(selectors.NotFound):  # dist2's buyer is outside dist1's network
        selectors.cart_simulate(
            actor=world.marketer, seller=world.dist1, buyer=world.dealer3, items=_cart(cat)
        )
    with pytest.raises(PermissionDenied):  # in scope, without the permission
        selectors.cart_simulate(
            actor=world.region_east, seller=world.dist1, buyer=world.dealer1, items=_cart(cat)
        )
