"""The demo catalogue of the fictional e-bike brand 飞驰: bikes by series with colour and
battery variants, lithium and lead-acid batteries, chargers, helmets, and spare parts with the
models they fit. Deterministic and idempotent (only missing codes are created); bulk inserts,
no audit rows: demo data is setup, not business."""

import itertools
import random
from dataclasses import dataclass

from django.db import transaction
from stdnum import ean

from qudao.catalog.models import Category, Fitment, Product, Sku, SkuPack
from qudao.catalog.rules import product_search_text, sku_search_text
from qudao.core.text import search_text

SEED = 20261127
BRAND = "飞驰"

CATEGORIES = [  # (code, name, parent code)
    ("BIKE", "整车", None),
    ("EBIKE", "电动自行车", "BIKE"),
    ("EMOPED", "电动轻便摩托车", "BIKE"),
    ("EMOTO", "电动摩托车", "BIKE"),
    ("BAT", "电池", None),
    ("BAT-LI", "锂电池", "BAT"),
    ("BAT-PB", "铅酸电池", "BAT"),
    ("CHG", "充电器", None),
    ("GEAR", "骑行装备", None),
    ("HELMET", "头盔", "GEAR"),
    ("PART", "配件", None),
    ("PART-BRAKE", "刹车", "PART"),
    ("PART-TIRE", "轮胎", "PART"),
    ("PART-CTRL", "控制器", "PART"),
    ("PART-MOTOR", "电机", "PART"),
    ("PART-LIGHT", "灯具", "PART"),
    ("PART-BODY", "车身件", "PART"),
]

