"""Catalogue test data, built the way the brand builds it: through the services."""

import itertools
from typing import Any

from qudao.catalog import services
from qudao.catalog.models import Category, Product, Sku
from qudao.network.tests.factories import system_actor

_numbers = itertools.count(1)

# Valid EAN-13 barcodes (check digit included) for tests that need real-looking ones.
EAN13 = ["6901234567892", "6920152400012", "4006381333931", "5901234123457", "9780201379624"]


def category(
    code: str | None = None, name: str | None = None, parent: Category | None = None
) -> Category:
    existing = Category.objects.filter(code=code).first() if code else None
    if existing:
        return existing
    n = next(_numbers)
    return services.category_create(
        actor=system_actor(), code=code or f"CAT{n:03d}", name=name or f"类目{n}", parent=parent
    )


def product(category_: Category | None = None, **data: Any) -> Product:
    n = next(_numbers)
    return services.product_create(
        actor=system_actor(),
        data={
            "code": f"P{n:04d}",
            "name": f"测试车型{n}",
            "category": category_ or category(),
            **data,
        },
    )


def sku(product_: Product | None = None, **data: Any) -> Sku:
    n = next(_numbers)
    return services.sku_create(
        actor=system_actor(),
        product=product_ or product(),
        data={"code": f"S{n:05d}", "name": f"测试规格{n}", **data},
    )


def ebike_catalogue() -> dict[str, Any]:
    """整车 › 踏板车 with one scooter (two colours), 配件 with a brake pad that fits it."""
    actor = system_actor()
    bikes = category("C-BIKE", "整车")
    scooters = category("C-TBC", "踏板车", parent=bikes)
    parts = category("C-PART", "配件")
    scooter = services.product_create(
        actor=actor,
        data={
            "code": "TB-S1",
            "name": "飞驰踏板车S1",
            "category": scooters,
            "status": "on_sale",
            "specs": {"电机": "350W", "续航": "60km"},
        },
    )
    grey = services.sku_create(
        actor=actor,
        product=scooter,
        data={
            "code": "TB-S1-GRY",
            "name": "飞驰踏板车S1 星空灰 48V20Ah",
            "attributes": {"颜色": "星空灰", "电池": "48V20Ah"},
            "barcode": EAN13[0],
            "base_unit": "辆",
            "serial_tracked": True,
            "warranty_months": 24,
            "status": "on_sale",
        },
    )
    white = services.sku_create(
        actor=actor,
        product=scooter,
        data={
            "code": "TB-S1-WHT",
            "name": "飞驰踏板车S1 珍珠白 48V20Ah",
            "attributes": {"颜色": "珍珠白", "电池": "48V20Ah"},
            "base_unit": "辆",
            "serial_tracked": True,
            "warranty_months": 24,
        },
    )
    pad_product = services.product_create(
        actor=actor,
        data={
            "code": "BP-01",
            "name": "刹车片",
            "category": parts,
            "is_spare_part": True,
            "status": "on_sale",
        },
    )
    pad = services.sku_create(
        actor=actor,
        product=pad_product,
        data={"code": "BP-01-STD", "name": "刹车片 标准", "base_unit": "套", "status": "on_sale"},
    )
    services.sku_pack_add(actor=actor, sku=pad, unit="箱", factor=12)
    services.fitment_add(actor=actor, part=pad, product=scooter)
    return {
        "bikes": bikes,
        "scooters": scooters,
        "parts": parts,
        "scooter": scooter,
        "grey": grey,
        "white": white,
        "pad_product": pad_product,
        "pad": pad,
    }
