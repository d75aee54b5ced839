"""PostgreSQL races: concurrent reservations of the last units never oversell, lines in any
order never deadlock, and concurrent moves of the same serials leave each unit in one place."""

import itertools

import pytest

from qudao.core.tests import races
from qudao.inventory import selectors, services
from qudao.inventory.models import Serial, SerialEvent, Stock
from qudao.inventory.services import Doc
from qudao.inventory.tests import factories as inv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _world():  # type: ignore[no-untyped-def]
    from qudao.catalog.tests import factories as cf
    from qudao.network.tests import factories as f

    hq = f.root()
    region = f.org(hq, "region", code="R-RACE")
    seller = f.org(region, "distributor", code="D-RACE")
    buyer = f.org(seller, "dealer", code="DL-RACE")
    clerk = f.member(seller, "warehouse_clerk", username="race-clerk")
    pad = cf.sku(code="RACE-PAD", name="刹车片")
    bike = cf.sku(code="RACE-BIKE", name="踏板车", serial_tracked=True)
    return clerk, inv.warehouse(seller, "RACE-WH"), inv.warehouse(buyer, "RACE-IN"), pad, bike


def test_concurrent_reservations_never_oversell(divisions):
    clerk, wh, _in, pad, bike = _world()
    inv.receive(wh, (pad, 5), (bike, 3, inv.serials("RB", 3)))
    docs = itertools.count(1)
    for _round in range(4):  # a lucky interleaving must not hide a race
        outcomes = races.outcomes(
            lambda: services.stock_reserve(
                actor=clerk, warehouse=wh, lines=[(pad, 2)], doc=Doc("order", str(next(docs)))
            ),
            threads=8,
        )
        assert sorted(outcomes) == ["insufficient_stock"] * 6 + ["ok"] * 2
        assert Stock.objects.get(warehouse=wh, sku=pad).reserved == 4
        services.stock_release(actor=clerk, doc=Doc("order", "x"))  # nothing: a no-op
        for n in range(next(docs)):
            services.stock_release(actor=clerk, doc=Doc("order", str(n)))
        assert Stock.objects.get(warehouse=wh, sku=pad).reserved == 0
    assert selectors.stock_mismatches() == []


def test_lines_in_opposite_orders_never_deadlock(divisions):
    clerk, wh, _in, pad, bike = _world()
    inv.receive(wh, (pad, 100), (bike, 60, inv.serials("RB", 60)))
    docs = itertools.count(1)
    flip = itertools.cycle([True, False])

    def reserve() -> None:
        lines = [(pad, 1), (bike, 1)]
        services.stock_reserve(
            actor=clerk,
            warehouse=wh,
            lines=lines if next(flip) else lines[::-1],
            doc=Doc("order", str(next(docs))),
        )

    outcomes = races.race(lambda: reserve() or "ok", threads=8, per_thread=6)
    assert outcomes == ["ok"] * 48
    assert (
        Stock.objects.get(warehouse=wh, sku=pad).reserved,
        Stock.objects.get(warehouse=wh, sku=bike).reserved,
    ) == (48, 48)
    assert selectors.stock_mismatches() == []


def test_concurrent_moves_of_the_same_serials_leave_each_unit_in_one_place(divisions):
    clerk, wh, dest, pad, bike = _world()
    units = inv.serials("RS", 10)
    inv.receive(wh, (bike, 10, units))
    docs = itertools.count(1)

    def ship() -> None:
        services.shipment_post(
            actor=clerk,
            warehouse=wh,
            to_warehouse=dest,
            lines=[(bike, 10, units)],
            doc=Doc("order", str(next(docs))),
        )

    outcomes = races.outcomes(ship, threads=4)
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"serials_rejected", "serials_changed", "insufficient_stock"}
    assert Stock.objects.get(warehouse=wh, sku=bike).on_hand == 0
    assert Stock.objects.get(warehouse=dest, sku=bike).in_transit == 10
    assert Serial.objects.filter(serial__in=units, status="in_transit").count() == 10
    assert SerialEvent.objects.filter(serial__serial__in=units).count() == 20  # created, shipped
    assert selectors.stock_mismatches() == []


def test_concurrent_moves_of_different_serials_all_go_through(divisions):
    clerk, wh, dest, pad, bike = _world()
    units = inv.serials("RD", 40)
    inv.receive(wh, (bike, 40, units), (pad, 40))
    batches = iter([units[i : i + 5] for i in range(0, 40, 5)])
    docs = itertools.count(1)

    def ship() -> None:
        mine = next(batches)
        services.shipment_post(
            actor=clerk,
            warehouse=wh,
            to_warehouse=dest,
            lines=[(pad, 5), (bike, 5, mine)],
            doc=Doc("order", str(next(docs))),
        )

    assert races.outcomes(ship, threads=8) == ["ok"] * 8
    assert Stock.objects.get(warehouse=wh, sku=bike).on_hand == 0
    assert Stock.objects.get(warehouse=dest, sku=pad).in_transit == 40
    assert selectors.stock_mismatches() == []
