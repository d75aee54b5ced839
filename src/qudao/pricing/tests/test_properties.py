"""Property tests of resolution (hypothesis): the winner is always the most specific valid
candidate (then the highest priority), and adding a less specific list never changes it."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qudao.network.models import Org
from qudao.pricing.models import PriceList, PriceListItem
from qudao.pricing.selectors import _resolve_line, specificity

AT = datetime(2026, 11, 27, tzinfo=ZoneInfo("Asia/Shanghai"))
TARGETS = ["buyer", "grade", "region", "channel", "default"]


def _list(pk, target, priority, active=True):  # type: ignore[no-untyped-def]
    pl = PriceList(
        pk=pk,
        code=f"L{pk}",
        name="x",
        target=target,
        priority=priority,
        is_active=active,
        target_grade="A" if target == "grade" else "",
        target_channel="traditional" if target == "channel" else "",
    )
    if target == "region":
        pl.target_region = Org(path="0001", depth=1, name="区")
    return pl


offers = st.lists(
    st.tuples(st.sampled_from(TARGETS), st.integers(0, 3), st.booleans(), st.integers(100, 999)),
    min_size=1,
    max_size=8,
    unique_by=lambda o: (o[0], o[1]),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(offers)
def test_winner_is_most_specific_valid_then_priority(offers):
    lists = [_list(i + 1, t, p, active) for i, (t, p, active, _price) in enumerate(offers)]
    items = {
        pl.pk: [PriceListItem(price_list=pl, sku_id=1, min_qty=1, price=Decimal(offers[i][3]))]
        for i, pl in enumerate(lists)
    }
    line = _resolve_line(1, 1, lists, items, AT)
    valid = [pl for pl in lists if pl.is_active]
    if not valid:
        assert line.price is None
        return
    best = max(valid, key=lambda pl: (specificity(pl), pl.priority))
    assert line.list_id == best.pk
    assert not line.ambiguous


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(offers, st.sampled_from(TARGETS), st.integers(0, 3), st.integers(100, 999))
def test_adding_a_less_specific_list_never_changes_the_result(offers, target, prio, price):
    lists = [_list(i + 1, t, p) for i, (t, p, _a, _pr) in enumerate(offers)]
    items = {
        pl.pk: [PriceListItem(price_list=pl, sku_id=1, min_qty=1, price=Decimal(offers[i][3]))]
        for i, pl in enumerate(lists)
    }
    before = _resolve_line(1, 1, lists, items, AT)
    extra = _list(99, target, prio)
    if specificity(extra) >= max(specificity(pl) for pl in lists):
        return  # only less specific lists are the subject here
    after = _resolve_line(
        1,
        1,
        [*lists, extra],
        {**items, 99: [PriceListItem(price_list=extra, sku_id=1, min_qty=1, price=Decimal(price))]},
        AT,
    )
    assert (after.list_id, after.price) == (before.list_id, before.price)


pytestmark = pytest.mark.filterwarnings("ignore")
