import json
from decimal import Decimal

import pytest

from qudao.pricing.models import PriceControl, PriceList
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def priced(net):
    bike, helmet = pf.sku("T1-48V-GRY"), pf.sku("HM-A-M", name="头盔 M码")
    pf.price_list(net.dist1, code="STD", items={bike: {1: 2000, 10: 1950}, helmet: 80})
    pf.price_list(
        net.dist1, code="VIP", target="buyer", target_buyer=net.dealer1.pk, items={bike: 1900}
    )
    return bike, helmet


def test_quote_returns_prices_sources_and_losers(client, net, priced):
    bike, helmet = priced
    client.force_login(net.dealer1_admin)
    response = _post(
        client,
        "/api/v1/pricing/quote",
        {
            "seller_id": net.dist1.pk,
            "buyer_id": net.dealer1.pk,
            "lines": [{"sku_id": bike.pk, "qty": 12}, {"sku_code": "HM-A-M", "qty": 3}],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == "23040.00"
    bike_line, helmet_line = body["lines"]
    assert (bike_line["price"], bike_line["list_code"], bike_line["amount"]) == (
        "1900.00",
        "VIP",
        "22800.00",
    )
    assert [(c["list_code"], c["reason"]) for c in bike_line["candidates"]] == [
        ("VIP", "won"),
        ("STD", "less_specific"),
    ]
    assert (helmet_line["sku_code"], helmet_line["price"]) == ("HM-A-M", "80.00")


def test_quote_for_a_buyer_out_of_scope_or_not_a_customer(client, net, priced):
    bike, _helmet = priced
    client.force_login(net.dealer1_admin)
    other = _post(
        client,
        "/api/v1/pricing/quote",
        {"seller_id": net.dist2.pk, "buyer_id": net.dealer3.pk, "lines": [{"sku_id": bike.pk}]},
    )
    assert other.status_code == 404
    not_seller = _post(
        client,
        "/api/v1/pricing/quote",
        {"seller_id": net.dist2.pk, "buyer_id": net.dealer1.pk, "lines": [{"sku_id": bike.pk}]},
    )
    assert not_seller.status_code == 404
    assert not_seller.json()["error"]["code"] == "not_a_seller_of_buyer"


def test_price_list_crud_and_items(client, net, priced):
    bike, _helmet = priced
    client.force_login(net.admin)
    created = _post(
        client,
        "/api/v1/price-lists",
        {
            "seller_id": net.dist1.pk,
            "code": "GA",
            "name": "A级价",
            "target": "grade",
            "target_grade": "A",
            "valid_from": "2026-12-01T00:00:00+08:00",
        },
    )
    assert created.status_code == 201, created.content
    pl_id = created.json()["id"]
    items = _post(
        client,
        f"/api/v1/price-lists/{pl_id}/items",
        {"items": [{"sku_id": bike.pk, "min_qty": 1, "price": "1888.00"}]},
    )
    assert items.json() == {"created": 1, "updated": 0, "removed": 0}
    listed = client.get(f"/api/v1/price-lists/{pl_id}/items").json()
    assert [(i["sku_code"], i["price"]) for i in listed["items"]] == [("T1-48V-GRY", "1888.00")]
    patched = client.patch(
        f"/api/v1/price-lists/{pl_id}",
        data=json.dumps({"priority": 3}),
        content_type="application/json",
    )
    assert patched.json()["priority"] == 3
    item_id = PriceList.objects.get(pk=pl_id).items.get().pk
    assert client.delete(f"/api/v1/price-lists/{pl_id}/items/{item_id}").status_code == 204
    assert not PriceList.objects.get(pk=pl_id).items.exists()


def test_price_lists_are_the_sellers_business(client, net, priced):
    client.force_login(net.dealer1_admin)  # a buyer of dist1: sees prices, not lists
    assert client.get("/api/v1/price-lists").json()["count"] == 0
    vip = PriceList.objects.get(code="VIP")
    assert client.get(f"/api/v1/price-lists/{vip.pk}").status_code == 404
    client.force_login(net.region_east)
    assert {p["code"] for p in client.get("/api/v1/price-lists").json()["items"]} == {"STD", "VIP"}


def test_price_control_api(client, net, priced):
    bike, _helmet = priced
    client.force_login(net.admin)
    response = client.put(
        f"/api/v1/price-controls/{bike.pk}",
        content_type="application/json",
        data=json.dumps({"floor_distributor": "1800.00", "suggested_retail": "2599.00"}),
    )
    assert response.status_code == 200, response.content
    assert client.get(f"/api/v1/price-controls/{bike.pk}").json()["floor_distributor"] == (
        "1800.00"
    )
    below = _post(
        client,
        f"/api/v1/price-lists/{PriceList.objects.get(code='STD').pk}/items",
        {"items": [{"sku_id": bike.pk, "price": "1700"}]},
    )
    assert below.status_code == 400
    assert below.json()["error"]["code"] == "price_below_floor"
    assert PriceList.objects.get(code="STD").items.get(sku=bike, min_qty=1).price == Decimal(
        "2000.00"
    )


def test_buyer_catalogue_api_lists_own_prices(client, net, priced):
    client.force_login(net.dealer1_admin)
    response = client.get(
        f"/api/v1/sellers/{net.dist1.pk}/catalogue", {"buyer": net.dealer1.pk, "q": "T1"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["sku_code"], item["price"], item["breaks"]) == (
        "T1-48V-GRY",
        "1900.00",
        [[1, "1900.00"]],
    )
    everything = client.get(
        f"/api/v1/sellers/{net.dist1.pk}/catalogue",
        {"buyer": net.dealer1.pk, "page_size": 1, "page": 2},
    ).json()
    assert everything["count"] == 2
    assert [i["sku_code"] for i in everything["items"]] == ["T1-48V-GRY"]
    outsider = client.get(f"/api/v1/sellers/{net.dist2.pk}/catalogue", {"buyer": net.dealer3.pk})
    assert outsider.status_code == 404


def test_price_control_refuses_amounts_past_the_column(client, net, priced):
    """Found by the API fuzz: 8.7e307 made the service's rounding raise (a 500)."""
    bike, _helmet = priced
    client.force_login(net.admin)
    response = client.put(
        f"/api/v1/price-controls/{bike.pk}",
        content_type="application/json",
        data=json.dumps({"suggested_retail": 6.6436762871413265e22, "floor_store": 8.7e307}),
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid")
    assert set(response.json()["error"]["fields"]) == {"suggested_retail", "floor_store"}
    assert not PriceControl.objects.filter(sku=bike).exists()
