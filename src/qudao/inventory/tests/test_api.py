"""The inventory JSON API: exact values on the happy paths; bad input, foreign objects (404)
and read-only roles (403) refused with the standard error and nothing written; list queries
that do not grow with the rows."""

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from qudao.core.spreadsheet import workbook_bytes
from qudao.inventory import selectors, services
from qudao.inventory.imports import COLUMNS
from qudao.inventory.models import Serial, StockMove, Warehouse
from qudao.inventory.services import Doc, SellOutRow
from qudao.inventory.tests.factories import balance, receive, state
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1"
HANGZHOU_XIHU = "330106"


def _send(client, method: str, url: str, body: Any = None):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        API + url, data=json.dumps(body or {}), content_type="application/json"
    )


def _error(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return response.json()["error"]


def _pick(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row[k] for k in keys)


@pytest.fixture(autouse=True)
def _english_api(client, settings):  # type: ignore[no-untyped-def]
    """Messages in the source language (the zh-hans catalogue is filled in later)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def gz_clerk(net):  # type: ignore[no-untyped-def]
    """A warehouse clerk of another distributor (广州), who must not see 杭州's stock."""
    return f.member(net.dist2, "warehouse_clerk", username="gz-clerk")


# --- warehouses ---------------------------------------------------------------------------


def test_warehouse_create_list_detail_and_update(client, w):
    client.force_login(w.net.dealer1_admin)
    r = _send(
        client,
        "post",
        "/warehouses",
        {"org_id": w.net.dealer1.pk, "code": "DL1-SHOP", "name": "门店仓", "kind": "store"},
    )
    assert r.status_code == 201
    body = r.json()
    created = Warehouse.objects.get(org=w.net.dealer1, code="DL1-SHOP")
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "id": created.pk,
        "org_id": w.net.dealer1.pk,
        "org_code": "DL-HZ1",
        "org_name": "杭州迅达电动车行",
        "code": "DL1-SHOP",
        "name": "门店仓",
        "kind": "store",
        "is_active": True,
        "is_default": False,
        "address": "",
    }
    listed = client.get(f"{API}/warehouses").json()
    assert listed["count"] == 3
    assert [(i["code"], i["is_default"]) for i in listed["items"]] == [
        ("DL1-MAIN", True),
        ("DL1-BACK", False),
        ("DL1-SHOP", False),
    ]
    assert client.get(f"{API}/warehouses/{created.pk}").json()["name"] == "门店仓"

    r = _send(
        client,
        "patch",
        f"/warehouses/{created.pk}",
        {"name": "西湖门店仓", "address": "杭州市西湖区", "is_default": True},
    )
    assert r.status_code == 200
    assert _pick(r.json(), "name", "address", "is_default", "code") == (
        "西湖门店仓",
        "杭州市西湖区",
        True,
        "DL1-SHOP",
    )
    w.dealer1.refresh_from_db()
    assert not w.dealer1.is_default

    # the default cannot be closed; nothing changes
    r = _send(client, "patch", f"/warehouses/{created.pk}", {"is_active": False})
    assert (r.status_code, _error(r)["code"]) == (409, "warehouse_is_default")
    created.refresh_from_db()
    assert (created.is_active, created.is_default) == (True, True)
    r = _send(client, "patch", f"/warehouses/{w.dealer1.pk}", {"is_active": False})
    assert r.status_code == 200
    assert r.json()["is_active"] is False
    assert [i["code"] for i in client.get(f"{API}/warehouses").json()["items"]] == [
        "DL1-SHOP",
        "DL1-BACK",
    ]
    everything = client.get(f"{API}/warehouses", {"include_closed": True}).json()
    assert everything["count"] == 3


def test_warehouse_create_refusals_write_nothing(client, w):
    before = (Warehouse.objects.count(), state())
    client.force_login(w.net.dealer1_admin)
    # another subtree's org: 404, as if it did not exist
    r = _send(client, "post", "/warehouses", {"org_id": w.net.dealer3.pk, "code": "X", "name": "X"})
    assert (r.status_code, _error(r)["code"]) == (404, "not_found")
    # the code is taken in this org
    r = _send(
        client, "post", "/warehouses", {"org_id": w.net.dealer1.pk, "code": "DL1-MAIN", "name": "X"}
    )
    assert (r.status_code, _error(r)["code"]) == (409, "warehouse_code_taken")
    assert _error(r)["fields"] == {"code": ["Already used."]}
    # an unknown kind and an empty name are refused before anything is looked up
    r = _send(
        client,
        "post",
        "/warehouses",
        {"org_id": w.net.dealer1.pk, "code": "N", "name": "", "kind": "attic"},
    )
    assert r.status_code == 422
    assert set(_error(r)["fields"]) == {"name", "kind"}
    # a read-only role sees the org but may not add warehouses
    client.force_login(w.net.region_east)
    r = _send(client, "post", "/warehouses", {"org_id": w.net.dealer1.pk, "code": "Y", "name": "Y"})
    assert (r.status_code, _error(r)["code"]) == (403, "permission_denied")
    # a region holds no goods
    client.force_login(w.net.admin)
    r = _send(client, "post", "/warehouses", {"org_id": w.net.east.pk, "code": "Z", "name": "Z"})
    assert (r.status_code, _error(r)["code"]) == (400, "org_holds_no_goods")
    assert (Warehouse.objects.count(), state()) == before


def test_foreign_warehouse_is_404_and_read_only_role_is_403(client, w, gz_clerk):
    before = list(Warehouse.objects.values_list("pk", "name", "is_active", "is_default"))
    client.force_login(gz_clerk)  # a clerk of another org
    assert client.get(f"{API}/warehouses/{w.dealer1.pk}").status_code == 404
    r = _send(client, "patch", f"/warehouses/{w.dealer1.pk}", {"name": "改名"})
    assert (r.status_code, _error(r)["code"]) == (404, "not_found")
    assert [i["code"] for i in client.get(f"{API}/warehouses").json()["items"]] == ["D2-MAIN"]
    client.force_login(w.net.region_east)  # sees the stock, moves none of it
    assert client.get(f"{API}/warehouses/{w.dealer1.pk}").json()["code"] == "DL1-MAIN"
    r = _send(client, "patch", f"/warehouses/{w.dealer1.pk}", {"name": "改名"})
    assert (r.status_code, _error(r)["code"]) == (403, "permission_denied")
    assert list(Warehouse.objects.values_list("pk", "name", "is_active", "is_default")) == before


