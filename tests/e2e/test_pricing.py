"""A dealer searches its distributor's catalogue by pinyin initials and sees its own price."""

import pytest
from playwright.sync_api import Page, expect

from qudao.pricing.tests import factories as pf
from tests.e2e.test_dealer_admin import _login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dealer_finds_a_scooter_by_pinyin_at_its_own_price(page: Page, live_server, net, shot):
    bike = pf.sku("FC-T1-48L0-0", name="飞驰踏板车 T1 48V12Ah锂电 星空灰")
    helmet = pf.sku("FC-HM-A-M", name="飞驰3C认证半盔 M码")
    pf.price_list(net.dist1, code="STD", items={bike: {1: 2000, 10: 1950}, helmet: 80})
    pf.price_list(
        net.dist1, code="VIP", target="buyer", target_buyer=net.dealer1.pk, items={bike: 1900}
    )
    base = live_server.url
    _login(page, base, "dealer1")
    page.get_by_role("link", name="订货目录").click()
    page.get_by_role("link", name="杭州绿源车业有限公司").click()
    table = page.get_by_test_id("shop-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    page.get_by_placeholder("名称、编码、条码或拼音首字母").fill("tbc")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("飞驰踏板车 T1")
    expect(table.get_by_test_id("price")).to_have_text("¥1900.00")
    shot(page, "shop-dealer-own-price")
