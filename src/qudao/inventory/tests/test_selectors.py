"""Reads: stock lists scoped to the actor in constant queries, 404 / 403 on warehouses,
below-safety suggestions, 进销存 with exact numbers for an org, its subtree and the
drill-down, and the ledger check behind `qudao check-ledgers`."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from qudao.core.errors import NotFound, PermissionDenied
from qudao.inventory import selectors, services
from qudao.inventory.models import Stock
from qudao.inventory.services import Doc, SellOutRow
from qudao.inventory.tests.factories import receive

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_stock_list_is_scoped_and_one_query(w, django_assert_num_queries):
    receive(w.hq, (w.pad, 100))
    receive(w.dist1, (w.pad, 50))
    receive(w.dealer1, (w.pad, 10), (w.grey, 1, ["G1"]))
    receive(w.dealer2, (w.pad, 5))
    receive(w.dist2, (w.pad, 7))
    actor = w.net.region_east
    with django_assert_num_queries(2):  # memberships, then the rows with warehouse, org, SKU
        rows = [
            (s.warehouse.org.code, s.warehouse.code, s.sku.code, s.on_hand, s.available_qty)
            for s in selectors.stock_list_for_actor(actor=actor)
        ]
    assert rows == [
        ("D-HZ", "D1-MAIN", "BP-01-STD", 50, 50),
        ("DL-HZ1", "DL1-MAIN", "BP-01-STD", 10, 10),
        ("DL-HZ1", "DL1-MAIN", "TB-S1-GRY", 1, 1),
        ("DL-NB1", "DL2-MAIN", "BP-01-STD", 5, 5),
    ]
    dealer = w.net.dealer1_admin
    with django_assert_num_queries(2):
        mine = list(selectors.stock_list_for_actor(actor=dealer, q="tbc"))  # 踏板车 by initials
    assert [(s.sku.code, s.on_hand) for s in mine] == [("TB-S1-GRY", 1)]
    assert list(selectors.stock_list_for_actor(actor=w.dist1_clerk, org_id=w.net.dist2.pk)) == []


def test_warehouse_get_is_404_outside_scope_and_403_without_the_right(w):
    from qudao.network.tests import factories as f

    assert selectors.warehouse_get(actor=w.net.region_east, warehouse_id=w.dealer1.pk) == w.dealer1
    with pytest.raises(NotFound):
        selectors.warehouse_get(actor=w.net.dealer2_admin, warehouse_id=w.dealer1.pk)
    with pytest.raises(NotFound):
        selectors.warehouse_get(actor=w.net.dealer2_admin, warehouse_id=999_999)
    finance = f.member(w.net.dist1, "finance", username="fin-no-stock")
    with pytest.raises(PermissionDenied):
        selectors.warehouse_get(actor=finance, warehouse_id=w.dealer1.pk)
    assert list(selectors.warehouse_list_for_actor(actor=finance)) == []
    assert [wh.code for wh in selectors.warehouse_list_for_actor(actor=w.net.dealer1_admin)] == [
        "DL1-MAIN",  # the default first
        "DL1-BACK",
    ]


def test_below_safety_suggests_what_is_not_already_coming(w):
    receive(w.dist1, (w.pad, 20))
    receive(w.dealer1, (w.pad, 3), (w.white, 1, ["W1"]))
    services.safety_stock_set(actor=w.net.dealer1_admin, warehouse=w.dealer1, sku=w.pad, qty=10)
    services.safety_stock_set(actor=w.net.dealer1_admin, warehouse=w.dealer1, sku=w.white, qty=1)
    services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.pad, 4)],
        doc=Doc("order", "1", "SO-1"),
    )
    rows = list(selectors.stock_below_safety(actor=w.net.dealer1_admin))
    assert [
        (s.sku.code, s.available_qty, s.in_transit, s.safety_stock, s.suggested_qty) for s in rows
    ] == [("BP-01-STD", 3, 4, 10, 3)]


@pytest.fixture
def clock():
    """Services stamp moves with timezone.now(): set it to chosen moments."""
    with mock.patch("django.utils.timezone.now") as now:
        yield lambda *args: setattr(now, "return_value", datetime(*args, tzinfo=SHANGHAI))


@pytest.fixture
def october(w, clock):
    """dist1 buys 100 pads in September; in October ships 30 to dealer1, sells 10 itself;
    dealer1 sells 12, loses 1, takes 2 back from customers; in November dealer1 sells 5."""
    admin = w.net.dealer1_admin
    clock(2026, 9, 20, 10)
    receive(w.dist1, (w.pad, 100))
    clock(2026, 10, 5, 10)
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.pad, 30)],
        doc=Doc("order", "1", "SO-1"),
    )
    clock(2026, 10, 7, 10)
    services.receipt_post(actor=admin, transit=sent.transit)
    clock(2026, 10, 10, 10)
    services.retail_sale_post(actor=admin, warehouse=w.dealer1, lines=[(w.pad, 12)])
    clock(2026, 10, 15, 10)
    services.stock_adjust(actor=admin, warehouse=w.dealer1, lines=[(w.pad, -1)], reason="损坏")
    clock(2026, 10, 20, 10)
    services.return_in_post(actor=admin, warehouse=w.dealer1, lines=[(w.pad, 2)])
    clock(2026, 10, 25, 10)
    services.sellout_record(
        actor=w.dist1_clerk, org=w.net.dist1, rows=[SellOutRow(date(2026, 10, 25), w.pad, 10)]
    )
    clock(2026, 11, 3, 10)
    services.retail_sale_post(actor=admin, warehouse=w.dealer1, lines=[(w.pad, 5)])
    clock(2026, 11, 27, 10)
    return w


def _line(row):  # type: ignore[no-untyped-def]
    return (row.code, row.opening, row.ins, row.outs, row.closing, row.days_of_stock)


IN0 = {"purchases": 0, "returns_in": 0, "transfers_in": 0}
OUT0 = {
    "sales": 0,
    "retail": 0,
    "returns_out": 0,
    "transfers_out": 0,
    "consumption": 0,
    "adjustments": 0,
}


def test_jxc_of_one_org(october, django_assert_num_queries):
    w = october
    actor = w.net.admin
    since, until = date(2026, 10, 1), date(2026, 10, 31)
    report = selectors.jxc(actor=actor, org=w.net.dealer1, since=since, until=until, subtree=False)
    assert [_line(r) for r in report.rows] == [
        (
            "BP-01-STD",
            0,
            IN0 | {"purchases": 30, "returns_in": 2},
            OUT0 | {"retail": 12, "adjustments": 1},
            19,
            Decimal("47.5"),  # 19 ÷ (12 sold / 30 days)
        )
    ]
    with django_assert_num_queries(2):  # balances, moves (memberships cached)
        report = selectors.jxc(
            actor=actor, org=w.net.dist1, since=since, until=until, subtree=False
        )
    assert [_line(r) for r in report.rows] == [
        ("BP-01-STD", 100, IN0, OUT0 | {"sales": 30, "retail": 10}, 60, Decimal("45.0"))
    ]
    november = selectors.jxc(
        actor=actor, org=w.net.dealer1, since=date(2026, 11, 1), until=date(2026, 11, 30)
    )
    assert [(r.opening, r.closing) for r in november.rows] == [(19, 14)]


def test_jxc_of_a_subtree_sums_it_and_ignores_internal_shipments(october):
    w = october
    since, until = date(2026, 10, 1), date(2026, 10, 31)
    for org in (w.net.dist1, w.net.east):
        report = selectors.jxc(actor=w.net.region_east, org=org, since=since, until=until)
        [row] = report.rows
        assert _line(row) == (
            "BP-01-STD",
            100,
            IN0 | {"purchases": 30, "returns_in": 2},
            OUT0 | {"sales": 30, "retail": 22, "adjustments": 1},
            79,
            Decimal("107.7"),  # 79 ÷ (22 sold out of the subtree / 30 days)
        )
        assert row.opening + row.in_total - row.out_total == row.closing
        assert report.total.closing == 79


def test_jxc_drill_down_by_branch(october, django_assert_num_queries):
    w = october
    since, until = date(2026, 10, 1), date(2026, 10, 31)
    actor = w.net.admin
    selectors.jxc(actor=actor, org=w.net.dist1, since=since, until=until)  # warm memberships
    with django_assert_num_queries(3):  # balances, moves, the branches' orgs
        report = selectors.jxc_by_branch(actor=actor, org=w.net.dist1, since=since, until=until)
    assert [(r.code, r.opening, r.closing, r.days_of_stock) for r in report.rows] == [
        ("D-HZ", 100, 60, Decimal("45.0")),  # its own shipments to dealer1 are its sales
        ("DL-HZ1", 0, 19, Decimal("47.5")),
    ]
    region = selectors.jxc_by_branch(actor=actor, org=w.net.east, since=since, until=until)
    assert [(r.code, r.opening, r.closing, r.days_of_stock) for r in region.rows] == [
        ("D-HZ", 100, 79, Decimal("107.7")),
    ]


def test_jxc_outside_scope_is_404(october):
    w = october
    with pytest.raises(NotFound):
        selectors.jxc(
            actor=w.net.dealer1_admin,
            org=w.net.dist1,
            since=date(2026, 10, 1),
            until=date(2026, 10, 31),
        )


def test_check_ledgers_finds_a_tampered_balance(w):
    receive(w.dealer1, (w.pad, 5), (w.grey, 2, ["G1", "G2"]))
    out = StringIO()
    call_command("check_ledgers", stdout=out)
    assert "inventory: every stock balance equals the sum of its moves" in out.getvalue()
    Stock.objects.filter(warehouse=w.dealer1, sku=w.grey).update(on_hand=3)
    Stock.objects.filter(warehouse=w.dealer1, sku=w.pad).update(reserved=1)
    found = sorted(str(m) for m in selectors.stock_mismatches())
    assert found == [
        f"warehouse {w.dealer1.pk} SKU {w.grey.pk} on_hand: balance 3 ≠ rows 2",
        f"warehouse {w.dealer1.pk} SKU {w.grey.pk} serials: balance 3 ≠ rows 2",
        f"warehouse {w.dealer1.pk} SKU {w.pad.pk} reserved: balance 1 ≠ rows 0",
    ]
    with pytest.raises(CommandError):
        call_command("check_ledgers", stdout=StringIO())
