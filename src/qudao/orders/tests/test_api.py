"""The orders API: the whole flow with exact stock, credit and ledger values, refusals with
stable codes that write nothing, scope (404) and rights (403), Idempotency-Key, and list
endpoints whose query count does not grow with their rows."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qudao.finance.models import Invoice
from qudao.inventory.models import Serial
from qudao.inventory.tests import factories as inv
from qudao.network.tests import factories as f
from qudao.orders.models import Order
from qudao.orders.tests import factories as of

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = D("0.00")
API = "/api/v1"
CART = [
    {"sku_code": "TB-S1-GRY", "qty": 2},
    {"sku_code": "BP-01-STD", "qty": 1, "unit": "箱"},
]


@pytest.fixture(autouse=True)
def _english_answers(client):
    """The API answers in the request's language: English here, as the messages are written."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _send(client, method, url, body=None, **headers):
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


def _draft(client, lines=None, **extra):
    response = _send(client, "post", f"{API}/orders", {"lines": lines or CART, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


def _ledgers_agree():
    out = io.StringIO()
    call_command("check_ledgers", stdout=out)
    assert "differ" not in out.getvalue()


# --- the flow -------------------------------------------------------------------------------


def _return_one_bike(client, w, url):
    """The buyer returns one of the bikes it received; the seller credits it."""
    client.force_login(w.buyer)
    ret = _send(
        client,
        "post",
        f"{url}/returns",
        {
            "reason_code": "defective",
            "reason": "无法充电",
            "lines": [{"sku_code": "TB-S1-GRY", "qty": 1, "serials": ["GRY000001"]}],
        },
    )
    assert ret.status_code == 201, ret.content
    ret_url = f"{API}/returns/{ret.json()['id']}"
    assert (ret.json()["status"], ret.json()["amount"]) == ("requested", "1800.00")
    client.force_login(w.seller_admin)
    assert _send(client, "post", f"{ret_url}/approve", {"comment": "同意"}).json()["status"] == (
        "approved"
    )
    client.force_login(w.buyer)  # the buyer keeps a warehouse: it sends the bike back
    assert _send(client, "post", f"{ret_url}/send").json()["status"] == "sent"
    client.force_login(w.clerk)
    done = _send(client, "post", f"{ret_url}/receive").json()
    assert (done["status"], done["credit_note_number"][:2]) == ("received", "CN")
    assert Invoice.objects.get(pk=done["credit_note_id"]).amount == D("1800.00")
    assert of.money_state(w) == (ZERO, ZERO, D("2160.00"), ZERO)
    assert inv.balance(w.buyer_wh, w.grey) == (1, 0, 0)
    assert Serial.objects.get(serial="GRY000001").warehouse_id == w.seller_wh.pk
    assert client.get(url).json()["lines"][0]["qty_returned"] == 1


def test_order_to_cash_and_a_return_through_the_api(client, w):
    client.force_login(w.buyer)
    draft = _draft(client, note="周末到货")
    assert (draft["status"], draft["number"][:3], draft["on_behalf"]) == ("draft", "SO-", False)
    assert (draft["buyer_code"], draft["seller_code"], draft["placed_by"]) == (
        "DL-HZ1",
        "D-HZ",
        "dealer1",
    )
    assert (draft["list_amount"], draft["discount_amount"], draft["amount"]) == (
        "4360.00",
        "400.00",
        "3960.00",
    )
    assert [
        (x["sku_code"], x["unit"], x["unit_qty"], x["qty"], x["unit_price"], x["amount"])
        for x in draft["lines"]
    ] == [
        ("TB-S1-GRY", "辆", 2, 2, "1800.00", "3600.00"),
        ("BP-01-STD", "箱", 1, 12, "30.00", "360.00"),
    ]
    assert set(draft["actions"]) == {"edit", "submit", "cancel"}
    url = f"{API}/orders/{draft['id']}"

    before = of.state()
    preview = _send(client, "post", f"{url}/preview").json()
    assert of.state() == before  # nothing written
    assert (preview["amount"], preview["can_submit"], preview["holds"]) == ("3960.00", True, [])
    assert preview["payment"] == {"prepaid": "0.00", "rebate": "0.00", "credit": "3960.00"}
    assert (preview["credit"]["available"], preview["credit"]["available_after"]) == (
        "10000.00",
        "6040.00",
    )
    assert [(x["sku_code"], x["stock_state"]) for x in preview["lines"]] == [
        ("TB-S1-GRY", "low"),
        ("BP-01-STD", "in_stock"),
    ]

    submitted = _send(client, "post", f"{url}/submit").json()
    assert (submitted["status"], submitted["credit_amount"], submitted["frozen_amount"]) == (
        "approved",
        "3960.00",
        "3960.00",
    )
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("3960.00"))
    assert inv.balance(w.seller_wh, w.grey) == (5, 2, 0)
    assert inv.balance(w.seller_wh, w.pad) == (100, 12, 0)

    client.force_login(w.clerk)
    shipped = _send(
        client,
        "post",
        f"{url}/shipments",
        {
            "lines": [
                {"sku_code": "TB-S1-GRY", "qty": 2, "serials": ["GRY000001", "GRY000002"]},
                {"sku_code": "BP-01-STD", "qty": 12},
            ],
            "carrier": "德邦",
            "tracking_no": "DB001",
        },
    )
    assert shipped.status_code == 201, shipped.content
    shipment = shipped.json()
    assert (shipment["number"][:3], shipment["status"], shipment["amount"]) == (
        "SH-",
        "posted",
        "3960.00",
    )
    assert (shipment["carrier"], shipment["tracking_no"]) == ("德邦", "DB001")
    assert [(x["sku_code"], x["qty"], x["serials"]) for x in shipment["lines"]] == [
        ("TB-S1-GRY", 2, ["GRY000001", "GRY000002"]),
        ("BP-01-STD", 12, []),
    ]
    invoice = Invoice.objects.get(pk=shipment["invoice_id"])
    assert (invoice.amount, shipment["invoice_number"]) == (D("3960.00"), invoice.number)
    assert of.money_state(w) == (ZERO, ZERO, D("3960.00"), ZERO)
    assert inv.balance(w.seller_wh, w.grey) == (3, 0, 0)
    assert inv.balance(w.seller_wh, w.pad) == (88, 0, 0)
    assert client.get(url).json()["status"] == "shipped"

    client.force_login(w.buyer)
    received = _send(
        client,
        "post",
        f"{API}/shipments/{shipment['id']}/receipt",
        {"lines": [{"sku_code": "BP-01-STD", "received": 11, "damaged": 1, "note": "少一套"}]},
    ).json()
    assert received["status"] == "received"
    assert [
        (x["sku_code"], x["qty_received"], x["qty_short"], x["qty_damaged"], x["note"])
        for x in received["lines"]
    ] == [("TB-S1-GRY", 2, 0, 0, ""), ("BP-01-STD", 11, 1, 1, "少一套")]
    assert inv.balance(w.buyer_wh, w.grey) == (2, 0, 0)
    assert inv.balance(w.buyer_wh, w.pad) == (11, 0, 0)
    assert Serial.objects.get(serial="GRY000001").warehouse_id == w.buyer_wh.pk
    order = client.get(url).json()
    assert order["status"] == "delivered"
    assert [(x["qty_shipped"], x["qty_received"]) for x in order["lines"]] == [(2, 2), (12, 11)]

    _return_one_bike(client, w, url)
    _ledgers_agree()


def test_order_on_behalf_of_a_buyer_and_the_lists(client, w):
    client.force_login(w.sales)  # a salesperson of 华东 orders for dealer1 (代客下单)
    draft = _draft(client, buyer_id=w.net.dealer1.pk)
    assert (draft["on_behalf"], draft["buyer_code"], draft["placed_by"]) == (
        True,
        "DL-HZ1",
        "east-sales",
    )
    _send(client, "post", f"{API}/orders/{draft['id']}/submit")
    second = _draft(client, [{"sku_code": "BP-01-STD", "qty": 24}], buyer_id=w.net.dealer2.pk)
    assert second["amount"] == "672.00"  # dealer2 pays the list: 28 from 24 units

    client.force_login(w.seller_admin)
    rows = client.get(f"{API}/orders", {"side": "seller"}).json()
    # the draft of dealer2 is the buyer's business: not on the seller's side
    assert [(r["number"], r["status"]) for r in rows["items"]] == [(draft["number"], "approved")]
    client.force_login(w.buyer)
    own = client.get(f"{API}/orders").json()
    assert [r["buyer_code"] for r in own["items"]] == ["DL-HZ1"]
    assert client.get(f"{API}/orders", {"sku": "BP-01-STD"}).json()["count"] == 1
    assert client.get(f"{API}/orders", {"sku": "TB-S1-WHT"}).json()["count"] == 0
    assert client.get(f"{API}/orders", {"sku": "NOPE"}).json()["count"] == 0
    assert client.get(f"{API}/orders", {"status": "draft"}).json()["count"] == 0
    assert client.get(f"{API}/orders", {"side": "seller"}).json()["count"] == 0
    _error(client.get(f"{API}/orders", {"status": "lost"}), 422, "invalid")


def test_list_queries_do_not_grow(client, w):
    client.force_login(w.seller_admin)
    of.top_up(w, "100000")
    of.placed(w, [("BP-01-STD", 1)])
    client.get(f"{API}/orders")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}/orders").json()["count"] == 1
    for _ in range(5):
        of.placed(w, [("BP-01-STD", 1)], actor=w.sales)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{API}/orders").json()
    assert body["count"] == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_approval_inbox_queries_do_not_grow(client, w):
    of.services.approval_rule_set(
        actor=w.seller_admin,
        seller=w.net.dist1,
        data={"amount_enabled": True, "amount_threshold": "100"},
    )
    of.placed(w, [("BP-01-STD", 12)])
    client.force_login(w.fin)
    client.get(f"{API}/approvals")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}/approvals").json()["count"] == 1
    for _ in range(3):
        of.placed(w, [("BP-01-STD", 12)])
    with CaptureQueriesContext(connection) as many:
        rows = client.get(f"{API}/approvals").json()
    assert rows["count"] == 4
    assert len(many.captured_queries) == len(few.captured_queries)
    assert rows["items"][0]["holds"] == [
        {
            "code": "amount_over_threshold",
            "label": "Amount over the approval threshold",
            "params": {"amount": "360.00", "threshold": "100.00"},
        }
    ]


