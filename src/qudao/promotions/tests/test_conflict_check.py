"""The conflict check's sample order: a cart of the checked promotion's products, at
quantities that reach its threshold, for a buyer it targets, priced with it (a draft too)
and the promotions overlapping it — per line what applied, what did not and why; on the
detail page and in the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from qudao.catalog import services as catalog
from qudao.network.tests.factories import system_actor
from qudao.pricing.tests import factories as pf
from qudao.promotions import selectors
from qudao.promotions.tests.factories import live, promo

pytestmark = pytest.mark.django_db
D = Decimal
FULL = {"tiers": [{"threshold": "5000", "amount": "200"}]}


@pytest.fixture
def priced(world, cat):
    """dist1's list: the grey scooter at ¥2,199, brake pads at ¥30."""
    return pf.price_list(world.dist1, code="STD", items={cat["grey"]: "2199", cat["pad"]: "30"})


def _check(world, promotion):
    return selectors.promotion_conflict_check(actor=world.marketer, promotion=promotion)


def _lines(sample):
    return [
        (
            sample.simulation.skus[ln.sku_id].code,
            ln.qty,
            ln.gross,
            [(a.label, a.amount) for a in ln.adjustments],
            [(n.name, n.code) for n in ln.notes],
            ln.net,
        )
        for ln in sample.simulation.result.lines
    ]


def _skipped(sample):
    return [(n.name, n.code, n.message) for n in sample.simulation.result.skipped]


def test_a_draft_threshold_with_a_live_special_price(world, cat, priced):
    special = live(
        world.dist1, "special_price", {"prices": {str(cat["grey"].pk): "1999"}}, name="S1 特价"
    )
    live(world.dist1, "percent_off", {"percent": "10"}, name="配件九折", sku_ids=[cat["pad"].pk])
    draft = promo(
        world.dist1, "threshold_amount_off", FULL, name="整车满减", category_ids=[cat["bikes"].pk]
    )
    check = _check(world, draft)
    assert [o.promotion.pk for o in check.overlaps] == [special.pk]  # the pads' is no overlap
    sample = check.sample
    assert (sample.buyer, sample.problem, sample.unpriced) == (world.dealer1, "", ())
    assert sample.at <= timezone.now()
    # three scooters reach ¥5,000; the special price takes ¥600 first, the threshold is
    # still reached on what is left (¥5,997), so the draft's ¥200 stacks on it
    assert _lines(sample) == [
        (
            "TB-S1-GRY",
            3,
            D("6597.00"),
            [("S1 特价", D("-600.00")), ("整车满减", D("-200.00"))],
            [],
            D("5797.00"),
        )
    ]
    result = sample.simulation.result
    assert [(a.promotion_id, a.discount) for a in result.applied] == [
        (special.pk, D("600.00")),
        (draft.pk, D("200.00")),
    ]
    assert result.skipped == []
    assert sample.simulation.sources == ["STD"]


def test_an_exclusive_overlap_takes_the_line_and_the_draft_says_why(world, cat, priced, en):
    exclusive = live(
        world.dist1,
        "amount_off",
        {"amount": "300"},
        name="整车专享",
        exclusive=True,
        sku_ids=[cat["grey"].pk],
    )
    draft = promo(
        world.dist1, "threshold_amount_off", FULL, name="整车满减", category_ids=[cat["bikes"].pk]
    )
    sample = _check(world, draft).sample
    assert _lines(sample) == [
        ("TB-S1-GRY", 3, D("6597.00"), [("整车专享", D("-900.00"))], [], D("5697.00"))
    ]
    assert [a.promotion_id for a in sample.simulation.result.applied] == [exclusive.pk]
    assert _skipped(sample) == [("整车满减", "excluded", "Cannot be combined with 整车专享.")]


def test_the_sample_buyer_is_one_the_draft_targets(world, cat, priced, en):
    special = live(
        world.dist1,
        "special_price",
        {"prices": {str(cat["grey"].pk): "1999"}},
        name="S1 特价",
        targets=[{"kind": "grade", "value": "B"}],
    )
    draft = promo(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        name="A级九五折",
        sku_ids=[cat["grey"].pk],
        targets=[{"kind": "grade", "value": "A"}],
    )
    check = _check(world, draft)
    assert [o.promotion.pk for o in check.overlaps] == []  # grade A and grade B never meet
    sample = check.sample
    assert sample.buyer == world.dealer2  # grade A
    assert _lines(sample) == [
        ("TB-S1-GRY", 1, D("2199.00"), [("A级九五折", D("-109.95"))], [], D("2089.05"))
    ]
    # with the special price's grade widened to A as well, it overlaps and wins the line
    wide = live(
        world.dist1,
        "special_price",
        {"prices": {str(cat["grey"].pk): "1999"}},
        name="S1 全员特价",
    )
    sample = _check(world, draft).sample
    assert _lines(sample) == [
        (
            "TB-S1-GRY",
            1,
            D("2199.00"),
            [("S1 全员特价", D("-200.00"))],
            [("A级九五折", "better_offer")],
            D("1999.00"),
        )
    ]
    assert special.pk not in {n.promotion_id for n in sample.simulation.result.skipped}
    assert [a.promotion_id for a in sample.simulation.result.applied] == [wide.pk]


