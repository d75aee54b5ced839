"""Benchmarks of pricing on the medium demo data: quoting 20-line carts and importing a
10,000-row price list."""

import random
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.util import count_queries, db_name


def _medium() -> None:
    from qudao.catalog.models import Sku
    from qudao.demo.catalog import seed_catalog
    from qudao.demo.pricing import seed_prices
    from qudao.network.models import Org
    from qudao.network.seed import seed_demo

    if Org.objects.filter(kind="store").count() < 1000:
        seed_demo(scale="medium")
    if Sku.objects.count() < 200:
        seed_catalog(scale="medium")
        seed_prices(scale="medium")


def quote_carts() -> dict[str, Any]:
    from qudao.catalog.models import Sku
    from qudao.network.models import Org
    from qudao.network.selectors import default_seller
    from qudao.pricing.selectors import quote

    _medium()
    rng = random.Random(7)
    sku_ids = list(Sku.objects.values_list("pk", flat=True))
    dealers = list(Org.objects.filter(kind="dealer").order_by("path")[:100])
    carts = []
    for i in range(300):
        buyer = dealers[i % len(dealers)]
        carts.append(
            (
                default_seller(org=buyer),
                buyer,
                [(s, rng.randint(1, 60)) for s in rng.sample(sku_ids, 20)],
            )
        )
    seller, buyer, lines = carts[0]
    queries = count_queries(lambda: quote(seller=seller, buyer=buyer, lines=lines))
    samples = []
    priced = 0
    for seller, buyer, lines in carts:
        start = time.perf_counter()
        result = quote(seller=seller, buyer=buyer, lines=lines)
        samples.append((time.perf_counter() - start) * 1000)
        priced += sum(1 for line in result if line.price is not None)
    samples.sort()
    total_s = sum(samples) / 1000
    return {
        "value": round(len(carts) * 20 / total_s, 1),
        "unit": "lines/s",
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "queries": queries,
        "params": {
            "carts": len(carts),
            "lines": 20,
            "carts_per_s": round(len(carts) / total_s, 1),
            "priced_lines": priced,
            "db": db_name(),
        },
    }


def import_10k() -> dict[str, Any]:
    from qudao.accounts.models import User
    from qudao.catalog.models import Sku
    from qudao.core.spreadsheet import workbook_bytes
    from qudao.network.models import Org
    from qudao.pricing.imports import price_list_import
    from qudao.pricing.models import PriceControl
    from qudao.pricing.services import price_list_create

    _medium()
    admin = User.objects.get(username="admin")
    seller = Org.objects.filter(kind="distributor").order_by("-path").first()
    floors = dict(PriceControl.objects.values_list("sku_id", "floor_distributor"))
    skus = list(Sku.objects.order_by("code").values_list("pk", "code"))
    breaks = -(-10_000 // len(skus))
    rows = []
    for pk, code in skus:
        base = (floors.get(pk) or Decimal("10")) + Decimal("100")
        rows += [[code, "", qty, base - qty] for qty in range(1, breaks + 1)]
    rows = rows[:10_000]
    data = workbook_bytes(["SKU编码", "SKU名称", "起订数量", "价格"], rows)
    pl = price_list_create(
        actor=admin,
        seller=seller,
        data={
            "code": f"BENCH-{time.time_ns()}",
            "name": "导入测试",
            "target": "grade",
            "target_grade": "C",
            "priority": 7,
        },
    )
    start = time.perf_counter()
    result = price_list_import(actor=admin, price_list=pl, data=data)
    seconds = time.perf_counter() - start
    assert result.ok, result.errors[:3]
    return {
        "value": round(seconds, 2),
        "unit": "s",
        "params": {
            "rows": len(rows),
            "created": result.counts["created"],
            "file_kb": len(data) // 1024,
            "db": db_name(),
        },
    }


BENCHES = [("pricing.quote", quote_carts), ("pricing.import_10k", import_10k)]
