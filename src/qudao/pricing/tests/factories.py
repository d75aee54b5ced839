"""Pricing test data: SKUs (plain catalogue rows) and lists built through pricing services."""

import itertools
from decimal import Decimal
from typing import Any

from qudao.catalog.models import Category, Product, Sku
from qudao.core.text import search_text
from qudao.network.models import Org
from qudao.network.tests.factories import system_actor
from qudao.pricing import services
from qudao.pricing.models import PriceList

_n = itertools.count(1)


def sku(code: str | None = None, name: str = "飞驰 踏板车 T1 48V 星空灰") -> Sku:
    category = Category.objects.filter(code="BIKE").first() or Category.objects.add_root(
        {"code": "BIKE", "name": "整车"}
    )
    n = next(_n)
    product = Product.objects.create(
        code=f"P{n:04d}",
        name=name.split(" ", maxsplit=1)[0] + f" {n}",
        category=category,
        status="on_sale",
    )
    code = code or f"SKU{n:04d}"
    return Sku.objects.create(
        product=product, code=code, name=name, status="on_sale", search_text=search_text(name, code)
    )


def price_list(
    seller: Org,
    *,
    code: str | None = None,
    target: str = "default",
    items: dict[Sku, Any] | None = None,
    **data: Any,
) -> PriceList:
    pl = services.price_list_create(
        actor=system_actor(),
        seller=seller,
        data={"code": code or f"PL{next(_n):04d}", "name": "价目表", "target": target, **data},
    )
    if items:
        rows = []
        for s, price in items.items():
            breaks = price if isinstance(price, dict) else {1: price}
            rows += [
                {"sku_id": s.pk, "min_qty": q, "price": Decimal(str(p))} for q, p in breaks.items()
            ]
        services.price_list_set_items(actor=system_actor(), price_list=pl, rows=rows)
    return pl
