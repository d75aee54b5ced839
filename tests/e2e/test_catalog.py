"""The brand admin finds a scooter by pinyin initials, adds a pack size and sees it in the SKU's
history; a refused import shows its rows and hands out the report; a dealer browses the
catalogue on a phone. Pages run in English (language cookie): the zh-hans catalogue of these
strings is filled in separately, and the data-testids do not depend on it."""

import re

import pytest
from playwright.sync_api import Page, expect

from qudao.catalog.imports import COLUMNS
from qudao.catalog.tests.factories import ebike_catalogue
from qudao.core.spreadsheet import workbook_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page: Page, base: str, login: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill("pass-1234-word")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_admin_finds_a_scooter_by_pinyin_and_adds_a_pack(page: Page, live_server, net, shot):
    ebike_catalogue()
    base = live_server.url
    _login(page, base, "admin")
    page.get_by_role("link", name="Catalogue").first.click()
    page.get_by_placeholder("Name, code, barcode or pinyin initials").fill("tbc")
    table = page.get_by_test_id("product-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("飞驰踏板车S1")
    expect(page).to_have_url(re.compile(r"q=tbc"))
    shot(page, "catalog-search")

    table.get_by_role("link", name="飞驰踏板车S1").click()
    expect(page.get_by_test_id("skus")).to_contain_text("TB-S1-GRY")
    expect(page.get_by_test_id("parts")).to_contain_text("BP-01-STD")
    shot(page, "catalog-product")

    page.get_by_test_id("skus").get_by_role("link", name="TB-S1-GRY").click()
    form = page.get_by_test_id("pack-form")
    form.get_by_label("Pack unit").fill("托")
    form.get_by_label("Base units per pack").fill("6")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("packs")).to_contain_text("1 托 = 6 辆")
    expect(page.get_by_test_id("audit")).to_contain_text("Pack size")
    shot(page, "catalog-sku")


def test_refused_import_lists_rows_and_offers_the_report(page: Page, live_server, net, shot):
    ebike_catalogue()
    base = live_server.url
    _login(page, base, "admin")
    page.goto(f"{base}/catalog/import/")
    data = workbook_bytes(
        [c.key for c in COLUMNS[:7]],
        [
            ["TB-S9", "踏板车S9", "C-TBC", "no", "draft", "TB-S9-A", "S9 A"],
            ["TB-S9", "踏板车S9", "C-NONE", "no", "draft", "TB-S9-B", "S9 B"],
        ],
    )
    page.get_by_label("Excel file (.xlsx)").set_input_files(
        {"name": "catalog.xlsx", "mimeType": "application/octet-stream", "buffer": data}
    )
    page.get_by_role("button", name="Check and import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("nothing was imported")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("Unknown category code.")
    shot(page, "catalog-import-refused")
    with page.expect_download() as download:
        page.get_by_test_id("error-report").click()
    assert download.value.suggested_filename == "import-errors.xlsx"


def test_dealer_browses_the_catalogue_on_a_phone(page: Page, live_server, net, shot):
    ebike_catalogue()
    page.set_viewport_size({"width": 360, "height": 740})
    base = live_server.url
    _login(page, base, "dealer1")
    page.goto(f"{base}/catalog/")
    table = page.get_by_test_id("product-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("new-product")).to_have_count(0)
    table.get_by_role("link", name="飞驰踏板车S1").click()
    expect(page.get_by_test_id("skus")).not_to_contain_text("TB-S1-WHT")  # a draft
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at phone width ({width}px)"
    shot(page, "catalog-product-phone")
