"""Pricing a cart: the engine fed from the database.

`price_cart` costs a fixed number of queries whatever the number of promotions: the cart's
SKUs with their category paths, the categories' ids, the floors, the candidate promotions
(found through the indexes on products and targets, never a scan in Python), the product
rows of those candidates that touch the cart, the target rows of those that combine
dimensions, and the coupons entered. Only candidates become engine offers.

A product row may name a seller's product set instead of a SKU or a category: the set counts
by reference, so the candidate query matches the set's items against the cart in a subquery
and the product rows come joined with the items that touch the cart — an offer sees the set
as the SKUs and categories it holds now, at no extra query.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.models import Category, ProductSetItem, Sku
from qudao.core.errors import NotFound
from qudao.network import scope
from qudao.network.models import Org
from qudao.pricing.constants import FLOOR_LEVELS
from qudao.pricing.selectors import price_control_for_skus
from qudao.promotions.constants import Kind, Status, TargetKind
from qudao.promotions.engine import (
    CartLine,
    Context,
    CouponFacts,
    Offer,
    PriceResult,
    price,
)
from qudao.promotions.models import (
    Coupon,
    CouponHolder,
    Promotion,
    PromotionProduct,
    PromotionTarget,
)
from qudao.promotions.rules import parse_rules

OFFER_FIELDS = (
    "id",
    "name",
    "kind",
    "rules",
    "starts_at",
    "ends_at",
    "priority",
    "exclusive",
    "floor_exempt",
    "budget_amount",
    "consumed_amount",
    "budget_qty",
    "consumed_qty",
    "target_kinds",
)
Targets = dict[int, list[tuple[str, str]]]
Products = dict[int, tuple[set[int], set[int]]]


@dataclass(frozen=True)
class CartItem:
    """A line of a cart as the orders engine has it: the buyer's unit price before
    promotions (pricing.quote)."""

    sku_id: int
    qty: int
    unit_price: Decimal


# --- the buyer and the cart -----------------------------------------------------------------


def division_code(org: Org) -> str:
    """The org's most precise administrative division code (Division's key is its code)."""
    return str(org.district_id or org.city_id or org.province_id or "")


def normalize_code(code: str) -> str:
    return code.strip().upper()


def buyer_context(
    *, seller: Org, buyer: Org, at: datetime | None = None, coupon_codes: Iterable[str] = ()
) -> Context:
    return Context(
        buyer_id=buyer.pk,
        seller_id=seller.pk,
        at=at or timezone.now(),
        path=buyer.path,
        channel=buyer.channel,
        level=buyer.kind,
        grade=buyer.grade,
        division=division_code(buyer),
        coupon_codes=tuple(sorted({normalize_code(c) for c in coupon_codes if c.strip()})),
    )


def _category_ids(sku_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Each SKU's category and its ancestors, by id: two queries."""
    paths = dict(
        Sku.objects.filter(pk__in=list(sku_ids)).values_list("pk", "product__category__path")
    )
    step = Category.steplen
    prefixes = {p[:i] for p in paths.values() for i in range(step, len(p) + 1, step)}
    ids = dict(Category.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return {
        sku: frozenset(pk for p, pk in ids.items() if path.startswith(p))
        for sku, path in paths.items()
    }


def cart_lines(*, seller: Org, items: Sequence[CartItem]) -> list[CartLine]:
    """The engine's lines: categories for category promotions, and the brand's floor per
    unit binding this seller (distributors, dealers and stores; the brand is not bound)."""
    sku_ids = [item.sku_id for item in items]
    categories = _category_ids(sku_ids)
    floors: dict[int, Decimal | None] = {}
    if seller.kind in FLOOR_LEVELS:
        controls = price_control_for_skus(sku_ids=sku_ids)
        floors = {k: v.floor_for(seller.kind) for k, v in controls.items()}
    return [
        CartLine(
            sku_id=item.sku_id,
            qty=int(item.qty),
            unit_price=Decimal(item.unit_price),
            category_ids=categories.get(item.sku_id, frozenset()),
            floor=floors.get(item.sku_id),
        )
        for item in items
    ]


# --- candidates -----------------------------------------------------------------------------


def _division_prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if len(code) >= n]


def target_match_q(ctx: Context) -> Q:
    """Target rows one of whose dimensions the buyer meets (indexed lookups only; the
    engine checks promotions that combine dimensions)."""
    steps = [ctx.path[:i] for i in range(Org.steplen, len(ctx.path) + 1, Org.steplen)]
    q = Q(buyer_id=ctx.buyer_id, kind=TargetKind.BUYER)
    q |= Q(region_id__in=Org.objects.filter(path__in=steps).values("pk"), kind=TargetKind.REGION)
    if ctx.division:
        q |= Q(kind=TargetKind.DIVISION, value__in=_division_prefixes(ctx.division))
    for kind, fact in (
        (TargetKind.GRADE, ctx.grade),
        (TargetKind.CHANNEL, ctx.channel),
        (TargetKind.LEVEL, ctx.level),
    ):
        if fact:
            q |= Q(kind=kind, value=fact)
    return q