def test_lists_need_the_stock_right(client, w):
    client.force_login(f.member(w.net.dist1, "finance", username="fin-no-stock"))
    for url in ("/warehouses", "/stock", "/moves", "/transits", "/serials", "/counts", "/sellout"):
        r = client.get(API + url)
        assert (r.status_code, _error(r)["code"]) == (403, "permission_denied"), url


# --- balances -----------------------------------------------------------------------------


def test_stock_list_with_numbers_and_filters(client, w):
    receive(w.dist1, (w.pad, 20))
    receive(w.dealer1, (w.pad, 10), (w.grey, 2, ["G1", "G2"]))
    admin = w.net.dealer1_admin
    services.stock_reserve(
        actor=admin, warehouse=w.dealer1, lines=[(w.pad, 3)], doc=Doc("order", "7", "SO-7")
    )
    services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.pad, 4)],
        doc=Doc("order", "8", "SO-8"),
    )
    services.safety_stock_set(actor=admin, warehouse=w.dealer1, sku=w.pad, qty=20)
    client.force_login(admin)
    body = client.get(f"{API}/stock").json()
    assert body["count"] == 2
    pad = next(i for i in body["items"] if i["sku_code"] == "BP-01-STD")
    assert {k: v for k, v in pad.items() if k not in ("id", "updated_at")} == {
        "warehouse_id": w.dealer1.pk,
        "warehouse_code": "DL1-MAIN",
        "warehouse_name": "迅达主仓",
        "org_id": w.net.dealer1.pk,
        "org_code": "DL-HZ1",
        "org_name": "杭州迅达电动车行",
        "sku_id": w.pad.pk,
        "sku_code": "BP-01-STD",
        "sku_name": "刹车片 标准",
        "on_hand": 10,
        "reserved": 3,
        "available": 7,
        "in_transit": 4,
        "safety_stock": 20,
        "below_safety": True,
        "suggested_qty": 9,  # 20 − 7 available − 4 coming
    }
    below = client.get(f"{API}/stock", {"below_safety": True}).json()
    assert [i["sku_code"] for i in below["items"]] == ["BP-01-STD"]
    by_q = client.get(f"{API}/stock", {"q": "tbc"}).json()  # 踏板车 by its initials
    assert [(i["sku_code"], i["on_hand"]) for i in by_q["items"]] == [("TB-S1-GRY", 2)]
    assert client.get(f"{API}/stock", {"sku": w.grey.pk}).json()["count"] == 1
    assert client.get(f"{API}/stock", {"warehouse": w.dealer1_back.pk}).json()["count"] == 0
    # another org's stock is not in the list, even when asked for by its warehouse
    assert client.get(f"{API}/stock", {"warehouse": w.dist1.pk}).json()["count"] == 0
    client.force_login(w.net.region_east)  # the region sees its subtree
    rows = client.get(f"{API}/stock", {"org": w.net.dist1.pk}).json()["items"]
    assert [(i["org_code"], i["sku_code"], i["on_hand"]) for i in rows] == [
        ("D-HZ", "BP-01-STD", 16),
    ]


def test_safety_stock_put(client, w, gz_clerk):
    receive(w.dealer1, (w.pad, 5))
    client.force_login(w.net.dealer1_admin)
    url = f"/warehouses/{w.dealer1.pk}/safety-stock"
    r = _send(client, "put", url, {"sku_code": "BP-01-STD", "qty": 8})
    assert r.status_code == 200
    assert _pick(
        r.json(), "sku_code", "on_hand", "safety_stock", "below_safety", "suggested_qty"
    ) == (
        "BP-01-STD",
        5,
        8,
        True,
        3,
    )
    # a SKU never held gets its balance row at zero
    r = _send(client, "put", url, {"sku_code": "TB-S1-WHT", "qty": 1})
    assert _pick(r.json(), "sku_code", "on_hand", "safety_stock") == ("TB-S1-WHT", 0, 1)
    before = state(), balance(w.dealer1, w.pad)
    r = _send(client, "put", url, {"sku_code": "BP-01-STD", "qty": -1})
    assert (r.status_code, _error(r)["fields"]) == (422, {"qty": ["Too small."]})
    r = _send(client, "put", url, {"sku_code": "NOPE", "qty": 1})
    assert (r.status_code, _error(r)["code"]) == (400, "unknown_sku")
    assert _error(r)["fields"] == {"sku_code": ["No SKU with code NOPE."]}
    client.force_login(w.net.region_east)
    r = _send(client, "put", url, {"sku_code": "BP-01-STD", "qty": 1})
    assert r.status_code == 403
    client.force_login(gz_clerk)
    r = _send(client, "put", url, {"sku_code": "BP-01-STD", "qty": 1})
    assert r.status_code == 404
    assert (state(), balance(w.dealer1, w.pad)) == before


# --- receipts, adjustments and the ledger -------------------------------------------------


def test_receipt_appends_moves_and_creates_serials(client, w):
    client.force_login(w.dist1_clerk)
    r = _send(
        client,
        "post",
        "/receipts",
        {
            "warehouse_id": w.dist1.pk,
            "lines": [
                {"sku_code": "BP-01-STD", "qty": 12},
                {"sku_code": "TB-S1-GRY", "serials": ["g1\nG2", "G3"]},  # qty = 3 serials
            ],
            "doc_number": "DN-0001",
            "reason": "工厂到货",
        },
    )
    assert r.status_code == 201, r.content
    moves = r.json()
    clerk = str(w.dist1_clerk)
    assert [
        _pick(
            m,
            "warehouse_code",
            "sku_code",
            "kind",
            "qty",
            "on_hand_after",
            "doc_number",
            "reason",
            "actor",
            "reversal_of_id",
        )
        for m in moves
    ] == [
        ("D1-MAIN", "BP-01-STD", "receipt", 12, 12, "DN-0001", "工厂到货", clerk, None),
        ("D1-MAIN", "TB-S1-GRY", "receipt", 3, 3, "DN-0001", "工厂到货", clerk, None),
    ]
    assert balance(w.dist1, w.grey) == (3, 0, 0)
    assert sorted(
        Serial.objects.filter(warehouse=w.dist1).values_list("serial", "status", "holder_id")
    ) == [(s, "in_stock", w.net.dist1.pk) for s in ("G1", "G2", "G3")]
    detail = client.get(f"{API}/moves/{moves[1]['id']}").json()
    assert (detail["serials"], detail["reversed_by_id"]) == (["G1", "G2", "G3"], None)
    assert selectors.stock_mismatches() == []


