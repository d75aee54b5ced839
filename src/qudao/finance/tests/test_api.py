import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qudao.finance import services
from qudao.finance.models import Invoice, Payment, Position, TemporaryLimit
from qudao.finance.tests.test_pages import PNG, Seeded, _open, _state, seed
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def _send(client, method, url, body):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def seeded(net) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(net)


@pytest.fixture
def other_invoice(net, seeded) -> Invoice:  # type: ignore[no-untyped-def]
    """An open invoice of dealer2 with the same seller: not payable by dealer1's money."""
    return services.invoice_post(actor=seeded.fin, buyer=net.dealer2, seller=net.dist1, amount="50")


def test_position_list_with_numbers_and_filters(client, net, seeded, other_invoice):
    client.force_login(seeded.fin)
    body = client.get("/api/v1/positions").json()
    assert body["count"] == 2
    mine = next(p for p in body["items"] if p["buyer_code"] == "DL-HZ1")
    assert {
        k: mine[k]
        for k in (
            "prepaid_balance",
            "rebate_balance",
            "receivable_balance",
            "credit_limit",
            "temporary_limit",
            "exposure",
            "available",
            "overdue_amount",
            "max_days_overdue",
            "status",
        )
    } == {
        "prepaid_balance": "800.00",
        "rebate_balance": "300.00",
        "receivable_balance": "5500.00",
        "credit_limit": "10000.00",
        "temporary_limit": "5000.00",
        "exposure": "5500.00",
        "available": "9500.00",
        "overdue_amount": "4000.00",
        "max_days_overdue": 45,
        "status": "on_hold",
    }
    assert mine["profile"] == {
        "credit_limit": "10000.00",
        "payment_term_days": 15,
        "overdue_days": 30,
        "overdue_amount": None,
        "overdue_mode": "hold",
    }
    only = client.get("/api/v1/positions", {"buyer": net.dealer2.pk}).json()
    assert [(p["buyer_code"], p["status"]) for p in only["items"]] == [("DL-NB1", "blocked")]
    assert client.get("/api/v1/positions", {"seller": net.dist2.pk}).json()["count"] == 0
    client.force_login(net.dealer1_admin)  # the buyer's side: its own position only
    own = client.get("/api/v1/positions").json()
    assert [(p["buyer_code"], p["available"]) for p in own["items"]] == [("DL-HZ1", "9500.00")]


