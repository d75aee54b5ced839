from decimal import Decimal

import pytest

from qudao.core.spreadsheet import SheetRejected, workbook_bytes
from qudao.pricing import services
from qudao.pricing.imports import price_list_export, price_list_import
from qudao.pricing.models import PriceListItem
from qudao.pricing.tests import factories as pf

pytestmark = pytest.mark.django_db
HEAD = ["SKU编码", "SKU名称", "起订数量", "价格"]


@pytest.fixture
def world(net):
    skus = [pf.sku(f"S{i}") for i in range(1, 4)]
    services.price_control_set(actor=net.admin, sku=skus[2], data={"floor_distributor": "100"})
    return pf.price_list(net.dist1, code="IMP"), skus


def test_good_file_imports_every_row(net, world):
    pl, _skus = world
    data = workbook_bytes(
        HEAD, [["S1", "", 1, 120], ["S1", "", 10, "110.5"], ["S3", "", None, 100]]
    )
    result = price_list_import(actor=net.admin, price_list=pl, data=data)
    assert result.ok and result.counts == {"created": 3, "updated": 0, "removed": 0}
    assert sorted(pl.items.values_list("sku__code", "min_qty", "price")) == [
        ("S1", 1, Decimal("120.00")),
        ("S1", 10, Decimal("110.50")),
        ("S3", 1, Decimal("100.00")),
    ]


def test_one_bad_row_writes_nothing_and_reports_each_cell(net, world):
    pl, _skus = world
    data = workbook_bytes(
        HEAD,
        [
            ["S1", "", 1, 120],
            ["NOPE", "", 1, 10],
            ["S2", "", 1, "十元"],
            ["S3", "", 1, 99.99],
            ["S1", "", 1, 121],
            ["S2", "", 0, 5],
        ],
    )
    result = price_list_import(actor=net.admin, price_list=pl, data=data)
    assert not result.ok
    assert [(e.row, e.column, e.value, e.message) for e in result.errors] == [
        (3, "SKU编码", "NOPE", "未知的 SKU 编码。"),
        (4, "价格", "十元", "请输入金额，例如 1280.00。"),
        (5, "价格", "99.99", "低于品牌底价 100.00。"),
        (6, "SKU编码", "S1", "与第 2 行的 SKU 和数量相同。"),
        (7, "起订数量", "0", "数量阶梯从 1 开始。"),
    ]
    assert not PriceListItem.objects.exists()


def test_wrong_headers_are_refused(net, world):
    pl, _skus = world
    with pytest.raises(SheetRejected) as exc:
        price_list_import(
            actor=net.admin, price_list=pl, data=workbook_bytes(["编码", "金额"], [["S1", 1]])
        )
    assert exc.value.code == "sheet_missing_columns"
    with pytest.raises(SheetRejected) as exc:
        price_list_import(actor=net.admin, price_list=pl, data=b"not a workbook")
    assert exc.value.code == "sheet_not_xlsx"


def test_export_then_import_changes_nothing(net, world):
    pl, skus = world
    pf_rows = [
        {"sku_id": skus[0].pk, "min_qty": 1, "price": "120"},
        {"sku_id": skus[1].pk, "min_qty": 5, "price": "88.80"},
    ]
    services.price_list_set_items(actor=net.admin, price_list=pl, rows=pf_rows)
    result = price_list_import(
        actor=net.admin, price_list=pl, data=price_list_export(price_list=pl), replace=True
    )
    assert result.counts == {"created": 0, "updated": 0, "removed": 0}


def test_replace_removes_prices_missing_from_the_file(net, world):
    pl, skus = world
    services.price_list_set_items(
        actor=net.admin,
        price_list=pl,
        rows=[{"sku_id": skus[0].pk, "price": "1"}, {"sku_id": skus[1].pk, "price": "2"}],
    )
    data = workbook_bytes(HEAD, [["S2", "", 1, 3]])
    result = price_list_import(actor=net.admin, price_list=pl, data=data, replace=True)
    assert result.counts == {"created": 0, "updated": 1, "removed": 1}
    assert list(pl.items.values_list("sku__code", "price")) == [("S2", Decimal("3.00"))]