def test_receipt_bad_input_is_named_and_writes_nothing(client, w):
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    client.force_login(w.net.dealer1_admin)
    before = state()

    def post(*lines: dict[str, Any]):  # type: ignore[no-untyped-def]
        return _send(
            client, "post", "/receipts", {"warehouse_id": w.dealer1.pk, "lines": list(lines)}
        )

    r = post({"sku_code": "BP-01-STD", "qty": 2}, {"sku_code": "BP-01-STD", "qty": -3})
    assert (r.status_code, _error(r)["code"]) == (422, "invalid")
    assert _error(r)["fields"] == {"lines.1.qty": ["Too small."]}
    r = post({"sku_code": "BP-01-STD", "qty": 2}, {"sku_code": "XX-9", "qty": 1})
    assert (r.status_code, _error(r)["code"]) == (400, "unknown_sku")
    assert _error(r)["fields"] == {"lines.1.sku_code": ["No SKU with code XX-9."]}
    r = post({"sku_code": "BP-01-STD"})
    assert (r.status_code, _error(r)["code"]) == (400, "qty_required")
    assert list(_error(r)["fields"]) == ["lines.0.qty"]
    # a paste with a repeat and a serial that exists elsewhere: both named, nothing written
    r = post({"sku_code": "TB-S1-GRY", "serials": ["N1", "N2", "N1", "G9"]})
    error = _error(r)
    assert (r.status_code, error["code"]) == (400, "serials_rejected")
    assert error["fields"]["serial_duplicated"] == ["N1"]
    assert error["fields"]["serial_exists"] == ["G9"]
    assert error["fields"]["serials"] == [
        "N1 is listed more than once",
        "G9 already exists elsewhere",
    ]
    assert "N1" in error["message"] and "G9" in error["message"]
    r = post({"sku_code": "TB-S1-GRY", "qty": 2, "serials": ["N1"]})
    assert (r.status_code, _error(r)["code"]) == (400, "serial_count_mismatch")
    r = post({"sku_code": "BP-01-STD", "qty": 1, "serials": ["P1"]})
    assert (r.status_code, _error(r)["code"]) == (400, "serials_not_tracked")
    r = _send(client, "post", "/receipts", {"warehouse_id": w.dealer1.pk, "lines": []})
    assert r.status_code == 422
    assert state() == before


def test_receipt_into_a_foreign_warehouse_or_by_a_read_only_role(client, w, gz_clerk):
    before = state()
    body = {"warehouse_id": w.dealer1.pk, "lines": [{"sku_code": "BP-01-STD", "qty": 1}]}
    client.force_login(w.net.dealer2_admin)  # a sibling dealer
    assert _send(client, "post", "/receipts", body).status_code == 404
    client.force_login(gz_clerk)  # a clerk of another distributor
    assert _send(client, "post", "/receipts", body).status_code == 404
    client.force_login(w.net.region_east)  # sees dealer1's stock, may not move it
    r = _send(client, "post", "/receipts", body)
    assert (r.status_code, _error(r)["code"]) == (403, "permission_denied")
    assert state() == before


def test_adjustment_with_signed_lines_and_units(client, w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 2, ["G1", "G2"]))
    client.force_login(w.net.dealer1_admin)
    r = _send(
        client,
        "post",
        "/adjustments",
        {
            "warehouse_id": w.dealer1.pk,
            "lines": [
                {"sku_code": "BP-01-STD", "qty": 3},
                {"sku_code": "TB-S1-GRY", "qty": -1, "serials": ["G2"]},
            ],
            "reason": "盘盈盘亏",
        },
    )
    assert r.status_code == 201, r.content
    assert [_pick(m, "sku_code", "kind", "qty", "on_hand_after", "reason") for m in r.json()] == [
        ("BP-01-STD", "adjustment", 3, 13, "盘盈盘亏"),
        ("TB-S1-GRY", "adjustment", -1, 1, "盘盈盘亏"),
    ]
    assert Serial.objects.get(serial="G2").status == "scrapped"

    before = state()
    body: dict[str, Any] = {"warehouse_id": w.dealer1.pk, "reason": "x"}
    r = _send(client, "post", "/adjustments", {**body, "lines": [{"sku_code": "BP-01-STD"}]})
    assert (r.status_code, _error(r)["fields"]) == (
        422,
        {"lines.0.qty": ["This field is required."]},
    )
    r = _send(
        client, "post", "/adjustments", {**body, "lines": [{"sku_code": "BP-01-STD", "qty": 0}]}
    )
    assert (r.status_code, _error(r)["code"]) == (400, "qty_not_positive")
    r = _send(
        client,
        "post",
        "/adjustments",
        {"warehouse_id": w.dealer1.pk, "lines": [{"sku_code": "BP-01-STD", "qty": 1}]},
    )
    assert (r.status_code, list(_error(r)["fields"])) == (422, ["reason"])
    r = _send(
        client,
        "post",
        "/adjustments",
        {**body, "lines": [{"sku_code": "TB-S1-GRY", "qty": -2, "serials": ["G1", "GONE"]}]},
    )
    assert (r.status_code, _error(r)["code"]) == (400, "serials_rejected")
    assert _error(r)["fields"]["serial_unknown"] == ["GONE"]
    r = _send(
        client, "post", "/adjustments", {**body, "lines": [{"sku_code": "BP-01-STD", "qty": -99}]}
    )
    assert (r.status_code, _error(r)["code"]) == (409, "insufficient_stock")
    assert state() == before


