import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from qudao.catalog.imports import COLUMNS, catalog_export
from qudao.catalog.models import Category, Fitment, Product, Sku, SkuPack
from qudao.catalog.tests import factories as f
from qudao.core.models import AuditEvent
from qudao.core.spreadsheet import workbook_bytes
from qudao.network.tests import factories as nf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _state():
    return (
        list(Category.objects.order_by("pk").values_list("path", "name")),
        list(Product.objects.order_by("pk").values_list("code", "name", "status", "image")),
        list(Sku.objects.order_by("pk").values_list("code", "name", "barcode", "status")),
        list(SkuPack.objects.order_by("pk").values_list("unit", "factor")),
        Fitment.objects.count(),
        AuditEvent.objects.count(),
    )


def _body(response):
    return response.content.decode()


def _products(response):
    return [p.code for p in response.context["page"].object_list]


# --- reading -------------------------------------------------------------------------------


def test_product_list_searches_by_pinyin_code_and_barcode(client, net, cat):
    client.force_login(net.admin)
    assert _products(client.get("/catalog/?q=tbc")) == ["TB-S1"]  # 踏板车
    assert _products(client.get("/catalog/?q=TBC")) == ["TB-S1"]
    assert _products(client.get("/catalog/?q=6901234567892")) == ["TB-S1"]  # a SKU's barcode
    assert _products(client.get("/catalog/?q=bp-01-std")) == ["BP-01"]  # a SKU's code
    assert _products(client.get("/catalog/?q=刹车")) == ["BP-01"]
    assert _products(client.get("/catalog/?q=星空灰 tb")) == ["TB-S1"]  # every word must match
    assert _products(client.get("/catalog/?q=星空灰 刹车")) == []


def test_product_list_filters_by_category_subtree_status_and_kind(client, net, cat):
    client.force_login(net.admin)
    assert _products(client.get(f"/catalog/?category={cat['bikes'].pk}")) == ["TB-S1"]
    assert _products(client.get(f"/catalog/?category={cat['parts'].pk}")) == ["BP-01"]
    f.product(cat["scooters"], code="TB-D1", name="踏板车草稿")
    assert _products(client.get("/catalog/?status=draft")) == ["TB-D1"]
    assert _products(client.get("/catalog/?status=on_sale")) == ["BP-01", "TB-S1"]
    assert _products(client.get("/catalog/?spare_part=1")) == ["BP-01"]


def test_unknown_category_filter_is_404(client, net, cat):
    client.force_login(net.admin)
    assert client.get("/catalog/?category=999999").status_code == 404


def test_live_search_answers_the_rows_partial(client, net, cat):
    client.force_login(net.admin)
    response = client.get("/catalog/?q=tbc", HTTP_HX_REQUEST="true")
    body = _body(response)
    assert 'data-testid="product-table"' in body
    assert "<html" not in body
    assert "飞驰踏板车S1" in body
    assert "刹车片" not in body


def test_product_detail_shows_skus_packs_fitment_and_history(client, net, cat):
    client.force_login(net.admin)
    body = _body(client.get(f"/catalog/products/{cat['scooter'].pk}/"))
    for text in (
        "TB-S1-GRY",
        "TB-S1-WHT",
        "电池=48V20Ah；颜色=星空灰",
        "6901234567892",
        "电机：350W",
        "BP-01-STD",
        'data-testid="audit"',
    ):
        assert text in body, text
    pad = _body(client.get(f"/catalog/products/{cat['pad_product'].pk}/"))
    assert "1 箱 = 12 套" in pad
    assert "飞驰踏板车S1" in pad  # the model the pad fits


def test_sku_page_shows_its_timeline(client, net, cat):
    client.force_login(net.admin)
    response = client.get(f"/catalog/skus/{cat['pad'].pk}/")
    assert response.status_code == 200
    assert [e.action for e in response.context["audit"]] == [
        "sku.updated",
        "sku.updated",
        "sku.created",
    ]
    body = _body(response)
    assert "1 箱 = 12 套" in body
    assert 'data-testid="fitment-form"' in body


