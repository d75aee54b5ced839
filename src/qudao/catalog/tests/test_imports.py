import pytest

from qudao.catalog.imports import COLUMNS, catalog_export, catalog_import
from qudao.catalog.models import Product, Sku, SkuPack
from qudao.core.errors import PermissionDenied
from qudao.core.models import AuditEvent, OutboxEvent
from qudao.core.spreadsheet import CellError, SheetRejected, read_sheet, workbook_bytes

pytestmark = pytest.mark.django_db

HEADERS = [
    "Product code",
    "Product name",
    "Category code",
    "Spare part",
    "Product status",
    "SKU code",
    "SKU name",
    "Attributes",
    "Barcode",
    "Base unit",
    "Serial tracked",
    "Warranty months",
    "SKU status",
    "Pack sizes",
]


def _row(**over):
    row = {
        "Product code": "TB-S2",
        "Product name": "飞驰踏板车S2",
        "Category code": "C-TBC",
        "Spare part": "否",
        "Product status": "on sale",
        "SKU code": "TB-S2-BLK",
        "SKU name": "飞驰踏板车S2 曜石黑",
        "Attributes": "颜色=曜石黑;电池=48V24Ah",
        "Barcode": "",
        "Base unit": "辆",
        "Serial tracked": "是",
        "Warranty months": 24,
        "SKU status": "draft",
        "Pack sizes": "",
    }
    row.update(over)
    return [row[h] for h in HEADERS]


def _file(*rows, headers=HEADERS):
    return workbook_bytes(headers, rows)


