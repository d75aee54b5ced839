"""A dealer admin logs in, switches language, opens their org, and is refused another's."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("heading", name="登录您的账户")).to_be_visible()
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill("pass-1234-word")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def test_dealer_admin_flow(page: Page, live_server, net, shot) -> None:
    base = live_server.url
    _login(page, base, "13800000001")  # by mobile number
    expect(page.get_by_test_id("widgets")).to_contain_text("我的网络中的组织")
    shot(page, "home-zh")

    page.get_by_test_id("language-select").select_option("en")
    expect(page.get_by_test_id("widgets")).to_contain_text("Orgs in my network")
    shot(page, "home-en")
    page.get_by_test_id("language-select").select_option("zh-hans")
    expect(page.get_by_test_id("widgets")).to_contain_text("我的网络中的组织")

    page.goto(f"{base}/network/")
    tree = page.get_by_test_id("tree")
    expect(tree).to_contain_text("杭州迅达电动车行")
    expect(tree).not_to_contain_text("广州迅力")
    page.get_by_role("link", name="杭州迅达电动车行").click()
    expect(page.get_by_test_id("profile")).to_contain_text("DL-HZ1")
    expect(page.get_by_test_id("members")).to_contain_text("经销商管理员")
    shot(page, "org-detail")

    response = page.goto(f"{base}/network/orgs/{net.dealer3.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error-404")).to_contain_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("广州迅力")
    shot(page, "refused-404")


def test_search_by_pinyin_initials_on_a_phone(page: Page, live_server, net, shot) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    base = live_server.url
    _login(page, base, "admin")
    page.goto(f"{base}/network/orgs/")
    page.get_by_placeholder("名称、编码或拼音首字母").fill("gzxl")
    table = page.get_by_test_id("org-table")
    expect(table).to_contain_text("广州迅力电动车")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=gzxl"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "org-search-phone")


def test_admin_creates_org_with_cascading_address(page: Page, live_server, net, shot) -> None:
    base = live_server.url
    _login(page, base, "admin")
    page.goto(f"{base}/network/orgs/{net.dealer1.pk}/new/")
    page.get_by_label("编码").fill("S-HZ9")
    page.get_by_label("名称", exact=True).fill("杭州滨江旗舰店")
    page.get_by_label("省").select_option(label="浙江省")
    expect(page.get_by_label("市", exact=True).locator("option", has_text="杭州市")).to_have_count(
        1
    )
    page.get_by_label("市", exact=True).select_option(label="杭州市")
    expect(page.get_by_label("区县").locator("option", has_text="滨江区")).to_have_count(1)
    page.get_by_label("区县").select_option(label="滨江区")
    page.get_by_label("统一社会信用代码").fill("91330106MA2B0CDE0X")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("org-form")).to_contain_text("不是有效的统一社会信用代码")
    shot(page, "org-form-error")
    page.get_by_label("统一社会信用代码").fill("91330106MA2B0CDE0T")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("profile")).to_contain_text("浙江省杭州市滨江区")
    expect(page.get_by_test_id("audit")).to_contain_text("组织已创建")
    shot(page, "org-created")


PHONE_PAGES = [
    "/",
    "/network/",
    "/org",
    "/accounts/profile/",
    "/notifications/",
    "/catalog/",
    "/pricing/",
    "/pricing/shop/",
    "/shop",
    "/pricing/explain/",
]


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_pages_fit_a_phone(page: Page, live_server, net, shot, path) -> None:
    from qudao.pricing.tests import factories as pf

    bike = pf.sku("FC-T1-48L0-0", name="飞驰踏板车 T1 48V12Ah锂电 星空灰")
    pf.price_list(net.dist1, code="STD", items={bike: {1: 2000, 10: 1950}})
    page.set_viewport_size({"width": 360, "height": 740})
    base = live_server.url
    _login(page, base, "dealer1")
    url = {
        "/org": f"/network/orgs/{net.dealer1.pk}/",
        "/shop": f"/pricing/shop/{net.dist1.pk}/",
    }.get(path, path)
    response = page.goto(f"{base}{url}")
    assert response is not None and response.status == 200
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{url} scrolls sideways at phone width ({width}px)"
    shot(page, "phone" + (path.replace("/", "-").rstrip("-") or "-home"))
