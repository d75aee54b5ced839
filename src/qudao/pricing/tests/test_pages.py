import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qudao.core.spreadsheet import workbook_bytes
from qudao.pricing.models import PriceControl, PriceList, PriceListItem
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(net):
    bike = pf.sku("T1-48V-GRY", name="飞驰踏板车 T1 48V 星空灰")
    helmet = pf.sku("HM-A-M", name="飞驰头盔 M码")
    pf.price_list(net.dist1, code="STD", items={bike: {1: 2000, 10: 1950}, helmet: 80})
    pf.price_list(
        net.dist1, code="VIP", target="buyer", target_buyer=net.dealer1.pk, items={bike: 1900}
    )
    return bike, helmet


def test_buyer_sees_its_own_price_and_breaks(client, net, priced):
    client.force_login(net.dealer1_admin)
    page = client.get(f"/pricing/shop/{net.dist1.pk}/?q=tbc")  # 踏板车 by pinyin initials
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(sku.code, line.price, line.list_code) for sku, line in rows] == [
        ("T1-48V-GRY", Decimal("1900.00"), "VIP")
    ]
    other = client.get(f"/pricing/shop/{net.dist1.pk}/?buyer={net.dealer1.pk}")
    assert [sku.code for sku, _line in other.context["rows"]] == ["HM-A-M", "T1-48V-GRY"]
    client.force_login(net.dealer2_admin)  # same seller, no VIP list: the standard price
    rows = client.get(f"/pricing/shop/{net.dist1.pk}/?q=T1").context["rows"]
    assert [(sku.code, line.price) for sku, line in rows] == [("T1-48V-GRY", Decimal("2000.00"))]


def test_shop_page_queries_do_not_grow_with_skus(client, net, priced):
    client.force_login(net.dealer1_admin)
    url = f"/pricing/shop/{net.dist1.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = [pf.sku() for _ in range(12)]
    pf.price_list(
        net.dist1,
        code="MORE",
        target="channel",
        target_channel="traditional",
        items=dict.fromkeys(more, 10),
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["rows"]) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_explain_page_names_the_winner_and_the_losers(client, net, priced):
    client.force_login(net.admin)
    page = client.get(
        "/pricing/explain/", {"seller": "D-HZ", "buyer": "DL-HZ1", "sku": "T1-48V-GRY", "qty": 10}
    )
    line = page.context["line"]
    assert (line.price, line.list_code) == (Decimal("1900.00"), "VIP")
    assert [(c.list_code, c.reason) for c in line.candidates] == [
        ("VIP", "won"),
        ("STD", "less_specific"),
    ]
    assert "指定客户" in page.content.decode()


def test_import_page_refuses_a_bad_file_with_a_report(client, net, priced):
    client.force_login(net.admin)
    pl = PriceList.objects.get(code="STD")
    data = workbook_bytes(["SKU编码", "价格"], [["T1-48V-GRY", 1999], ["NOPE", 1]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("prices.xlsx", data)
    page = client.post(f"/pricing/lists/{pl.pk}/import/", {"file": upload})
    assert page.status_code == 400
    assert [(e.row, e.value) for e in page.context["errors"]] == [(3, "NOPE")]
    report = client.get("/import-errors.xlsx")
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(report.content)).active.values)
    assert rows == [("行", "列", "值", "说明"), (3, "SKU编码", "NOPE", "未知的 SKU 编码。")]
    assert PriceListItem.objects.get(price_list=pl, sku__code="T1-48V-GRY", min_qty=1).price == (
        Decimal("2000.00")
    )


def test_dealer_admin_manages_its_own_lists_only(client, net, priced):
    client.force_login(net.dealer1_admin)
    assert client.get(f"/pricing/lists/new/?seller={net.dealer1.pk}").status_code == 200
    assert client.get(f"/pricing/lists/new/?seller={net.dist1.pk}").status_code == 404
    page = client.post(
        f"/pricing/lists/new/?seller={net.dealer1.pk}",
        {"code": "STORE", "name": "门店价", "target": "default", "priority": 0, "is_active": "on"},
    )
    assert page.status_code == 302
    assert PriceList.objects.get(code="STORE").seller == net.dealer1


def test_a_parts_only_link_shows_spare_parts_only(client, net, priced):
    from qudao.catalog.models import Product
    from qudao.network import services as network_services

    bike, helmet = priced
    Product.objects.filter(skus=helmet).update(is_spare_part=True)  # stands in for a part
    pf.price_list(net.hq, code="HQ", items={bike: 1500, helmet: 70})
    network_services.supply_link_create(
        actor=net.admin, buyer=net.dealer1, seller=net.hq, kind="parts"
    )
    client.force_login(net.dealer1_admin)
    rows = client.get(f"/pricing/shop/{net.hq.pk}/").context["rows"]
    assert [(sku.code, line.price) for sku, line in rows] == [("HM-A-M", Decimal("70.00"))]


def test_price_list_pages_run_a_constant_number_of_queries(client, net, priced):
    client.force_login(net.admin)
    client.get("/pricing/")
    with CaptureQueriesContext(connection) as few:
        client.get("/pricing/")
    for n in range(8):
        pf.price_list(net.dist2, code=f"X{n}", target="grade", target_grade="C", priority=n)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/pricing/")
    assert page.context["page"].paginator.count == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_shop_filters_by_category_subtree(client, net, priced):
    from qudao.catalog.models import Category, Product

    bike, helmet = priced
    gear = Category.objects.add_root({"code": "GEAR", "name": "骑行装备"})
    helmets = Category.objects.add_child(gear, {"code": "HELMET", "name": "头盔"})
    Product.objects.filter(skus=helmet).update(category=helmets)
    client.force_login(net.dealer1_admin)
    url = f"/pricing/shop/{net.dist1.pk}/"
    assert [s.code for s, _l in client.get(url, {"category": gear.pk}).context["rows"]] == [
        "HM-A-M"
    ]
    bikes = Category.objects.get(code="BIKE")
    assert [s.code for s, _l in client.get(url, {"category": bikes.pk}).context["rows"]] == [
        "T1-48V-GRY"
    ]
    assert client.get(url, {"category": 999999}).status_code == 404


def test_price_control_pages_are_the_brands(client, net, priced):
    bike, _helmet = priced
    client.force_login(net.dealer1_admin)
    assert client.get("/pricing/controls/").status_code == 403
    assert client.post(f"/pricing/controls/{bike.pk}/", {"floor_dealer": "1"}).status_code == 403
    client.force_login(net.admin)
    listed = client.get("/pricing/controls/", {"q": "tbc"})
    assert [s.code for s in listed.context["page"].object_list] == ["T1-48V-GRY"]
    saved = client.post(
        f"/pricing/controls/{bike.pk}/",
        {"floor_distributor": "1800", "suggested_retail": "2599.00"},
    )
    assert saved.status_code == 302
    control = PriceControl.objects.get(sku=bike)
    assert (control.floor_distributor, control.suggested_retail, control.floor_dealer) == (
        Decimal("1800.00"),
        Decimal("2599.00"),
        None,
    )
