"""The distributor's finance records a bank transfer on a dealer's position; it pays the oldest
invoice first, and the dealer then sees its lower receivable (on a phone too). Pages run in
English (language cookie): the zh-hans catalogue of these strings is filled in separately."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from qudao.finance import services
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("pass-1234-word")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_finance_records_a_payment_and_the_dealer_sees_it(page: Page, live_server, net, shot):
    fin = f.member(net.dist1, "finance", username="fin1")
    services.credit_profile_set(
        actor=fin,
        buyer=net.dealer1,
        seller=net.dist1,
        data={"credit_limit": "10000", "payment_term_days": 15},
    )
    pair = {"actor": fin, "buyer": net.dealer1, "seller": net.dist1}
    today = timezone.localdate()
    services.invoice_post(**pair, amount="3000", issued_on=today - timedelta(days=20))
    services.invoice_post(**pair, amount="1000", issued_on=today)
    base = live_server.url

    _login(page, base, "fin1")
    expect(page.get_by_test_id("widgets")).to_contain_text("¥3,000.00")  # overdue receivables
    page.get_by_role("link", name="Finance", exact=True).click()
    row = page.get_by_test_id("positions").get_by_test_id("position-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("status")).to_have_text("Normal")
    row.get_by_role("link", name="杭州迅达电动车行").click()
    numbers = page.get_by_test_id("numbers")
    expect(numbers.get_by_test_id("receivable")).to_have_text("¥4000.00")
    expect(numbers.get_by_test_id("overdue")).to_contain_text("¥3000.00")

    form = page.get_by_test_id("payment-form")
    form.get_by_text("Record a payment").click()
    form.get_by_label("Amount").fill("3200")
    form.get_by_label("Method").select_option("bank_transfer")
    form.get_by_label("Bank reference").fill("ICBC-20261127")
    expect(form.get_by_label("Received on")).to_have_value(str(today))
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("message")).to_contain_text("Payment recorded.")
    expect(numbers.get_by_test_id("receivable")).to_have_text("¥800.00")
    expect(numbers.get_by_test_id("overdue")).to_have_text("¥0.00")
    expect(page.get_by_test_id("open-invoices").get_by_test_id("open-amount")).to_have_text(
        ["¥800.00"]
    )
    shot(page, "finance-payment-recorded")

    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, base, "dealer1")
    page.goto(f"{base}/finance/")
    own = page.get_by_test_id("own-positions")
    own.get_by_role("link", name="杭州绿源车业有限公司").click()
    numbers = page.get_by_test_id("numbers")
    expect(numbers.get_by_test_id("receivable")).to_have_text("¥800.00")
    expect(numbers.get_by_test_id("available")).to_have_text("¥9200.00")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)
    expect(page.get_by_test_id("payments")).to_contain_text("ICBC-20261127")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "finance-dealer-position-phone")
