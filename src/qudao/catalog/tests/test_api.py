import json

import pytest

from qudao.accounts.services import api_token_create
from qudao.catalog.models import Category, Product, Sku
from qudao.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, net):
    """Call the API with a personal token of the brand admin or of dealer1's admin (made up
    front: making a token writes an audit row)."""
    secrets = {
        u.pk: api_token_create(actor=u, name="ERP")[1] for u in (net.admin, net.dealer1_admin)
    }

    def call(user, method, url, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {secrets[user.pk]}", "HTTP_ACCEPT_LANGUAGE": "en"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{url}", **kwargs)

    return call


def _codes(response):
    return [item["code"] for item in response.json()["items"]]


def test_product_list_filters_and_paginates(api, net, cat):
    assert _codes(api(net.admin, "get", "/products?q=tbc")) == ["TB-S1"]
    assert _codes(api(net.admin, "get", f"/products?category={cat['bikes'].pk}")) == ["TB-S1"]
    assert _codes(api(net.admin, "get", "/products?spare_part=true")) == ["BP-01"]
    page = api(net.admin, "get", "/products?page_size=1&page=2").json()
    assert (page["count"], [p["code"] for p in page["items"]]) == (2, ["TB-S1"])
    item = page["items"][0]
    assert item["category_code"] == "C-TBC"
    assert item["sku_count"] == 2
    assert item["specs"] == {"电机": "350W", "续航": "60km"}
    assert item["image_url"] == ""


def test_product_detail_nests_skus_packs_and_fitment(api, net, cat):
    body = api(net.admin, "get", f"/products/{cat['pad_product'].pk}").json()
    assert [s["code"] for s in body["skus"]] == ["BP-01-STD"]
    assert body["skus"][0]["packs"] == [{"unit": "箱", "factor": 12, "barcode": ""}]
    assert body["skus"][0]["fits"] == [
        {"product_id": cat["scooter"].pk, "product_code": "TB-S1", "product_name": "飞驰踏板车S1"}
    ]
    scooter = api(net.admin, "get", f"/products/{cat['scooter'].pk}").json()
    assert [p["code"] for p in scooter["parts"]] == ["BP-01-STD"]
    assert scooter["sku_count"] == 2