@pytest.mark.parametrize(
    "case",
    [
        # (kind, rules, products, expected cart: [(SKU code, qty)])
        ("tier_price", {"tiers": [{"min_qty": 20, "percent": "5"}]}, "pad", [("BP-01-STD", 20)]),
        (
            "buy_x_get_y",
            {"buy_qty": 10, "gift": {"sku_id": "pad", "qty": 1}},
            "pad",
            [("BP-01-STD", 10)],
        ),
        (
            "threshold_percent",
            {"basis": "qty", "tiers": [{"threshold": "7", "percent": "5"}]},
            "both",
            [("BP-01-STD", 4), ("TB-S1-GRY", 4)],
        ),
        (
            "bundle",
            {
                "components": [{"sku_id": "grey", "qty": 1}, {"sku_id": "pad", "qty": 2}],
                "price": "2200",
            },
            None,
            [("TB-S1-GRY", 1), ("BP-01-STD", 2)],
        ),
        ("coupon", {"amount": "50", "min_spend": "100"}, "pad", [("BP-01-STD", 4)]),
    ],
)  # fmt: skip
def test_quantities_reach_the_first_threshold(world, cat, priced, case):
    kind, rules, products, expected = case
    ids = {"pad": [cat["pad"].pk], "both": [cat["pad"].pk, cat["grey"].pk], None: []}[products]
    if "gift" in rules:
        rules["gift"]["sku_id"] = cat[rules["gift"]["sku_id"]].pk
    for component in rules.get("components", []):
        component["sku_id"] = cat[component["sku_id"]].pk
    draft = promo(world.dist1, kind, rules, sku_ids=ids)
    sample = _check(world, draft).sample
    cart = [
        (sample.simulation.skus[ln.sku_id].code, ln.qty) for ln in sample.simulation.result.lines
    ]
    assert cart == expected
    assert [a.promotion_id for a in sample.simulation.result.applied] == [draft.pk]


def test_order_multiples_are_kept(world, cat, priced):
    catalog.sku_update(actor=system_actor(), sku=cat["pad"], data={"order_multiple": 12})
    draft = promo(world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["pad"].pk])
    sample = _check(world, draft).sample
    assert [(ln.qty, ln.net) for ln in sample.simulation.result.lines] == [(12, D("342.00"))]


def test_a_future_draft_is_sampled_at_its_start(world, cat, priced):
    start = timezone.now() + timedelta(days=10)
    draft = promo(
        world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["pad"].pk], starts_at=start
    )
    sample = _check(world, draft).sample
    assert sample.at == start
    assert sample.simulation.result.discount_total == D("1.50")


def test_no_sample_without_a_targeted_buyer_or_a_price(world, cat, priced, en):
    nobody = promo(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        sku_ids=[cat["pad"].pk],
        targets=[{"kind": "division", "value": "44"}],  # 广东: none of dist1's buyers
    )
    sample = _check(world, nobody).sample
    assert (sample.buyer, sample.simulation, sample.problem, sample.problem_message) == (
        None,
        None,
        "no_buyer",
        "No active buyer of the seller in your network meets the promotion's targets.",
    )
    hangzhou = promo(
        world.dist1,
        "percent_off",
        {"percent": "5"},
        sku_ids=[cat["pad"].pk],
        targets=[{"kind": "division", "value": "3301"}],  # 杭州: dealer1 (拱墅区)
    )
    assert _check(world, hangzhou).sample.buyer == world.dealer1
    unpriced = promo(world.dist1, "percent_off", {"percent": "5"}, sku_ids=[cat["white"].pk])
    sample = _check(world, unpriced).sample
    assert (sample.buyer, sample.simulation, sample.problem, sample.unpriced) == (
        world.dealer1,
        None,
        "no_price",
        ("TB-S1-WHT",),
    )


# --- page and API -----------------------------------------------------------------------------


def test_detail_page_and_api_show_the_sample(client, world, cat, priced, en):
    special = live(
        world.dist1, "special_price", {"prices": {str(cat["grey"].pk): "1999"}}, name="S1 特价"
    )
    draft = promo(
        world.dist1, "threshold_amount_off", FULL, name="整车满减", category_ids=[cat["bikes"].pk]
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.marketer)
    page = client.get(reverse("promotions:promotion_detail", args=[draft.pk]))
    assert page.status_code == 200
    assert [o.promotion.pk for o in page.context["conflicts"]] == [special.pk]
    assert page.context["sample"].buyer == world.dealer1
    rows = page.context["sample_rows"]["rows"]
    assert [(sku.code, source, line.net) for line, sku, source in rows] == [
        ("TB-S1-GRY", "STD", D("5797.00"))
    ]
    body = page.content.decode()
    assert 'data-testid="sample-buyer" data-code="DL-HZ1"' in body
    assert body.count('data-testid="sim-line"') == 1

    check = client.get(f"/api/v1/promotions/{draft.pk}/conflicts", HTTP_ACCEPT_LANGUAGE="en")
    assert check.status_code == 200, check.content
    body = check.json()
    assert [o["promotion_id"] for o in body["overlaps"]] == [special.pk]
    sample = body["sample"]
    assert (sample["buyer_code"], sample["buyer_name"], sample["problem"]) == (
        "DL-HZ1",
        "杭州迅达电动车行",
        "",
    )
    (line,) = sample["result"]["lines"]
    assert (line["sku_code"], line["qty"], line["price_source"], line["net"]) == (
        "TB-S1-GRY",
        3,
        "STD",
        "5797.00",
    )
    assert [(a["label"], a["amount"]) for a in line["adjustments"]] == [
        ("S1 特价", "-600.00"),
        ("整车满减", "-200.00"),
    ]
    assert (sample["result"]["net_total"], sample["result"]["skipped"]) == ("5797.00", [])
    # a targeted buyer reads the offer, not the seller's check
    client.force_login(world.dealer1_admin)
    live_one = client.get(f"/api/v1/promotions/{special.pk}/conflicts")
    assert live_one.status_code == 403