def live_promotions(seller_id: int, at: datetime) -> QuerySet[Promotion]:
    """The seller's live promotions whose window has not closed (scheduled ones included:
    a buyer is told when they start)."""
    return Promotion.objects.filter(seller_id=seller_id, status=Status.LIVE).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )


def targeted_q(ctx: Context) -> Q:
    by_target = (
        PromotionTarget.objects.filter(seller_id=ctx.seller_id, live=True)
        .filter(target_match_q(ctx))
        .values("promotion_id")
    )
    return Q(all_buyers=True) | Q(pk__in=by_target)


def product_match_q(sku_ids: set[int], category_ids: set[int]) -> Q:
    """Product rows naming one of these SKUs or categories, or a product set holding one
    (the set's items matched in a subquery, through their SKU and category indexes)."""
    sets = ProductSetItem.objects.filter(
        Q(sku_id__in=sku_ids) | Q(category_id__in=category_ids)
    ).values("product_set_id")
    return Q(sku_id__in=sku_ids) | Q(category_id__in=category_ids) | Q(product_set_id__in=sets)


def _candidates(
    ctx: Context, sku_ids: set[int], category_ids: set[int], *, targeted_only: bool
) -> list[dict[str, Any]]:
    by_product = (
        PromotionProduct.objects.filter(seller_id=ctx.seller_id, live=True)
        .filter(product_match_q(sku_ids, category_ids))
        .values("promotion_id")
    )
    qs = (
        live_promotions(ctx.seller_id, ctx.at)
        .exclude(kind=Kind.COUPON)
        .filter(Q(all_products=True) | Q(pk__in=by_product))
    )
    if targeted_only:
        qs = qs.filter(targeted_q(ctx))
    return list(qs.order_by().values(*OFFER_FIELDS))


def _coupons(ctx: Context) -> list[tuple[dict[str, Any], Coupon, int]]:
    """The coupons entered, with their live promotion and this buyer's uses so far."""
    if not ctx.coupon_codes:
        return []
    found = list(
        Coupon.objects.filter(seller_id=ctx.seller_id, code__in=ctx.coupon_codes)
        .filter(promotion__status=Status.LIVE, promotion__kind=Kind.COUPON)
        .select_related("promotion")
    )
    used = dict(
        CouponHolder.objects.filter(coupon__in=found, buyer_id=ctx.buyer_id).values_list(
            "coupon_id", "used"
        )
    )
    return [
        ({f: getattr(c.promotion, f) for f in OFFER_FIELDS}, c, used.get(c.pk, 0)) for c in found
    ]


def targets_of(ids: Iterable[int]) -> Targets:
    """Target rows as the engine reads them: buyers by id, regions by tree path."""
    targets: Targets = defaultdict(list)
    rows = PromotionTarget.objects.filter(promotion_id__in=list(ids)).values_list(
        "promotion_id", "kind", "buyer_id", "region__path", "value"
    )
    for pid, kind, buyer_id, region_path, value in rows:
        shown: dict[str, str] = {
            TargetKind.BUYER: str(buyer_id),
            TargetKind.REGION: region_path or "",
        }
        targets[pid].append((kind, shown.get(kind, value)))
    return targets


def products_of(
    ids: Iterable[int], sku_ids: set[int] | None = None, category_ids: set[int] | None = None
) -> Products:
    """SKUs and categories per promotion, its product sets' items included; with the cart's
    SKUs and categories, only those (an offer of 5,000 SKUs brings the few in the cart). One
    query: the rows joined with their sets' items."""
    rows = PromotionProduct.objects.filter(promotion_id__in=list(ids))
    if sku_ids is not None:
        cats = category_ids or set()
        # one filter() call, so the items join it makes is the one the values below read
        rows = rows.filter(
            Q(sku_id__in=sku_ids)
            | Q(category_id__in=cats)
            | Q(product_set__items__sku_id__in=sku_ids)
            | Q(product_set__items__category_id__in=cats)
        )
    fields = (
        "promotion_id",
        "sku_id",
        "category_id",
        "product_set__items__sku_id",
        "product_set__items__category_id",
    )
    products: Products = defaultdict(lambda: (set(), set()))
    for pid, sku_id, category_id, set_sku_id, set_category_id in rows.values_list(*fields):
        skus, categories = products[pid]
        for sku, category in ((sku_id, category_id), (set_sku_id, set_category_id)):
            if sku is not None:
                skus.add(sku)
            elif category is not None:
                categories.add(category)
    return products