# (code, series name, category, battery options, base price for price lists)
BIKES = [
    ("T1", "踏板车 T1", "EBIKE", ["48V12Ah锂电", "48V20Ah铅酸"], 2399),
    ("T2", "踏板车 T2", "EBIKE", ["48V20Ah锂电", "48V20Ah铅酸"], 2699),
    ("T3", "踏板车 T3 Pro", "EBIKE", ["48V24Ah锂电", "60V20Ah铅酸"], 3199),
    ("G1", "小龟 G1", "EBIKE", ["48V12Ah锂电", "48V12Ah铅酸"], 1999),
    ("G2", "小龟 G2", "EBIKE", ["48V20Ah锂电", "48V20Ah铅酸"], 2299),
    ("U8", "都市 U8", "EBIKE", ["48V15Ah锂电"], 2899),
    ("K5", "骑士 K5", "EMOPED", ["60V20Ah锂电", "60V20Ah铅酸"], 3999),
    ("K7", "骑士 K7", "EMOPED", ["60V32Ah锂电", "72V20Ah铅酸"], 4599),
    ("M3", "巡航 M3", "EMOPED", ["60V24Ah锂电"], 4299),
    ("X9", "越野 X9", "EMOTO", ["72V32Ah锂电", "72V45Ah锂电"], 6999),
    ("R6", "赛道 R6", "EMOTO", ["72V40Ah锂电"], 8999),
    ("C2", "货运 C2", "EMOTO", ["60V32Ah铅酸", "72V32Ah铅酸"], 5499),
]
COLOURS = ["星空灰", "珍珠白", "烈焰红", "薄荷绿", "深海蓝"]
BATTERIES = [  # (code, name, category, price, serial tracked)
    ("LI-4812", "锂电池 48V12Ah", "BAT-LI", 899, True),
    ("LI-4820", "锂电池 48V20Ah", "BAT-LI", 1299, True),
    ("LI-6020", "锂电池 60V20Ah", "BAT-LI", 1599, True),
    ("LI-7232", "锂电池 72V32Ah", "BAT-LI", 2599, True),
    ("PB-4812", "铅酸电池 48V12Ah", "BAT-PB", 399, False),
    ("PB-4820", "铅酸电池 48V20Ah", "BAT-PB", 529, False),
    ("PB-6020", "铅酸电池 60V20Ah", "BAT-PB", 659, False),
    ("PB-7220", "铅酸电池 72V20Ah", "BAT-PB", 789, False),
]
CHARGERS = [
    ("CH-482", "充电器 48V2A", 129),
    ("CH-483", "充电器 48V3A 快充", 199),
    ("CH-602", "充电器 60V2A", 149),
    ("CH-723", "充电器 72V3A 快充", 239),
]
HELMETS = [("HM-A", "3C认证半盔", 89), ("HM-B", "四季通用头盔", 129), ("HM-C", "全盔 带蓝牙", 299)]
HELMET_SIZES = ["M", "L", "XL"]
PARTS = [  # (code, name, category, price, fits series)
    ("BR-F", "前碟刹总成", "PART-BRAKE", 85, ["T1", "T2", "T3", "U8"]),
    ("BR-R", "后鼓刹总成", "PART-BRAKE", 45, ["T1", "G1", "G2"]),
    ("BR-PAD", "刹车片（对）", "PART-BRAKE", 18, ["T1", "T2", "T3", "K5", "K7", "M3"]),
    ("TR-1410", "真空胎 14×2.5", "PART-TIRE", 95, ["T1", "T2", "G1", "G2"]),
    ("TR-1030", "真空胎 10×3.0", "PART-TIRE", 88, ["K5", "K7", "M3"]),
    ("TR-1230", "越野胎 12×3.0", "PART-TIRE", 168, ["X9", "R6"]),
    ("CT-48", "控制器 48V 350W", "PART-CTRL", 139, ["T1", "T2", "G1", "G2", "U8"]),
    ("CT-60", "控制器 60V 800W", "PART-CTRL", 229, ["K5", "K7", "M3"]),
    ("CT-72", "控制器 72V 2000W", "PART-CTRL", 489, ["X9", "R6", "C2"]),
    ("MT-350", "轮毂电机 350W", "PART-MOTOR", 399, ["T1", "G1", "G2", "U8"]),
    ("MT-800", "轮毂电机 800W", "PART-MOTOR", 699, ["T2", "T3", "K5", "M3"]),
    ("MT-2000", "中置电机 2000W", "PART-MOTOR", 1599, ["X9", "R6", "K7", "C2"]),
    ("LT-HEAD", "LED 前大灯", "PART-LIGHT", 59, ["T1", "T2", "T3", "G1", "G2", "U8"]),
    ("LT-TAIL", "LED 尾灯", "PART-LIGHT", 29, ["T1", "T2", "T3", "K5", "K7", "M3"]),
    ("LT-TURN", "转向灯（对）", "PART-LIGHT", 25, ["X9", "R6", "C2", "K5", "K7"]),
    ("LT-DRL", "日行灯", "PART-LIGHT", 39, ["T3", "M3", "X9", "R6"]),
    ("BR-OIL", "油压碟刹总成", "PART-BRAKE", 168, ["K7", "M3", "X9", "R6"]),
    ("BR-LEVER", "刹车把手（对）", "PART-BRAKE", 35, ["T1", "T2", "G1", "G2", "U8"]),
    ("TR-1625", "外胎 16×2.5", "PART-TIRE", 65, ["G1", "G2", "U8"]),
    ("TR-TUBE", "内胎 16×2.125", "PART-TIRE", 19, ["G1", "G2", "U8"]),
    ("CT-SINE", "正弦波控制器 60V", "PART-CTRL", 299, ["K5", "K7", "M3", "C2"]),
    ("CT-DASH", "液晶仪表", "PART-CTRL", 129, ["T2", "T3", "K5", "K7", "M3"]),
    ("MT-1000", "轮毂电机 1000W", "PART-MOTOR", 899, ["K5", "K7", "C2"]),
    ("PT-SEAT", "加厚坐垫", "PART-BODY", 79, ["T1", "T2", "T3", "G1", "G2"]),
    ("PT-MIRROR", "后视镜（对）", "PART-BODY", 29, ["T1", "T2", "T3", "K5", "K7", "M3"]),
    ("PT-GRIP", "转把", "PART-BODY", 35, ["T1", "T2", "G1", "G2", "U8", "K5"]),
    ("PT-LOCK", "智能龙头锁", "PART-BODY", 149, ["T3", "U8", "M3", "X9"]),
    ("PT-FENDER", "前挡泥板", "PART-BODY", 45, ["T1", "T2", "G1", "G2"]),
    ("PT-RACK", "后货架", "PART-BODY", 69, ["C2", "T1", "G2"]),
    ("PT-SHOCK", "后减震（对）", "PART-BODY", 159, ["K5", "K7", "M3", "X9", "R6"]),
]