def test_move_list_detail_and_reverse(client, w, gz_clerk):
    receive(w.dealer1, (w.pad, 10))
    client.force_login(w.net.dealer1_admin)
    _send(
        client,
        "post",
        "/adjustments",
        {
            "warehouse_id": w.dealer1.pk,
            "lines": [{"sku_code": "BP-01-STD", "qty": -2}],
            "reason": "破损",
        },
    )
    body = client.get(f"{API}/moves").json()
    assert [_pick(m, "kind", "qty", "on_hand_after") for m in body["items"]] == [
        ("adjustment", -2, 8),
        ("receipt", 10, 10),
    ]
    only = client.get(f"{API}/moves", {"kind": "receipt", "warehouse": w.dealer1.pk}).json()
    assert [m["kind"] for m in only["items"]] == ["receipt"]
    assert client.get(f"{API}/moves", {"kind": "teleport"}).status_code == 422
    move_id = body["items"][0]["id"]

    r = _send(client, "post", f"/moves/{move_id}/reverse", {"reason": "录错了"})
    assert r.status_code == 201, r.content
    reversal = r.json()
    assert _pick(reversal, "kind", "qty", "on_hand_after", "reversal_of_id", "reason") == (
        "adjustment",
        2,
        10,
        move_id,
        "录错了",
    )
    assert client.get(f"{API}/moves/{move_id}").json()["reversed_by_id"] == reversal["id"]
    assert balance(w.dealer1, w.pad) == (10, 0, 0)

    before = state()
    r = _send(client, "post", f"/moves/{move_id}/reverse", {"reason": "again"})
    assert (r.status_code, _error(r)["code"]) == (409, "already_reversed")
    assert _send(client, "post", f"/moves/{move_id}/reverse", {}).status_code == 422
    client.force_login(w.net.region_east)
    r = _send(client, "post", f"/moves/{body['items'][1]['id']}/reverse", {"reason": "x"})
    assert r.status_code == 403
    client.force_login(gz_clerk)
    assert client.get(f"{API}/moves/{move_id}").status_code == 404
    r = _send(client, "post", f"/moves/{body['items'][1]['id']}/reverse", {"reason": "x"})
    assert r.status_code == 404
    assert client.get(f"{API}/moves").json()["count"] == 0
    assert state() == before


# --- transfers and transits ---------------------------------------------------------------


def test_transfer_then_partial_and_full_receipt(client, w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 2, ["G1", "G2"]))
    client.force_login(w.net.dealer1_admin)
    r = _send(
        client,
        "post",
        "/transfers",
        {
            "from_warehouse_id": w.dealer1.pk,
            "to_warehouse_id": w.dealer1_back.pk,
            "lines": [
                {"sku_code": "BP-01-STD", "qty": 4},
                {"sku_code": "TB-S1-GRY", "serials": ["G2"]},
            ],
            "note": "补货到后仓",
        },
    )
    assert r.status_code == 201, r.content
    transit = r.json()
    assert transit["number"].startswith("TR-")
    assert _pick(
        transit, "kind", "status", "from_warehouse_name", "to_warehouse_name", "note", "serials"
    ) == ("transfer", "in_transit", "迅达主仓", "迅达后仓", "补货到后仓", ["G2"])
    assert sorted(_pick(line, "sku_code", "qty", "open_qty") for line in transit["lines"]) == [
        ("BP-01-STD", 4, 4),
        ("TB-S1-GRY", 1, 1),
    ]
    assert balance(w.dealer1, w.pad) == (6, 0, 0)
    assert balance(w.dealer1_back, w.pad) == (0, 0, 4)
    listed = client.get(f"{API}/transits", {"open": True}).json()
    assert [t["id"] for t in listed["items"]] == [transit["id"]]

    url = f"/transits/{transit['id']}/receive"
    r = _send(client, "post", url, {"lines": [{"sku_code": "BP-01-STD", "qty": 3}]})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "in_transit"
    assert balance(w.dealer1_back, w.pad) == (3, 0, 1)
    r = _send(client, "post", url, {})
    assert _pick(r.json(), "status", "serials") == ("received", [])
    assert sorted(
        _pick(line, "sku_code", "received_qty", "open_qty") for line in r.json()["lines"]
    ) == [
        ("BP-01-STD", 4, 0),
        ("TB-S1-GRY", 1, 0),
    ]
    assert balance(w.dealer1_back, w.grey) == (1, 0, 0)
    assert client.get(f"{API}/transits", {"open": True}).json()["count"] == 0
    before = state()
    r = _send(client, "post", url, {})
    assert (r.status_code, _error(r)["code"]) == (409, "invalid_transition")
    assert state() == before
    assert selectors.stock_mismatches() == []


def test_transfer_refusals_write_nothing(client, w, gz_clerk):
    receive(w.dealer1, (w.pad, 10), (w.grey, 1, ["G1"]))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    before = state()
    body: dict[str, Any] = {
        "from_warehouse_id": w.dealer1.pk,
        "to_warehouse_id": w.dealer1_back.pk,
        "lines": [{"sku_code": "BP-01-STD", "qty": 1}],
    }
    client.force_login(w.net.dealer1_admin)
    # dealer2's warehouse is out of dealer1's sight
    r = _send(client, "post", "/transfers", {**body, "to_warehouse_id": w.dealer2.pk})
    assert r.status_code == 404
    r = _send(
        client,
        "post",
        "/transfers",
        {**body, "lines": [{"sku_code": "TB-S1-GRY", "serials": ["G1", "G9", "G1"]}]},
    )
    assert (r.status_code, _error(r)["code"]) == (400, "serials_rejected")
    assert {k: v for k, v in _error(r)["fields"].items() if k != "serials"} == {
        "serial_duplicated": ["G1"],
        "serial_wrong_warehouse": ["G9"],
    }
    r = _send(
        client, "post", "/transfers", {**body, "lines": [{"sku_code": "BP-01-STD", "qty": 11}]}
    )
    assert (r.status_code, _error(r)["code"]) == (409, "insufficient_stock")
    # the distributor's clerk sees both dealers, but transfers stay within one org
    client.force_login(w.dist1_clerk)
    r = _send(client, "post", "/transfers", {**body, "to_warehouse_id": w.dealer2.pk})
    assert (r.status_code, _error(r)["code"]) == (400, "transfer_other_org")
    client.force_login(gz_clerk)
    assert _send(client, "post", "/transfers", body).status_code == 404
    client.force_login(w.net.region_east)
    assert _send(client, "post", "/transfers", body).status_code == 403
    assert state() == before


def test_a_shipment_is_received_with_its_order_not_here(client, w, gz_clerk):
    receive(w.dist1, (w.pad, 10))
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.pad, 4)],
        doc=Doc("order", "9", "SO-9"),
    )
    assert sent.transit is not None
    url = f"/transits/{sent.transit.pk}"
    client.force_login(w.net.dealer1_admin)
    detail = client.get(API + url).json()
    assert _pick(detail, "kind", "doc_number", "from_org_name", "to_org_name") == (
        "shipment",
        "SO-9",
        "杭州绿源车业有限公司",
        "杭州迅达电动车行",
    )
    before = state()
    r = _send(client, "post", url + "/receive", {})
    assert (r.status_code, _error(r)["code"]) == (400, "wrong_transit_kind")
    client.force_login(gz_clerk)
    assert client.get(API + url).status_code == 404
    assert _send(client, "post", url + "/receive", {}).status_code == 404
    assert state() == before