# --- refusals -------------------------------------------------------------------------------


def test_bad_lines_are_refused_with_stable_codes_and_nothing_written(client, w):
    client.force_login(w.buyer)
    before = of.state()
    body = _error(
        _send(client, "post", f"{API}/orders", {"lines": [{"sku_code": "NOPE", "qty": 1}]}),
        400,
        "unknown_sku",
    )
    assert body["fields"] == {"lines": ["Line 1: no SKU with the code NOPE."]}
    _error(
        _send(client, "post", f"{API}/orders", {"lines": [{"sku_code": "TB-S1-GRY", "qty": 0}]}),
        400,
        "qty_not_positive",
    )
    _error(
        _send(
            client,
            "post",
            f"{API}/orders",
            {"lines": [{"sku_code": "TB-S1-GRY", "qty": 1, "unit": "桶"}]},
        ),
        400,
        "unknown_unit",
    )
    _error(
        _send(client, "post", f"{API}/orders", {"lines": [{"sku_code": "TB-S1-GRY"}]}),
        422,
        "invalid",
    )
    _error(_send(client, "post", f"{API}/orders", {"lines": [], "x": 1}), 422, "unknown_fields")
    _error(_send(client, "post", f"{API}/orders", {"lines": []}), 400, "no_lines")
    assert of.state() == before