TRIMS = [("", 0), ("豪华版", 400)]  # (name suffix, extra price)


@dataclass(frozen=True)
class CatalogScale:
    bike_series: int
    colours: int
    trims: int
    parts: int


SCALES = {  # medium ≈ 60 products / 250 SKUs
    "small": CatalogScale(bike_series=4, colours=2, trims=1, parts=6),
    "medium": CatalogScale(bike_series=12, colours=5, trims=2, parts=30),
    "large": CatalogScale(bike_series=12, colours=5, trims=2, parts=30),
}


def _ean(rng: random.Random) -> str:
    body = "69" + "".join(str(rng.randrange(10)) for _ in range(10))  # 69 = China (GS1)
    return body + ean.calc_check_digit(body)


def _categories() -> dict[str, Category]:
    found = {c.code: c for c in Category.objects.all()}
    for code, name, parent in CATEGORIES:
        if code in found:
            continue
        data = {"code": code, "name": name, "search_text": search_text(name, code)[:300]}
        found[code] = (
            Category.objects.add_child(found[parent], data)
            if parent
            else Category.objects.add_root(data)
        )
    return found


def _plan(scale: CatalogScale) -> list[tuple[dict, list[dict], list[str]]]:
    """(product fields, its SKUs' fields, the series it fits) for every product."""
    plan: list[tuple[dict, list[dict], list[str]]] = []
    for code, series, category, batteries, price in BIKES[: scale.bike_series]:
        skus: list[dict] = []
        for (trim, extra), (b, battery), colour in itertools.product(
            TRIMS[: scale.trims], enumerate(batteries), COLOURS[: scale.colours]
        ):
            chem = "L" if "锂" in battery else "P"  # lithium or lead-acid
            suffix = "-DX" if trim else ""
            skus.append(
                {
                    "code": f"FC-{code}-{battery[:2]}{chem}{b}-{COLOURS.index(colour)}{suffix}",
                    "name": " ".join(filter(None, [f"{BRAND}{series}", trim, battery, colour])),
                    "attributes": {
                        "颜色": colour,
                        "电池": battery,
                        **({"配置": trim} if trim else {}),
                    },
                    "base_unit": "辆",
                    "serial_tracked": True,
                    "warranty_months": 24,
                    "price": price + (300 if "锂" in battery else 0) + 100 * b + extra,
                }
            )
        plan.append(
            (
                {
                    "code": f"FC-{code}",
                    "name": f"{BRAND}{series}",
                    "category": category,
                    "specs": {"系列": series, "整车质保": "2年"},
                },
                skus,
                [],
            )
        )
    for code, name, category, price, tracked in BATTERIES:
        plan.append(
            (
                {"code": f"FC-{code}", "name": f"{BRAND}{name}", "category": category},
                [
                    {
                        "code": f"FC-{code}-S",
                        "name": f"{BRAND}{name}",
                        "base_unit": "块",
                        "serial_tracked": tracked,
                        "warranty_months": 18 if tracked else 12,
                        "price": price,
                        "pack": ("箱", 4),
                    }
                ],
                [],
            )
        )
    for code, name, price in CHARGERS:
        plan.append(
            (
                {"code": f"FC-{code}", "name": f"{BRAND}{name}", "category": "CHG"},
                [
                    {
                        "code": f"FC-{code}-S",
                        "name": f"{BRAND}{name}",
                        "base_unit": "个",
                        "warranty_months": 12,
                        "price": price,
                        "pack": ("箱", 20),
                    }
                ],
                [],
            )
        )
    for code, name, price in HELMETS:
        skus = [
            {
                "code": f"FC-{code}-{size}",
                "name": f"{BRAND}{name} {size}码",
                "attributes": {"尺码": size},
                "base_unit": "个",
                "price": price,
                "pack": ("箱", 12),
            }
            for size in HELMET_SIZES
        ]
        plan.append(
            ({"code": f"FC-{code}", "name": f"{BRAND}{name}", "category": "HELMET"}, skus, [])
        )
    for code, name, category, price, fits in PARTS[: scale.parts]:
        plan.append(
            (
                {
                    "code": f"FC-{code}",
                    "name": f"{BRAND}{name}",
                    "category": category,
                    "is_spare_part": True,
                },
                [
                    {
                        "code": f"FC-{code}-S",
                        "name": f"{BRAND}{name}",
                        "base_unit": "件",
                        "serial_tracked": category == "PART-MOTOR",
                        "warranty_months": 6,
                        "price": price,
                        "pack": ("箱", 10),
                    }
                ],
                fits,
            )
        )
    return plan