# --- serials ------------------------------------------------------------------------------


def test_serial_check_reports_every_problem_and_writes_nothing(client, w, gz_clerk):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.white, 1, ["W1"]))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    client.force_login(w.net.dealer1_admin)
    before = state()
    body = {
        "warehouse_id": w.dealer1.pk,
        "sku_code": "TB-S1-GRY",
        "serials": ["g1", "G2\nG2", "G9, W1", "NOPE", "???"],
    }
    r = _send(client, "post", "/serials/check", body)
    assert r.status_code == 200
    assert r.json() == {
        "ok": False,
        "checked": 7,
        "accepted": 2,
        "problems": [
            {"serial": "G2", "code": "serial_duplicated", "message": "G2 is listed more than once"},
            {"serial": "???", "code": "serial_invalid", "message": "??? is not a serial number"},
            {
                "serial": "G9",
                "code": "serial_wrong_warehouse",
                "message": "G9 is not in this warehouse",
            },
            {
                "serial": "W1",
                "code": "serial_wrong_sku",
                "message": "W1 belongs to another SKU (TB-S1-WHT)",
            },
            {"serial": "NOPE", "code": "serial_unknown", "message": "NOPE is not known"},
        ],
        "by_code": {
            "serial_duplicated": ["G2"],
            "serial_invalid": ["???"],
            "serial_wrong_warehouse": ["G9"],
            "serial_wrong_sku": ["W1"],
            "serial_unknown": ["NOPE"],
        },
    }
    r = _send(
        client, "post", "/serials/check", {**body, "serials": ["N1", "N2", "G1"], "purpose": "in"}
    )
    assert _pick(r.json(), "ok", "checked", "accepted", "by_code") == (
        False,
        3,
        2,
        {"serial_exists": ["G1"]},
    )
    assert _send(client, "post", "/serials/check", {**body, "serials": []}).status_code == 422
    r = _send(client, "post", "/serials/check", {**body, "warehouse_id": w.dealer2.pk})
    assert r.status_code == 404
    client.force_login(gz_clerk)
    assert _send(client, "post", "/serials/check", body).status_code == 404
    assert state() == before


def test_serial_list_and_journey(client, w):
    receive(w.dist1, (w.grey, 3, ["J1", "J2", "AB/12"]))
    sent = services.shipment_post(
        actor=w.dist1_clerk,
        warehouse=w.dist1,
        to_warehouse=w.dealer1,
        lines=[(w.grey, 2, ["J1", "AB/12"])],
        doc=Doc("order", "1", "SO-1"),
    )
    assert sent.transit is not None
    services.receipt_post(actor=w.net.dealer1_admin, transit=sent.transit)
    client.force_login(w.net.dealer1_admin)
    listed = client.get(f"{API}/serials").json()
    assert [
        _pick(s, "serial", "status", "warehouse_name", "holder_name") for s in listed["items"]
    ] == [
        ("AB/12", "in_stock", "迅达主仓", "杭州迅达电动车行"),
        ("J1", "in_stock", "迅达主仓", "杭州迅达电动车行"),
    ]
    assert [s["serial"] for s in client.get(f"{API}/serials", {"q": "j"}).json()["items"]] == ["J1"]
    client.force_login(w.dist1_clerk)
    assert [
        s["serial"] for s in client.get(f"{API}/serials", {"status": "in_stock"}).json()["items"]
    ] == [
        "AB/12",
        "J1",
        "J2",
    ]  # the distributor sees its subtree's units

    journey = client.get(f"{API}/serials/j1/journey").json()
    assert _pick(
        journey, "serial", "sku_code", "place_visible", "status", "warehouse", "holder"
    ) == (
        "J1",
        "TB-S1-GRY",
        True,
        "in_stock",
        "迅达主仓",
        "杭州迅达电动车行",
    )
    assert [
        _pick(e, "from_status", "to_status", "from_holder", "to_holder", "doc_number")
        for e in journey["events"]
    ] == [
        ("", "in_stock", None, "杭州绿源车业有限公司", ""),
        ("in_stock", "in_transit", "杭州绿源车业有限公司", "杭州绿源车业有限公司", "SO-1"),
        ("in_transit", "in_stock", "杭州绿源车业有限公司", "杭州迅达电动车行", "SO-1"),
    ]
    # a serial with a slash is one path parameter
    assert client.get(f"{API}/serials/AB/12/journey").json()["serial"] == "AB/12"
    # the dealer sees the step that touched it only
    client.force_login(w.net.dealer1_admin)
    mine = client.get(f"{API}/serials/J1/journey").json()
    assert [e["to_status"] for e in mine["events"]] == ["in_stock"]
    # units and journeys elsewhere are not found
    client.force_login(w.net.dealer2_admin)
    assert client.get(f"{API}/serials/J1/journey").status_code == 404
    assert client.get(f"{API}/serials/NOPE/journey").status_code == 404
    # found by the API fuzz: a NUL in the path reached PostgreSQL, which refuses it (a 500);
    # it separates serials like white space does
    assert client.get(f"{API}/serials/NOPE%00J1/journey").status_code == 404
    assert client.get(f"{API}/serials").json()["count"] == 0


def test_journey_hides_where_a_unit_went_outside_the_scope(client, w):
    receive(w.dealer1, (w.grey, 1, ["R1"]))
    transit = services.return_out_post(
        actor=w.net.dealer1_admin,
        warehouse=w.dealer1,
        to_warehouse=w.dist1,
        lines=[(w.grey, 1, ["R1"])],
        doc=Doc("return", "1", "RT-1"),
    )
    services.receipt_post(actor=w.dist1_clerk, transit=transit)
    client.force_login(w.net.dealer1_admin)
    journey = client.get(f"{API}/serials/R1/journey").json()
    assert _pick(journey, "place_visible", "status", "warehouse", "holder") == (
        False,
        None,
        None,
        None,
    )
    assert [e["to_status"] for e in journey["events"]] == ["in_stock", "in_transit", "returned"]