def test_product_create_and_update(api, net, cat):
    response = api(
        net.admin,
        "post",
        "/products",
        {
            "code": "TB-S2",
            "name": "飞驰踏板车S2",
            "category_id": cat["scooters"].pk,
            "specs": {"电机": "500W"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["status"], body["category_name"], body["skus"]) == (
        "TB-S2",
        "draft",
        "踏板车",
        [],
    )
    patched = api(net.admin, "patch", f"/products/{body['id']}", {"status": "on_sale"})
    assert patched.status_code == 200
    assert patched.json()["status"] == "on_sale"
    actions = list(
        AuditEvent.objects.filter(object_type="catalog.product", object_id=str(body["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["product.created", "product.updated"]


@pytest.mark.parametrize(
    "case",
    [
        (
            "patch",
            "/products/{scooter}",
            {"status": "draft"},
            (409, "invalid_transition"),
        ),
        (
            "post",
            "/products",
            {"code": "TB-S1", "name": "x", "category_id": "{scooters}"},
            (409, "product_code_taken"),
        ),
        (
            "post",
            "/products",
            {"code": "X", "name": "x", "category_id": 999999},
            (404, "not_found"),
        ),
        (
            "post",
            "/products",
            {"code": "X", "name": "x", "category_id": 1, "colour": "red"},
            (422, "unknown_fields"),
        ),
        (
            "patch",
            "/skus/{grey}",
            {"warranty_months": 300},
            (400, "invalid_warranty"),
        ),
        (
            "patch",
            "/skus/{grey}",
            {"order_multiple": -12},
            (400, "invalid_order_multiple"),
        ),
        (
            "patch",
            "/skus/{grey}",
            {"barcode": "6901234567893"},
            (400, "invalid_barcode"),
        ),
        (
            "post",
            "/categories",
            {"code": "C-TBC", "name": "重复"},
            (409, "category_code_taken"),
        ),
    ],
)
def test_api_errors_have_stable_codes(api, net, cat, case):
    method, url, body, (status, code) = case
    ids = {k: getattr(v, "pk", None) for k, v in cat.items()}
    body = {
        k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v)
        for k, v in body.items()
    }
    before = (Product.objects.count(), Sku.objects.count(), AuditEvent.objects.count())
    response = api(net.admin, method, url.format(**ids), body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert (Product.objects.count(), Sku.objects.count(), AuditEvent.objects.count()) == before


def test_sku_list_create_and_update(api, net, cat):
    assert _codes(api(net.admin, "get", "/skus?q=星空灰")) == ["TB-S1-GRY"]
    assert _codes(api(net.admin, "get", f"/skus?product={cat['scooter'].pk}")) == [
        "TB-S1-GRY",
        "TB-S1-WHT",
    ]
    assert _codes(api(net.admin, "get", "/skus?status=draft")) == ["TB-S1-WHT"]
    assert _codes(api(net.admin, "get", f"/skus?category={cat['parts'].pk}")) == ["BP-01-STD"]
    response = api(
        net.admin,
        "post",
        "/skus",
        {
            "product_id": cat["scooter"].pk,
            "code": "TB-S1-RED",
            "name": "飞驰踏板车S1 中国红",
            "attributes": {"颜色": "中国红"},
            "base_unit": "辆",
            "warranty_months": 24,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product_code"], body["attributes"], body["packs"], body["fits"]) == (
        "TB-S1",
        {"颜色": "中国红"},
        [],
        [],
    )
    patched = api(net.admin, "patch", f"/skus/{body['id']}", {"barcode": "4006381333931"})
    assert patched.json()["barcode"] == "4006381333931"
    assert api(net.admin, "get", f"/skus/{body['id']}").json()["barcode"] == "4006381333931"


def test_categories_list_and_create(api, net, cat):
    rows = api(net.admin, "get", "/categories").json()
    assert [(c["code"], c["depth"]) for c in rows] == [("C-BIKE", 1), ("C-TBC", 2), ("C-PART", 1)]
    assert rows[1]["parent_id"] == cat["bikes"].pk
    response = api(
        net.admin,
        "post",
        "/categories",
        {"code": "C-LI", "name": "锂电池", "parent_id": cat["parts"].pk},
    )
    assert response.status_code == 201
    assert (response.json()["parent_id"], response.json()["depth"]) == (cat["parts"].pk, 2)
    assert Category.objects.get(code="C-LI").name == "锂电池"


def test_dealer_reads_but_cannot_write(api, net, cat):
    assert _codes(api(net.dealer1_admin, "get", "/skus")) == ["BP-01-STD", "TB-S1-GRY"]
    assert api(net.dealer1_admin, "get", f"/skus/{cat['white'].pk}").status_code == 404  # draft
    before = (Product.objects.count(), Category.objects.count(), AuditEvent.objects.count())
    for method, url, body in [
        ("post", "/products", {"code": "X", "name": "x", "category_id": cat["scooters"].pk}),
        ("patch", f"/products/{cat['scooter'].pk}", {"name": "改"}),
        ("post", "/skus", {"product_id": cat["scooter"].pk, "code": "X", "name": "x"}),
        ("patch", f"/skus/{cat['grey'].pk}", {"name": "改"}),
        ("post", "/categories", {"code": "C-X", "name": "x"}),
    ]:
        response = api(net.dealer1_admin, method, url, body)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["error"]["code"] == "permission_denied"
    assert (Product.objects.count(), Category.objects.count(), AuditEvent.objects.count()) == (
        before
    )


def test_anonymous_gets_401(client, net, cat):
    for url in (
        "/api/v1/products",
        "/api/v1/skus",
        "/api/v1/categories",
        f"/api/v1/products/{cat['scooter'].pk}",
    ):
        assert client.get(url).status_code == 401
