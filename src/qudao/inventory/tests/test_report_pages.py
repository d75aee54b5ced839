"""Count, sell-out and 进销存 pages: a count from creation to posted adjustments (and the
refusal of a second post), sell-out by form and Excel (a bad row: the report, nothing
written), 进销存 numbers of a known history with the drill-down and the export, 404 outside
the actor's scope and constant query counts on the lists. The UI speaks zh-hans by default,
so the assertions are on data, context and status codes, not on labels."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from qudao.core.spreadsheet import workbook_bytes
from qudao.inventory import selectors, services
from qudao.inventory.models import SellOut, Serial, StockCount, StockMove
from qudao.inventory.services import Doc, SellOutRow
from qudao.inventory.tests import factories as inv
from qudao.inventory.tests.factories import balance, receive, state
from qudao.network.tests import factories as f
from qudao.network.tests.factories import system_actor

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
HANGZHOU_XIHU = "330106"


def _messages(response):  # type: ignore[no-untyped-def]
    return [(m.level, str(m)) for m in response.context["messages"]]


def _sheet(response):  # type: ignore[no-untyped-def]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


# --- stock counts ---------------------------------------------------------------------------


def _line_ids(count: StockCount) -> dict[str, int]:
    return dict(count.lines.values_list("sku__code", "pk"))


def test_count_from_creation_to_posted_adjustments(client, w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 3, ["G1", "G2", "G3"]))
    client.force_login(w.net.dealer1_admin)

    page = client.get("/inventory/counts/")
    assert page.status_code == 200
    offered = page.context["create_form"].fields["warehouse"].choices
    assert [pk for pk, _label in offered] == [w.dealer1.pk, w.dealer1_back.pk]

    response = client.post(
        "/inventory/counts/new/", {"warehouse": w.dealer1.pk, "category": "", "note": "月末盘点"}
    )
    count = StockCount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/inventory/counts/{count.pk}/"
    assert (count.warehouse_id, count.status, count.note) == (w.dealer1.pk, "draft", "月末盘点")
    assert sorted(_line_ids(count)) == ["BP-01-STD", "TB-S1-GRY"]

    assert client.post(f"/inventory/counts/{count.pk}/start/").status_code == 302
    count.refresh_from_db()
    assert count.status == "counting"
    page = client.get(f"/inventory/counts/{count.pk}/")
    assert [
        (line.sku.code, line.expected_qty, diff) for line, diff, *_ in page.context["rows"]
    ] == [
        ("BP-01-STD", 10, None),
        ("TB-S1-GRY", 3, None),
    ]
    assert page.context["enter_form"] is not None
    assert page.context["uncounted"] == ["BP-01-STD", "TB-S1-GRY"]

    ids = _line_ids(count)
    response = client.post(
        f"/inventory/counts/{count.pk}/enter/",
        {
            f"counted_{ids['BP-01-STD']}": "8",
            f"counted_{ids['TB-S1-GRY']}": "",  # the serials say how many
            f"serials_{ids['TB-S1-GRY']}": "g1\nG3\nNEW1",
            "new_sku": "TB-S1-WHT",  # on the shelf, not in the books
            "new_qty": "0",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/inventory/counts/{count.pk}/")
    assert [
        (line.sku.code, line.expected_qty, line.counted_qty, line.serials, diff)
        for line, diff, *_ in page.context["rows"]
    ] == [
        ("BP-01-STD", 10, 8, [], -2),
        ("TB-S1-GRY", 3, 3, ["G1", "G3", "NEW1"], 0),
        ("TB-S1-WHT", 0, 0, [], 0),
    ]
    assert (page.context["differences"], page.context["net_difference"]) == (1, -2)
    assert page.context["uncounted"] == []

    response = client.post(f"/inventory/counts/{count.pk}/post/", follow=True)
    count.refresh_from_db()
    assert count.status == "posted"
    assert [level for level, _text in _messages(response)] == [message_levels.SUCCESS]
    assert list(
        StockMove.objects.filter(doc_type="stock_count").values_list(
            "warehouse_id", "sku__code", "kind", "qty", "on_hand_after", "doc_number"
        )
    ) == [(w.dealer1.pk, "BP-01-STD", "count", -2, 8, count.number)]
    assert balance(w.dealer1, w.pad) == (8, 0, 0)
    assert balance(w.dealer1, w.grey) == (3, 0, 0)
    assert Serial.objects.get(serial="G2").status == "scrapped"
    assert Serial.objects.get(serial="NEW1").warehouse_id == w.dealer1.pk
    assert selectors.stock_mismatches() == []
    page = client.get(f"/inventory/counts/{count.pk}/")
    assert [
        (line.sku.code, line.system_qty, diff, line.move_id is not None)
        for line, diff, *_ in page.context["rows"]
    ] == [("BP-01-STD", 10, -2, True), ("TB-S1-GRY", 3, 0, False), ("TB-S1-WHT", 0, 0, False)]
    assert page.context["enter_form"] is None and not page.context["can_act"]

    # posting twice: a clear error naming the count, nothing written
    before = state()
    response = client.post(f"/inventory/counts/{count.pk}/post/", follow=True)
    assert response.status_code == 200
    [(level, text)] = _messages(response)
    assert level == message_levels.ERROR and count.number in text
    assert state() == before


def test_count_of_a_category_and_the_cancel(client, w):
    receive(w.dealer1, (w.pad, 4), (w.grey, 1, ["G1"]))
    client.force_login(w.dist1_clerk)  # a clerk of the distributor manages its dealers' stock
    response = client.post(
        "/inventory/counts/new/", {"warehouse": w.dealer1.pk, "category": w.scooters.pk}
    )
    count = StockCount.objects.get()
    assert response.status_code == 302
    assert (count.category_id, list(_line_ids(count))) == (w.scooters.pk, ["TB-S1-GRY"])
    assert client.post(f"/inventory/counts/{count.pk}/cancel/").status_code == 302
    count.refresh_from_db()
    assert count.status == "cancelled"
    before = state()
    response = client.post(f"/inventory/counts/{count.pk}/start/", follow=True)
    # after the create and cancel notices, the refusal
    assert [level for level, _text in _messages(response)][-1:] == [message_levels.ERROR]
    assert count.number in _messages(response)[-1][1]
    assert state() == before


def test_count_entry_refused_comes_back_with_errors_and_writes_nothing(client, w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    actor = w.net.dealer1_admin
    count = services.count_start(
        actor=actor, count=services.count_create(actor=actor, warehouse=w.dealer1)
    )
    line = _line_ids(count)["TB-S1-GRY"]
    client.force_login(actor)
    before = state()
    # a unit of dealer2 cannot be counted here: the whole entry is refused
    response = client.post(f"/inventory/counts/{count.pk}/enter/", {f"serials_{line}": "G1\nG9"})
    assert response.status_code == 400
    assert response.context["enter_form"].non_field_errors()
    assert "G9" in " ".join(response.context["enter_form"].non_field_errors())
    # a negative quantity and an unknown SKU are refused by the form
    response = client.post(
        f"/inventory/counts/{count.pk}/enter/",
        {f"counted_{line}": "-1", "new_sku": "NOPE", "new_qty": "1"},
    )
    assert response.status_code == 400
    assert set(response.context["enter_form"].errors) == {f"counted_{line}", "new_sku"}
    # 2 units counted, 1 serial scanned
    response = client.post(
        f"/inventory/counts/{count.pk}/enter/", {f"counted_{line}": "2", f"serials_{line}": "G1"}
    )
    assert response.status_code == 400
    assert state() == before
    assert count.lines.get().counted_qty is None
    # posting with lines not counted is refused with a message
    response = client.post(f"/inventory/counts/{count.pk}/post/", follow=True)
    assert [level for level, _text in _messages(response)] == [message_levels.ERROR]
    assert state() == before


def test_another_dealers_count_is_404_and_a_viewer_cannot_act(client, w):
    theirs = services.count_create(actor=system_actor(), warehouse=w.dist2)
    receive(w.dealer1, (w.pad, 1))
    ours = services.count_create(actor=w.net.dealer1_admin, warehouse=w.dealer1)
    client.force_login(w.net.dealer1_admin)
    before = state()
    assert client.get(f"/inventory/counts/{theirs.pk}/").status_code == 404
    for step in ("start", "enter", "post", "cancel"):
        assert client.post(f"/inventory/counts/{theirs.pk}/{step}/").status_code == 404, step
    assert client.get("/inventory/counts/999999/").status_code == 404
    assert [c.pk for c in client.get("/inventory/counts/").context["page"].object_list] == [ours.pk]
    # the region manager sees stock but does not move it
    client.force_login(w.net.region_east)
    page = client.get(f"/inventory/counts/{ours.pk}/")
    assert page.status_code == 200
    assert not page.context["can_manage"] and page.context["enter_form"] is None
    assert client.get("/inventory/counts/").context["create_form"] is None
    assert client.post(f"/inventory/counts/{ours.pk}/start/").status_code == 403
    assert client.post("/inventory/counts/new/", {"warehouse": w.dealer1.pk}).status_code == 403
    assert state() == before
    # finance people hold no stock right at all
    client.force_login(f.member(w.net.dist1, "finance", username="fin-no-stock"))
    assert client.get("/inventory/counts/").status_code == 403


def test_count_list_filters_and_runs_a_constant_number_of_queries(client, w):
    admin = w.net.admin
    services.count_create(actor=admin, warehouse=w.dealer1)
    services.count_create(actor=admin, warehouse=w.dist1)
    client.force_login(w.net.region_east)
    client.get("/inventory/counts/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/inventory/counts/")
    assert len(page.context["page"].object_list) == 2
    for n in range(10):
        wh = inv.warehouse(f.org(w.net.dist1, "dealer"), f"X{n}")
        receive(wh, (w.pad, n + 1))
        services.count_create(actor=admin, warehouse=wh, note=f"第{n}次")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/inventory/counts/")
    rows = page.context["page"].object_list
    assert len(rows) == 12
    assert [(c.n_lines, c.n_counted) for c in rows][:2] == [(1, 0), (1, 0)]
    assert len(many.captured_queries) == len(few.captured_queries)
    filtered = client.get(f"/inventory/counts/?warehouse={w.dealer1.pk}&status=draft")
    assert [c.warehouse_id for c in filtered.context["page"].object_list] == [w.dealer1.pk]
    assert list(client.get("/inventory/counts/?status=posted").context["page"].object_list) == []


# --- sell-out -------------------------------------------------------------------------------


def _yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def test_sellout_form_records_a_sale_and_refuses_bad_lines(client, w):
    receive(w.dealer1, (w.grey, 3, ["G1", "G2", "G3"]), (w.pad, 10))
    client.force_login(w.net.dealer1_admin)
    page = client.get("/inventory/sellout/")
    assert [pk for pk, _label in page.context["record_form"].fields["warehouse"].choices] == [
        w.dealer1.pk,
        w.dealer1_back.pk,
    ]
    response = client.post(
        "/inventory/sellout/record/",
        {
            "warehouse": w.dealer1.pk,
            "sold_on": _yesterday().isoformat(),
            "sku": "TB-S1-GRY",
            "qty": "",
            "serials": "G1\ng2",
            "buyer_division": HANGZHOU_XIHU,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/inventory/sellout/"
    record = SellOut.objects.get()
    assert (
        record.org_id,
        record.warehouse_id,
        record.sold_on,
        record.sku_id,
        record.qty,
        record.serials,
        record.buyer_division_id,
        record.source,
    ) == (
        w.net.dealer1.pk,
        w.dealer1.pk,
        _yesterday(),
        w.grey.pk,
        2,
        ["G1", "G2"],
        HANGZHOU_XIHU,
        "form",
    )
    assert balance(w.dealer1, w.grey) == (1, 0, 0)
    assert set(Serial.objects.filter(status="sold").values_list("serial", flat=True)) == {
        "G1",
        "G2",
    }

    before = state()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        "/inventory/sellout/record/",
        {
            "warehouse": w.dealer1.pk,
            "sold_on": tomorrow.isoformat(),
            "sku": "BP-01-STD",
            "qty": "11",
            "buyer_division": "999999",
        },
    )
    assert response.status_code == 400
    assert set(response.context["record_form"].errors) == {"sold_on", "buyer_division"}
    response = client.post(
        "/inventory/sellout/record/",
        {"warehouse": w.dealer1.pk, "sold_on": _yesterday(), "sku": "BP-01-STD", "qty": "11"},
    )
    assert response.status_code == 400
    assert set(response.context["record_form"].errors) == {"qty"}  # only 10 available
    response = client.post(
        "/inventory/sellout/record/",
        {"warehouse": w.dealer2.pk, "sold_on": _yesterday(), "sku": "NOPE", "qty": "1"},
    )
    assert response.status_code == 400
    assert set(response.context["record_form"].errors) == {"warehouse", "sku"}
    assert state() == before


def _sellout_file(*rows: list[object]) -> SimpleUploadedFile:
    data = workbook_bytes(["sold_on", "sku", "qty", "serials", "buyer_division"], rows)
    return SimpleUploadedFile("sellout.xlsx", data)


def test_sellout_import_reports_a_bad_row_and_writes_nothing(client, w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.pad, 10))
    client.force_login(w.net.dealer1_admin)
    assert client.get("/inventory/sellout/import/").status_code == 200
    day = _yesterday().isoformat()
    before = state()
    response = client.post(
        "/inventory/sellout/import/",
        {
            "warehouse": w.dealer1.pk,
            "file": _sellout_file(
                [day, "BP-01-STD", 4, None, HANGZHOU_XIHU],
                [day, "NOPE-1", 1, None, None],
                [day, "TB-S1-GRY", 2, "G1", None],
            ),
        },
    )
    assert response.status_code == 400
    assert [(e.row, e.value) for e in response.context["result"].errors] == [(3, "NOPE-1")]
    assert state() == before
    report = client.get("/import-errors.xlsx")
    assert report.status_code == 200
    assert [row[0] for row in _sheet(report)[1:]] == [3]

    # the reader passed, the checks of sellout_record refuse: every row named
    response = client.post(
        "/inventory/sellout/import/",
        {
            "warehouse": w.dealer1.pk,
            "file": _sellout_file(
                [day, "BP-01-STD", 4, None, HANGZHOU_XIHU],
                [day, "TB-S1-GRY", 2, "G1", None],
                [day, "BP-01-STD", 7, None, None],
            ),
        },
    )
    assert response.status_code == 400
    assert [(e.row, e.value) for e in response.context["result"].errors] == [(3, "1"), (4, "7")]
    assert state() == before

    response = client.post(
        "/inventory/sellout/import/",
        {
            "warehouse": w.dealer1.pk,
            "file": _sellout_file(
                [day, "BP-01-STD", 4, None, HANGZHOU_XIHU], [day, "TB-S1-GRY", 2, "G1 G2", None]
            ),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/inventory/sellout/"
    assert sorted(SellOut.objects.values_list("sku__code", "qty", "source")) == [
        ("BP-01-STD", 4, "import"),
        ("TB-S1-GRY", 2, "import"),
    ]
    assert balance(w.dealer1, w.pad) == (6, 0, 0)
    assert balance(w.dealer1, w.grey) == (0, 0, 0)

    response = client.post(
        "/inventory/sellout/import/",
        {"warehouse": w.dealer1.pk, "file": SimpleUploadedFile("x.xlsx", b"not a workbook")},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_sellout_list_is_scoped_filtered_exported_in_constant_queries(client, w):
    receive(w.dealer1, (w.pad, 50))
    receive(w.dealer2, (w.pad, 50))
    receive(w.dist2, (w.pad, 50))
    day = _yesterday()
    for org, wh in ((w.net.dealer1, w.dealer1), (w.net.dealer2, w.dealer2)):
        services.sellout_record(
            actor=system_actor(), org=org, rows=[SellOutRow(day, w.pad, 2, (), HANGZHOU_XIHU)]
        )
        assert wh.org_id == org.pk
    services.sellout_record(actor=system_actor(), org=w.net.dist2, rows=[SellOutRow(day, w.pad, 9)])
    client.force_login(w.net.region_east)
    client.get("/inventory/sellout/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/inventory/sellout/")
    assert [(r.org.code, r.qty) for r in page.context["page"].object_list] == [
        ("DL-NB1", 2),
        ("DL-HZ1", 2),
    ]
    for _ in range(10):
        services.sellout_record(
            actor=system_actor(),
            org=w.net.dealer1,
            rows=[SellOutRow(day - timedelta(days=3), w.pad, 1, (), HANGZHOU_XIHU)],
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/inventory/sellout/")
    assert len(page.context["page"].object_list) == 12
    assert len(many.captured_queries) == len(few.captured_queries)

    filtered = client.get(f"/inventory/sellout/?org=DL-HZ1&sku=BP-01-STD&since={day}")
    assert [(r.org.code, r.qty, r.sold_on) for r in filtered.context["page"].object_list] == [
        ("DL-HZ1", 2, day)
    ]
    outside = client.get("/inventory/sellout/?org=D-GZ")  # not in the region's network
    assert outside.status_code == 200
    assert set(outside.context["filters"].errors) == {"org"}
    assert list(outside.context["page"].object_list) == []
    assert client.get("/inventory/sellout/?sku=NOPE").context["filters"].errors

    export = client.get(f"/inventory/sellout/export.xlsx?org=DL-HZ1&since={day}")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(export)
    assert len(rows) == 2
    assert rows[1][1:5] == ["BP-01-STD", 2, None, HANGZHOU_XIHU]  # no serials
    # a dealer admin sees its own only; the region manager cannot record
    assert page.context["record_form"] is None
    assert client.post("/inventory/sellout/record/", {}).status_code == 403
    client.force_login(w.net.dealer2_admin)
    mine = client.get("/inventory/sellout/").context["page"].object_list
    assert {r.org.code for r in mine} == {"DL-NB1"}


# --- 进销存 ----------------------------------------------------------------------------------


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


OCTOBER = "since=2026-10-01&until=2026-10-31"


def _row(row, *_shown):  # type: ignore[no-untyped-def]
    return (row.code, row.opening, row.ins, row.outs, row.closing, row.days_of_stock)


IN0 = {"purchases": 0, "returns_in": 0, "transfers_in": 0}
OUT0 = dict.fromkeys(
    ("sales", "retail", "returns_out", "transfers_out", "consumption", "adjustments"), 0
)


def test_jxc_of_a_subtree_with_its_drill_down(client, october):
    w = october
    client.force_login(w.net.region_east)
    page = client.get(f"/inventory/jxc/?org=D-HZ&{OCTOBER}")
    assert page.status_code == 200
    assert [_row(*r) for r in page.context["rows"]] == [
        (
            "BP-01-STD",
            100,
            IN0 | {"purchases": 30, "returns_in": 2},
            OUT0 | {"sales": 30, "retail": 22, "adjustments": 1},
            79,
            Decimal("107.7"),
        )
    ]
    # the page shows the columns of the kinds of moves there are
    assert page.context["rows"][0][1:] == ([30, 2], [30, 22, 1])
    assert (len(page.context["in_labels"]), len(page.context["out_labels"])) == (2, 3)
    total = page.context["total"][0]
    assert (total.opening, total.in_total, total.out_total, total.closing) == (100, 32, 53, 79)
    branches = page.context["branches"]
    assert [
        (row.code, row.opening, row.in_total, row.out_total, row.closing, row.days_of_stock, own)
        for row, _link, own in branches
    ] == [
        ("D-HZ", 100, 0, 40, 60, Decimal("45.0"), True),
        ("DL-HZ1", 0, 32, 13, 19, Decimal("47.5"), False),
    ]
    # drill down: the distributor's own warehouses, then the dealer's subtree
    own_link, dealer_link = (link for _row, link, _own in branches)
    own = client.get(f"/inventory/jxc/?{own_link}")
    assert [_row(*r) for r in own.context["rows"]] == [
        ("BP-01-STD", 100, IN0, OUT0 | {"sales": 30, "retail": 10}, 60, Decimal("45.0"))
    ]
    assert own.context["report"].subtree is False and "branches" not in own.context
    dealer = client.get(f"/inventory/jxc/?{dealer_link}")
    assert dealer.context["org"] == w.net.dealer1
    assert [_row(*r) for r in dealer.context["rows"]] == [
        (
            "BP-01-STD",
            0,
            IN0 | {"purchases": 30, "returns_in": 2},
            OUT0 | {"retail": 12, "adjustments": 1},
            19,
            Decimal("47.5"),
        )
    ]
    assert [a.code for a in dealer.context["ancestors"]] == ["R-EAST", "D-HZ"]
    # the region: the same numbers, one branch
    region = client.get(f"/inventory/jxc/?org=R-EAST&{OCTOBER}")
    assert [_row(*r) for r in region.context["rows"]] == [_row(*page.context["rows"][0])]
    assert [
        (row.code, row.opening, row.closing, own) for row, *_rest, own in region.context["branches"]
    ] == [("D-HZ", 100, 79, False)]
    skus = client.get(f"/inventory/jxc/?org=R-EAST&{OCTOBER}&sku=TB-S1-GRY")
    assert skus.context["rows"] == []


def test_jxc_defaults_to_the_actors_org_and_this_month(client, october):
    w = october  # the clock stands at 2026-11-27
    client.force_login(w.net.dealer1_admin)
    page = client.get("/inventory/jxc/")
    assert page.status_code == 200
    report = page.context["report"]
    assert (report.org, report.since, report.until, report.subtree) == (
        w.net.dealer1,
        date(2026, 11, 1),
        date(2026, 11, 27),
        True,
    )
    assert [_row(*r) for r in page.context["rows"]] == [
        ("BP-01-STD", 19, IN0, OUT0 | {"retail": 5}, 14, Decimal("84.0"))
    ]
    # outside the dealer's network: a form error, no report; a wrong period too
    outside = client.get(f"/inventory/jxc/?org=D-HZ&{OCTOBER}")
    assert outside.status_code == 200
    assert set(outside.context["form"].errors) == {"org"} and "report" not in outside.context
    backwards = client.get("/inventory/jxc/?since=2026-10-31&until=2026-10-01")
    assert set(backwards.context["form"].errors) == {"until"}
    export = client.get(f"/inventory/jxc/export.xlsx?org=D-HZ&{OCTOBER}")
    assert export.status_code == 302 and export["Location"].startswith("/inventory/jxc/?")


def test_jxc_export_has_the_same_numbers(client, october):
    w = october
    client.force_login(w.net.region_east)
    response = client.get(f"/inventory/jxc/export.xlsx?org=D-HZ&{OCTOBER}&subtree=1")
    assert response.status_code == 200
    assert 'filename="jxc-D-HZ-20261001-20261031.xlsx"' in response["Content-Disposition"]
    header, row, total = _sheet(response)
    assert len(header) == 17
    assert row == [
        "BP-01-STD",
        w.pad.name,
        100,
        30,
        2,
        0,
        32,
        30,
        22,
        0,
        0,
        0,
        1,
        53,
        79,
        22,
        107.7,
    ]
    assert total[2:] == [100, 30, 2, 0, 32, 30, 22, 0, 0, 0, 1, 53, 79, 22, 107.7]


def test_jxc_runs_a_constant_number_of_queries(client, october):
    w = october
    client.force_login(w.net.region_east)
    url = f"/inventory/jxc/?org=D-HZ&{OCTOBER}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert (len(page.context["rows"]), len(page.context["branches"])) == (1, 2)
    for n in range(5):  # five more dealers with three SKUs each (received on 2026-11-27)
        wh = inv.warehouse(f.org(w.net.dist1, "dealer"), f"Y{n}")
        receive(wh, (w.pad, n + 1), (w.white, 1, [f"WH{n}"]), (w.grey, 1, [f"GR{n}"]))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url.replace("2026-10-31", "2026-11-30"))
    assert (len(page.context["rows"]), len(page.context["branches"])) == (3, 7)
    assert len(many.captured_queries) == len(few.captured_queries)