# --- counts -------------------------------------------------------------------------------


def test_count_create_start_enter_post(client, w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 3, ["G1", "G2", "G3"]))
    client.force_login(w.net.dealer1_admin)
    r = _send(client, "post", "/counts", {"warehouse_id": w.dealer1.pk, "note": "月末盘点"})
    assert r.status_code == 201, r.content
    count = r.json()
    assert count["number"].startswith("SC-")
    assert _pick(count, "status", "warehouse_name", "note", "created_by", "category_id") == (
        "draft",
        "迅达主仓",
        "月末盘点",
        str(w.net.dealer1_admin),
        None,
    )
    assert [_pick(line, "sku_code", "expected_qty", "counted_qty") for line in count["lines"]] == [
        ("BP-01-STD", None, None),
        ("TB-S1-GRY", None, None),
    ]
    url = f"/counts/{count['id']}"
    r = _send(client, "post", url + "/start")
    assert r.json()["status"] == "counting"
    assert [_pick(line, "sku_code", "expected_qty") for line in r.json()["lines"]] == [
        ("BP-01-STD", 10),
        ("TB-S1-GRY", 3),
    ]
    r = _send(
        client,
        "post",
        url + "/lines",
        {
            "lines": [
                {"sku_code": "BP-01-STD", "counted": 8},
                {"sku_code": "TB-S1-GRY", "counted": 3, "serials": ["G1 G3", "NEW1"]},
            ]
        },
    )
    assert r.status_code == 200, r.content
    assert [_pick(line, "sku_code", "counted_qty", "serials") for line in r.json()["lines"]] == [
        ("BP-01-STD", 8, []),
        ("TB-S1-GRY", 3, ["G1", "G3", "NEW1"]),
    ]
    r = _send(client, "post", url + "/post")
    assert r.status_code == 200, r.content
    posted = r.json()
    assert posted["status"] == "posted" and posted["posted_at"] is not None
    assert [
        _pick(line, "sku_code", "system_qty", "counted_qty", "difference")
        for line in posted["lines"]
    ] == [("BP-01-STD", 10, 8, -2), ("TB-S1-GRY", 3, 3, 0)]
    pad_line = posted["lines"][0]
    assert StockMove.objects.get(pk=pad_line["move_id"]).qty == -2
    assert Serial.objects.get(serial="G2").status == "scrapped"
    assert Serial.objects.get(serial="NEW1").warehouse_id == w.dealer1.pk
    listed = client.get(f"{API}/counts", {"status": "posted"}).json()
    assert [c["id"] for c in listed["items"]] == [count["id"]]

    before = state()
    r = _send(client, "post", url + "/post")  # posted twice
    assert (r.status_code, _error(r)["code"]) == (409, "invalid_transition")
    r = _send(client, "post", url + "/cancel")
    assert (r.status_code, _error(r)["code"]) == (409, "invalid_transition")
    assert state() == before
    assert selectors.stock_mismatches() == []


def test_count_refusals_write_nothing(client, w, gz_clerk):
    receive(w.dealer1, (w.grey, 1, ["G1"]))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    admin = w.net.dealer1_admin
    count = services.count_create(actor=admin, warehouse=w.dealer1)
    services.count_start(actor=admin, count=count)
    url = f"/counts/{count.pk}"
    before = state(), list(count.lines.values_list("counted_qty", "serials"))
    client.force_login(admin)
    r = _send(
        client,
        "post",
        url + "/lines",
        {"lines": [{"sku_code": "TB-S1-GRY", "counted": 3, "serials": ["G1", "G9", "G1"]}]},
    )
    assert (r.status_code, _error(r)["code"]) == (400, "serials_rejected")
    assert {k: v for k, v in _error(r)["fields"].items() if k != "serials"} == {
        "serial_duplicated": ["G1"],
        "serial_wrong_warehouse": ["G9"],
    }
    r = _send(client, "post", url + "/lines", {"lines": [{"sku_code": "TB-S1-GRY", "counted": -1}]})
    assert (r.status_code, _error(r)["fields"]) == (422, {"lines.0.counted": ["Too small."]})
    r = _send(client, "post", url + "/lines", {"lines": [{"sku_code": "NOPE", "counted": 1}]})
    assert (r.status_code, _error(r)["code"]) == (400, "unknown_sku")
    r = _send(client, "post", url + "/post")
    assert (r.status_code, _error(r)["code"]) == (400, "count_incomplete")
    client.force_login(w.net.region_east)
    assert client.get(API + url).status_code == 200
    for action in ("/start", "/post", "/cancel"):
        assert _send(client, "post", url + action).status_code == 403, action
    client.force_login(gz_clerk)
    assert client.get(API + url).status_code == 404
    for action in ("/start", "/post", "/cancel"):
        assert _send(client, "post", url + action).status_code == 404, action
    r = _send(client, "post", "/counts", {"warehouse_id": w.dealer1.pk})
    assert r.status_code == 404
    assert (state(), list(count.lines.values_list("counted_qty", "serials"))) == before


def test_count_of_listed_skus(client, w):
    receive(w.dealer1, (w.pad, 10), (w.grey, 1, ["G1"]))
    client.force_login(w.net.dealer1_admin)
    r = _send(
        client,
        "post",
        "/counts",
        {"warehouse_id": w.dealer1.pk, "sku_codes": ["TB-S1-WHT", "BP-01-STD"]},
    )
    assert [line["sku_code"] for line in r.json()["lines"]] == ["BP-01-STD", "TB-S1-WHT"]
    r = _send(
        client, "post", "/counts", {"warehouse_id": w.dealer1.pk, "category_id": w.scooters.pk}
    )
    assert _pick(r.json(), "category_id", "status") == (w.scooters.pk, "draft")
    assert [line["sku_code"] for line in r.json()["lines"]] == ["TB-S1-GRY"]
    before = state()
    r = _send(
        client,
        "post",
        "/counts",
        {"warehouse_id": w.dealer1.pk, "sku_codes": ["BP-01-STD", "NOPE"]},
    )
    assert (r.status_code, _error(r)["fields"]) == (
        400,
        {"sku_codes.1.sku_code": ["No SKU with code NOPE."]},
    )
    assert state() == before


# --- sell-out -----------------------------------------------------------------------------


