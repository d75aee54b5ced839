"""Demo promotions: a year's calendar of the e-bike brand 飞驰 and of the demo distributor,
made through the promotions services (create → submit → approve → publish, audited) at the
time each was published, so that the demo orders placed afterwards through the order
services (demo/orders.py) get them while their windows are open, and consume their budgets.

The calendar (days from today):
- 春季特价 (brand → distributors): the T series 8% under list, −300 to −240.
- 经销商满减 (brand → distributors): ¥1,500 off from ¥30,000, ¥6,000 off from ¥100,000,
  −200 to −120, with a budget.
- 锂电池买五送一 (brand → distributors): one 48V20Ah lithium battery free per five, −120 to −60.
- 头盔秒杀 (brand → distributors): helmets at a flash price, 300 units, −30 to −27.
- 新车团购 (brand → distributors, the X9 or the newest model of the scale): the more all
  distributors order in the window, the lower the price, −20 to +10 (live).
- 经销商开业券 (the demo distributor → its dealers): ¥200 off from ¥3,000, one coupon per
  dealer, −90 to +30 (live).
- 配件满折 (the demo distributor → its dealers): 5% off parts from ¥2,000, −15 to +15 (live).
- and one each still a draft, waiting for approval and paused, for the pages.
After the orders, `end_finished_promotions` ends those whose window has closed.
Deterministic and idempotent (nothing is made when a promotion exists).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time

from qudao.catalog.models import Category, Sku
from qudao.core.money import money
from qudao.network.models import Membership, Org
from qudao.network.seed.logins import DEMO_LOGINS
from qudao.pricing.constants import Target
from qudao.pricing.models import PriceListItem
from qudao.promotions import services
from qudao.promotions.constants import Status
from qudao.promotions.models import Promotion

PUBLISHED_DAYS_AGO = 330  # the calendar is approved and published well before it starts


def _at(day: int) -> datetime:
    local = timezone.localdate() + timedelta(days=day)
    return timezone.make_aware(datetime.combine(local, time(0, 0)))


def _skus(prefix: str, limit: int = 40) -> list[Sku]:
    return list(
        Sku.objects.filter(code__startswith=prefix, status="on_sale").order_by("code")[:limit]
    )


def _list_prices(seller: Org, skus: list[Sku]) -> dict[int, Decimal]:
    """8% under the seller's default list price of each SKU (from one unit)."""
    found = PriceListItem.objects.filter(
        price_list__seller=seller,
        price_list__target=Target.DEFAULT,
        sku__in=skus,
        min_qty=1,
    ).values_list("sku_id", "price")
    return {sku_id: money(price * Decimal("0.92")) for sku_id, price in found}


