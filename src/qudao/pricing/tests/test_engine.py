"""Price resolution: the most specific valid list wins, then priority, then the break."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from qudao.pricing.selectors import quote
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=SH)


def _price(net, s, qty=1, at=NOW, buyer=None):
    line = quote(seller=net.dist1, buyer=buyer or net.dealer1, lines=[(s.pk, qty)], at=at)[0]
    return line


@pytest.fixture
def bike(net):
    net.dealer1.grade = "A"
    net.dealer1.save(update_fields=["grade"])
    return pf.sku("T1-48V-GRY")


def test_more_specific_target_wins_in_order(net, bike):
    pf.price_list(net.dist1, code="DEF", items={bike: 2000})
    assert _price(net, bike).price == Decimal("2000.00")
    pf.price_list(
        net.dist1, code="CH", target="channel", target_channel="traditional", items={bike: 1990}
    )
    assert _price(net, bike).list_code == "CH"
    pf.price_list(
        net.dist1, code="REG-EAST", target="region", target_region=net.east.pk, items={bike: 1980}
    )
    assert _price(net, bike).list_code == "REG-EAST"
    pf.price_list(
        net.dist1, code="REG-DIST", target="region", target_region=net.dist1.pk, items={bike: 1985}
    )
    assert _price(net, bike).list_code == "REG-DIST"  # nearer region beats a lower price
    pf.price_list(net.dist1, code="GA", target="grade", target_grade="A", items={bike: 1970})
    assert _price(net, bike).list_code == "GA"
    pf.price_list(
        net.dist1, code="B1", target="buyer", target_buyer=net.dealer1.pk, items={bike: 1999}
    )
    line = _price(net, bike)
    assert (line.list_code, line.price, line.rule) == (
        "B1",
        Decimal("1999.00"),
        "指定客户 杭州迅达电动车行",
    )
    assert [(c.list_code, c.reason) for c in line.candidates] == [
        ("B1", "won"),
        ("GA", "less_specific"),
        ("REG-DIST", "less_specific"),
        ("REG-EAST", "less_specific"),
        ("CH", "less_specific"),
        ("DEF", "less_specific"),
    ]
    # another dealer of the same distributor, grade B, gets the region price
    assert _price(net, bike, buyer=net.dealer2).list_code == "REG-DIST"


def test_priority_breaks_equal_specificity(net, bike):
    pf.price_list(net.dist1, code="LOW", items={bike: 1900}, priority=1)
    pf.price_list(net.dist1, code="HIGH", items={bike: 1950}, priority=5)
    line = _price(net, bike)
    assert (line.list_code, line.price) == ("HIGH", Decimal("1950.00"))
    assert line.candidates[1].reason == "lower_priority"


def test_validity_is_half_open(net, bike):
    start, end = NOW, NOW + timedelta(days=7)
    pf.price_list(net.dist1, code="DEF", items={bike: 2000})
    pf.price_list(
        net.dist1, code="PROMO", priority=9, valid_from=start, valid_until=end, items={bike: 1800}
    )
    assert _price(net, bike, at=start - timedelta(seconds=1)).list_code == "DEF"
    assert _price(net, bike, at=start).list_code == "PROMO"
    assert _price(net, bike, at=end - timedelta(seconds=1)).list_code == "PROMO"
    line = _price(net, bike, at=end)
    assert line.list_code == "DEF"
    assert ("PROMO", "expired") in [(c.list_code, c.reason) for c in line.candidates]


def test_quantity_breaks(net, bike):
    pf.price_list(net.dist1, code="DEF", items={bike: {1: 2000, 10: 1950, 50: 1900}})
    assert _price(net, bike, qty=9).price == Decimal("2000.00")
    line = _price(net, bike, qty=10)
    assert (line.price, line.amount) == (Decimal("1950.00"), Decimal("19500.00"))
    assert line.breaks == [
        (1, Decimal("2000.00")),
        (10, Decimal("1950.00")),
        (50, Decimal("1900.00")),
    ]
    assert _price(net, bike, qty=50).price == Decimal("1900.00")


def test_a_list_starting_above_the_quantity_is_explained(net, bike):
    pf.price_list(
        net.dist1,
        code="BULK",
        target="buyer",
        target_buyer=net.dealer1.pk,
        items={bike: {20: 1800}},
    )
    pf.price_list(net.dist1, code="DEF", items={bike: 2000})
    line = _price(net, bike, qty=5)
    assert line.list_code == "DEF"
    assert ("BULK", "below_break") in [(c.list_code, c.reason) for c in line.candidates]


def test_no_price_when_nothing_applies(net, bike):
    pf.price_list(
        net.dist1, code="OTHER", target="buyer", target_buyer=net.dealer2.pk, items={bike: 1500}
    )
    line = _price(net, bike)
    assert (line.price, line.list_code, line.candidates) == (None, "", [])


def test_quote_takes_three_queries_for_any_cart(net, django_assert_num_queries):
    skus = [pf.sku() for _ in range(20)]
    pf.price_list(net.dist1, code="DEF", items=dict.fromkeys(skus, 100))
    with django_assert_num_queries(3):
        lines = quote(seller=net.dist1, buyer=net.dealer1, lines=[(s.pk, 2) for s in skus])
    assert [line.amount for line in lines] == [Decimal("200.00")] * 20
