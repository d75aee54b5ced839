"""A brand marketing user creates a 满减 in the browser (from ¥5,000, ¥200 off the bikes),
submits it, approves and publishes it; the simulator, on a phone, prices three scooters for
a distributor at ¥6,000 and shows the ¥200 off with the price that is left."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from qudao.catalog.tests.factories import ebike_catalogue
from qudao.network.tests import factories as f
from qudao.pricing.tests import factories as pf
from qudao.promotions.models import Promotion
from tests.e2e.test_orders import _login, _no_sideways_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_brand_marketing_creates_a_threshold_promotion_and_simulates_it(
    page: Page, live_server, net, shot
):
    cat = ebike_catalogue()
    pf.price_list(net.hq, code="HQ-STD", items={cat["grey"]: "2000", cat["pad"]: "25"})
    f.member(net.hq, "brand_admin", username="hq-marketing")
    base = live_server.url
    _login(page, base, "hq-marketing")
    promotion = _create(page, base, cat, shot)
    _submit_approve_publish(page, shot)
    _simulate(page, shot)
    promotion.refresh_from_db()
    assert (promotion.status, promotion.rules["tiers"]) == (
        "live",
        [{"threshold": "5000", "amount": "200"}],
    )
    assert list(promotion.products.values_list("category_id", flat=True)) == [cat["bikes"].pk]


def _create(page: Page, base: str, cat, shot) -> Promotion:  # type: ignore[no-untyped-def]
    """The 满减 from the list's "new promotion": from ¥5,000, ¥200 off the bikes."""
    page.get_by_role("link", name="促销", exact=True).click()
    expect(page).to_have_url(f"{base}/promotions/")
    page.get_by_test_id("new-promotion").click()
    form = page.get_by_test_id("promotion-form")
    form.locator("input[name=name]").fill("春季整车满减")
    form.locator("select[name=kind]").select_option("threshold_amount_off")
    yesterday = timezone.localtime() - timedelta(days=1)
    form.locator("input[name=starts_at]").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    form.locator("textarea[name=table]").fill("5000 200")
    expect(form.locator("input[name=percent]")).to_be_hidden()  # not a field of 满减
    form.locator("select[name=categories]").select_option(str(cat["bikes"].pk))
    shot(page, "promotions-new-threshold")
    page.get_by_test_id("save").click()
    promotion = Promotion.objects.get()
    expect(page).to_have_url(f"{base}/promotions/{promotion.pk}/")
    return promotion


def _submit_approve_publish(page: Page, shot) -> None:  # type: ignore[no-untyped-def]
    status = page.get_by_test_id("promotion-status")
    expect(status).to_have_attribute("data-status", "draft")
    # the conflict check prices a sample order with the draft: three scooters for D-HZ
    sample = page.get_by_test_id("sample-order")
    expect(sample.get_by_test_id("sample-buyer")).to_have_attribute("data-code", "D-HZ")
    expect(sample.get_by_test_id("sim-net")).to_have_text("¥5800.00")
    page.get_by_test_id("submit").click()
    expect(status).to_have_attribute("data-status", "submitted")
    page.get_by_test_id("approve-form").locator("summary").click()
    page.get_by_test_id("approve-form-submit").click()
    expect(status).to_have_attribute("data-status", "approved")
    page.get_by_test_id("publish").click()
    expect(status).to_have_attribute("data-status", "live")
    expect(page.get_by_test_id("conflicts")).to_be_visible()
    shot(page, "promotions-live-detail")


def _simulate(page: Page, shot) -> None:  # type: ignore[no-untyped-def]
    """On a phone: three scooters at ¥2,000 and four pads at ¥25 for the distributor."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_test_id("simulate").click()
    sim = page.get_by_test_id("simulate-form")
    sim.locator("input[name=buyer]").fill("D-HZ")
    sim.locator("textarea[name=lines]").fill("TB-S1-GRY 3\nBP-01-STD 4")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("sim-gross")).to_have_text("¥6100.00")
    expect(page.get_by_test_id("sim-discount")).to_have_text("−¥200.00")
    expect(page.get_by_test_id("sim-net")).to_have_text("¥5900.00")
    bikes = page.locator("[data-testid=sim-line][data-sku='TB-S1-GRY']")
    expect(bikes.get_by_test_id("adjustment")).to_contain_text("春季整车满减")
    expect(bikes.get_by_test_id("adjustment-amount")).to_have_text("¥-200.00")
    expect(bikes.get_by_test_id("line-net")).to_contain_text("¥5800.00")
    pads = page.locator("[data-testid=sim-line][data-sku='BP-01-STD']")
    expect(pads.get_by_test_id("adjustment")).to_have_count(0)
    applied = page.get_by_test_id("applied-row")
    expect(applied).to_have_count(1)
    expect(applied.get_by_test_id("applied-discount")).to_have_text("−¥200.00")
    _no_sideways_scroll(page)
    shot(page, "promotions-simulator-phone")
