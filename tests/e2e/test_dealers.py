"""From the public application to the dealer's first login, in the browser (zh-hans): an
applicant with no account applies on the public form (province → city → district cascade,
a licence scan) and follows it by its private link; the brand's channel manager starts the
review, scores it (86.00 against the pass mark of 60) and places it under 杭州绿源; the
region manager approves step 1, the channel manager step 2. The channel manager then walks
the onboarding checklist — the distributor's finance posts the deposit and the credit
profile — and ordering opens; the dealer's admin logs in with the one-time password."""

import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from qudao.catalog.tests.factories import category
from qudao.dealers.models import Dealer
from qudao.dealers.tests.factories import valid_uscc
from qudao.finance.models import Position
from qudao.network.models import Org
from qudao.network.tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "杭州新锐电动车行"
PHONE = "13957112345"
PASSWORD = "pass-1234-word"  # the factories' users


def _png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _login(page: Page, base: str, login: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def _done(page: Page, text: str) -> None:
    expect(page.get_by_test_id("message").first).to_contain_text(text)


def test_public_application_to_first_login(
    page: Page, live_server, net, shot, tmp_path: Path
) -> None:
    category("C-BIKE", "整车")
    category("C-PART", "配件")
    f.member(net.hq, "channel_manager", username="channel", display_name="周敏")
    f.member(net.dist1, "finance", username="hz-finance", display_name="绿源财务")
    base = live_server.url
    licence = tmp_path / "营业执照.png"
    licence.write_bytes(_png())
    contract = tmp_path / "经销合同.png"
    contract.write_bytes(_png())

    track_url = _apply(page, base, licence, shot)
    dealer = Dealer.objects.get(company_name=COMPANY)  # `net`'s dealers have records too
    _review(page, base, dealer, net.dist1)
    _approve(page, base, dealer, shot)
    page.goto(track_url)
    expect(page.get_by_test_id("stage")).to_have_text("已审批通过")
    expect(page.get_by_test_id("status")).to_contain_text("您的申请已通过")

    onboarding = _onboard_org(page, base, dealer, contract)
    username, password = _onboard_rest(page, base, onboarding, shot)

    # the first login of the dealer's admin, with the password shown once
    _login(page, base, username, password)
    expect(page.locator("h2.page-title")).to_have_text("您好，陈志强")
    shot(page, "dealers-first-login")
    page.get_by_role("link", name="渠道网络").click()
    expect(page.get_by_test_id("tree")).to_contain_text(COMPANY)

    dealer.refresh_from_db()
    org = dealer.org
    assert org is not None
    assert (
        dealer.stage,
        dealer.score,
        org.name,
        Org.objects.get_parent(org).pk,
        org.holds,
        org.grade,
    ) == (
        "onboarding",
        Decimal("86.00"),
        COMPANY,
        net.dist1.pk,
        [],
        "B",
    )
    position = Position.objects.get(buyer=org, seller=net.dist1)
    assert (position.deposit_balance, position.credit_limit, position.payment_term_days) == (
        Decimal("20000.00"),
        Decimal("50000.00"),
        30,
    )


def _apply(page: Page, base: str, licence: Path, shot) -> str:  # type: ignore[no-untyped-def]
    """The anonymous applicant's form, the thank-you page and the tracking page."""
    page.goto(f"{base}/dealers/apply/")
    form = page.get_by_test_id("apply-form")
    form.locator("#id_company_name").fill(COMPANY)
    form.locator("#id_uscc").fill(valid_uscc(901))
    form.locator("#id_legal_rep").fill("陈志强")
    form.locator("#id_registered_capital").fill("1000000")
    form.locator("#id_contact_name").fill("陈志强")
    form.locator("#id_contact_phone").fill(PHONE)
    form.locator("#id_province").select_option(label="浙江省")
    expect(form.locator("#id_city option", has_text="杭州市")).to_have_count(1)
    form.locator("#id_city").select_option(label="杭州市")
    expect(form.locator("#id_district option", has_text="西湖区")).to_have_count(1)
    form.locator("#id_district").select_option(label="西湖区")
    form.locator("#id_intended_territory").select_option(label="西湖区")
    form.locator("#id_address").fill("西湖区文三路 90 号")
    form.locator("#id_categories").select_option(label="整车")
    form.locator("#id_store_area").fill("260")
    form.locator("#id_years_in_business").fill("8")
    form.locator("#id_brands_carried").fill("雅迪, 爱玛")
    form.locator("#id_licence_files").set_input_files(str(licence))
    shot(page, "dealers-apply-form")
    page.get_by_test_id("apply-submit").click()

    done = page.get_by_test_id("apply-done")
    expect(done).to_be_visible()
    number = page.get_by_test_id("application-number").inner_text()
    assert number.startswith("DA-"), number
    link = page.get_by_test_id("track-link")
    track_url = link.get_attribute("href") or ""
    assert track_url.startswith(f"{base}/dealers/track/"), track_url
    link.click()
    expect(page).to_have_url(track_url)
    expect(page.get_by_test_id("application-number")).to_have_text(number)
    expect(page.get_by_test_id("stage")).to_have_text("意向客户")
    expect(page.get_by_test_id("status")).to_have_text("您的申请已收到，正在等待审核。")
    expect(page.get_by_test_id("files")).to_contain_text("营业执照 · 营业执照.png")
    return track_url


def _review(page: Page, base: str, dealer: Dealer, parent) -> None:  # type: ignore[no-untyped-def]
    """The channel manager finds it from the home widget, starts the review, scores it and
    places it under the distributor 杭州绿源."""
    _login(page, base, "channel")
    page.get_by_role("link", name="待审核的经销商申请").click()
    expect(page).to_have_url(f"{base}/dealers/applications/")
    row = page.locator(f"[data-testid=application-row][data-number='{dealer.number}']")
    expect(row.get_by_test_id("stage")).to_have_text("意向客户")
    row.get_by_role("link", name=COMPANY).click()
    expect(page).to_have_url(f"{base}/dealers/applications/{dealer.pk}/")
    page.get_by_test_id("start-review").click()
    _done(page, "已开始审核。")
    expect(page.get_by_test_id("stage")).to_have_text("审核中")
    # the figures scored themselves from the bands: 8 years, 2 brands, ¥1,000,000, 260 m²
    scores = {
        "years": "100.00",
        "brands": "100.00",
        "capital": "80.00",
        "store_area": "80.00",
    }
    for code, value in scores.items():
        cell = page.locator(f"[data-testid=score-row][data-code={code}] [data-testid=score]")
        expect(cell).to_have_text(value)
    expect(page.get_by_test_id("total")).to_have_text("—")  # three reviewer scores missing
    for code, value in (("coverage", "80"), ("after_sales", "75"), ("credit", "90")):
        page.locator(f"input[name=score_{code}]").fill(value)
    page.locator("input[name=note_credit]").fill("征信良好")
    page.get_by_test_id("save-scores").click()
    _done(page, "评分已保存。")
    # (4×100 + 20×100 + 10×80 + 15×80 + 15×80 + 16×75 + 20×90) / 100
    expect(page.get_by_test_id("total")).to_have_text("86.00")
    expect(page.get_by_test_id("scorecard")).to_contain_text("达标")
    expect(page.get_by_test_id("parent")).to_have_text("—")
    page.get_by_test_id("parent-form").locator("select[name=parent]").select_option(str(parent.pk))
    page.get_by_test_id("parent-form").get_by_role("button").click()
    _done(page, "已选择上级。")
    expect(page.get_by_test_id("parent")).to_have_text("杭州绿源车业有限公司")
    # step 1 is the region manager's: nothing to decide here yet
    steps = page.get_by_test_id("chain-step")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("等待中")
    expect(page.get_by_test_id("approve")).to_have_count(0)


def _approve(page: Page, base: str, dealer: Dealer, shot) -> None:  # type: ignore[no-untyped-def]
    """Region manager (step 1), then channel manager (step 2): approved."""
    detail = f"{base}/dealers/applications/{dealer.pk}/"
    _login(page, base, "east")
    page.goto(detail)
    step1 = page.locator("[data-testid=chain-step][data-role=region_manager]")
    step1.locator("input[name=comment]").fill("华东大区同意")
    step1.get_by_test_id("approve").click()
    _done(page, "审批结果已记录。")
    expect(step1).to_contain_text("已通过")
    expect(page.get_by_test_id("stage")).to_have_text("审核中")

    _login(page, base, "channel")
    page.goto(detail)
    step2 = page.locator("[data-testid=chain-step][data-role=channel_manager]")
    step2.get_by_test_id("approve").click()
    _done(page, "审批结果已记录。")
    expect(page.get_by_test_id("stage")).to_have_text("已审批通过")
    expect(step2).to_contain_text("已通过")
    shot(page, "dealers-application-approved")


def _item(page: Page, code: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(f"item-{code}")


def _onboard_org(page: Page, base: str, dealer: Dealer, contract: Path) -> str:
    """Onboarding started from the application page; its first items: the signed contract,
    then the org, on the onboarding hold. Returns the checklist's URL."""
    onboarding = f"{base}/dealers/{dealer.pk}/onboarding/"
    page.goto(f"{base}/dealers/applications/{dealer.pk}/")
    page.locator(f"a[href='/dealers/{dealer.pk}/onboarding/']").click()
    expect(page).to_have_url(onboarding)
    page.get_by_test_id("start-submit").click()
    _done(page, "已开始入驻。")
    expect(page.get_by_test_id("stage")).to_have_text("入驻中")
    expect(page.get_by_test_id("ordering")).to_have_text("尚未建立组织")

    # 1. the signed contract's scan
    _item(page, "contract").locator("input[name=file]").set_input_files(str(contract))
    page.get_by_test_id("submit-contract").click()
    _done(page, "已归档签署的合同。")
    expect(_item(page, "contract")).to_have_attribute("data-done", "1")
    expect(page.get_by_test_id("who-contract")).to_contain_text("周敏")
    expect(page.get_by_test_id("note-contract")).to_have_text("经销合同.png")

    # 2. the org, under 杭州绿源, on the onboarding hold
    page.get_by_test_id("submit-org").click()
    expect(_item(page, "org")).to_have_attribute("data-done", "1")
    expect(page.get_by_test_id("org")).to_contain_text(COMPANY)
    expect(page.get_by_test_id("ordering")).to_contain_text("入驻手续未完成")
    # the deposit and the credit profile are the seller's finance's
    expect(page.get_by_test_id("not-yours-deposit")).to_have_text("由供货方财务办理。")
    expect(page.get_by_test_id("not-yours-credit")).to_have_text("由供货方财务办理。")
    return onboarding


def _onboard_rest(page: Page, base: str, onboarding: str, shot) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The other items in order, the deposit and credit by 杭州绿源's finance; ordering opens
    with the last. Returns the invited admin's username and one-time password."""
    # 3. the deposit, by the distributor's finance
    _login(page, base, "hz-finance")
    page.goto(onboarding)
    deposit = page.get_by_test_id("form-deposit")
    deposit.locator("input[name=amount]").fill("20000")
    page.get_by_test_id("submit-deposit").click()
    _done(page, "保证金已入账。")
    expect(page.get_by_test_id("deposit")).to_have_text("¥20000.00")

    # 4. users: the applicant's contact, with a password shown once
    _login(page, base, "channel")
    page.goto(onboarding)
    users = page.get_by_test_id("form-users")
    expect(users.locator("input[name=username]")).to_have_value(PHONE)
    page.get_by_test_id("submit-users").click()
    invitation = page.get_by_test_id("invitation")
    expect(invitation).to_be_visible()
    username = page.get_by_test_id("invited-username").inner_text()
    password = page.get_by_test_id("password").inner_text()
    assert (username, len(password) >= 12) == (PHONE, True)
    expect(page.get_by_test_id("users")).to_contain_text("经销商管理员")

    # 5. price grade
    page.get_by_test_id("form-price_grade").locator("select[name=grade]").select_option("B")
    page.get_by_test_id("submit-price_grade").click()
    _done(page, "价格等级已设定。")
    expect(page.get_by_test_id("grade")).to_have_text("B")
    expect(page.get_by_test_id("invitation")).to_have_count(0)  # shown once only

    # 6. credit, by the distributor's finance
    _login(page, base, "hz-finance")
    page.goto(onboarding)
    credit = page.get_by_test_id("form-credit")
    credit.locator("input[name=credit_limit]").fill("50000")
    credit.locator("input[name=payment_term_days]").fill("30")
    page.get_by_test_id("submit-credit").click()
    _done(page, "信用额度已设定。")
    expect(page.get_by_test_id("credit")).to_have_text("¥50000.00 · 30 天")

    # 7. territory: the intended district, exclusive — the last item before ordering
    _login(page, base, "channel")
    page.goto(onboarding)
    territory = page.get_by_test_id("form-territory")
    expect(territory.locator("input[name=districts]")).to_have_value("330106")
    expect(page.get_by_test_id("ordering")).to_contain_text("订货暂停")
    page.get_by_test_id("submit-territory").click()
    _done(page, "区域已划定。")
    expect(page.get_by_test_id("territory")).to_contain_text("西湖区")
    expect(page.get_by_test_id("ordering")).to_have_text("已开放订货")
    for code in ("contract", "org", "deposit", "users", "price_grade", "credit", "territory"):
        expect(_item(page, code)).to_have_attribute("data-done", "1")
    expect(_item(page, "first_order")).to_have_attribute("data-done", "0")
    shot(page, "dealers-onboarding-ordering-open")
    return username, password