def _state():
    return (
        list(Product.objects.order_by("code").values_list("code", "name", "status", "updated_at")),
        list(
            Sku.objects.order_by("code").values_list(
                "code", "name", "barcode", "status", "warranty_months", "updated_at"
            )
        ),
        list(SkuPack.objects.order_by("pk").values_list("sku__code", "unit", "factor")),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_good_file_imports_every_row(net, cat, en):
    data = _file(
        _row(),
        _row(
            **{
                "SKU code": "TB-S2-RED",
                "SKU name": "飞驰踏板车S2 中国红",
                "Attributes": "颜色=中国红;电池=48V24Ah",
                "Barcode": 5901234123457,
                "Pack sizes": "托=10",
            }
        ),
        _row(
            **{
                "Product code": "TB-S1",
                "Product name": "飞驰踏板车S1",
                "SKU code": "TB-S1-WHT",
                "SKU name": "飞驰踏板车S1 珍珠白",
                "Attributes": "颜色=珍珠白;电池=48V20Ah",
                "Warranty months": 36,
                "SKU status": "On sale",
            }
        ),
    )
    result = catalog_import(actor=net.admin, data=data)
    assert result.ok, result.errors
    assert result.counts == {
        "rows": 3,
        "products_created": 1,
        "products_updated": 0,
        "skus_created": 2,
        "skus_updated": 1,
    }
    s2 = Product.objects.get(code="TB-S2")
    assert (s2.name, s2.category, s2.status, s2.is_spare_part) == (
        "飞驰踏板车S2",
        cat["scooters"],
        "on_sale",
        False,
    )
    assert s2.search_text == "飞驰踏板车s2 feichitabanche fctbc tb-s2"
    red = Sku.objects.get(code="TB-S2-RED")
    assert (red.product, red.barcode, red.base_unit, red.serial_tracked, red.warranty_months) == (
        s2,
        "5901234123457",
        "辆",
        True,
        24,
    )
    assert red.attributes == {"颜色": "中国红", "电池": "48V24Ah"}
    assert list(red.packs.values_list("unit", "factor")) == [("托", 10)]
    white = Sku.objects.get(code="TB-S1-WHT")
    assert (white.name, white.warranty_months, white.status) == (
        "飞驰踏板车S1 珍珠白",
        36,
        "on_sale",
    )
    audit = AuditEvent.objects.get(action="sku.updated", object_id=str(white.pk))
    assert audit.actor == net.admin
    assert audit.changes == {
        "name": ["飞驰踏板车S1 珍珠白 48V20Ah", "飞驰踏板车S1 珍珠白"],
        "status": ["draft", "on_sale"],
        "warranty_months": [24, 36],
    }
    assert AuditEvent.objects.filter(action="product.created", object_id=str(s2.pk)).count() == 1
    assert AuditEvent.objects.filter(action="sku.created").count() == 2 + 3  # 3 from the fixture
    event = OutboxEvent.objects.get(topic="catalog.imported")
    assert event.payload == {"actor_id": net.admin.pk, **result.counts}


def test_one_bad_row_writes_nothing_and_reports_it(net, cat, en):
    before = _state()
    data = _file(
        _row(),
        _row(**{"SKU code": "TB-S2-RED", "Category code": "C-NONE", "Warranty months": "两年"}),
        _row(**{"SKU code": "TB-S2-GRN"}),
    )
    result = catalog_import(actor=net.admin, data=data)
    assert not result.ok
    assert result.errors == [
        CellError(3, "Category code", "C-NONE", "Unknown category code."),
        CellError(3, "Warranty months", "两年", "Enter a whole number."),
    ]
    assert _state() == before


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        (  # the same SKU twice in the file
            [_row(), _row(**{"SKU name": "又一个"})],
            [(3, "SKU code", "TB-S2-BLK", "Same SKU code as row 2.")],
        ),
        (  # a SKU of another product
            [_row(**{"SKU code": "TB-S1-GRY"})],
            [(2, "SKU code", "TB-S1-GRY", "This SKU belongs to product TB-S1.")],
        ),
        (  # a barcode twice in the file
            [
                _row(**{"Barcode": "5901234123457"}),
                _row(**{"SKU code": "TB-S2-RED", "Barcode": "5901234123457"}),
            ],
            [(3, "Barcode", "5901234123457", "Same barcode as row 2.")],
        ),
        (  # a barcode another SKU holds
            [_row(**{"Barcode": "6901234567892"})],
            [(2, "Barcode", "6901234567892", "Already used by TB-S1-GRY.")],
        ),
        (  # a wrong check digit
            [_row(**{"Barcode": "6901234567893"})],
            [
                (
                    2,
                    "Barcode",
                    "6901234567893",
                    "6901234567893 is not a valid EAN/UPC barcode: check the last digit.",
                )
            ],
        ),
        (  # booleans, numbers, units, statuses, attributes, packs
            [
                _row(
                    **{
                        "Spare part": "maybe",
                        "Warranty months": 200,
                        "Base unit": "吨",
                        "SKU status": "sold",
                        "Attributes": "颜色",
                        "Pack sizes": "箱=1",
                    }
                )
            ],
            [
                (
                    2,
                    "Attributes",
                    "颜色",
                    "Write name=value pairs separated by semicolons, e.g. "
                    "颜色=星空灰;电池=48V20Ah.",
                ),
                (
                    2,
                    "Base unit",
                    "吨",
                    "Choose a base unit: 件、台、辆、个、套、只、组、块、根、条、瓶.",
                ),
                (
                    2,
                    "Pack sizes",
                    "箱=1",
                    "Write unit=base units per pack, e.g. 箱=12;托=480 (at least 2, a unit other "
                    "than the base unit).",
                ),
                (2, "SKU status", "sold", "Choose one of: Draft、On sale、Discontinued."),
                (2, "Spare part", "maybe", "Enter 是 or 否."),
                (2, "Warranty months", "200", "Warranty is 0 to 120 months."),
            ],
        ),
        (  # the product's columns must agree on each of its rows
            [
                _row(),
                _row(
                    **{
                        "SKU code": "TB-S2-RED",
                        "Product name": "别的名字",
                        "Category code": "C-BIKE",
                    }
                ),
            ],
            [
                (3, "Category code", "C-BIKE", "Differs from row 2 of the same product."),
                (3, "Product name", "别的名字", "Differs from row 2 of the same product."),
            ],
        ),
        (  # an on-sale product cannot go back to draft
            [
                _row(
                    **{
                        "Product code": "TB-S1",
                        "Product name": "飞驰踏板车S1",
                        "Product status": "Draft",
                    }
                )
            ],
            [(2, "Product status", "Draft", "Cannot change status from On sale to Draft.")],
        ),
        (  # a required cell left empty
            [_row(**{"SKU name": ""})],
            [(2, "SKU name", "", "This field is required.")],
        ),
    ],
)
def test_bad_rows_are_reported_exactly_and_nothing_is_written(net, cat, en, rows, errors):
    before = _state()
    result = catalog_import(actor=net.admin, data=_file(*rows))
    assert [(e.row, e.column, e.value, e.message) for e in result.errors] == errors
    assert _state() == before


