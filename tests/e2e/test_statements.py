"""对账: the distributor's finance draws last month's statements and sends one; the dealer
opens it (on a phone), disputes one line with a comment; finance answers with an adjustment
and sends it again; the dealer confirms. Pages in Chinese, the default language."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from qudao.finance import services
from qudao.finance.models import LedgerEntry, Position
from qudao.finance.tests.helpers import at, backdate, last_month
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("pass-1234-word")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def _month_of_ledger(net) -> tuple[date, Position]:
    """dealer1 with dist1 last month: an invoice of 3000 and a rebate of 150."""
    fin = f.member(net.dist1, "finance", username="fin1")
    services.credit_profile_set(
        actor=fin, buyer=net.dealer1, seller=net.dist1, data={"credit_limit": "10000"}
    )
    month = last_month()
    invoice = services.invoice_post(
        actor=fin, buyer=net.dealer1, seller=net.dist1, amount="3000", issued_on=month
    )
    backdate(LedgerEntry.objects.filter(doc_number=invoice.number), at(month))
    position = Position.objects.get(buyer=net.dealer1, seller=net.dist1)
    rebate = services.rebate_credit(actor=fin, position=position, amount="150", memo="九月返利")
    backdate([rebate], at(month + timedelta(days=5)))
    return month, position


def test_dealer_disputes_a_line_and_finance_answers(page: Page, live_server, net, shot):
    month, position = _month_of_ledger(net)
    base = live_server.url

    _login(page, base, "fin1")
    page.goto(f"{base}/finance/")
    page.get_by_test_id("statements-link").click()
    form = page.get_by_test_id("generate-form")
    form.get_by_text("生成月度对账单").click()
    form.get_by_label("月份").fill(f"{month:%Y-%m}")
    form.get_by_role("button", name="生成").click()
    expect(page.get_by_test_id("message")).to_contain_text("新生成 1 张对账单")
    page.get_by_test_id("statement-row").get_by_role("link").click()
    expect(page.get_by_test_id("summary-receivable")).to_contain_text("¥3000.00")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("statement-status")).to_have_text("已发送给采购方")

    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, base, "dealer1")
    page.goto(f"{base}/notifications/")  # the statement arrived as a notification
    note = page.locator(".list-group-item").filter(
        has_text=f"{month:%Y-%m} 对账单（杭州绿源车业有限公司）：请核对并确认"
    )
    note.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("statement-status")).to_have_text("已发送给采购方")
    lines = page.get_by_test_id("line")
    expect(lines).to_have_count(2)
    lines.nth(0).get_by_test_id("dispute-comment").fill("实收货物只有 2800 元")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "statement-dealer-disputes-phone")
    page.get_by_test_id("dispute").click()
    expect(page.get_by_test_id("message")).to_contain_text("异议已提交")
    expect(page.get_by_test_id("statement-status")).to_have_text("有异议")
    expect(lines.nth(0).get_by_test_id("comment")).to_contain_text("实收货物只有 2800 元")

    _finance_answers(page, base, shot)

    _login(page, base, "dealer1")
    page.goto(f"{base}/finance/statements/")
    page.get_by_test_id("statement-row").get_by_role("link").click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("statement-status")).to_have_text("已确认")
    position.refresh_from_db()
    assert position.receivable_balance == 2800


def _finance_answers(page: Page, base: str, shot) -> None:  # type: ignore[no-untyped-def]
    """Finance answers the disputed line with an adjustment of -200 and sends it again."""
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, base, "fin1")
    page.goto(f"{base}/finance/statements/")
    page.get_by_test_id("statement-row").get_by_role("link").click()
    line = page.get_by_test_id("line").nth(0)
    answer = line.get_by_test_id("answer-form")
    answer.get_by_text("答复").first.click()
    answer.get_by_label("答复").fill("核实少发 200 元，已调减应收")
    answer.get_by_label("调整余额（可选）").select_option("receivable")
    answer.get_by_label("调整金额（负数为调减）").fill("-200")
    answer.get_by_role("button", name="保存答复").click()
    expect(page.get_by_test_id("message")).to_contain_text("答复已保存")
    expect(line.get_by_test_id("adjustment")).to_contain_text("¥-200.00")
    page.get_by_test_id("send").click()
    shot(page, "statement-finance-answered")
