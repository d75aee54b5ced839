"""Statement pages and API: drawing, sending, disputing, answering; PDF and Excel."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from qudao.core.models import Notification
from qudao.finance import selectors, services
from qudao.finance.models import LedgerEntry, Statement, StatementComment
from qudao.finance.tests.helpers import at, backdate
from qudao.network.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
PASSWORD = "pass-1234-word"


@pytest.fixture
def sent(net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    statement = Statement.objects.get(position__buyer=net.dealer1)
    return services.statement_send(actor=fin, statement=statement)


def _login(client, user):
    client.force_login(user)
    return client


def test_finance_draws_the_month_from_the_list_page(client, net, fin, month):
    _login(client, fin)
    page = client.get("/finance/statements/")
    assert page.status_code == 200
    assert page.context["generate_form"] is not None
    response = client.post(
        "/finance/statements/generate/",
        {"seller": net.dist1.pk, "period": month.strftime("%Y-%m")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/finance/statements/?period={month:%Y-%m}"
    statement = Statement.objects.get()
    assert [s.pk for s in response.context["page"].object_list] == [statement.pk]
    refused = client.post(
        "/finance/statements/generate/",
        {"seller": net.dist1.pk, "period": "2099-01"},
    )
    assert refused.status_code == 400
    assert (
        refused.context["generate_form"].non_field_errors()
        or refused.context["generate_form"].errors
    )
    assert Statement.objects.count() == 1


def test_statement_list_runs_a_constant_number_of_queries(client, net, fin, month):
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    _login(client, fin)
    with CaptureQueriesContext(connection) as one:
        client.get("/finance/statements/")
    for n in range(5):
        buyer = f.org(net.dist1, "dealer", name=f"经销商{n}")
        services.credit_profile_set(
            actor=fin, buyer=buyer, seller=net.dist1, data={"credit_limit": "1000"}
        )
        position = selectors.position_list_for_actor(actor=fin, buyer_id=buyer.pk).get()
        entry = services.rebate_credit(actor=fin, position=position, amount="10", memo="")
        backdate([entry], at(month + timedelta(days=3)))
    services.statements_generate(actor=fin, seller=net.dist1, period=month)
    with CaptureQueriesContext(connection) as six:
        response = client.get("/finance/statements/")
    assert len(response.context["page"].object_list) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


@pytest.fixture
def flow(client, net, fin, sent, django_capture_on_commit_callbacks):
    """The dispute, the answer, the second sending and the confirmation, with the outbox
    delivered after each commit as in production."""
    with django_capture_on_commit_callbacks(execute=True):
        _dispute_answer_confirm(client, net, fin, sent)


def test_dealer_disputes_a_line_and_finance_answers(net, month, sent, flow):
    # each step told the other side, in the app (the first sending is the fixture's)
    sent_url = f"/finance/statements/{sent.pk}/"
    resent = f"{month:%Y-%m} 对账单（{net.dist1.name}）：请核对并确认"
    assert list(
        Notification.objects.order_by("id").values_list("user__username", "title", "url")
    ) == [
        ("fin", f"{net.dealer1.name} 对对账单 {sent.number} 提出异议", sent_url),
        (net.dealer1_admin.username, resent, sent_url),
        ("fin", f"{net.dealer1.name} 已确认对账单 {sent.number}", sent_url),
    ]


def _dispute_answer_confirm(client, net, fin, sent):
    dealer = _login(client, net.dealer1_admin)
    page = dealer.get(f"/finance/statements/{sent.pk}/")
    assert page.status_code == 200
    assert page.context["can_respond"] is True
    lines = page.context["view"].lines
    response = dealer.post(
        f"/finance/statements/{sent.pk}/dispute/",
        {f"comment_{lines[1].pk}": "这笔回款是 1300", f"comment_{lines[0].pk}": "  "},
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == "disputed"
    assert [(c.line_id, c.side, c.text) for c in StatementComment.objects.all()] == [
        (lines[1].pk, "buyer", "这笔回款是 1300")
    ]
    finance = _login(client, fin)
    prefix = f"line{lines[1].pk}"
    refused = finance.post(
        f"/finance/statements/{sent.pk}/lines/{lines[1].pk}/answer/",
        {f"{prefix}-text": "补记", f"{prefix}-adjust_amount": "-100"},
    )
    assert refused.status_code == 400
    assert refused.context["view"].lines[1].answer_form.errors["adjust_account"]
    finance.post(
        f"/finance/statements/{sent.pk}/lines/{lines[1].pk}/answer/",
        {
            f"{prefix}-text": "查到 100 元回款漏记，已补记",
            f"{prefix}-adjust_account": "receivable",
            f"{prefix}-adjust_amount": "-100",
        },
    )
    answer = StatementComment.objects.get(side="seller")
    assert (answer.text, answer.adjustment.amount) == ("查到 100 元回款漏记，已补记", D("-100.00"))
    assert finance.post(f"/finance/statements/{sent.pk}/send/").status_code == 302
    sent.refresh_from_db()
    assert sent.status == "sent"
    _login(client, net.dealer1_admin).post(f"/finance/statements/{sent.pk}/confirm/")
    sent.refresh_from_db()
    assert sent.status == "confirmed"


def test_the_pdf_carries_the_chinese_text_and_the_numbers(client, net, fin, sent):
    response = _login(client, net.dealer1_admin).get(f"/finance/statements/{sent.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{sent.number}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "对账单" in text
    assert net.dealer1.name in text
    assert net.dist1.name in text
    assert sent.number in text
    assert "¥2300.00" in text  # closing receivables
    assert "Q3 返利" in text


def test_the_excel_has_the_summary_and_every_line(client, net, fin, sent):
    response = _login(client, fin).get(f"/finance/statements/{sent.pk}/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == f"对账单 {sent.number}"
    assert rows[2][:2] == ["采购方", net.dealer1.name]
    assert rows[7][:5] == ["应收账款", 1000, 2500, 1200, 2300]
    amounts = [row[5] for row in rows[12:]]
    assert amounts == [2500, -1200, 300]


def test_pages_are_scoped(client, net, fin, sent):
    other = _login(client, net.dealer2_admin)
    for url in ("", "pdf/", "xlsx/"):
        assert other.get(f"/finance/statements/{sent.pk}/{url}").status_code == 404
    assert other.post(f"/finance/statements/{sent.pk}/confirm/").status_code == 404
    sent.refresh_from_db()
    assert sent.status == "sent"
    # the buyer cannot send; the seller cannot confirm — messages, nothing changes
    _login(client, net.dealer1_admin).post(f"/finance/statements/{sent.pk}/send/")
    _login(client, fin).post(f"/finance/statements/{sent.pk}/confirm/")
    sent.refresh_from_db()
    assert sent.status == "sent"


def _api(client, user, method, url, body=None):
    client.force_login(user)
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{url}")
    return call(f"/api/v1{url}", data=json.dumps(body), content_type="application/json")


def test_api_statement_flow(client, net, fin, month):
    generated = _api(
        client,
        fin,
        "post",
        "/statements/generate",
        {"seller_id": net.dist1.pk, "period": month.isoformat()},
    )
    assert generated.status_code == 200, generated.content
    assert generated.json() == {"created": 1, "regenerated": 0, "skipped": 0}
    statement = Statement.objects.get()
    assert _api(client, net.dealer1_admin, "get", "/statements").json()["count"] == 0
    sent = _api(client, fin, "post", f"/statements/{statement.pk}/send").json()
    assert sent["status"] == "sent"
    assert [a["closing"] for a in sent["accounts"]] == ["2300.00", "0.00", "300.00"]
    listed = _api(client, net.dealer1_admin, "get", "/statements").json()
    assert [(s["number"], s["buyer_name"]) for s in listed["items"]] == [
        (statement.number, net.dealer1.name)
    ]
    line_id = sent["lines"][0]["id"]
    bad = _api(
        client,
        net.dealer1_admin,
        "post",
        f"/statements/{statement.pk}/dispute",
        {"lines": [{"line_id": 999999, "comment": "?"}]},
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (404, "line_not_on_statement")
    disputed = _api(
        client,
        net.dealer1_admin,
        "post",
        f"/statements/{statement.pk}/dispute",
        {"lines": [{"line_id": line_id, "comment": "金额不对"}]},
    ).json()
    assert disputed["status"] == "disputed"
    assert disputed["lines"][0]["comments"][0]["text"] == "金额不对"
    answered = _api(
        client,
        fin,
        "post",
        f"/statements/{statement.pk}/lines/{line_id}/answer",
        {"text": "金额无误，见发货单", "adjust_account": None, "adjust_amount": None},
    ).json()
    assert answered["lines"][0]["dispute"] == "answered"
    _api(client, fin, "post", f"/statements/{statement.pk}/send")
    confirmed = _api(client, net.dealer1_admin, "post", f"/statements/{statement.pk}/confirm")
    assert confirmed.json()["status"] == "confirmed"
    twice = _api(client, net.dealer1_admin, "post", f"/statements/{statement.pk}/confirm")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invalid_transition")
    pdf = _api(client, net.dealer1_admin, "get", f"/statements/{statement.pk}/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert _api(client, net.dealer2_admin, "get", f"/statements/{statement.pk}").status_code == 404
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 0