def _many_products(start, n):
    scooters = Category.objects.get(code="C-TBC")
    for i in range(start, start + n):
        product = f.product(scooters, code=f"Q-{i:03d}", name=f"踏板车Q{i}", status="on_sale")
        f.sku(product, code=f"Q-{i:03d}-A", name=f"踏板车Q{i} 黑")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/catalog/?q=tbc", "/api/v1/products?q=tbc", "/api/v1/skus"])
def test_list_pages_run_a_constant_number_of_queries(client, net, cat, url):
    client.force_login(net.admin)
    _many_products(0, 3)
    few = _queries(client, url)
    _many_products(3, 27)
    assert _queries(client, url) == few
    assert few <= 12


def test_product_detail_runs_a_constant_number_of_queries(client, net, cat):
    client.force_login(net.admin)
    url = f"/catalog/products/{cat['scooter'].pk}/"
    few = _queries(client, url)
    for i in range(10):
        f.sku(cat["scooter"], code=f"TB-S1-X{i}", name=f"变体{i}")
    assert _queries(client, url) == few


# --- who may see and do what ---------------------------------------------------------------


def test_dealers_browse_but_do_not_see_drafts(client, net, cat):
    client.force_login(net.dealer1_admin)
    assert _products(client.get("/catalog/")) == ["BP-01", "TB-S1"]
    body = _body(client.get(f"/catalog/products/{cat['scooter'].pk}/"))
    assert "TB-S1-GRY" in body
    assert "TB-S1-WHT" not in body  # a draft SKU
    assert 'data-testid="edit-product"' not in body
    draft = f.product(cat["scooters"], code="TB-D1", name="草稿车")
    assert client.get(f"/catalog/products/{draft.pk}/").status_code == 404
    assert client.get(f"/catalog/skus/{cat['white'].pk}/").status_code == 404


WRITE_PAGES = [
    ("get", "/catalog/products/new/", {}),
    ("post", "/catalog/products/new/", {"code": "X", "name": "X", "status": "draft"}),
    ("get", "/catalog/products/{scooter}/edit/", {}),
    ("post", "/catalog/products/{scooter}/edit/", {"name": "改名"}),
    ("post", "/catalog/products/{scooter}/image/", {}),
    ("get", "/catalog/products/{scooter}/skus/new/", {}),
    ("get", "/catalog/skus/{grey}/edit/", {}),
    ("post", "/catalog/skus/{pad}/packs/", {"unit": "托", "factor": 10}),
    ("post", "/catalog/skus/{pad}/packs/remove/", {"unit": "箱"}),
    ("post", "/catalog/skus/{pad}/fitments/", {"product_code": "TB-S1"}),
    ("post", "/catalog/skus/{pad}/fitments/{scooter}/remove/", {}),
    ("post", "/catalog/categories/new/", {"code": "C-X", "name": "新"}),
    ("post", "/catalog/categories/{bikes}/rename/", {"name": "新"}),
    ("post", "/catalog/categories/{scooters}/move/", {"parent": ""}),
    ("get", "/catalog/import/", {}),
]


@pytest.mark.parametrize("page", WRITE_PAGES)
def test_dealer_admin_gets_403_on_every_write_page(client, net, cat, page):
    method, url, data = page
    client.force_login(net.dealer1_admin)
    before = _state()
    ids = {k: getattr(v, "pk", None) for k, v in cat.items()}
    response = getattr(client, method)(url.format(**ids), data)
    assert response.status_code == 403
    assert _state() == before


