"""Sell-out: form, Excel import and retail sales — stock leaves with the serials; bad rows
are reported row by row and nothing is written."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from qudao.core.errors import NotFound, ValidationFailed
from qudao.core.spreadsheet import workbook_bytes
from qudao.inventory import selectors, services
from qudao.inventory.imports import sellout_import
from qudao.inventory.models import SellOut, Serial, StockMove
from qudao.inventory.services import SellOutRejected, SellOutRow
from qudao.inventory.tests.factories import balance, receive, state

pytestmark = pytest.mark.django_db
HANGZHOU_XIHU = "330106"


def _today() -> date:
    return timezone.localdate()


def test_sellout_record_takes_stock_out_with_serials_and_region(w):
    receive(w.dealer1, (w.grey, 3, ["G1", "G2", "G3"]), (w.pad, 10))
    yesterday = _today() - timedelta(days=1)
    records = services.sellout_record(
        actor=w.net.dealer1_admin,
        org=w.net.dealer1,
        rows=[
            SellOutRow(yesterday, w.grey, 2, "G1 G2", HANGZHOU_XIHU, 1),
            SellOutRow(yesterday, w.pad, 4, (), "", 2),
        ],
    )
    assert [(r.sku_id, r.qty, r.serials, r.buyer_division_id, r.source) for r in records] == [
        (w.grey.pk, 2, ["G1", "G2"], HANGZHOU_XIHU, "form"),
        (w.pad.pk, 4, [], None, "form"),
    ]
    assert records[0].warehouse_id == w.dealer1.pk  # the default warehouse
    assert records[0].doc_number.startswith("SL-")
    assert balance(w.dealer1, w.grey) == (1, 0, 0)
    assert balance(w.dealer1, w.pad) == (6, 0, 0)
    assert StockMove.objects.get(pk=records[0].move_id).kind == "retail_sale"
    assert sorted(Serial.objects.filter(status="sold").values_list("serial", flat=True)) == [
        "G1",
        "G2",
    ]
    assert selectors.stock_mismatches() == []


def test_sellout_rejects_every_bad_row_and_writes_nothing(w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.pad, 3))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    before = state()
    tomorrow = _today() + timedelta(days=1)
    with pytest.raises(SellOutRejected) as exc:
        services.sellout_record(
            actor=w.net.dealer1_admin,
            org=w.net.dealer1,
            rows=[
                SellOutRow(_today(), w.grey, 2, "G1 G9", "", 2),
                SellOutRow(_today(), w.white, 1, "W1", "", 3),  # never received
                SellOutRow(tomorrow, w.pad, 1, (), "999999", 4),
                SellOutRow(_today(), w.pad, -1, (), "", 5),
                SellOutRow(_today(), w.grey, 1, "", "", 6),
                SellOutRow(_today(), None, 1, (), "", 7),
            ],
        )
    assert exc.value.code == "sellout_rejected"
    assert sorted((p.row, p.code, p.value) for p in exc.value.problems) == [
        (2, "serial_wrong_warehouse", "G9"),
        (3, "serial_unknown", "W1"),
        (3, "sku_never_received", "TB-S1-WHT"),
        (4, "invalid_date", str(tomorrow)),
        (4, "unknown_division", "999999"),
        (5, "qty_not_positive", "-1"),
        (6, "serial_count_mismatch", "0"),
        (7, "unknown_sku", ""),
    ]
    assert state() == before


def test_sellout_over_available_names_the_row(w):
    receive(w.dealer1, (w.pad, 3))
    before = state()
    with pytest.raises(SellOutRejected) as exc:
        services.sellout_record(
            actor=w.net.dealer1_admin,
            org=w.net.dealer1,
            rows=[SellOutRow(_today(), w.pad, 2, row=1), SellOutRow(_today(), w.pad, 2, row=2)],
        )
    assert [(p.row, p.code) for p in exc.value.problems] == [(2, "insufficient_stock")]
    assert state() == before


def test_sellout_needs_a_warehouse_and_the_right(w):
    with pytest.raises(ValidationFailed) as exc:
        services.sellout_record(
            actor=w.net.dealer3_admin,
            org=w.net.dealer3,
            rows=[SellOutRow(_today(), w.pad, 1)],
        )
    assert exc.value.code == "no_warehouse"
    with pytest.raises(NotFound):
        services.sellout_record(
            actor=w.net.dealer2_admin, org=w.net.dealer1, rows=[SellOutRow(_today(), w.pad, 1)]
        )


def test_retail_sale_is_sellout_from_the_till(w):
    receive(w.dealer1, (w.grey, 1, ["G1"]))
    [sale] = services.retail_sale_post(
        actor=w.net.dealer1_admin,
        warehouse=w.dealer1,
        lines=[(w.grey, 1, ["G1"])],
        buyer_division=HANGZHOU_XIHU,
    )
    assert (sale.source, sale.sold_on, sale.qty, sale.serials) == ("pos", _today(), 1, ["G1"])
    assert Serial.objects.get(serial="G1").status == "sold"


def _sheet(rows):
    return workbook_bytes(
        ["销售日期", "SKU code", "Quantity", "Serial numbers", "Buyer's region code"], rows
    )


def test_import_records_all_rows(w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.pad, 5))
    day = _today() - timedelta(days=2)
    data = workbook_bytes(
        ["Date sold", "SKU code", "Quantity", "Serial numbers", "Buyer's region code"],
        [
            [day.isoformat(), "TB-S1-GRY", 2, "g1\ng2", 330106],
            [day.isoformat(), "BP-01-STD", 3, None, None],
        ],
    )
    result = sellout_import(actor=w.net.dealer1_admin, org=w.net.dealer1, data=data)
    assert result.ok and result.counts == {"rows": 2, "units": 5}
    assert sorted(
        SellOut.objects.values_list("sku__code", "qty", "source", "buyer_division_id")
    ) == [
        ("BP-01-STD", 3, "import", None),
        ("TB-S1-GRY", 2, "import", HANGZHOU_XIHU),
    ]


def test_import_reports_row_by_row_and_writes_nothing(w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.pad, 5))
    before = state()
    data = workbook_bytes(
        ["Date sold", "SKU code", "Quantity", "Serial numbers"],
        [
            ["2026-13-01", "TB-S1-GRY", 1, "G1"],
            [_today().isoformat(), "NOPE", 1, None],
            [_today().isoformat(), "TB-S1-GRY", 2, "G2 G2"],
            [_today().isoformat(), "BP-01-STD", 9, None],
        ],
    )
    result = sellout_import(actor=w.net.dealer1_admin, org=w.net.dealer1, data=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Date sold"), (3, "SKU code")]
    assert state() == before
    data = workbook_bytes(
        ["Date sold", "SKU code", "Quantity", "Serial numbers"],
        [
            [_today().isoformat(), "TB-S1-GRY", 2, "G2 G2"],
            [_today().isoformat(), "BP-01-STD", 9, None],
        ],
    )
    result = sellout_import(actor=w.net.dealer1_admin, org=w.net.dealer1, data=data)
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "Serial numbers", "G2"),
        (3, "Quantity", "9"),
    ]
    assert "G2 is listed more than once" in result.errors[0].message
    assert state() == before