def test_over_credit_is_refused_with_the_numbers_or_held(client, w):
    client.force_login(w.buyer)
    # 5 grey at 1800 + 100 pads at 28 = 11800 on a 10000 limit
    big = [{"sku_code": "TB-S1-GRY", "qty": 5}, {"sku_code": "BP-01-STD", "qty": 100}]
    draft = _draft(client, big)
    url = f"{API}/orders/{draft['id']}"
    preview = _send(client, "post", f"{url}/preview").json()
    assert (preview["amount"], preview["can_submit"]) == ("11800.00", False)
    assert preview["credit"]["available_after"] == "-1800.00"
    assert [p["code"] for p in preview["problems"]] == ["credit_refused"]
    before = of.state()
    body = _error(_send(client, "post", f"{url}/submit"), 409, "credit_refused")
    assert "available 10000.00" in body["message"]
    assert "needs 11800.00 on credit" in body["message"]
    assert of.state() == before

    client.force_login(w.seller_admin)  # the seller holds such orders instead
    rule = _send(
        client, "put", f"{API}/approval-rules/{w.net.dist1.pk}", {"credit_hold_enabled": True}
    ).json()
    assert (rule["credit_hold_enabled"], rule["first_order_enabled"]) == (True, False)
    client.force_login(w.buyer)
    held = _send(client, "post", f"{url}/submit").json()
    assert held["status"] == "pending_approval"
    assert [(h["code"], h["params"]["available_after"]) for h in held["holds"]] == [
        ("credit_hold", "-1800.00")
    ]
    assert of.money_state(w) == (ZERO, ZERO, ZERO, ZERO)  # nothing frozen while held
    assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)

    client.force_login(w.fin)
    inbox = client.get(f"{API}/approvals").json()
    assert [(r["number"], r["credit_numbers"]["amount"]) for r in inbox["items"]] == [
        (draft["number"], "11800.00")
    ]
    before = of.state()
    _error(_send(client, "post", f"{url}/approve"), 409, "credit_refused")
    assert of.state() == before
    _error(_send(client, "post", f"{url}/reject"), 400, "reason_required")
    rejected = _send(client, "post", f"{url}/reject", {"comment": "请先回款"}).json()
    assert (rejected["status"], rejected["decision_comment"]) == ("rejected", "请先回款")
    assert client.get(f"{API}/approvals").json()["count"] == 0


