"""The demo inventory (qudao.demo.inventory, run by `qudao seed` after finance): books that
balance, units with complete journeys, dealers over-stocked and below safety, counts in every
state, and nothing added by a second run.

The demo app sits above inventory in the import layers, so these tests run it through the
command rather than importing it."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from qudao.inventory import selectors
from qudao.inventory.models import (
    Reservation,
    SellOut,
    Serial,
    SerialEvent,
    Stock,
    StockCount,
    StockMove,
    Transit,
    Warehouse,
)
from qudao.network.models import Org

pytestmark = pytest.mark.django_db
LINE = re.compile(
    r"Inventory: (\d+) warehouses, (\d+) stock moves, (\d+) serials, (\d+) sell-out records, "
    r"(\d+) stock counts created \((\d+) shipments in transit\)\."
)


def _seed() -> tuple[int, ...]:
    out = StringIO()
    call_command("seed", "--scale", "small", "--no-orders", stdout=out)
    found = LINE.search(out.getvalue())
    assert found, out.getvalue()
    return tuple(int(n) for n in found.groups())


@pytest.fixture
def small(divisions: None) -> tuple[int, ...]:
    return _seed()


def _counts() -> tuple[int, ...]:
    models = (Warehouse, StockMove, Serial, SellOut, StockCount, Transit, Reservation)
    return tuple(m.objects.count() for m in models)


def test_small_seed_is_consistent_and_idempotent(small):
    warehouses, moves, serials, sellouts, counts, in_transit = small
    assert warehouses == Warehouse.objects.count() > 5
    assert (moves, serials, sellouts, counts) == (
        StockMove.objects.count(),
        Serial.objects.count(),
        SellOut.objects.count(),
        StockCount.objects.count(),
    )
    assert in_transit == Transit.objects.filter(status="in_transit").count() > 0
    assert selectors.stock_mismatches() == []
    orgs = set(Warehouse.objects.values_list("org__kind", flat=True))
    assert orgs == {"hq", "distributor", "dealer"}
    assert (
        Warehouse.objects.filter(org__kind="distributor").count()
        == Org.objects.filter(kind="distributor").count()
    )
    before = _counts()
    assert _seed() == (0, 0, 0, 0, 0, 0)
    assert _counts() == before


def test_units_have_complete_journeys(small):
    sold = Serial.objects.filter(status="sold", holder__kind="dealer").order_by("serial").first()
    assert sold is not None
    steps = list(
        SerialEvent.objects.filter(serial=sold).values_list(
            "from_status", "to_status", "to_holder__kind"
        )
    )
    assert steps == [
        ("", "in_stock", "hq"),
        ("in_stock", "in_transit", "hq"),
        ("in_transit", "in_stock", "distributor"),
        ("in_stock", "in_transit", "distributor"),
        ("in_transit", "in_stock", "dealer"),
        ("in_stock", "sold", "dealer"),
    ]
    tracked = Stock.objects.filter(sku__serial_tracked=True, on_hand__gt=0).first()
    assert tracked is not None
    assert (
        Serial.objects.filter(warehouse=tracked.warehouse, sku=tracked.sku).count()
        == tracked.on_hand
    )


def test_dealers_over_stocked_and_below_safety_and_counts_in_every_state(small):
    admin = Org.objects.get(kind="hq")
    from qudao.network.tests.factories import system_actor

    actor = system_actor()
    below = selectors.stock_below_safety(actor=actor)
    assert below.filter(warehouse__org__kind="dealer").exists()
    today = timezone.localdate()
    days = [
        row.days_of_stock
        for dealer in Org.objects.filter(kind="dealer", warehouses__isnull=False)
        for row in selectors.jxc(
            actor=actor, org=dealer, since=today - timedelta(days=29), until=today, subtree=False
        ).rows
        if row.days_of_stock is not None
    ]
    assert min(days) < 14 and max(days) > 60  # some short, some over-stocked
    year = selectors.jxc(actor=actor, org=admin, since=today - timedelta(days=364), until=today)
    total = year.total
    assert total.opening == 0
    assert total.opening + total.in_total - total.out_total == total.closing
    assert total.closing == sum(Stock.objects.values_list("on_hand", flat=True))
    assert set(StockCount.objects.values_list("status", flat=True)) == {
        "posted",
        "counting",
        "draft",
    }
    assert Reservation.objects.filter(open_qty__gt=0).exists()
