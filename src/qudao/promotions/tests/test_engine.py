"""Each promotion type's arithmetic with exact amounts, the order of application, stacking,
tie-breaks, floors, budgets and the explanations (engine only: no database)."""

from datetime import timedelta

import pytest
from django.utils import translation

from qudao.promotions.engine import Use
from qudao.promotions.tests.engine_helpers import (
    AT,
    D,
    adjustments,
    line,
    offer,
    run,
    skipped,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- item prices ----------------------------------------------------------------------------


def test_special_price_per_sku():
    special = offer("special_price", {"prices": {"1": "90.00", "2": "45.50"}}, id=1)
    result = run([line(1, 10, "100"), line(2, 3, "50"), line(3, 1, "10")], [special])
    assert adjustments(result) == [[(1, D("-100.00"))], [(1, D("-13.50"))], []]
    assert result.net_total == D("1046.50")
    assert result.applied[0].qty == 13  # units priced: what a quantity cap counts
    assert result.lines[0].net_unit_price == D("90.00")


def test_percent_off_rounds_the_line_half_up():
    pct = offer("percent_off", {"percent": "15"}, id=1, sku_ids=[1])
    result = run([line(1, 3, "33.33")], [pct])
    # 33.33 × 15% × 3 = 14.9985 → 15.00
    assert adjustments(result) == [[(1, D("-15.00"))]]
    assert result.net_total == D("84.99")


def test_amount_off_per_unit_never_below_zero():
    off = offer("amount_off", {"amount": "5"}, id=1, sku_ids=[1])
    whole = offer("amount_off", {"amount": "20"}, id=2, sku_ids=[2])
    result = run([line(1, 4, "12.00"), line(2, 2, "12.00")], [off, whole])
    assert adjustments(result) == [[(1, D("-20.00"))], [(2, D("-24.00"))]]
    assert result.lines[1].net == D("0.00")


def test_tier_price_takes_the_highest_tier_reached_and_says_what_is_missing():
    tiers = {"tiers": [{"min_qty": 10, "price": "95"}, {"min_qty": 20, "price": "90"}]}
    result = run([line(1, 25, "100")], [offer("tier_price", tiers, id=1, sku_ids=[1])])
    assert adjustments(result) == [[(1, D("-250.00"))]]
    short = run([line(1, 7, "100")], [offer("tier_price", tiers, id=1, sku_ids=[1])])
    assert adjustments(short) == [[]]
    assert short.lines[0].notes[0].code == "below_threshold"
    assert short.lines[0].notes[0].message == "Add 3 more to get the price of ¥95.00."
    assert short.skipped[0].message == "Add 3 more to get the price of ¥95.00."


def test_tier_percentages_apply_to_any_sku_of_the_promotion():
    tiers = {"tiers": [{"min_qty": 5, "percent": "5"}, {"min_qty": 10, "percent": "8"}]}
    result = run(
        [line(1, 6, "19.99"), line(2, 12, "7.50")],
        [offer("tier_price", tiers, id=1, category_ids=[40])],
        # the lines' categories (and ancestors) come from the catalogue
    )
    assert adjustments(result) == [[], []]  # no line is in category 40
    result = run(
        [line(1, 6, "19.99", category_ids=[40, 41]), line(2, 12, "7.50", category_ids=[40])],
        [offer("tier_price", tiers, id=1, category_ids=[40])],
    )
    # 19.99 × 5% × 6 = 5.997 → 6.00; 7.50 × 8% × 12 = 7.20
    assert adjustments(result) == [[(1, D("-6.00"))], [(1, D("-7.20"))]]


def test_bundle_price_split_over_its_components():
    bundle = offer(
        "bundle",
        {"components": [{"sku_id": 1, "qty": 1}, {"sku_id": 2, "qty": 2}], "price": "150"},
        id=1,
    )
    result = run([line(1, 3, "100"), line(2, 5, "40"), line(3, 1, "9")], [bundle])
    # 2 sets (5 // 2): 2 × (100 + 2 × 40 − 150) = 60, split 200 : 160
    assert adjustments(result) == [[(1, D("-33.34"))], [(1, D("-26.66"))], []]
    assert result.applied[0].qty == 2
    incomplete = run([line(1, 3, "100"), line(2, 1, "40")], [bundle])
    assert incomplete.skipped[0].message == "Add 1 more to get the set at ¥150.00."


def test_bundle_only_when_it_beats_the_lines_best_single_prices():
    bundle = offer(
        "bundle",
        {"components": [{"sku_id": 1, "qty": 1}, {"sku_id": 2, "qty": 1}], "price": "130"},
        id=1,
    )
    special = offer("special_price", {"prices": {"1": "70"}}, id=2)
    result = run([line(1, 1, "100"), line(2, 1, "40")], [bundle, special])
    # special: 30 off; bundle: 10 off → the special price wins the line
    assert adjustments(result) == [[(2, D("-30.00"))], []]
    assert skipped(result) == {1: "better_offer"}


def test_flash_sale_quantity_cap_and_per_order_limit():
    flash = offer(
        "flash_sale",
        {"prices": {"1": "80"}, "max_qty_per_order": 6},
        id=1,
        budget_qty_left=4,
    )
    result = run([line(1, 8, "100")], [flash])
    assert adjustments(result) == [[(1, D("-80.00"))]]  # 4 units left × 20
    assert result.applied[0].qty == 4
    assert result.applied[0].limits == ["per_order", "quantity"]
    sold_out = run(
        [line(1, 8, "100")], [offer("flash_sale", {"prices": {"1": "80"}}, id=2, budget_qty_left=0)]
    )
    assert skipped(sold_out) == {2: "quantity_exhausted"}
    assert sold_out.skipped[0].message == "Sold out: the promotion's quantity is used up."


def test_flash_sale_lines_take_no_order_promotion():
    flash = offer("flash_sale", {"prices": {"1": "80"}}, id=1, budget_qty_left=100)
    full = offer("threshold_amount_off", {"tiers": [{"threshold": "100", "amount": "10"}]}, id=2)
    result = run([line(1, 5, "100"), line(2, 2, "100")], [flash, full])
    assert adjustments(result) == [[(1, D("-100.00"))], [(2, D("-10.00"))]]
    assert result.lines[0].closed_by == 1


def test_group_buy_tier_from_all_buyers_quantity():
    group = {
        "sku_id": 1,
        "tiers": [{"min_qty": 50, "price": "90"}, {"min_qty": 100, "price": "85"}],
    }
    result = run([line(1, 10, "100")], [offer("group_buy", group, id=1, group_qty=45)])
    assert adjustments(result) == [[(1, D("-100.00"))]]
    short = run([line(1, 10, "100")], [offer("group_buy", group, id=1, group_qty=30)])
    assert short.skipped[0].message == (
        "10 more units ordered by all participants reach the price of ¥90.00."
    )


def test_best_price_for_the_buyer_then_kind_then_priority_then_id():
    a = offer("special_price", {"prices": {"1": "85"}}, id=5)
    b = offer("percent_off", {"percent": "15"}, id=3, sku_ids=[1])
    result = run([line(1, 1, "100")], [a, b])
    assert adjustments(result) == [[(5, D("-15.00"))]]  # equal price: special price ranks first
    c = offer("special_price", {"prices": {"1": "85"}}, id=2)
    d = offer("special_price", {"prices": {"1": "85"}}, id=9, priority=1)
    assert adjustments(run([line(1, 1, "100")], [a, c]))[0][0][0] == 2  # older wins
    assert adjustments(run([line(1, 1, "100")], [a, c, d]))[0][0][0] == 9  # priority wins
    assert run([line(1, 1, "100")], [a, b]).lines[0].notes[0].message == "P5 gives a better price."


# --- order thresholds -------------------------------------------------------------------------


def test_threshold_amount_off_once_with_the_next_tier_hint():
    rules = {
        "tiers": [{"threshold": "1000", "amount": "50"}, {"threshold": "2000", "amount": "120"}]
    }
    result = run(
        [line(1, 10, "100"), line(2, 3, "50")], [offer("threshold_amount_off", rules, id=1)]
    )
    # 1150 → 50 off, split 1000 : 150 → 43.47 (+1 cent left over) and 6.52
    assert adjustments(result) == [[(1, D("-43.48"))], [(1, D("-6.52"))]]
    assert result.net_total == D("1100.00")
    assert result.applied[0].hint.message == "Add ¥850.00 more to get ¥120.00 off."


def test_threshold_amount_off_per_each_up_to_max_times():
    rules = {"tiers": [{"threshold": "500", "amount": "30"}], "repeat": True, "max_times": 3}
    assert run(
        [line(1, 17, "100")], [offer("threshold_amount_off", rules, id=1)]
    ).discount_total == D("90.00")
    two = run([line(1, 12, "100")], [offer("threshold_amount_off", rules, id=1)])
    assert two.discount_total == D("60.00")
    assert two.applied[0].hint.message == "Add ¥300.00 more to get ¥90.00 off."


def test_threshold_measured_after_item_prices():
    special = offer("special_price", {"prices": {"1": "90"}}, id=1)
    full = offer("threshold_amount_off", {"tiers": [{"threshold": "1000", "amount": "50"}]}, id=2)
    result = run([line(1, 11, "100")], [special, full])  # 990 after the special price
    assert adjustments(result) == [[(1, D("-110.00"))]]
    assert result.skipped[0].message == "Add ¥10.00 more to get ¥50.00 off."


def test_threshold_percent_by_quantity_says_add_three_more():
    rules = {"basis": "qty", "tiers": [{"threshold": "10", "percent": "5"}]}
    short = run([line(1, 7, "100")], [offer("threshold_percent", rules, id=1)])
    assert short.skipped[0].message == "Add 3 more to get 5% off."
    assert short.skipped[0].params == {
        "basis": "qty",
        "missing": "3",
        "benefit": "percent",
        "value": "5",
    }
    result = run([line(1, 10, "99.99")], [offer("threshold_percent", rules, id=1)])
    assert result.discount_total == D("50.00")  # 999.90 × 5% = 49.995 → 50.00


def test_stackable_thresholds_apply_in_priority_order_each_on_what_is_left():
    minus = offer(
        "threshold_amount_off",
        {"tiers": [{"threshold": "1000", "amount": "100"}]},
        id=2,
        priority=5,
    )
    pct = offer("threshold_percent", {"tiers": [{"threshold": "1000", "percent": "10"}]}, id=1)
    result = run([line(1, 10, "100")], [pct, minus])
    # 1000 − 100 = 900, then 10% of 900 = 90
    assert adjustments(result) == [[(2, D("-100.00")), (1, D("-90.00"))]]


def test_exclusive_threshold_used_alone_when_it_gives_more():
    minus = offer("threshold_amount_off", {"tiers": [{"threshold": "500", "amount": "30"}]}, id=1)
    pct = offer("threshold_percent", {"tiers": [{"threshold": "500", "percent": "5"}]}, id=2)
    big = offer(
        "threshold_amount_off",
        {"tiers": [{"threshold": "500", "amount": "100"}]},
        id=3,
        exclusive=True,
    )
    result = run([line(1, 10, "100")], [minus, pct, big])
    assert adjustments(result) == [[(3, D("-100.00"))]]
    assert skipped(result) == {1: "excluded", 2: "excluded"}
    assert result.skipped[0].message == "Cannot be combined with P3."
    small = offer(
        "threshold_amount_off",
        {"tiers": [{"threshold": "500", "amount": "60"}]},
        id=3,
        exclusive=True,
    )
    result = run([line(1, 10, "100")], [minus, pct, small])
    # 30 + 5% of 970 = 78.50 > 60: the stackable ones win
    assert adjustments(result) == [[(1, D("-30.00")), (2, D("-48.50"))]]
    assert skipped(result) == {3: "excluded"}


def test_buy_x_get_y_gift_lines():
    rules = {"buy_qty": 3, "gift": {"sku_id": 9, "qty": 1, "unit_value": "20"}}
    result = run([line(1, 10, "100")], [offer("buy_x_get_y", rules, id=1, sku_ids=[1])])
    assert [(g.sku_id, g.qty, g.promotion_id) for g in result.gifts] == [(9, 3, 1)]
    assert result.discount_total == D("0.00")
    assert result.uses() == [Use(1, D("60.00"), 3, None)]
    short = run([line(1, 2, "100")], [offer("buy_x_get_y", rules, id=1, sku_ids=[1])])
    assert short.skipped[0].message == "Add 1 more to get 1 free unit."


def test_threshold_gift_highest_tier_and_budget():
    rules = {
        "tiers": [
            {"threshold": "1000", "gifts": [{"sku_id": 8, "qty": 1}]},
            {"threshold": "2000", "gifts": [{"sku_id": 9, "qty": 2, "unit_value": "50"}]},
        ]
    }
    result = run([line(1, 25, "100")], [offer("threshold_gift", rules, id=1)])
    assert [(g.sku_id, g.qty) for g in result.gifts] == [(9, 2)]
    broke = run(
        [line(1, 25, "100")], [offer("threshold_gift", rules, id=1, budget_amount_left=D("99"))]
    )
    assert broke.gifts == []
    assert skipped(broke) == {1: "budget_exhausted"}


# --- coupons ----------------------------------------------------------------------------------


def _coupon(pk, rules, code, **facts):
    from qudao.promotions.engine import CouponFacts

    return offer("coupon", rules, id=pk, coupon=CouponFacts(coupon_id=pk * 10, code=code, **facts))


def test_one_coupon_the_best_after_thresholds():
    full = offer("threshold_amount_off", {"tiers": [{"threshold": "500", "amount": "50"}]}, id=1)
    fifty = _coupon(2, {"amount": "50", "min_spend": "300"}, "A50")
    ten_pct = _coupon(3, {"percent": "10", "max_discount": "60"}, "P10")
    result = run([line(1, 10, "100")], [full, fifty, ten_pct], coupon_codes=("A50", "P10"))
    # after 满减: 950; 10% = 95 → capped at 60 > 50
    assert adjustments(result) == [[(1, D("-50.00")), (3, D("-60.00"))]]
    assert skipped(result) == {2: "one_coupon_per_order"}
    assert result.uses() == [Use(1, D("50.00"), 1, None), Use(3, D("60.00"), 1, 30)]


def test_coupon_refusals_are_explained():
    mine = _coupon(1, {"amount": "5"}, "MINE", buyer_id=99)
    used = _coupon(2, {"amount": "5"}, "USED", total_left=0)
    limit = _coupon(3, {"amount": "5"}, "LIMIT", buyer_left=0, buyer_limit=2)
    spend = _coupon(4, {"amount": "5", "min_spend": "200"}, "SPEND")
    result = run(
        [line(1, 1, "100")],
        [mine, used, limit, spend],
        coupon_codes=("MINE", "USED", "LIMIT", "SPEND", "NOPE"),
    )
    assert [(n.promotion_id, n.code, n.message) for n in result.skipped] == [
        (1, "coupon_not_for_you", "Coupon MINE was issued to another buyer."),
        (2, "coupon_used_up", "Coupon USED has been used up."),
        (3, "coupon_limit_reached", "You have used coupon LIMIT 2 times, the most allowed."),
        (4, "below_threshold", "Add ¥100.00 more to get ¥5.00 off."),
        (None, "coupon_unknown", "No coupon has the code NOPE."),
    ]


# --- floors, budgets, screening ---------------------------------------------------------------


def test_floor_stops_item_and_order_discounts_unless_exempt():
    special = offer("special_price", {"prices": {"1": "70"}}, id=1)
    result = run([line(1, 2, "100", floor="80")], [special])
    assert adjustments(result) == [[(1, D("-40.00"))]]
    assert result.applied[0].limits == ["floor"]
    brand = offer("special_price", {"prices": {"1": "70"}}, id=1, floor_exempt=True)
    assert adjustments(run([line(1, 2, "100", floor="80")], [brand])) == [[(1, D("-60.00"))]]
    full = offer("threshold_amount_off", {"tiers": [{"threshold": "100", "amount": "50"}]}, id=2)
    result = run([line(1, 1, "100", floor="95"), line(2, 1, "100")], [full])
    # line 1 takes at most 5; the rest goes to line 2
    assert adjustments(result) == [[(2, D("-5.00"))], [(2, D("-45.00"))]]
    at_floor = run([line(1, 1, "80", floor="80")], [special])
    assert at_floor.skipped[0].message == "The brand's floor price of ¥80.00 does not allow it."


def test_money_budget_limits_then_stops():
    pct = offer("percent_off", {"percent": "10"}, id=1, sku_ids=[1, 2], budget_amount_left=D("15"))
    result = run([line(1, 1, "100"), line(2, 1, "100")], [pct])
    # first line 10, the second only the 5 left
    assert adjustments(result) == [[(1, D("-10.00"))], [(1, D("-5.00"))]]
    assert result.applied[0].limits == ["budget"]
    gone = offer("percent_off", {"percent": "10"}, id=1, sku_ids=[1], budget_amount_left=D("0"))
    assert skipped(run([line(1, 1, "100")], [gone])) == {1: "budget_exhausted"}


@pytest.mark.parametrize(
    ("extra", "code", "text"),
    [
        (
            {"starts_at": AT + timedelta(days=2)},
            "not_started",
            "Not started yet: starts 2026-11-29 10:00.",
        ),
        ({"ends_at": AT}, "ended", "This promotion has ended."),
        ({"targets": [("region", "00010009")]}, "not_in_region", "Not in your region."),
        ({"targets": [("division", "44")]}, "not_in_region", "Not in your region."),
        ({"targets": [("grade", "A")]}, "grade_not_targeted", "Not for your grade."),
        ({"targets": [("channel", "ka")]}, "channel_not_targeted", "Not for your channel."),
        (
            {"targets": [("level", "distributor")]},
            "level_not_targeted",
            "Not for your level in the network.",
        ),
        ({"targets": [("buyer", "8")]}, "buyer_not_targeted", "Only for named buyers."),
        ({"sku_ids": [5]}, "no_matching_items", "No product of this promotion is in the cart."),
    ],
)
def test_why_a_promotion_does_not_apply(extra, code, text):
    found = run([line(1, 1, "100")], [offer("percent_off", {"percent": "10"}, id=1, **extra)])
    assert [(n.code, n.message) for n in found.skipped] == [(code, text)]
    assert found.discount_total == D("0.00")


def test_targets_all_dimensions_must_hold_values_are_alternatives():
    targets = [("grade", "A"), ("grade", "B"), ("region", "00010002"), ("division", "33")]
    found = run(
        [line(1, 1, "100")], [offer("percent_off", {"percent": "10"}, id=1, targets=targets)]
    )
    assert found.discount_total == D("10.00")


def test_the_buyer_is_not_told_of_promotions_for_others():
    other = offer("percent_off", {"percent": "10"}, id=1, targets=[("grade", "A")])
    late = offer("percent_off", {"percent": "10"}, id=2, starts_at=AT + timedelta(days=1))
    result = run([line(1, 1, "100")], [other, late])
    assert skipped(result) == {1: "grade_not_targeted", 2: "not_started"}
    assert skipped(result.for_buyer()) == {2: "not_started"}