def test_insufficient_stock_and_double_submit(client, w):
    client.force_login(w.buyer)
    draft = _draft(client, [{"sku_code": "TB-S1-GRY", "qty": 6}])
    url = f"{API}/orders/{draft['id']}"
    before = of.state()
    body = _error(_send(client, "post", f"{url}/submit"), 409, "insufficient_stock")
    assert "TB-S1-GRY: 5 available, 6 needed" in body["message"]
    assert of.state() == before

    patched = _send(
        client, "patch", url, {"lines": [{"sku_code": "TB-S1-GRY", "qty": 5}], "note": "改"}
    ).json()
    assert (patched["amount"], patched["note"]) == ("9000.00", "改")
    assert _send(client, "post", f"{url}/submit").json()["status"] == "approved"
    before = of.state()
    body = _error(_send(client, "post", f"{url}/submit"), 409, "already_submitted")
    assert "Approved" in body["message"]
    _error(_send(client, "patch", url, {"note": "再改"}), 409, "order_not_draft")
    assert of.state() == before


def test_shipping_refusals_write_nothing(client, w):
    order = of.placed(w, [("TB-S1-GRY", 2)])
    client.force_login(w.clerk)
    url = f"{API}/orders/{order.pk}/shipments"
    before = of.state()
    grey = {"sku_code": "TB-S1-GRY", "qty": 3, "serials": inv.serials("GRY", 3)}
    _error(_send(client, "post", url, {"lines": [grey]}), 400, "ship_exceeds_open")
    other_sku = {"sku_code": "TB-S1-GRY", "qty": 1, "serials": ["WHT000001"]}
    body = _error(_send(client, "post", url, {"lines": [other_sku]}), 400, "serials_rejected")
    assert "WHT000001" in json.dumps(body, ensure_ascii=False)
    body = _error(
        _send(client, "post", url, {"lines": [{"sku_code": "BP-01-STD", "qty": 1}]}),
        400,
        "sku_not_in_document",
    )
    assert list(body["fields"]) == ["lines.0.sku_code"]
    _error(
        _send(client, "post", url, {"lines": [{"sku_code": "TB-S1-GRY", "qty": 0}]}),
        400,
        "qty_not_positive",
    )
    assert of.state() == before


def test_cancel_by_the_buyer_gives_back_credit_and_stock(client, w):
    of.top_up(w, "1000")
    client.force_login(w.buyer)
    draft = _draft(client)
    url = f"{API}/orders/{draft['id']}"
    approved = _send(client, "post", f"{url}/submit").json()
    assert (approved["prepaid_amount"], approved["credit_amount"]) == ("1000.00", "2960.00")
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("2960.00"))
    cancelled = _send(client, "post", f"{url}/cancel", {"reason": "买错了"}).json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "买错了")
    assert of.money_state(w) == (D("1000.00"), ZERO, ZERO, ZERO)
    assert inv.balance(w.seller_wh, w.grey) == (5, 0, 0)

    again = _send(client, "post", f"{url}/reorder")
    assert again.status_code == 201
    assert (again.json()["order"]["status"], again.json()["skipped"]) == ("draft", [])
    assert again.json()["order"]["amount"] == "3960.00"
    _ledgers_agree()


def test_the_seller_cancels_with_a_reason(client, w):
    order = of.placed(w)
    client.force_login(w.seller_admin)
    url = f"{API}/orders/{order.pk}/cancel"
    _error(_send(client, "post", url), 400, "reason_required")
    body = _send(client, "post", url, {"reason": "停产"}).json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "停产")
    assert of.money_state(w) == (ZERO, ZERO, ZERO, ZERO)


# --- scope, rights, idempotency -------------------------------------------------------------