def test_sellout_record_and_list(client, w):
    receive(w.dealer1, (w.grey, 3, ["G1", "G2", "G3"]), (w.pad, 10))
    yesterday = timezone.localdate() - timedelta(days=1)
    client.force_login(w.net.dealer1_admin)
    r = _send(
        client,
        "post",
        "/sellout",
        {
            "org_id": w.net.dealer1.pk,
            "rows": [
                {
                    "sold_on": str(yesterday),
                    "sku_code": "TB-S1-GRY",
                    "qty": 2,
                    "serials": ["G1", "g2"],
                    "buyer_division": HANGZHOU_XIHU,
                },
                {"sold_on": str(yesterday), "sku_code": "BP-01-STD", "qty": 4},
            ],
        },
    )
    assert r.status_code == 201, r.content
    batch = r.json()
    assert batch["doc_number"].startswith("SL-")
    assert _pick(batch, "rows", "units") == (2, 6)
    assert [
        _pick(
            i,
            "sku_code",
            "qty",
            "serials",
            "buyer_division",
            "buyer_division_name",
            "source",
            "warehouse_id",
            "sold_on",
        )
        for i in batch["items"]
    ] == [
        (
            "TB-S1-GRY",
            2,
            ["G1", "G2"],
            HANGZHOU_XIHU,
            "西湖区",
            "api",
            w.dealer1.pk,
            str(yesterday),
        ),
        ("BP-01-STD", 4, [], None, None, "api", w.dealer1.pk, str(yesterday)),
    ]
    assert balance(w.dealer1, w.pad) == (6, 0, 0)
    assert sorted(Serial.objects.filter(status="sold").values_list("serial", flat=True)) == [
        "G1",
        "G2",
    ]
    listed = client.get(f"{API}/sellout", {"sku": w.grey.pk}).json()
    assert [_pick(i, "sku_code", "qty", "org_name") for i in listed["items"]] == [
        ("TB-S1-GRY", 2, "杭州迅达电动车行")
    ]
    client.force_login(w.dist1_clerk)  # a parent sees its subtree's sell-out
    assert client.get(f"{API}/sellout").json()["count"] == 2
    client.force_login(w.net.dealer2_admin)
    assert client.get(f"{API}/sellout").json()["count"] == 0


def test_sellout_refusal_names_every_row_and_writes_nothing(client, w, gz_clerk):
    receive(w.dealer1, (w.grey, 3, ["G1", "G2", "G3"]), (w.pad, 3))
    receive(w.dealer2, (w.grey, 1, ["G9"]))
    today = timezone.localdate()
    before = state()
    client.force_login(w.net.dealer1_admin)
    rows = [
        {"sold_on": str(today), "sku_code": "TB-S1-GRY", "qty": 1, "serials": ["G9"]},
        {"sold_on": str(today + timedelta(days=1)), "sku_code": "BP-01-STD", "qty": 1},
        {"sold_on": str(today), "sku_code": "BP-01-STD", "qty": -1},
        {"sold_on": str(today), "sku_code": "NOPE", "qty": 1},
        {"sold_on": str(today), "sku_code": "BP-01-STD", "qty": 9, "buyer_division": "999999"},
        {"sold_on": str(today), "sku_code": "TB-S1-GRY", "qty": 2, "serials": ["G2", "G2"]},
    ]
    r = _send(client, "post", "/sellout", {"org_id": w.net.dealer1.pk, "rows": rows})
    error = _error(r)
    assert (r.status_code, error["code"]) == (400, "sellout_rejected")
    assert error["fields"] == {
        "rows.0.serials": ["G9 is not in this warehouse"],
        "rows.1.sold_on": ["Give the day of the sale, not in the future."],
        "rows.2.qty": ["BP-01-STD: the quantity must be more than 0."],
        "rows.3.sku_code": ["Unknown SKU code."],
        "rows.4.buyer_division": ["Unknown administrative division code."],
        "rows.5.serials": ["G2 is listed more than once"],
    }
    body = {"org_id": w.net.dealer1.pk, "rows": rows[:1]}
    client.force_login(w.net.region_east)
    r = _send(client, "post", "/sellout", body)
    assert (r.status_code, _error(r)["code"]) == (403, "permission_denied")
    client.force_login(gz_clerk)
    assert _send(client, "post", "/sellout", body).status_code == 404
    client.force_login(w.net.dealer2_admin)  # names dealer1's warehouse: not seen
    r = _send(
        client,
        "post",
        "/sellout",
        {"org_id": w.net.dealer2.pk, "warehouse_id": w.dealer1.pk, "rows": rows[:1]},
    )
    assert r.status_code == 404
    assert state() == before


def _sheet(*rows: list[Any]) -> SimpleUploadedFile:
    data = workbook_bytes([str(c.header) for c in COLUMNS], rows)
    return SimpleUploadedFile("sellout.xlsx", data)


def test_sellout_import_of_an_excel_file(client, w):
    receive(w.dealer1, (w.grey, 2, ["G1", "G2"]), (w.pad, 10))
    today = timezone.localdate()
    client.force_login(w.net.dealer1_admin)
    r = client.post(
        f"{API}/sellout/import",
        {
            "org_id": w.net.dealer1.pk,
            "file": _sheet(
                [today, "TB-S1-GRY", 2, "G1\nG2", HANGZHOU_XIHU],
                [str(today), "BP-01-STD", 5, None, None],
            ),
        },
    )
    assert r.status_code == 201, r.content
    assert r.json() == {"rows": 2, "units": 7}
    assert balance(w.dealer1, w.pad) == (5, 0, 0)
    listed = client.get(f"{API}/sellout").json()["items"]
    assert sorted(_pick(i, "source", "sku_code", "qty", "serials") for i in listed) == [
        ("import", "BP-01-STD", 5, []),
        ("import", "TB-S1-GRY", 2, ["G1", "G2"]),
    ]


