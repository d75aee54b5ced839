"""Benchmark of the promotion engine on the medium demo data: pricing 30-line carts against
1,000 and then 10,000 live promotions with a realistic mix of kinds, products and targets.

Four in ten promotions are the brand's (its sales to distributors), the rest spread over the
distributors (their sales to dealers); carts alternate between a distributor buying from the
brand — the seller with thousands of promotions — and a dealer buying from its distributor.
Promotions are bulk-inserted (bench set-up, not business), all live; a tenth start later and
some have ended, as a real calendar has."""

import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.bench_pricing import _medium
from bench.util import count_queries, db_name

LINES = 30
CARTS = 200
SEED = 20261127

KINDS = [  # (kind, weight): mostly item prices on SKUs, as sellers' calendars are
    ("special_price", 22),
    ("percent_off", 14),
    ("amount_off", 8),
    ("tier_price", 12),
    ("bundle", 4),
    ("flash_sale", 5),
    ("group_buy", 2),
    ("threshold_amount_off", 8),
    ("threshold_percent", 5),
    ("buy_x_get_y", 8),
    ("threshold_gift", 4),
    ("coupon", 8),
]
TARGETS = [  # (target mix, weight); one promotion in ten combines two dimensions
    ("all", 10),
    ("region", 30),
    ("grade", 15),
    ("channel", 10),
    ("level", 5),
    ("buyers", 25),
    ("division", 5),
]
ITEM_KINDS = {"special_price", "percent_off", "amount_off", "tier_price", "flash_sale"}


def _pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


class World:
    def __init__(self) -> None:
        from qudao.catalog.models import Category, Sku
        from qudao.demo.catalog import list_prices
        from qudao.network.models import Org

        _medium()
        self.hq = Org.objects.get(depth=1)
        self.distributors = list(Org.objects.filter(kind="distributor").order_by("path"))
        self.dealers = list(Org.objects.filter(kind="dealer").order_by("path")[:300])
        self.regions = list(Org.objects.filter(kind="region").order_by("path"))
        prices = list_prices(scale="medium")
        self.skus = [
            (pk, Decimal(prices.get(code, 100)))
            for pk, code in Sku.objects.order_by("code").values_list("pk", "code")
        ]
        self.categories = list(Category.objects.values_list("pk", flat=True))
        self.provinces = sorted(
            {o.province_id for o in self.dealers + self.distributors if o.province_id}
        )
        self.made = 0


def _rules(rng: random.Random, kind: str, skus: list[int], gift: int) -> dict[str, Any]:
    def price() -> str:
        return str(Decimal(rng.randint(50, 5000)))

    def pct() -> str:
        return str(rng.choice([3, 5, 8, 10, 12, 15, 20]))

    builders = {
        "special_price": lambda: {"prices": {str(s): price() for s in skus}},
        "flash_sale": lambda: {"prices": {str(s): price() for s in skus}},
        "percent_off": lambda: {"percent": pct()},
        "amount_off": lambda: {"amount": str(rng.randint(5, 100))},
        "tier_price": lambda: {"tiers": [{"min_qty": q, "percent": pct()} for q in (5, 20)]},
        "bundle": lambda: {
            "components": [{"sku_id": s, "qty": 1} for s in skus[:2]],
            "price": price(),
        },
        "group_buy": lambda: {"sku_id": skus[0], "tiers": [{"min_qty": 50, "price": price()}]},
        "threshold_amount_off": lambda: {
            "tiers": [
                {"threshold": "5000", "amount": "100"},
                {"threshold": "20000", "amount": "600"},
            ]
        },
        "threshold_percent": lambda: {
            "basis": "qty",
            "tiers": [{"threshold": "50", "percent": pct()}],
        },
        "buy_x_get_y": lambda: {
            "buy_qty": 10,
            "gift": {"sku_id": gift, "qty": 1, "unit_value": "30"},
        },
        "threshold_gift": lambda: {
            "tiers": [{"threshold": "10000", "gifts": [{"sku_id": gift, "qty": 2}]}]
        },
        "coupon": lambda: {"amount": "50", "min_spend": "1000"},
    }
    return builders[kind]()