def test_another_dealers_order_is_not_found_and_a_reader_is_forbidden(client, w):
    order = of.placed(w)
    shipment = of.services.shipment_post(
        actor=w.clerk,
        order=order,
        lines=[
            (line.pk, line.qty, inv.serials("GRY", 2) if line.sku == w.grey else ())
            for line in order.lines.all()
        ],
    )
    reader = f.member(w.net.dealer1, "technician", username="dl1-tech")
    client.force_login(w.net.dealer2_admin)
    before = of.state()
    for url in (f"{API}/orders/{order.pk}", f"{API}/shipments/{shipment.pk}"):
        _error(client.get(url), 404, "not_found")
    for action in ("submit", "approve", "cancel", "preview", "reorder", "returns", "shipments"):
        assert _send(client, "post", f"{API}/orders/{order.pk}/{action}").status_code in (
            404,
            422,
        )
    _error(_send(client, "post", f"{API}/orders/{order.pk}/cancel"), 404, "not_found")
    _error(_send(client, "post", f"{API}/shipments/{shipment.pk}/receipt"), 404, "not_found")
    assert client.get(f"{API}/orders").json()["count"] == 0

    client.force_login(reader)
    _error(client.get(f"{API}/orders/{order.pk}"), 403, "permission_denied")
    _error(_send(client, "post", f"{API}/orders/{order.pk}/cancel"), 403, "permission_denied")
    _error(client.get(f"{API}/approvals"), 403, "permission_denied")
    client.force_login(w.buyer)  # the buyer may not approve, nor ship, for the seller
    _error(
        _send(client, "post", f"{API}/orders/{order.pk}/shipments", {"lines": []}),
        403,
        "permission_denied",
    )
    client.force_login(w.clerk)  # nor the seller confirm the buyer's receipt
    _error(
        _send(client, "post", f"{API}/shipments/{shipment.pk}/receipt"),
        403,
        "permission_denied",
    )
    assert of.state() == before


def test_a_repeated_submit_with_an_idempotency_key_returns_the_first_answer(client, w):
    client.force_login(w.buyer)
    first = _send(client, "post", f"{API}/orders", {"lines": CART}, **{"Idempotency-Key": "o-1"})
    again = _send(client, "post", f"{API}/orders", {"lines": CART}, **{"Idempotency-Key": "o-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    url = f"{API}/orders/{first.json()['id']}/submit"
    one = _send(client, "post", url, **{"Idempotency-Key": "s-1"})
    two = _send(client, "post", url, **{"Idempotency-Key": "s-1"})
    assert (one.status_code, two.status_code) == (200, 200)
    assert two.json() == one.json() and one.json()["status"] == "approved"
    assert of.money_state(w) == (ZERO, ZERO, ZERO, D("3960.00"))
    _error(_send(client, "post", url, **{"Idempotency-Key": "s-2"}), 409, "already_submitted")


def test_approval_rules(client, w):
    url = f"{API}/approval-rules/{w.net.dist1.pk}"
    client.force_login(w.seller_admin)
    rule = client.get(url).json()
    assert (rule["amount_enabled"], rule["rebate_cap_pct"], rule["auto_confirm_days"]) == (
        False,
        "30.00",
        7,
    )
    before = of.state()
    body = _error(_send(client, "put", url, {"amount_enabled": True}), 400, "threshold_required")
    assert list(body["fields"]) == ["amount_threshold"]
    _error(_send(client, "put", url, {"auto_confirm_days": 0}), 400, "invalid_days")
    assert of.state() == before
    rule = _send(client, "put", url, {"amount_enabled": True, "amount_threshold": "5000"}).json()
    assert (rule["amount_enabled"], rule["amount_threshold"]) == (True, "5000.00")
    client.force_login(w.clerk)  # in scope, no right over the rules
    _error(client.get(url), 403, "permission_denied")
    _error(_send(client, "put", url, {"overdue_enabled": False}), 403, "permission_denied")
    client.force_login(w.buyer)  # the seller is outside the buyer's scope
    _error(client.get(url), 404, "not_found")


def test_cart_preview_writes_nothing_and_names_every_problem(client, w):
    client.force_login(w.buyer)
    before = of.state()
    ok = _send(client, "post", f"{API}/orders/preview", {"lines": CART, "use_rebate": True})
    assert (ok.json()["amount"], ok.json()["can_submit"]) == ("3960.00", True)
    lines = [*CART, {"sku_code": "NOPE", "qty": 1}, {"sku_code": "TB-S1-WHT", "qty": 1}]
    bad = _send(client, "post", f"{API}/orders/preview", {"lines": lines}).json()
    assert ([p["code"] for p in bad["problems"]], bad["can_submit"]) == (
        ["unknown_sku", "sku_not_sold"],
        False,
    )
    assert of.state() == before
    _error(
        _send(
            client, "post", f"{API}/orders/preview", {"buyer_id": w.net.dealer3.pk, "lines": CART}
        ),
        404,
        "not_found",
    )