def test_position_list_queries_do_not_grow(client, net, seeded):
    client.force_login(seeded.fin)
    client.get("/api/v1/positions")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/positions")
    for _ in range(6):
        buyer = f.org(net.dist1, "dealer")
        services.invoice_post(
            actor=seeded.fin,
            buyer=buyer,
            seller=net.dist1,
            amount="10",
            issued_on=timezone.localdate() - timedelta(days=3),
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/positions").json()
    assert body["count"] == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_position_detail_with_limits_and_ageing(client, net, seeded):
    client.force_login(seeded.fin)
    body = client.get(f"/api/v1/positions/{seeded.position.pk}").json()
    assert (body["available"], body["status"]) == ("9500.00", "on_hold")
    assert [(t["amount"], t["reason"], t["valid_now"]) for t in body["temporary_limits"]] == [
        ("5000.00", "旺季备货", True),
        ("9999.00", "已过期", False),
    ]
    assert body["ageing"] == {
        "not_due": "1500.00",
        "d1_30": "2000.00",
        "d31_60": "2000.00",
        "d61_90": "0.00",
        "d90_plus": "0.00",
        "total": "5500.00",
    }


def test_ledger_is_paginated_and_filtered(client, net, seeded):
    client.force_login(net.dealer1_admin)  # the buyer reads its own ledger
    url = f"/api/v1/positions/{seeded.position.pk}/ledger"
    everything = client.get(url).json()
    assert everything["count"] == 6
    receivable = client.get(url, {"account": "receivable"}).json()
    assert [e["amount"] for e in receivable["items"]] == [
        "-1000.00",
        "1500.00",
        "2000.00",
        "3000.00",
    ]
    assert [e["balance_after"] for e in receivable["items"]][0] == "5500.00"
    assert client.get(url, {"kind": "rebate_credit"}).json()["items"][0]["memo"] == "Q3 返利"
    assert client.get(url, {"account": "nope"}).status_code == 422


def test_credit_profile_put_changes_only_what_is_given(client, net, seeded):
    client.force_login(seeded.fin)
    response = _send(
        client,
        "put",
        f"/api/v1/positions/{seeded.position.pk}/credit-profile",
        {"credit_limit": "20000.00", "overdue_mode": "block", "overdue_amount": "3000"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["profile"] == {
        "credit_limit": "20000.00",
        "payment_term_days": 15,
        "overdue_days": 30,
        "overdue_amount": "3000.00",
        "overdue_mode": "block",
    }
    assert (body["available"], body["status"]) == ("19500.00", "blocked")
    before = _state(seeded.position)
    negative = _send(
        client,
        "put",
        f"/api/v1/positions/{seeded.position.pk}/credit-profile",
        {"credit_limit": "-1"},
    )
    assert (negative.status_code, negative.json()["error"]["code"]) == (400, "invalid_limit")
    # found by the API fuzz: past the column, rounding it for the database raised (a 500)
    for field in ("credit_limit", "overdue_amount"):
        huge = _send(
            client,
            "put",
            f"/api/v1/positions/{seeded.position.pk}/credit-profile",
            {field: 5.429094700012614e16},
        )
        assert (huge.status_code, huge.json()["error"]["code"]) == (400, "invalid_amount")
        assert list(huge.json()["error"]["fields"]) == [field]
    assert _state(seeded.position) == before


def test_credit_profile_for_a_buyer_without_a_position(client, net, seeded):
    client.force_login(seeded.fin)
    body = {"buyer_id": net.dealer2.pk, "seller_id": net.dist1.pk, "credit_limit": "8000"}
    response = _send(client, "put", "/api/v1/credit-profiles", body)
    assert response.status_code == 200, response.content
    position = Position.objects.get(buyer=net.dealer2, seller=net.dist1)
    assert (response.json()["id"], response.json()["available"]) == (position.pk, "8000.00")
    assert position.credit_limit == D("8000.00")
    out = {**body, "buyer_id": net.dealer3.pk}  # another distributor's dealer
    assert _send(client, "put", "/api/v1/credit-profiles", out).status_code == 404
    client.force_login(net.admin)
    foreign = _send(
        client,
        "put",
        "/api/v1/credit-profiles",
        {**body, "buyer_id": net.dealer1.pk, "seller_id": net.dist2.pk},
    )
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "not_a_seller_of_buyer")
    assert not Position.objects.filter(seller=net.dist2).exists()


def test_temporary_limit_grant_and_bad_window(client, net, seeded):
    client.force_login(seeded.fin)
    url = f"/api/v1/positions/{seeded.position.pk}/temporary-limits"
    now = timezone.now()
    good = {
        "amount": "2000",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=7)).isoformat(),
        "reason": "展会订货",
    }
    created = _send(client, "post", url, good)
    assert created.status_code == 201, created.content
    assert (created.json()["amount"], created.json()["valid_now"]) == ("2000.00", True)
    before = _state(seeded.position)
    backwards = _send(client, "post", url, {**good, "valid_until": now.isoformat()})
    assert (backwards.status_code, backwards.json()["error"]["code"]) == (400, "invalid_window")
    zero = _send(client, "post", url, {**good, "amount": "0"})
    assert (zero.status_code, zero.json()["error"]["code"]) == (400, "amount_not_positive")
    assert _state(seeded.position) == before
    assert TemporaryLimit.objects.filter(position=seeded.position).count() == 3


def test_temporary_limit_odd_offsets_and_huge_amounts(client, net, seeded):
    """Found by the API fuzz: an ISO 8601 offset PostgreSQL refuses (-18:28) and an amount
    past the ledger's columns were server errors."""
    client.force_login(seeded.fin)
    url = f"/api/v1/positions/{seeded.position.pk}/temporary-limits"
    body = {
        "amount": "100",
        "valid_from": "2026-06-22T22:54:46-18:28",
        "valid_until": "2099-01-01T00:00:00+00:00",
        "reason": "展会",
    }
    created = _send(client, "post", url, body)
    assert created.status_code == 201, created.content
    limit = TemporaryLimit.objects.get(pk=created.json()["id"])
    assert limit.valid_from == datetime(2026, 6, 23, 17, 22, 46, tzinfo=UTC)
    before = (_state(seeded.position), TemporaryLimit.objects.count())
    huge = _send(client, "post", url, {**body, "amount": 4.85347540014523e16})
    assert (huge.status_code, huge.json()["error"]["code"]) == (400, "invalid_amount")
    assert list(huge.json()["error"]["fields"]) == ["amount"]
    far = _send(client, "post", url, {**body, "valid_until": "9999-12-31T23:59:59-10:00"})
    assert (far.status_code, list(far.json()["error"]["fields"])) == (422, ["valid_until"])
    assert (_state(seeded.position), TemporaryLimit.objects.count()) == before