def test_wrong_headers_reject_the_file(net, cat, en):
    before = _state()
    data = _file(["TB-S2", "x"], headers=["Product code", "Name"])
    with pytest.raises(SheetRejected) as exc:
        catalog_import(actor=net.admin, data=data)
    assert exc.value.code == "sheet_missing_columns"
    assert exc.value.message == (
        "Missing columns: Product name、Category code、SKU code、SKU name."
    )
    with pytest.raises(SheetRejected) as exc:
        catalog_import(actor=net.admin, data=b"not a workbook")
    assert exc.value.code == "sheet_not_xlsx"
    assert _state() == before


def test_english_keys_are_accepted_as_headers(net, cat):
    keys = [c.key for c in COLUMNS[:7]]
    data = workbook_bytes(keys, [["TB-S3", "踏板车S3", "C-TBC", "no", "draft", "TB-S3-A", "S3 A"]])
    result = catalog_import(actor=net.admin, data=data)
    assert result.counts["skus_created"] == 1
    assert Sku.objects.get(code="TB-S3-A").product.code == "TB-S3"


def test_export_imports_back_unchanged(net, cat):
    Sku.objects.filter(code="BP-01-STD").update(barcode="4006381333931")
    data = catalog_export(actor=net.admin)
    sheet = read_sheet(data, COLUMNS)
    assert [r["sku_code"] for _n, r in sheet.rows] == ["BP-01-STD", "TB-S1-GRY", "TB-S1-WHT"]
    pad = sheet.rows[0][1]
    assert (pad["spare_part"], pad["packs"], pad["barcode"], pad["base_unit"]) == (
        True,
        "箱=12",
        "4006381333931",
        "套",
    )
    grey = sheet.rows[1][1]
    assert grey["attributes"] == "电池=48V20Ah;颜色=星空灰"
    assert grey["specs"] == "电机=350W;续航=60km"
    before = _state()
    result = catalog_import(actor=net.admin, data=data)
    assert result.ok, result.errors
    assert result.counts == {
        "rows": 3,
        "products_created": 0,
        "products_updated": 0,
        "skus_created": 0,
        "skus_updated": 0,
    }
    after = _state()
    assert after[:4] == before[:4]  # no row and no audit changed; only the import event
    assert after[4] == before[4] + 1


def test_two_skus_may_swap_barcodes(net, cat, en):
    Sku.objects.filter(code="TB-S1-WHT").update(barcode="4006381333931")
    rows = [
        _row(
            **{
                "Product code": "TB-S1",
                "Product name": "飞驰踏板车S1",
                "SKU code": code,
                "SKU name": name,
                "Attributes": attrs,
                "Barcode": barcode,
                "SKU status": "On sale",
            }
        )
        for code, name, attrs, barcode in [
            (
                "TB-S1-GRY",
                "飞驰踏板车S1 星空灰 48V20Ah",
                "电池=48V20Ah;颜色=星空灰",
                "4006381333931",
            ),
            (
                "TB-S1-WHT",
                "飞驰踏板车S1 珍珠白 48V20Ah",
                "电池=48V20Ah;颜色=珍珠白",
                "6901234567892",
            ),
        ]
    ]
    result = catalog_import(actor=net.admin, data=_file(*rows))
    assert result.ok, result.errors
    assert dict(Sku.objects.filter(product__code="TB-S1").values_list("code", "barcode")) == {
        "TB-S1-GRY": "4006381333931",
        "TB-S1-WHT": "6901234567892",
    }


def test_packs_follow_the_file_and_keep_their_barcodes(net, cat, en):
    SkuPack.objects.filter(sku__code="BP-01-STD").update(barcode="9780201379624")
    row = _row(
        **{
            "Product code": "BP-01",
            "Product name": "刹车片",
            "Category code": "C-PART",
            "Spare part": "是",
            "SKU code": "BP-01-STD",
            "SKU name": "刹车片 标准",
            "Attributes": "",
            "Base unit": "套",
            "Serial tracked": "否",
            "Warranty months": 0,
            "Product status": "on_sale",
            "SKU status": "on_sale",
            "Pack sizes": "箱=24;托=960",
        }
    )
    result = catalog_import(actor=net.admin, data=_file(row))
    assert result.counts["skus_updated"] == 1
    assert sorted(SkuPack.objects.values_list("unit", "factor", "barcode")) == [
        ("托", 960, ""),
        ("箱", 24, "9780201379624"),
    ]
    audit = AuditEvent.objects.filter(action="sku.updated").latest("id")
    assert audit.changes == {"pack": ["箱=12", "托=960;箱=24"]}


def test_dealers_cannot_import(net, cat):
    before = _state()
    with pytest.raises(PermissionDenied):
        catalog_import(actor=net.dealer1_admin, data=_file(_row()))
    assert _state() == before
