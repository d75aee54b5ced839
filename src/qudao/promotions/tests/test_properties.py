"""Property tests of the engine (hypothesis): whatever the cart and the promotions, the
discounted total is never negative nor above the undiscounted total, lines add up to the
cent, floors and budgets hold, a promotion that cannot apply changes nothing, and the
result does not depend on the order the promotions come in."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qudao.core.money import money
from qudao.promotions.allocation import allocate
from qudao.promotions.engine import CouponFacts, PriceResult, price
from qudao.promotions.tests.engine_helpers import AT, ctx, line, offer

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODES = ("C1", "C2", "C3")

cents = st.integers(1, 300_000).map(lambda c: Decimal(c) / 100)
percents = st.integers(1, 10_000).map(lambda c: Decimal(c) / 100)
skus = st.integers(1, 6)
scopes = st.one_of(
    st.just({}),
    st.sets(skus, min_size=1, max_size=3).map(lambda s: {"sku_ids": s}),
    st.just({"category_ids": {100}}),
)


def _increasing(values, size):
    return st.lists(values, min_size=1, max_size=size, unique=True).map(sorted)


prices = st.dictionaries(skus, cents, min_size=1, max_size=3).map(
    lambda d: {"prices": {str(k): str(v) for k, v in d.items()}}
)
special = prices.map(lambda r: ("special_price", r, {}))
flash = st.tuples(prices, st.integers(0, 30), st.none() | st.integers(1, 10)).map(
    lambda t: (
        "flash_sale",
        {**t[0], "max_qty_per_order": t[2]},
        {"budget_qty_left": t[1]},
    )
)
percent_off = st.tuples(percents, scopes).map(
    lambda t: ("percent_off", {"percent": str(t[0])}, t[1])
)
amount_off = st.tuples(cents, scopes).map(lambda t: ("amount_off", {"amount": str(t[0])}, t[1]))
tier = st.tuples(_increasing(st.integers(1, 30), 3), percents, scopes).map(
    lambda t: (
        "tier_price",
        {"tiers": [{"min_qty": q, "percent": str(t[1])} for q in t[0]]},
        t[2],
    )
)
group = st.tuples(skus, _increasing(st.integers(1, 80), 3), cents, st.integers(0, 60)).map(
    lambda t: (
        "group_buy",
        {"sku_id": t[0], "tiers": [{"min_qty": q, "price": str(t[2])} for q in t[1]]},
        {"group_qty": t[3]},
    )
)
bundle = st.tuples(
    st.lists(skus, min_size=2, max_size=3, unique=True), st.integers(1, 3), cents
).map(
    lambda t: (
        "bundle",
        {"components": [{"sku_id": s, "qty": t[1]} for s in t[0]], "price": str(t[2])},
        {},
    )
)
basis = st.sampled_from(["amount", "qty"])
thresholds = _increasing(st.integers(1, 5000), 3)
amount_tiers = st.tuples(basis, thresholds, cents, st.booleans(), scopes).map(
    lambda t: (
        "threshold_amount_off",
        {
            "basis": t[0],
            "tiers": [{"threshold": str(x), "amount": str(t[2])} for x in t[1]],
            "repeat": t[3] and len(t[1]) == 1,
        },
        t[4],
    )
)
percent_tiers = st.tuples(basis, thresholds, percents, scopes).map(
    lambda t: (
        "threshold_percent",
        {"basis": t[0], "tiers": [{"threshold": str(x), "percent": str(t[2])} for x in t[1]]},
        t[3],
    )
)
gift = st.tuples(st.integers(50, 52), st.integers(1, 3), st.integers(0, 5000)).map(
    lambda t: {"sku_id": t[0], "qty": t[1], "unit_value": str(Decimal(t[2]) / 100)}
)
buy_x = st.tuples(st.integers(1, 10), gift, st.booleans(), scopes).map(
    lambda t: (
        "buy_x_get_y",
        {"buy_qty": t[0], "gift": t[1], "repeat": t[2]},
        t[3] or {"sku_ids": {1}},
    )
)
gift_tiers = st.tuples(basis, thresholds, gift).map(
    lambda t: (
        "threshold_gift",
        {"basis": t[0], "tiers": [{"threshold": str(x), "gifts": [t[2]]} for x in t[1]]},
        {},
    )
)
coupon = st.tuples(
    st.booleans(), cents, percents, st.integers(0, 2000), st.sampled_from(CODES)
).map(
    lambda t: (
        "coupon",
        {"amount": str(t[1])} if t[0] else {"percent": str(t[2]), "min_spend": str(t[3])},
        {"coupon": CouponFacts(coupon_id=0, code=t[4])},
    )
)
kinds = st.one_of(
    special, flash, percent_off, amount_off, tier, group, bundle,
    amount_tiers, percent_tiers, buy_x, gift_tiers, coupon,
)  # fmt: skip
common = st.fixed_dictionaries(
    {
        "priority": st.integers(0, 3),
        "exclusive": st.booleans(),
        "floor_exempt": st.booleans(),
        "budget_amount_left": st.none() | st.integers(0, 50_000).map(lambda c: Decimal(c) / 100),
        "budget_qty_left": st.none() | st.integers(0, 40),
    }
)


def _offers(specs):
    found = []
    for pk, ((kind, rules, given_extra), opts) in enumerate(specs, start=1):
        extra = dict(given_extra)
        if "coupon" in extra:
            extra["coupon"] = replace(extra["coupon"], coupon_id=pk)
        merged = {**opts, **extra}
        if kind == "flash_sale":
            merged["budget_qty_left"] = extra["budget_qty_left"]
        found.append(offer(kind, rules, id=pk, **merged))
    return found


offer_lists = st.lists(st.tuples(kinds, common), max_size=8).map(_offers)
carts = st.lists(
    st.tuples(skus, st.integers(1, 40), cents, st.booleans(), st.none() | st.integers(20, 120)),
    min_size=1,
    max_size=6,
    unique_by=lambda t: t[0],
).map(
    lambda rows: [
        line(
            s,
            q,
            p,
            category_ids={100} if in_cat else set(),
            floor=None if f is None else money(p * f / 100),
        )
        for s, q, p, in_cat, f in rows
    ]
)


def _run(lines, offers):
    return price(lines=lines, context=ctx(coupon_codes=CODES), offers=offers)


def _shape(result: PriceResult):
    return (
        [[(a.promotion_id, a.amount) for a in ln.adjustments] for ln in result.lines],
        [(g.sku_id, g.qty, g.promotion_id) for g in result.gifts],
        [(a.promotion_id, a.discount, a.qty, a.gift_qty) for a in result.applied],
    )


@SETTINGS
@given(carts, offer_lists)
def test_totals_never_negative_never_above_gross_and_add_up(lines, offers):
    result = _run(lines, offers)
    assert all(ln.net >= 0 for ln in result.lines)
    assert Decimal(0) <= result.net_total <= result.gross_total
    assert result.net_total == result.gross_total - result.discount_total
    assert sum((a.discount for a in result.applied), Decimal(0)) == result.discount_total
    assert all(a.amount < 0 for ln in result.lines for a in ln.adjustments)
    assert all(a.amount == money(a.amount) for ln in result.lines for a in ln.adjustments)


@SETTINGS
@given(carts, offer_lists)
def test_floors_and_budgets_hold(lines, offers):
    by_id = {o.id: o for o in offers}
    result = _run(lines, offers)
    for ln in result.lines:
        exempt = any(by_id[a.promotion_id].floor_exempt for a in ln.adjustments)
        if ln.floor is not None and not exempt:
            assert ln.net >= min(ln.gross, money(ln.floor * ln.qty))
    for applied in result.applied:
        o = by_id[applied.promotion_id]
        if o.budget_amount_left is not None:
            assert applied.budget_amount <= o.budget_amount_left
        if o.budget_qty_left is not None:
            assert applied.qty <= o.budget_qty_left
    assert len({a.coupon_id for a in result.applied if a.coupon_id}) <= 1


@SETTINGS
@given(carts, offer_lists, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_promotions(lines, offers, rnd):
    shuffled = list(offers)
    rnd.shuffle(shuffled)
    first, second = _run(lines, offers), _run(lines, shuffled)
    assert _shape(first) == _shape(second)
    assert [n.as_dict() for n in first.skipped] == [n.as_dict() for n in second.skipped]


@SETTINGS
@given(
    carts,
    offer_lists,
    kinds,
    common,
    st.sampled_from(["other_buyer", "later", "ended", "elsewhere"]),
)
def test_a_promotion_that_cannot_apply_changes_nothing(lines, offers, spec, opts, why):
    (kind, rules, extra) = spec
    extra = dict(extra)
    if "coupon" in extra:
        extra["coupon"] = replace(extra["coupon"], coupon_id=999)
    blocked = {
        "other_buyer": {"targets": [("buyer", "8")]},
        "later": {"starts_at": AT + timedelta(hours=1)},
        "ended": {"ends_at": AT},
        "elsewhere": {"targets": [("region", "0002")]},
    }[why]
    merged = {**opts, **extra, **blocked}
    extra_offer = offer(kind, rules, id=999, **merged)
    assert _shape(_run(lines, offers)) == _shape(_run(lines, [*offers, extra_offer]))


@SETTINGS
@given(
    st.lists(st.integers(0, 100_000), min_size=1, max_size=30),
    st.integers(0, 10_000_000),
    st.lists(st.integers(0, 100), min_size=30, max_size=30),
)
def test_allocation_adds_up_to_the_cent_within_caps(weights, total, cap_pct):
    w = [Decimal(x) / 100 for x in weights]
    caps = [money(x * p / 100) for x, p in zip(w, cap_pct, strict=False)]
    total_d = min(Decimal(total) / 100, sum(caps, Decimal(0)))
    shares = allocate(total_d, w, caps)
    assert sum(shares, Decimal(0)) == total_d
    assert all(Decimal(0) <= s <= c for s, c in zip(shares, caps, strict=True))