def _admin_of(org: Org, role: str) -> Any:
    membership = (
        Membership.objects.filter(org=org, role__code=role, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def _demo_distributor() -> Org | None:
    wanted = next(
        u for u, role, where in DEMO_LOGINS if where == "distributor" and role == "dealer_admin"
    )
    membership = (
        Membership.objects.filter(user__username=wanted, is_active=True)
        .select_related("org")
        .first()
    )
    return membership.org if membership is not None else None


def _publish(actor: Any, seller: Org, data: dict[str, Any], *, stop: str = "live") -> Promotion:
    promotion = services.promotion_create(actor=actor, seller=seller, data=data)
    if stop == "draft":
        return promotion
    promotion = services.promotion_submit(actor=actor, promotion=promotion)
    if stop == "submitted":
        return promotion
    promotion = services.promotion_approve(actor=actor, promotion=promotion)
    promotion = services.promotion_publish(actor=actor, promotion=promotion)
    if stop == "paused":
        promotion = services.promotion_pause(actor=actor, promotion=promotion)
    return promotion


def _brand_calendar(hq: Org) -> list[tuple[dict[str, Any], str]]:
    t3 = _skus("FC-T")  # the T series (T1–T3, as the scale has them)
    prices = _list_prices(hq, t3)
    battery = Sku.objects.filter(code="FC-LI-4820-S").first()
    helmets = _skus("FC-HM-", 10)
    x9 = _skus("FC-X9-", 1) or _skus("FC-K7-", 1) or _skus("FC-T2-", 1)  # by scale
    level = [{"kind": "level", "value": "distributor"}]
    plan: list[tuple[dict[str, Any], str]] = []
    if prices:
        plan.append(
            (
                {
                    "name": "春季特价 · 踏板车T系列",
                    "kind": "special_price",
                    "rules": {"prices": {str(pk): str(price) for pk, price in prices.items()}},
                    "sku_ids": list(prices),
                    "targets": level,
                    "starts_at": _at(-300),
                    "ends_at": _at(-240),
                    "priority": 10,
                },
                "live",
            )
        )
    plan.append(
        (
            {
                "name": "经销商满减 · 满3万减1500",
                "kind": "threshold_amount_off",
                "rules": {
                    "tiers": [
                        {"threshold": "30000", "amount": "1500"},
                        {"threshold": "100000", "amount": "6000"},
                    ]
                },
                "targets": level,
                "starts_at": _at(-200),
                "ends_at": _at(-120),
                "budget_amount": "200000",
            },
            "live",
        )
    )
    if battery is not None:
        plan.append(
            (
                {
                    "name": "锂电池买五送一",
                    "kind": "buy_x_get_y",
                    "rules": {
                        "buy_qty": 5,
                        "gift": {"sku_id": battery.pk, "qty": 1, "unit_value": "900"},
                    },
                    "sku_ids": [battery.pk],
                    "targets": level,
                    "starts_at": _at(-120),
                    "ends_at": _at(-60),
                    "budget_qty": 400,
                },
                "live",
            )
        )
    if helmets:
        plan.append(
            (
                {
                    "name": "头盔秒杀",
                    "kind": "flash_sale",
                    "rules": {
                        "prices": {str(s.pk): "59" for s in helmets},
                        "max_qty_per_order": 50,
                    },
                    "sku_ids": [s.pk for s in helmets],
                    "targets": level,
                    "starts_at": _at(-30),
                    "ends_at": _at(-27),
                    "budget_qty": 300,
                },
                "live",
            )
        )
    if x9:
        plan.append(
            (
                {
                    "name": f"{x9[0].name} 新车团购",
                    "kind": "group_buy",
                    "rules": {
                        "sku_id": x9[0].pk,
                        "tiers": [
                            {"min_qty": 20, "price": "5999"},
                            {"min_qty": 50, "price": "5699"},
                        ],
                    },
                    "sku_ids": [x9[0].pk],
                    "targets": level,
                    "starts_at": _at(-20),
                    "ends_at": _at(10),
                },
                "live",
            )
        )
    plan += [
        (
            {
                "name": "五一大促（草稿）",
                "kind": "percent_off",
                "rules": {"percent": "5"},
                "category_ids": list(
                    Category.objects.filter(code="BIKE").values_list("pk", flat=True)
                ),
                "targets": level,
                "starts_at": _at(150),
                "ends_at": _at(157),
            },
            "draft",
        ),
        (
            {
                "name": "国庆整车满减（待审批）",
                "kind": "threshold_amount_off",
                "rules": {"tiers": [{"threshold": "100000", "amount": "5000"}]},
                "targets": level,
                "starts_at": _at(60),
                "ends_at": _at(67),
            },
            "submitted",
        ),
    ]
    return plan


def _distributor_calendar() -> list[tuple[dict[str, Any], str]]:
    category = Category.objects.filter(code="PART").values_list("pk", flat=True).first()
    plan: list[tuple[dict[str, Any], str]] = [
        (
            {
                "name": "经销商开业券",
                "kind": "coupon",
                "rules": {"amount": "200", "min_spend": "3000"},
                "starts_at": _at(-90),
                "ends_at": _at(30),
            },
            "live",
        ),
        (
            {
                "name": "充电器立减（已暂停）",
                "kind": "amount_off",
                "rules": {"amount": "10"},
                "category_ids": list(
                    Category.objects.filter(code="CHG").values_list("pk", flat=True)
                ),
                "starts_at": _at(-5),
                "ends_at": _at(25),
            },
            "paused",
        ),
    ]
    if category is not None:
        plan.append(
            (
                {
                    "name": "配件满2000打95折",
                    "kind": "threshold_percent",
                    "rules": {"tiers": [{"threshold": "2000", "percent": "5"}]},
                    "category_ids": [category],
                    "starts_at": _at(-15),
                    "ends_at": _at(15),
                },
                "live",
            )
        )
    return plan


def seed_promotions() -> dict[str, int]:
    """The calendar, published PUBLISHED_DAYS_AGO days ago (the clock frozen there)."""
    if Promotion.objects.exists():
        return {"promotions": 0, "coupons": 0}
    hq = Org.objects.filter(kind="hq").order_by("path").first()
    if hq is None:
        return {"promotions": 0, "coupons": 0}
    brand = _admin_of(hq, "brand_admin")
    distributor = _demo_distributor()
    dist_admin = _admin_of(distributor, "dealer_admin") if distributor is not None else None
    made, coupons = 0, 0
    published = datetime.combine(
        timezone.localdate() - timedelta(days=PUBLISHED_DAYS_AGO), time(10, 0)
    )
    brand_plan = _brand_calendar(hq)  # dates from today, before the clock is frozen
    distributor_plan = _distributor_calendar()
    with freeze_time(timezone.make_aware(published), tick=False), transaction.atomic():
        if brand is not None:
            for data, stop in brand_plan:
                _publish(brand, hq, data, stop=stop)
                made += 1
        if distributor is not None and dist_admin is not None:
            for data, stop in distributor_plan:
                promotion = _publish(dist_admin, distributor, data, stop=stop)
                made += 1
                if promotion.kind == "coupon":
                    dealers = Org.objects.filter(
                        path__startswith=distributor.path,
                        depth=distributor.depth + 1,
                        kind="dealer",
                        status="active",
                    ).order_by("path")
                    coupons += len(
                        services.coupon_issue(
                            actor=dist_admin, promotion=promotion, buyers=list(dealers)
                        )
                    )
    return {"promotions": made, "coupons": coupons}


def end_finished_promotions() -> int:
    """End the live promotions whose window has closed (after the demo orders)."""
    now = timezone.now()
    done = 0
    for promotion in Promotion.objects.filter(status=Status.LIVE, ends_at__lte=now):
        actor = _admin_of(promotion.seller, "brand_admin") or _admin_of(
            promotion.seller, "dealer_admin"
        )
        services.promotion_end(actor=actor, promotion=promotion)
        done += 1
    return done