def test_users_without_catalogue_rights_get_403(client, net, cat):
    clerk = nf.member(net.dealer1, "warehouse_clerk", username="clerk")
    client.force_login(clerk)
    for url in (
        "/catalog/",
        f"/catalog/products/{cat['scooter'].pk}/",
        "/catalog/categories/",
        "/catalog/export.xlsx",
        f"/catalog/skus/{cat['grey'].pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert "/catalog/" not in _body(client.get("/"))  # no menu entry


def test_anonymous_is_sent_to_login(client, net, cat):
    for url in (
        "/catalog/",
        f"/catalog/products/{cat['scooter'].pk}/",
        "/catalog/import/",
        "/catalog/export.xlsx",
        "/catalog/categories/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_menu_and_home_widget_for_the_brand(client, net, cat):
    client.force_login(net.admin)
    body = _body(client.get("/"))
    assert 'href="/catalog/"' in body
    widget = next(w for w in client.get("/").context["widgets"] if w.url.startswith("/catalog/"))
    assert (widget.value, widget.url) == (2, "/catalog/?status=on_sale")
    client.force_login(net.dealer1_admin)
    assert 'href="/catalog/"' in _body(client.get("/"))
    assert not [w for w in client.get("/").context["widgets"] if w.url.startswith("/catalog/")]


# --- writing through the pages -------------------------------------------------------------


def test_brand_creates_and_edits_a_product_and_its_sku(client, net, cat):
    client.force_login(net.admin)
    response = client.post(
        "/catalog/products/new/",
        {
            "code": "TB-S2",
            "name": "飞驰踏板车S2",
            "category": cat["scooters"].pk,
            "status": "draft",
            "specs": "电机=500W",
            "description": "",
        },
    )
    product = Product.objects.get(code="TB-S2")
    assert response["Location"] == f"/catalog/products/{product.pk}/"
    assert product.specs == {"电机": "500W"}
    response = client.post(
        f"/catalog/products/{product.pk}/edit/",
        {
            "code": "TB-S2",
            "name": "飞驰踏板车S2",
            "category": cat["scooters"].pk,
            "status": "on_sale",
            "specs": "电机=500W",
            "description": "新款",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.status, product.description) == ("on_sale", "新款")
    response = client.post(
        f"/catalog/products/{product.pk}/skus/new/",
        {
            "code": "TB-S2-BLK",
            "name": "飞驰踏板车S2 黑",
            "attributes": "颜色=黑",
            "barcode": "",
            "base_unit": "辆",
            "status": "on_sale",
            "serial_tracked": "on",
            "warranty_months": 24,
        },
    )
    sku = Sku.objects.get(code="TB-S2-BLK")
    assert response["Location"] == f"/catalog/skus/{sku.pk}/"
    assert (sku.attributes, sku.serial_tracked, sku.warranty_months) == ({"颜色": "黑"}, True, 24)


def test_form_shows_domain_errors_and_writes_nothing(client, net, cat, en):
    client.force_login(net.admin)
    before = _state()
    response = client.post(
        "/catalog/products/new/",
        {"code": "TB-S1", "name": "重复", "category": cat["scooters"].pk, "status": "draft"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["Already used."]}
    response = client.post(
        f"/catalog/skus/{cat['white'].pk}/edit/",
        {
            "code": "TB-S1-WHT",
            "name": "白",
            "attributes": "",
            "barcode": "6901234567893",
            "base_unit": "辆",
            "status": "draft",
            "warranty_months": 24,
        },
    )
    assert response.context["form"].errors == {
        "barcode": ["6901234567893 is not a valid EAN/UPC barcode: check the last digit."]
    }
    assert _state() == before


def test_packs_fitment_and_picture_through_the_pages(client, net, cat, media, en):
    client.force_login(net.admin)
    pad = cat["pad"]
    client.post(f"/catalog/skus/{pad.pk}/packs/", {"unit": "托", "factor": 480, "barcode": ""})
    client.post(f"/catalog/skus/{pad.pk}/packs/remove/", {"unit": "箱"})
    assert list(pad.packs.values_list("unit", "factor")) == [("托", 480)]
    city = f.product(cat["scooters"], code="TB-C2", name="城市踏板车C2")
    client.post(f"/catalog/skus/{pad.pk}/fitments/", {"product_code": "TB-C2"})
    client.post(f"/catalog/skus/{pad.pk}/fitments/{cat['scooter'].pk}/remove/")
    assert list(Fitment.objects.values_list("product__code", flat=True)) == [city.code]
    upload = io.BytesIO(PNG)
    upload.name = "s1.png"
    response = client.post(f"/catalog/products/{cat['scooter'].pk}/image/", {"image": upload})
    assert response.status_code == 302
    assert Product.objects.get(code="TB-S1").image.name == "catalog/products/TB-S1.png"
    fake = io.BytesIO(b"MZ" + b"\x00" * 30)
    fake.name = "s2.png"
    response = client.post(
        f"/catalog/products/{cat['scooter'].pk}/image/", {"image": fake}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == "Upload a JPEG, PNG or WebP picture."
    assert Product.objects.get(code="TB-S1").image.name == "catalog/products/TB-S1.png"


def test_categories_page_creates_renames_and_refuses_a_circular_move(client, net, cat, en):
    client.force_login(net.admin)
    client.post("/catalog/categories/new/", {"code": "C-BAT", "name": "电池", "parent": ""})
    client.post(
        "/catalog/categories/new/",
        {"code": "C-LI", "name": "锂电池", "parent": Category.objects.get(code="C-BAT").pk},
    )
    bat = Category.objects.get(code="C-BAT")
    client.post(f"/catalog/categories/{bat.pk}/rename/", {"name": "电池与充电器"})
    assert Category.objects.get(code="C-BAT").name == "电池与充电器"
    before = _state()
    response = client.post(
        f"/catalog/categories/{cat['bikes'].pk}/move/",
        {"parent": cat["scooters"].pk},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]][-1] == (
        "A category cannot move under itself or its own subcategory."
    )
    assert _state() == before
    body = _body(client.get("/catalog/categories/"))
    assert body.index("整车") < body.index("踏板车") < body.index("配件")


def test_import_page_reports_errors_and_offers_the_report(client, net, cat, en):
    client.force_login(net.admin)
    headers = [str(c.header) for c in COLUMNS[:7]]
    rows = [["TB-S9", "踏板车S9", "C-NONE", "no", "draft", "TB-S9-A", "S9 A"]]
    upload = io.BytesIO(workbook_bytes(headers, rows))
    upload.name = "catalog.xlsx"
    before = _state()
    response = client.post("/catalog/import/", {"file": upload})
    assert response.status_code == 200
    assert 'data-testid="import-errors"' in _body(response)
    assert _state() == before
    report = client.get("/import-errors.xlsx")
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Row", "Column", "Value", "Message"],
        [2, "Category code", "C-NONE", "Unknown category code."],
    ]


def test_import_page_imports_a_good_file_and_rejects_wrong_headers(client, net, cat, en):
    client.force_login(net.admin)
    headers = [str(c.header) for c in COLUMNS[:7]]
    upload = io.BytesIO(
        workbook_bytes(headers, [["TB-S9", "踏板车S9", "C-TBC", "no", "draft", "TB-S9-A", "A"]])
    )
    upload.name = "catalog.xlsx"
    response = client.post("/catalog/import/", {"file": upload})
    assert response.context["result"].counts["skus_created"] == 1
    assert Sku.objects.filter(code="TB-S9-A").exists()
    bad = io.BytesIO(workbook_bytes(["Name"], [["x"]]))
    bad.name = "bad.xlsx"
    response = client.post("/catalog/import/", {"file": bad})
    assert response.context["form"].non_field_errors() == [
        "Missing columns: Product code、Product name、Category code、SKU code、SKU name."
    ]


def test_export_downloads_the_catalogue(client, net, cat):
    client.force_login(net.dealer1_admin)
    response = client.get("/catalog/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    codes = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["BP-01-STD", "TB-S1-GRY"]  # no drafts for a dealer
    assert len(catalog_export(actor=net.admin)) > 0