def test_payment_with_manual_allocations(client, net, seeded):
    client.force_login(seeded.fin)
    response = _send(
        client,
        "post",
        f"/api/v1/positions/{seeded.position.pk}/payments",
        {
            "amount": "800",
            "method": "bank_transfer",
            "received_on": str(timezone.localdate()),
            "reference": "CMB-42",
            "allocations": [{"invoice_id": seeded.mid.pk, "amount": "500"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["reference"]) == ("confirmed", "800.00", "CMB-42")
    assert body["allocations"] == [
        {"invoice_id": seeded.mid.pk, "invoice_number": seeded.mid.number, "amount": "500.00"}
    ]
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("2000.00"), D("1500.00"), D("1500.00")]
    seeded.position.refresh_from_db()
    assert (seeded.position.receivable_balance, seeded.position.prepaid_balance) == (
        D("5000.00"),
        D("1100.00"),
    )


def test_payment_without_allocations_pays_oldest_first(client, net, seeded):
    client.force_login(seeded.fin)
    response = _send(
        client,
        "post",
        f"/api/v1/positions/{seeded.position.pk}/payments",
        {"amount": "2100", "method": "cash", "received_on": str(timezone.localdate())},
    )
    assert response.status_code == 201
    assert [a["amount"] for a in response.json()["allocations"]] == ["2000.00", "100.00"]
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("0.00"), D("1900.00"), D("1500.00")]


@pytest.mark.parametrize(
    "case",
    [
        ({"amount": "0"}, 400, "amount_not_positive"),
        ({"amount": "-100"}, 400, "amount_not_positive"),
        ({"allocations": "too much on one invoice"}, 400, "over_allocation"),
        ({"allocations": "more than the payment"}, 400, "over_allocation"),
        ({"allocations": "another buyer's invoice"}, 404, "invoice_not_of_position"),
        ({"allocations": "a zero allocation"}, 400, "amount_not_positive"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(client, net, seeded, other_invoice, case):
    change, status, code = case
    allocations = {
        "too much on one invoice": [{"invoice_id": seeded.mid.pk, "amount": "2000.01"}],
        "more than the payment": [
            {"invoice_id": seeded.old.pk, "amount": "2000"},
            {"invoice_id": seeded.mid.pk, "amount": "1000"},
        ],
        "another buyer's invoice": [{"invoice_id": other_invoice.pk, "amount": "50"}],
        "a zero allocation": [{"invoice_id": seeded.mid.pk, "amount": "0"}],
    }
    body = {"amount": "2500", "method": "bank_transfer", "received_on": str(timezone.localdate())}
    if "allocations" in change:
        body["allocations"] = allocations[change["allocations"]]
    else:
        body.update(change)
    client.force_login(seeded.fin)
    before = _state(seeded.position)
    response = _send(client, "post", f"/api/v1/positions/{seeded.position.pk}/payments", body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert _state(seeded.position) == before


def test_buyer_submits_finance_confirms_or_rejects(client, net, seeded):
    today = timezone.localdate()
    first = services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=seeded.position,
        amount="2500",
        received_on=today,
        reference="a",
    )
    second = services.payment_submit_slip(
        actor=net.dealer1_admin,
        position=seeded.position,
        amount="10",
        received_on=today,
        reference="b",
    )
    client.force_login(net.dealer1_admin)
    before = _state(seeded.position)
    assert _send(client, "post", f"/api/v1/payments/{first.pk}/confirm", {}).status_code == 403
    assert _state(seeded.position) == before
    client.force_login(seeded.fin)
    confirmed = _send(
        client,
        "post",
        f"/api/v1/payments/{first.pk}/confirm",
        {"allocations": [{"invoice_id": seeded.new.pk, "amount": "1500"}]},
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    assert _open(seeded.old, seeded.mid, seeded.new) == [D("2000.00"), D("2000.00"), D("0.00")]
    seeded.position.refresh_from_db()
    assert seeded.position.prepaid_balance == D("1800.00")  # 800 + the 1000 not allocated
    again = _send(client, "post", f"/api/v1/payments/{first.pk}/confirm", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    no_reason = _send(client, "post", f"/api/v1/payments/{second.pk}/reject", {"reason": " "})
    assert (no_reason.status_code, no_reason.json()["error"]["code"]) == (400, "reason_required")
    rejected = _send(client, "post", f"/api/v1/payments/{second.pk}/reject", {"reason": "查无此款"})
    assert (rejected.json()["status"], rejected.json()["note"]) == ("rejected", "查无此款")


def test_buyer_writes_are_refused(client, net, seeded, other_invoice):
    client.force_login(net.dealer1_admin)
    before = _state(seeded.position)
    base = f"/api/v1/positions/{seeded.position.pk}"
    today = str(timezone.localdate())
    payment = {"amount": "10", "method": "cash", "received_on": today}
    assert _send(client, "post", f"{base}/payments", payment).status_code == 403
    assert _send(client, "put", f"{base}/credit-profile", {"credit_limit": "1"}).status_code == 403
    now = timezone.now()
    limit = {"amount": "1", "valid_from": now.isoformat(), "valid_until": now.isoformat()}
    limit["reason"] = "x"
    assert _send(client, "post", f"{base}/temporary-limits", limit).status_code == 403
    assert _state(seeded.position) == before
    other = other_invoice.position_id
    assert client.get(f"/api/v1/positions/{other}").status_code == 404
    assert client.get(f"/api/v1/positions/{other}/ledger").status_code == 404
    assert client.get("/api/v1/invoices", {"position": other}).status_code == 404


def test_invoices_open_of_a_position(client, net, seeded, other_invoice):
    client.force_login(seeded.fin)
    body = client.get("/api/v1/invoices", {"position": seeded.position.pk, "open": "true"}).json()
    assert [(i["number"], i["open_amount"], i["due_on"]) for i in body["items"]] == [
        (seeded.old.number, "2000.00", str(seeded.old.due_on)),
        (seeded.mid.number, "2000.00", str(seeded.mid.due_on)),
        (seeded.new.number, "1500.00", str(seeded.new.due_on)),
    ]
    assert client.get("/api/v1/invoices", {"open": "true"}).json()["count"] == 4
    client.force_login(net.dealer1_admin)
    assert client.get("/api/v1/invoices").json()["count"] == 3


def test_credit_check_returns_the_numbers(client, net, seeded):
    client.force_login(seeded.fin)
    pair = {"buyer_id": net.dealer1.pk, "seller_id": net.dist1.pk}
    held = _send(client, "post", "/api/v1/credit-check", {**pair, "amount": "9000"}).json()
    assert held == {
        "outcome": "hold",
        "ok": False,
        "amount": "9000.00",
        "credit_limit": "10000.00",
        "temporary": "5000.00",
        "exposure": "5500.00",
        "available": "9500.00",
        "overdue_amount": "4000.00",
        "max_days_overdue": 45,
        "reasons": ["overdue"],
    }
    refused = _send(client, "post", "/api/v1/credit-check", {**pair, "amount": "9500.01"}).json()
    assert (refused["outcome"], refused["reasons"]) == ("refuse", ["overdue", "over_limit"])
    zero = _send(client, "post", "/api/v1/credit-check", {**pair, "amount": "0"})
    assert (zero.status_code, zero.json()["error"]["code"]) == (400, "amount_not_positive")
    client.force_login(net.dealer2_admin)
    assert _send(client, "post", "/api/v1/credit-check", {**pair, "amount": "1"}).status_code == (
        404
    )
    # found by the API fuzz: an id past 64 bits crashed SQLite's comparison (a 500)
    huge = {**pair, "buyer_id": 1712540404770320000558825472, "amount": "1"}
    response = _send(client, "post", "/api/v1/credit-check", huge)
    assert (response.status_code, list(response.json()["error"]["fields"])) == (422, ["buyer_id"])


def test_buyer_uploads_a_slip_through_the_api(client, net, seeded, slip_dir):
    client.force_login(net.dealer1_admin)
    url = f"/api/v1/positions/{seeded.position.pk}/slips"
    today = timezone.localdate().isoformat()
    fake = SimpleUploadedFile("slip.png", b"GIF89a not a png", content_type="image/png")
    refused = client.post(url, {"amount": "300", "received_on": today, "slip": fake})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_slip"
    assert refused.json()["error"]["fields"]["slip"] == ["请上传 JPG、PNG 或 PDF 格式的文件。"]
    assert Payment.objects.filter(position=seeded.position, status="pending").count() == 0
    png = SimpleUploadedFile("slip.png", PNG, content_type="image/png")
    response = client.post(
        url, {"amount": "300", "received_on": today, "reference": "CMB-1", "slip": png}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["reference"], body["has_slip"]) == (
        "pending",
        "300.00",
        "CMB-1",
        True,
    )
    client.force_login(seeded.fin)  # the seller's side records payments directly
    assert client.post(url, {"amount": "1", "received_on": today, "slip": png}).status_code == 403