def test_sellout_import_refusal_is_a_report_by_row(client, w, gz_clerk):
    receive(w.dealer1, (w.pad, 3))
    today = timezone.localdate()
    before = state()
    client.force_login(w.net.dealer1_admin)
    r = client.post(
        f"{API}/sellout/import",
        {
            "org_id": w.net.dealer1.pk,
            "file": _sheet(
                [today, "NOPE", 1, None, None],
                [today, "BP-01-STD", "many", None, None],
                ["someday", "BP-01-STD", 1, None, None],
            ),
        },
    )
    error = _error(r)
    assert (r.status_code, error["code"]) == (400, "sellout_rejected")
    assert error["fields"] == {
        "rows.2.sku": ["Unknown SKU code."],
        "rows.3.qty": ["Enter a whole number."],
        "rows.4.sold_on": ["Enter a date like 2026-11-03."],
    }
    r = client.post(
        f"{API}/sellout/import",
        {"org_id": w.net.dealer1.pk, "file": _sheet([today, "BP-01-STD", 4, None, None])},
    )
    assert _error(r)["fields"] == {"rows.2.qty": ["Only 3 of BP-01-STD available."]}
    r = client.post(
        f"{API}/sellout/import",
        {"org_id": w.net.dealer1.pk, "file": SimpleUploadedFile("a.xlsx", b"not a workbook")},
    )
    assert (r.status_code, _error(r)["code"]) == (400, "sheet_not_xlsx")
    client.force_login(gz_clerk)
    r = client.post(
        f"{API}/sellout/import",
        {"org_id": w.net.dealer1.pk, "file": _sheet([today, "BP-01-STD", 1, None, None])},
    )
    assert r.status_code == 404
    assert state() == before


# --- 进销存 --------------------------------------------------------------------------------


def _jxc_world(w: Any) -> None:
    """This month: dealer1 takes in 30 pads, sells 12 through sell-out and loses 1."""
    admin = w.net.dealer1_admin
    receive(w.dealer1, (w.pad, 30))
    services.sellout_record(
        actor=admin, org=w.net.dealer1, rows=[SellOutRow(timezone.localdate(), w.pad, 12)]
    )
    services.stock_adjust(actor=admin, warehouse=w.dealer1, lines=[(w.pad, -1)], reason="损坏")


def test_jxc_of_the_own_org_by_default(client, w):
    _jxc_world(w)
    client.force_login(w.net.dealer1_admin)
    body = client.get(f"{API}/jxc").json()
    today = timezone.localdate()
    assert _pick(body, "org_code", "since", "until", "subtree", "by") == (
        "DL-HZ1",
        str(today.replace(day=1)),
        str(today),
        True,
        "sku",
    )
    [row] = body["rows"]
    assert row == {
        "key": w.pad.pk,
        "code": "BP-01-STD",
        "name": "刹车片 标准",
        "opening": 0,
        "ins": {"purchases": 30, "returns_in": 0, "transfers_in": 0},
        "in_total": 30,
        "outs": {
            "sales": 0,
            "retail": 12,
            "returns_out": 0,
            "transfers_out": 0,
            "consumption": 0,
            "adjustments": 1,
        },
        "out_total": 13,
        "closing": 17,
        "sold_30d": 12,
        "days_of_stock": "42.5",  # 17 ÷ (12 / 30 days)
    }
    assert body["total"] == {**row, "key": None, "code": "", "name": ""}
    r = client.get(f"{API}/jxc", {"since": str(today), "until": str(today - timedelta(days=1))})
    assert (r.status_code, _error(r)["code"]) == (400, "invalid_period")
    assert client.get(f"{API}/jxc", {"org": w.net.dist1.pk}).status_code == 404


def test_jxc_of_a_subtree_by_branch_and_its_export(client, w):
    _jxc_world(w)
    receive(w.dist1, (w.pad, 5))
    client.force_login(w.net.region_east)
    body = client.get(f"{API}/jxc", {"org": w.net.dist1.pk, "by": "branch"}).json()
    assert [
        _pick(r, "code", "opening", "in_total", "out_total", "closing") for r in body["rows"]
    ] == [
        ("D-HZ", 0, 5, 0, 5),
        ("DL-HZ1", 0, 30, 13, 17),
    ]
    own = client.get(f"{API}/jxc", {"org": w.net.dist1.pk, "subtree": False}).json()
    assert [_pick(r, "code", "closing") for r in own["rows"]] == [("BP-01-STD", 5)]
    r = client.get(f"{API}/jxc/export", {"org": w.net.dist1.pk})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Content-Disposition"].startswith('attachment; filename="jxc-D-HZ-')
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][:3] == ["Code", "Name", "Opening"] and cells[0][-1] == "Days of stock"
    assert cells[1][:3] == ["BP-01-STD", "刹车片 标准", 0]
    assert cells[1][-2:] == [22, 55]  # 22 ÷ (12 sold / 30 days)
    assert cells[-1][1] == "Total"
    client.force_login(w.net.dealer2_admin)
    assert client.get(f"{API}/jxc/export", {"org": w.net.dealer1.pk}).status_code == 404


# --- cross-cutting ------------------------------------------------------------------------


def test_a_repeated_receipt_with_an_idempotency_key_is_written_once(client, w):
    client.force_login(w.net.dealer1_admin)
    body = {"warehouse_id": w.dealer1.pk, "lines": [{"sku_code": "BP-01-STD", "qty": 2}]}
    first = client.post(
        f"{API}/receipts",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "rcpt-1"},
    )
    again = client.post(
        f"{API}/receipts",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "rcpt-1"},
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert balance(w.dealer1, w.pad) == (2, 0, 0)


LISTS = ("/warehouses", "/stock", "/moves", "/transits", "/serials", "/counts", "/sellout")


def _grow(w: Any, n: int) -> None:
    """n more of everything each list shows, in warehouses of their own."""
    admin = w.net.dealer1_admin
    for i in range(n):
        wh = services.warehouse_create(
            actor=admin, org=w.net.dealer1, data={"code": f"G{n}-{i}", "name": f"仓{n}-{i}"}
        )
        receive(wh, (w.pad, 5), (w.grey, 1, [f"Q{n}X{i}"]))
        services.transfer_send(
            actor=admin, from_warehouse=wh, to_warehouse=w.dealer1_back, lines=[(w.pad, 1)]
        )
        services.count_create(actor=admin, warehouse=wh)
        services.sellout_record(
            actor=admin,
            org=w.net.dealer1,
            warehouse=wh,
            rows=[SellOutRow(timezone.localdate(), w.pad, 1)],
        )


def test_list_queries_do_not_grow(client, w):
    _grow(w, 1)
    client.force_login(w.net.dealer1_admin)
    few: dict[str, int] = {}
    for url in LISTS:
        client.get(API + url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(API + url).json()["count"] >= 1, url
        few[url] = len(captured.captured_queries)
    _grow(w, 6)
    for url in LISTS:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(API + url).json()
        assert len(body["items"]) >= 7, url
        assert len(captured.captured_queries) == few[url], url