def list_prices(*, scale: str) -> dict[str, int]:
    """The brand's list price (suggested retail) of every demo SKU code, for the price seed."""
    return {s["code"]: s["price"] for _p, skus, _f in _plan(SCALES[scale]) for s in skus}


@transaction.atomic
def seed_catalog(*, scale: str) -> dict[str, int]:
    """Create what is missing of the demo catalogue; returns how many rows were added."""
    rng = random.Random(SEED)
    categories = _categories()
    plan = _plan(SCALES[scale])
    have_products = set(Product.objects.values_list("code", flat=True))
    have_skus = set(Sku.objects.values_list("code", flat=True))
    new_products = [
        Product(
            code=p["code"],
            name=p["name"],
            category=categories[p["category"]],
            status="on_sale",
            is_spare_part=p.get("is_spare_part", False),
            specs=p.get("specs", {}),
        )
        for p, _skus, _fits in plan
        if p["code"] not in have_products
    ]
    for product in new_products:
        product.search_text = product_search_text(product)
    Product.objects.bulk_create(new_products)
    products = {p.code: p for p in Product.objects.all()}
    new_skus, packs = [], []
    for p, skus, _fits in plan:
        for s in skus:
            barcode = _ean(rng)  # drawn for every SKU so codes never depend on what exists
            if s["code"] in have_skus:
                continue
            new_skus.append(
                Sku(
                    product=products[p["code"]],
                    code=s["code"],
                    name=s["name"],
                    attributes=s.get("attributes", {}),
                    barcode=barcode,
                    base_unit=s["base_unit"],
                    status="on_sale",
                    serial_tracked=s.get("serial_tracked", False),
                    warranty_months=s.get("warranty_months", 0),
                )
            )
            if "pack" in s:
                packs.append((s["code"], *s["pack"]))
    for new in new_skus:  # the same search text the catalogue's services keep
        new.search_text = sku_search_text(new)
    Sku.objects.bulk_create(new_skus)
    by_code = {s.code: s for s in Sku.objects.all()}
    SkuPack.objects.bulk_create(
        [SkuPack(sku=by_code[code], unit=unit, factor=factor) for code, unit, factor in packs]
    )
    created = {s.code for s in new_skus}
    fitments = [
        Fitment(part=by_code[f"{p['code']}-S"], product=products[f"FC-{series}"])
        for p, _skus, fits in plan
        for series in fits
        if f"FC-{series}" in products and f"{p['code']}-S" in created
    ]
    Fitment.objects.bulk_create(fitments)
    return {"products": len(new_products), "skus": len(new_skus), "fitments": len(fitments)}
