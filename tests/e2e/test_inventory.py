"""A dealer's warehouse clerk moves 500 e-bikes to its back warehouse by pasting their frame
numbers: two of them are wrong (one unknown, one a unit of another SKU); all 500 are checked
at once, the two are named, nothing moves; without them the transfer goes, and the back
warehouse receives it. Pages in Chinese, the default language."""

import pytest
from playwright.sync_api import Page, expect

from qudao.catalog.tests.factories import ebike_catalogue
from qudao.inventory.tests import factories as inv
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("pass-1234-word")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_clerk_pastes_500_serials_and_sees_the_two_bad_ones(page: Page, live_server, net, shot):
    cat = ebike_catalogue()
    main = inv.warehouse(net.dealer1, "DL1-MAIN", name="迅达主仓")
    back = inv.warehouse(net.dealer1, "DL1-BACK", name="迅达后仓")
    frames = inv.serials("LX2026", 498)
    inv.receive(main, (cat["grey"], 498, frames), (cat["white"], 1, ["WT000001"]))
    f.member(net.dealer1, "warehouse_clerk", username="clerk1")
    base = live_server.url

    _login(page, base, "clerk1")
    page.get_by_role("link", name="库存", exact=True).first.click()
    page.get_by_test_id("warehouses").get_by_role("link", name="迅达电动车行 · 迅达主仓").click()
    form = page.get_by_test_id("transfer-form")
    form.locator("summary").click()
    form.locator("select[name=to_warehouse]").select_option(label=back.name)
    form.locator("input[name=sku]").fill(cat["grey"].code)
    pasted = [*frames, "LX2026999999", "WT000001"]
    form.locator("textarea[name=serials]").fill("\n".join(pasted))
    form.get_by_role("button").click()
    errors = page.get_by_test_id("transfer-form").locator(".invalid-feedback")
    expect(errors.filter(has_text="LX2026999999")).to_have_count(1)
    expect(errors.filter(has_text="WT000001")).to_have_count(1)
    shot(page, "inventory-500-serials-two-bad")
    assert inv.balance(main, cat["grey"]) == (498, 0, 0)

    form = page.get_by_test_id("transfer-form")
    form.locator("textarea[name=serials]").fill("\n".join(frames))
    form.get_by_role("button").click()
    expect(page.get_by_test_id("message")).to_contain_text("在途")
    assert inv.balance(main, cat["grey"]) == (0, 0, 0)
    page.get_by_test_id("open-transits").get_by_role("link").click()
    page.get_by_test_id("receive").click()
    expect(page.get_by_test_id("transit-line").get_by_test_id("received")).to_have_text("498")
    assert inv.balance(back, cat["grey"]) == (498, 0, 0)