def _targets(rng: random.Random, w: World, seller: Any, promotion: Any) -> list[Any]:
    from qudao.promotions.models import PromotionTarget

    rows = _target_rows(rng, w, seller, promotion, _pick(rng, TARGETS))
    if rows and rng.random() < 0.1:  # and a grade on top
        rows.append(PromotionTarget(promotion=promotion, kind="grade", value=rng.choice("AB")))
    return rows


def _target_rows(rng: random.Random, w: World, seller: Any, promotion: Any, mix: str) -> list[Any]:
    from qudao.promotions.models import PromotionTarget

    below = [d for d in w.dealers if d.path.startswith(seller.path)] or w.dealers
    if mix == "region":
        if seller.depth == 1:
            return [
                PromotionTarget(promotion=promotion, kind="region", region=rng.choice(w.regions))
            ]
        return [PromotionTarget(promotion=promotion, kind="region", region=rng.choice(below))]
    if mix in ("grade", "channel", "level"):
        value = {
            "grade": rng.choice("ABCD"),
            "channel": rng.choice(["traditional", "ka", "online", "project"]),
            "level": rng.choice(["distributor", "dealer"]),
        }[mix]
        return [PromotionTarget(promotion=promotion, kind=mix, value=value)]
    if mix == "buyers":
        pool = w.distributors if seller.depth == 1 else below
        chosen = rng.sample(pool, min(len(pool), rng.randint(1, 20)))
        return [PromotionTarget(promotion=promotion, kind="buyer", buyer=b) for b in chosen]
    if mix == "division" and w.provinces:
        return [
            PromotionTarget(promotion=promotion, kind="division", value=rng.choice(w.provinces))
        ]
    return []


def _products(
    rng: random.Random, w: World, kind: str, promotion: Any, skus: list[int]
) -> list[Any]:
    from qudao.promotions.models import PromotionProduct

    if kind in ("special_price", "flash_sale", "bundle", "group_buy"):
        return [PromotionProduct(promotion=promotion, sku_id=s) for s in skus]
    roll = rng.random()
    if kind in ITEM_KINDS or kind == "buy_x_get_y":
        if roll < 0.8:
            return [PromotionProduct(promotion=promotion, sku_id=s) for s in skus]
        return [PromotionProduct(promotion=promotion, category_id=rng.choice(w.categories))]
    if roll < 0.1:
        return []  # every product
    if roll < 0.7:
        return [PromotionProduct(promotion=promotion, category_id=rng.choice(w.categories))]
    return [PromotionProduct(promotion=promotion, sku_id=s) for s in skus]