def make_offer(
    row: Mapping[str, Any],
    targets: Sequence[tuple[str, str]] = (),
    skus: Iterable[int] = (),
    categories: Iterable[int] = (),
    coupon: CouponFacts | None = None,
) -> Offer:
    """An engine offer from a promotion's row (values of OFFER_FIELDS)."""
    budget, budget_qty = row["budget_amount"], row["budget_qty"]
    return Offer(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        rules=parse_rules(row["kind"], row["rules"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        priority=row["priority"],
        exclusive=row["exclusive"],
        floor_exempt=row["floor_exempt"],
        targets=tuple(sorted(targets)),
        sku_ids=frozenset(skus),
        category_ids=frozenset(categories),
        budget_amount_left=None if budget is None else budget - row["consumed_amount"],
        budget_qty_left=None if budget_qty is None else budget_qty - row["consumed_qty"],
        group_qty=row["consumed_qty"] if row["kind"] == Kind.GROUP_BUY else 0,
        coupon=coupon,
    )


def offer_of(promotion: Promotion) -> Offer:
    """One promotion as an engine offer, with all its targets and products (previews)."""
    targets, products = targets_of([promotion.pk]), products_of([promotion.pk])
    skus, categories = products.get(promotion.pk, (set(), set()))
    row = {f: getattr(promotion, f) for f in OFFER_FIELDS}
    return make_offer(row, targets.get(promotion.pk, ()), skus, categories)


def offers_for_cart(
    *, context: Context, lines: Sequence[CartLine], targeted_only: bool = True
) -> list[Offer]:
    """The seller's live promotions that can touch this cart, as engine offers. For a buyer
    (`targeted_only`) only those it is targeted by (single-dimension targets are settled by
    the query; rows are loaded for those combining dimensions); the seller's simulator
    loads the others too, with their targets, so the engine can say "not in your region"."""
    sku_ids = {line.sku_id for line in lines}
    category_ids: set[int] = set().union(*(line.category_ids for line in lines))
    rows = _candidates(context, sku_ids, category_ids, targeted_only=targeted_only)
    coupons = _coupons(context)
    everyone = rows + [row for row, _c, _u in coupons]
    need_targets = [r["id"] for r in everyone if not targeted_only or r["target_kinds"] > 1]
    targets = targets_of(need_targets) if need_targets else {}
    products = products_of([r["id"] for r in everyone], sku_ids, category_ids)

    def offer(row: Mapping[str, Any], coupon: CouponFacts | None = None) -> Offer:
        skus, categories = products.get(row["id"], (set(), set()))
        return make_offer(row, targets.get(row["id"], ()), skus, categories, coupon)

    offers = [offer(row) for row in rows]
    for row, coupon, used in coupons:
        left = None if coupon.total_limit is None else coupon.total_limit - coupon.used
        facts = CouponFacts(
            coupon_id=coupon.pk,
            code=coupon.code,
            buyer_id=coupon.buyer_id,
            total_left=left,
            buyer_left=coupon.per_buyer_limit - used,
            buyer_limit=coupon.per_buyer_limit,
        )
        offers.append(offer(row, facts))
    return offers


def price_cart(
    *,
    seller: Org,
    buyer: Org,
    items: Sequence[CartItem],
    at: datetime | None = None,
    coupon_codes: Iterable[str] = (),
    for_seller: bool = False,
) -> PriceResult:
    """The promotions on a cart: per-line adjustments, gift lines, what applied and what did
    not and why. A buyer's answer (the default) never mentions promotions meant for others;
    `for_seller` (the seller's simulator) explains those too. A read: nothing is consumed —
    services.promotions_consume does that at submit."""
    context = buyer_context(seller=seller, buyer=buyer, at=at, coupon_codes=coupon_codes)
    lines = cart_lines(seller=seller, items=items)
    offers = offers_for_cart(context=context, lines=lines, targeted_only=not for_seller)
    result = price(lines=lines, context=context, offers=offers)
    return result if for_seller else result.for_buyer()


def cart_simulate(
    *,
    actor: Any,
    seller: Org,
    buyer: Org,
    items: Sequence[CartItem],
    at: datetime | None = None,
    coupon_codes: Iterable[str] = (),
) -> PriceResult:
    """The seller's simulator: a buyer of its network and a cart (at any moment, e.g. a
    promotion's start), priced with every promotion that applied and why the others did not
    — including those meant for other buyers. For the seller's promotion managers only."""
    scope.require(actor, MANAGE_PROMOTIONS, seller)
    if not scope.in_scope(actor, buyer):
        raise NotFound
    return price_cart(
        seller=seller, buyer=buyer, items=items, at=at, coupon_codes=coupon_codes, for_seller=True
    )
