"""Demo prices: the brand's lists for distributors (standard, by grade, one region), each
distributor's lists for its dealers, the first dealer's list for its stores, and the brand's
price control (floors per level, suggested retail). Idempotent by list code."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from qudao.catalog.models import Sku
from qudao.demo.catalog import list_prices
from qudao.network.models import Org
from qudao.pricing.models import PriceControl, PriceList, PriceListItem

CENT = Decimal("0.01")


def _times(price: int, rate: str) -> Decimal:
    return (Decimal(price) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def _lists(hq: Org) -> list[tuple[Org, dict, str, dict[int, str]]]:
    """(seller, list fields, rate of the list price, extra breaks {qty: rate})."""
    plan = [
        (
            hq,
            {"code": "HQ-STD", "name": "出厂标准价", "target": "default"},
            "0.70",
            {10: "0.69", 50: "0.68"},
        ),
        (
            hq,
            {"code": "HQ-GA", "name": "A级经销商价", "target": "grade", "target_grade": "A"},
            "0.66",
            {},
        ),
        (
            hq,
            {"code": "HQ-GB", "name": "B级经销商价", "target": "grade", "target_grade": "B"},
            "0.68",
            {},
        ),
    ]
    region = Org.objects.filter(kind="region").order_by("path").first()
    if region is not None:
        plan.append(
            (
                hq,
                {
                    "code": "HQ-R01",
                    "name": f"{region.name}区域价",
                    "target": "region",
                    "target_region": region,
                },
                "0.69",
                {},
            )
        )
    for dist in Org.objects.filter(kind="distributor").order_by("path"):
        plan.append(
            (
                dist,
                {"code": f"{dist.code}-STD", "name": "批发价", "target": "default"},
                "0.80",
                {10: "0.79"},
            )
        )
        plan.append(
            (
                dist,
                {
                    "code": f"{dist.code}-GA",
                    "name": "A级客户价",
                    "target": "grade",
                    "target_grade": "A",
                },
                "0.78",
                {},
            )
        )
    dealer = Org.objects.filter(kind="dealer", status="active").order_by("path").first()
    if dealer is not None:
        plan.append(
            (
                dealer,
                {"code": f"{dealer.code}-STORE", "name": "门店供货价", "target": "default"},
                "0.88",
                {},
            )
        )
    return plan


@transaction.atomic
def seed_prices(*, scale: str) -> dict[str, int]:
    hq = Org.objects.get(depth=1)
    prices = list_prices(scale=scale)
    skus = dict(Sku.objects.filter(code__in=prices).values_list("code", "pk"))
    have = set(PriceList.objects.values_list("seller_id", "code"))
    items: list[PriceListItem] = []
    created = 0
    for seller, fields, rate, breaks in _lists(hq):
        if (seller.pk, fields["code"]) in have:
            continue
        pl = PriceList.objects.create(seller=seller, **fields)
        created += 1
        for code, sku_id in skus.items():
            items.append(
                PriceListItem(
                    price_list=pl, sku_id=sku_id, min_qty=1, price=_times(prices[code], rate)
                )
            )
            items += [
                PriceListItem(
                    price_list=pl, sku_id=sku_id, min_qty=qty, price=_times(prices[code], r)
                )
                for qty, r in breaks.items()
            ]
    PriceListItem.objects.bulk_create(items, batch_size=2000)
    have_control = set(PriceControl.objects.values_list("sku_id", flat=True))
    controls = [
        PriceControl(
            sku_id=sku_id,
            floor_distributor=_times(prices[code], "0.76"),
            floor_dealer=_times(prices[code], "0.85"),
            floor_store=_times(prices[code], "0.92"),
            suggested_retail=Decimal(prices[code]).quantize(CENT),
            minimum_advertised=_times(prices[code], "0.95"),
        )
        for code, sku_id in skus.items()
        if sku_id not in have_control
    ]
    PriceControl.objects.bulk_create(controls)
    return {"price_lists": created, "price_items": len(items), "price_controls": len(controls)}