def _grow(w: World, total: int) -> None:
    """Bulk-insert live promotions until there are `total`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from qudao.promotions.models import Coupon, Promotion, PromotionProduct, PromotionTarget

    rng = random.Random(SEED + w.made)
    now = timezone.now()
    with transaction.atomic():
        plans = []
        for n in range(w.made, total):
            seller = w.hq if rng.random() < 0.4 else rng.choice(w.distributors)
            kind = _pick(rng, KINDS)
            skus = [s for s, _p in rng.sample(w.skus, 3)]
            roll = rng.random()
            starts = now - timedelta(days=rng.randint(1, 30))
            ends = None if rng.random() < 0.3 else now + timedelta(days=rng.randint(1, 60))
            if roll < 0.1:
                starts, ends = now + timedelta(days=3), now + timedelta(days=10)
            elif roll < 0.15:
                starts, ends = now - timedelta(days=30), now - timedelta(days=1)
            if kind == "flash_sale" and ends is None:
                ends = now + timedelta(days=1)
            promotion = Promotion(
                seller=seller,
                number=f"BENCH-{n:06d}",
                name=f"{kind} {n}",
                kind=kind,
                status="live",
                rules=_rules(rng, kind, skus, rng.choice(w.skus)[0]),
                starts_at=starts,
                ends_at=ends,
                priority=rng.randint(0, 3),
                exclusive=rng.random() < 0.1 or kind in ("flash_sale", "group_buy"),
                budget_amount=Decimal(rng.randint(1000, 100000)) if rng.random() < 0.3 else None,
                budget_qty=rng.randint(50, 500) if kind == "flash_sale" else None,
            )
            plans.append((promotion, kind, skus, seller))
        Promotion.objects.bulk_create([p for p, *_rest in plans], batch_size=1000)
        targets, products, coupons = [], [], []
        for promotion, kind, skus, seller in plans:
            mine = _targets(rng, w, seller, promotion)
            goods = _products(rng, w, kind, promotion, skus)
            promotion.all_buyers, promotion.all_products = not mine, not goods
            promotion.target_kinds = len({t.kind for t in mine})
            for row in mine + goods:
                row.seller, row.live = seller, True
            targets += mine
            products += goods
            if kind == "coupon":
                coupons.append(
                    Coupon(
                        promotion=promotion, seller=seller, code=promotion.number, total_limit=1000
                    )
                )
        Promotion.objects.bulk_update(
            [p for p, *_r in plans], ["all_buyers", "all_products", "target_kinds"], batch_size=1000
        )
        PromotionTarget.objects.bulk_create(targets, batch_size=2000)
        PromotionProduct.objects.bulk_create(products, batch_size=2000)
        Coupon.objects.bulk_create(coupons, batch_size=1000)
    w.made = total
    with connection.cursor() as cursor:  # planner statistics, as a live database has them
        cursor.execute("ANALYZE")


def _carts(w: World) -> list[tuple[Any, Any, list[Any], list[str]]]:
    from qudao.network.selectors import default_seller
    from qudao.promotions.models import Coupon
    from qudao.promotions.selectors import CartItem

    rng = random.Random(SEED)
    codes: dict[int, list[str]] = {}
    for seller_id, code in Coupon.objects.values_list("seller_id", "code"):
        codes.setdefault(seller_id, []).append(code)
    carts = []
    for i in range(CARTS):
        if i % 2 == 0:
            buyer = w.distributors[i // 2 % len(w.distributors)]
            seller = w.hq
        else:
            buyer = w.dealers[i % len(w.dealers)]
            seller = default_seller(org=buyer)
        items = [CartItem(pk, rng.randint(1, 60), price) for pk, price in rng.sample(w.skus, LINES)]
        entered = (
            [rng.choice(codes[seller.pk])] if codes.get(seller.pk) and rng.random() < 0.2 else []
        )
        carts.append((seller, buyer, items, entered))
    return carts


_world: World | None = None


def price_carts(size: int) -> dict[str, Any]:
    from qudao.promotions.models import Promotion
    from qudao.promotions.selectors import price_cart

    global _world  # noqa: PLW0603  (1,000 first, then grown to 10,000)
    if _world is None:
        _world = World()
    w = _world
    _grow(w, size)
    carts = _carts(w)
    for seller, buyer, items, codes in carts[:5]:  # warm-up
        price_cart(seller=seller, buyer=buyer, items=items, coupon_codes=codes)
    seller, buyer, items, codes = carts[0]
    queries = count_queries(lambda: price_cart(seller=seller, buyer=buyer, items=items))
    samples, applied, candidates = [], 0, 0
    by_seller: dict[str, list[float]] = {"brand": [], "distributor": []}
    for seller, buyer, items, codes in carts:
        start = time.perf_counter()
        result = price_cart(seller=seller, buyer=buyer, items=items, coupon_codes=codes)
        samples.append((time.perf_counter() - start) * 1000)
        by_seller["brand" if seller.depth == 1 else "distributor"].append(samples[-1])
        applied += len(result.applied)
        candidates += len(result.applied) + len(result.skipped)
    samples.sort()
    total_s = sum(samples) / 1000
    hq_live = Promotion.objects.filter(seller=w.hq, status="live").count()
    return {
        "value": round(len(carts) / total_s, 1),
        "unit": "carts/s",
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "queries": queries,
        "params": {
            "promotions": size,
            "brand_promotions": hq_live,
            "lines": LINES,
            "carts": len(carts),
            "applied_per_cart": round(applied / len(carts), 1),
            "offers_per_cart": round(candidates / len(carts), 1),
            # the brand sells to distributors with thousands of promotions; a distributor
            # to its dealers with a few hundred
            "p50_ms_from_brand": round(statistics.median(by_seller["brand"]), 2),
            "p50_ms_from_distributor": round(statistics.median(by_seller["distributor"]), 2),
            "db": db_name(),
        },
    }


BENCHES = [
    ("promotions.price_cart", lambda: price_carts(1_000)),
    ("promotions.price_cart", lambda: price_carts(10_000)),
]
