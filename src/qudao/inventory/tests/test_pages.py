"""Stock pages: balances, a warehouse with its forms, moves and reversal, serial search and
journey, transits; scoped (404 outside), constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qudao.inventory.models import Stock, StockMove, Transit
from qudao.inventory.tests import factories as inv
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db


def _serial_text(serials: list[str]) -> str:
    return "\n".join(serials)


def test_stock_list_shows_the_numbers_and_filters(client, w):
    inv.receive(w.dist1, (w.grey, 3, inv.serials("GR", 3)), (w.pad, 20))
    inv.receive(w.dealer1, (w.pad, 5))
    client.force_login(w.dist1_clerk)
    page = client.get("/inventory/")
    assert page.status_code == 200
    rows = [
        (s.warehouse.code, s.sku.code, s.on_hand, s.available_qty) for s in page.context["page"]
    ]
    # the distributor sees its own warehouse and its dealers' (its subtree)
    assert rows == [  # by org, warehouse and SKU code
        ("D1-MAIN", w.pad.code, 20, 20),
        ("D1-MAIN", w.grey.code, 3, 3),
        ("DL1-MAIN", w.pad.code, 5, 5),
    ]
    only = client.get("/inventory/", {"warehouse": w.dealer1.pk})
    assert [s.sku.code for s in only.context["page"]] == [w.pad.code]
    client.force_login(w.net.dealer2_admin)
    assert [s.warehouse.code for s in client.get("/inventory/").context["page"]] == []


def test_stock_list_runs_a_constant_number_of_queries(client, w):
    inv.receive(w.dist1, (w.pad, 20))
    client.force_login(w.dist1_clerk)
    with CaptureQueriesContext(connection) as one:
        client.get("/inventory/")
    inv.receive(w.dist1, (w.white, 2, inv.serials("WH", 2)))
    inv.receive(w.dealer1, (w.pad, 5), (w.grey, 1, inv.serials("GX", 1)))
    with CaptureQueriesContext(connection) as four:
        response = client.get("/inventory/")
    assert len(response.context["page"].object_list) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_receive_and_adjust_from_the_warehouse_page(client, w):
    client.force_login(w.dist1_clerk)
    url = f"/inventory/warehouses/{w.dist1.pk}/"
    assert client.get(url).context["can_manage"] is True
    response = client.post(
        f"{url}receive/",
        {"sku": w.grey.code, "serials": "GR000001\nGR000002\n gr000003 ", "reason": "工厂到货"},
    )
    assert response.status_code == 302
    stock = Stock.objects.get(warehouse=w.dist1, sku=w.grey)
    assert (stock.on_hand, stock.reserved) == (3, 0)
    refused = client.post(f"{url}adjust/", {"sku": w.pad.code, "qty": "-1", "reason": ""})
    assert refused.status_code == 400
    assert refused.context["adjust_form"].errors["reason"]
    lost = client.post(
        f"{url}adjust/",
        {"sku": w.grey.code, "qty": "-1", "serials": "GR000002", "reason": "盘亏"},
    )
    assert lost.status_code == 302
    stock.refresh_from_db()
    assert stock.on_hand == 2
    assert list(
        StockMove.objects.filter(warehouse=w.dist1).order_by("id").values_list("kind", "qty")
    ) == [("receipt", 3), ("adjustment", -1)]


def test_pasted_serials_are_checked_all_at_once(client, w):
    good = inv.serials("GR", 30)
    inv.receive(w.dealer1, (w.grey, 30, good))
    inv.receive(w.dist1, (w.white, 1, ["WH000001"]))
    clerk = w.net.dealer1_admin
    client.force_login(clerk)
    before = inv.state()
    pasted = [*good[:28], "NOPE-1", "WH000001", good[0]]
    response = client.post(
        f"/inventory/warehouses/{w.dealer1.pk}/transfer/",
        {"to_warehouse": w.dealer1_back.pk, "sku": w.grey.code, "serials": _serial_text(pasted)},
    )
    assert response.status_code == 400
    errors = response.context["transfer_form"].errors["serials"]
    assert len(errors) == 3
    assert any("NOPE-1" in e for e in errors)
    assert any("WH000001" in e for e in errors)
    assert any(good[0] in e for e in errors)
    assert inv.state() == before
    sent = client.post(
        f"/inventory/warehouses/{w.dealer1.pk}/transfer/",
        {"to_warehouse": w.dealer1_back.pk, "sku": w.grey.code, "serials": _serial_text(good[:28])},
    )
    assert sent.status_code == 302
    transit = Transit.objects.get()
    assert inv.balance(w.dealer1, w.grey) == (2, 0, 0)
    received = client.post(f"/inventory/transits/{transit.pk}/receive/")
    assert received.status_code == 302
    assert inv.balance(w.dealer1_back, w.grey) == (28, 0, 0)


def test_moves_reversal_and_serial_journey(client, w):
    inv.receive(w.dist1, (w.grey, 2, ["GR000001", "GR000002"]))
    client.force_login(w.dist1_clerk)
    moves = client.get("/inventory/moves/")
    move = moves.context["page"].object_list[0]
    assert (move.kind, move.qty) == ("receipt", 2)
    detail = client.get(f"/inventory/moves/{move.pk}/")
    assert [e.serial.serial for e in detail.context["events"]] == ["GR000001", "GR000002"]
    assert client.get("/inventory/serials/", {"q": "gr000001"}).url == (
        "/inventory/serials/GR000001/"
    )
    journey = client.get("/inventory/serials/GR000001/")
    assert [e.to_status for e in journey.context["journey"].events] == ["in_stock"]
    partial = client.get("/inventory/serials/", {"q": "GR0000"})
    assert [u.serial for u in partial.context["page"]] == ["GR000001", "GR000002"]
    no_reason = client.post(f"/inventory/moves/{move.pk}/reverse/", {"reason": ""})
    assert no_reason.status_code == 400
    reversed_ = client.post(f"/inventory/moves/{move.pk}/reverse/", {"reason": "录错仓库"})
    assert reversed_.status_code == 302
    assert inv.balance(w.dist1, w.grey) == (0, 0, 0)


def test_other_dealers_objects_answer_404(client, w):
    inv.receive(w.dealer2, (w.grey, 1, ["GR000009"]))
    move = StockMove.objects.get(warehouse=w.dealer2)
    client.force_login(w.net.dealer1_admin)
    for url in (
        f"/inventory/warehouses/{w.dealer2.pk}/",
        f"/inventory/moves/{move.pk}/",
        "/inventory/serials/GR000009/",
    ):
        assert client.get(url).status_code == 404, url
    before = inv.state()
    response = client.post(
        f"/inventory/warehouses/{w.dealer2.pk}/adjust/",
        {"sku": w.pad.code, "qty": "5", "reason": "x"},
    )
    assert response.status_code == 404
    assert inv.state() == before


def test_a_reader_sees_no_forms(client, w):
    salesperson = f.member(w.net.dist1, "salesperson", username="sales1")
    client.force_login(salesperson)
    page = client.get(f"/inventory/warehouses/{w.dist1.pk}/")
    assert page.status_code == 200
    assert page.context["can_manage"] is False
    refused = client.post(
        f"/inventory/warehouses/{w.dist1.pk}/adjust/",
        {"sku": w.pad.code, "qty": "5", "reason": "x"},
    )
    assert refused.status_code == 403
