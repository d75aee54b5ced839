"""The conflict check's second half: what a sample order would get under the stacking rules.

A cart of the checked promotion's products — a few of its SKUs, at quantities that reach its
first threshold — for a buyer of the seller that it targets, priced from the seller's price
lists for that buyer and run through the engine with the checked promotion (a draft too: it
is not live yet) and the promotions that overlap it as the only candidates, at a moment the
checked one is in force (now, or its start). Coupons count as if their code were entered.
Every line says what applied and what did not and why, the seller's way (targeting reasons
included). A read: nothing is written, nothing consumed. The page and the API call
`promotion_conflict_check`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from qudao.catalog.constants import ProductStatus
from qudao.catalog.models import Category, Sku
from qudao.network import scope
from qudao.network.constants import OrgKind, OrgStatus
from qudao.network.models import Org, SupplyLink
from qudao.network.selectors import sells_to
from qudao.pricing.selectors import LineQuote, quote, sellable_sku_ids
from qudao.promotions.constants import Basis, Reason, SampleProblem, TargetKind
from qudao.promotions.engine import Note, Offer, PriceResult, price
from qudao.promotions.models import Promotion
from qudao.promotions.rules import (
    BundleRules,
    BuyXGetYRules,
    CouponRules,
    GroupBuyRules,
    Rules,
    ThresholdAmountOffRules,
    ThresholdGiftRules,
    ThresholdPercentRules,
    TierPriceRules,
)
from qudao.promotions.selectors.cart import (
    OFFER_FIELDS,
    CartItem,
    buyer_context,
    cart_lines,
    make_offer,
    offer_of,
    products_of,
    targets_of,
)
from qudao.promotions.selectors.conflicts import Overlap, promotion_conflicts
from qudao.promotions.selectors.simulate import Simulation

SAMPLE_LINES = 5  # SKUs in the sample cart (a bundle brings all its components)
SAMPLE_BUYERS = 20  # buyers looked at, nearest first, for one the seller sells to
MAX_SAMPLE_QTY = 1_000_000
NOT_BUYERS = (OrgKind.HQ, OrgKind.REGION, OrgKind.SERVICE_POINT)
# the org column a target dimension reads (network level: the org's kind)
_ORG_COLUMNS: dict[str, str] = {TargetKind.GRADE: "grade", TargetKind.CHANNEL: "channel"}


@dataclass(frozen=True)
class SampleOrder:
    """The sample: its buyer, moment and priced cart (a Simulation, as the simulator shows
    one), the SKU codes left out for want of a price; or, without a cart, `problem`
    (SampleProblem) says why."""

    at: datetime
    buyer: Org | None = None
    simulation: Simulation | None = None
    unpriced: tuple[str, ...] = ()
    problem: str = ""

    @property
    def problem_message(self) -> str:
        return str(SampleProblem(self.problem).label) if self.problem else ""


@dataclass(frozen=True)
class ConflictCheck:
    overlaps: list[Overlap]
    sample: SampleOrder


# --- the buyer ------------------------------------------------------------------------------


def _any_of(qs: Iterable[Q]) -> Q:
    found = Q(pk__in=[])
    for q in qs:
        found |= q
    return found


def _targets_q(targets: Sequence[tuple[str, str]]) -> Q:
    """Orgs meeting every dimension the targets name (one of its values each), as the
    engine reads them: buyers by id, regions by tree path, divisions by code prefix."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in targets:
        by_kind.setdefault(kind, []).append(value)
    q = Q()
    for kind, values in by_kind.items():
        if kind == TargetKind.BUYER:
            q &= Q(pk__in=[int(v) for v in values if v.isdigit()])
        elif kind == TargetKind.REGION:
            q &= _any_of(Q(path__startswith=v) for v in values if v)
        elif kind == TargetKind.DIVISION:
            q &= _any_of(
                Q(province__code__startswith=v)
                | Q(city__code__startswith=v)
                | Q(district__code__startswith=v)
                for v in values
                if v
            )
        else:
            q &= Q(**{f"{_ORG_COLUMNS.get(kind, 'kind')}__in": values})
    return q


def sample_buyer(*, actor: Any, seller: Org, targets: Sequence[tuple[str, str]]) -> Org | None:
    """An active buyer of the seller, in the actor's network, that the targets reach: the
    nearest in the tree (then by path), among its own subtree and the buyers linked to it."""
    linked = SupplyLink.objects.filter(seller=seller, is_active=True).values("buyer_id")
    below = Q(path__startswith=seller.path) & ~Q(pk=seller.pk)
    candidates = (
        scope.visible_orgs(actor)
        .filter(below | Q(pk__in=linked), status=OrgStatus.ACTIVE)
        .exclude(kind__in=NOT_BUYERS)
        .filter(_targets_q(targets))
        .order_by("depth", "path")[:SAMPLE_BUYERS]
    )
    return next((org for org in candidates if sells_to(seller=seller, buyer=org)), None)


# --- the cart -------------------------------------------------------------------------------


def _named_skus(promotion: Promotion, offer: Offer) -> list[Sku]:
    """The SKUs the promotion names (by SKU, product set or its rules): on sale first, then
    by code; a bundle's components all, in their order."""
    rules = offer.rules
    if isinstance(rules, BundleRules):
        found = Sku.objects.in_bulk([c.sku_id for c in rules.components])
        return [found[c.sku_id] for c in rules.components if c.sku_id in found]
    skus = Sku.objects.filter(pk__in=offer.sku_ids).select_related("product")
    return sorted(
        skus, key=lambda s: (ProductStatus.ON_SALE not in {s.status, s.product.status}, s.code)
    )[:SAMPLE_LINES]


def _category_skus(offer: Offer, seller: Org, buyer: Org, at: datetime, n: int) -> list[Sku]:
    """On-sale SKUs the seller sells to the buyer, in the promotion's categories (any, for
    a promotion of every product), by code."""
    if n <= 0 or (offer.sku_ids and not offer.category_ids):
        return []
    qs = Sku.objects.filter(
        status=ProductStatus.ON_SALE,
        product__status=ProductStatus.ON_SALE,
        pk__in=sellable_sku_ids(seller=seller, buyer=buyer, at=at),
    ).exclude(pk__in=offer.sku_ids)
    if offer.category_ids:
        paths = Category.objects.filter(pk__in=offer.category_ids).values_list("path", flat=True)
        qs = qs.filter(_any_of(Q(product__category__path__startswith=p) for p in paths))
    return list(qs.order_by("code")[:n])


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _threshold(rules: Rules) -> tuple[str, Decimal] | None:
    """The basis and the first threshold of a kind that has one."""
    if isinstance(rules, ThresholdAmountOffRules | ThresholdPercentRules | ThresholdGiftRules):
        return rules.basis, rules.tiers[0].threshold
    if isinstance(rules, CouponRules) and rules.min_spend > 0:
        return Basis.AMOUNT, rules.min_spend
    if isinstance(rules, BuyXGetYRules):
        return Basis.QTY, Decimal(rules.buy_qty)
    return None


def _quantities(
    promotion: Promotion, rules: Rules, skus: list[Sku], prices: list[Decimal]
) -> list[int]:
    """Per line, a quantity that reaches the promotion's first threshold (measured before
    the other promotions), rounded up to each SKU's order multiple."""
    qty = [1] * len(skus)
    if isinstance(rules, TierPriceRules):
        qty = [rules.tiers[0].min_qty] * len(skus)
    elif isinstance(rules, GroupBuyRules):
        qty = [max(1, rules.tiers[0].min_qty - promotion.consumed_qty)] * len(skus)
    elif isinstance(rules, BundleRules):
        qty = [c.qty for c in rules.components]
    threshold = _threshold(rules)
    if threshold is not None:
        basis, value = threshold
        per_set = sum(prices, Decimal(0)) if basis == Basis.AMOUNT else Decimal(len(skus))
        if per_set > 0:
            qty = [max(1, _ceil(value / per_set))] * len(skus)
    return [
        min(MAX_SAMPLE_QTY, _ceil(Decimal(q) / s.order_multiple) * s.order_multiple)
        for q, s in zip(qty, skus, strict=True)
    ]


def _priced(
    seller: Org, buyer: Org, skus: list[Sku], qty: list[int], at: datetime
) -> list[LineQuote]:
    return quote(
        seller=seller, buyer=buyer, lines=[(s.pk, q) for s, q in zip(skus, qty, strict=True)], at=at
    )


# --- the run --------------------------------------------------------------------------------


def _offers(ids: list[int], lines: Sequence[Any]) -> tuple[list[Offer], list[Note]]:
    """The checked and overlapping promotions as engine offers, their products only as they
    touch the cart; one whose products are not in it is told so, not given an empty (every
    product) offer."""
    sku_ids = {line.sku_id for line in lines}
    category_ids: set[int] = set().union(*(line.category_ids for line in lines))
    rows = list(Promotion.objects.filter(pk__in=ids).values(*OFFER_FIELDS, "all_products"))
    targets = targets_of(ids)
    products = products_of(ids, sku_ids, category_ids)
    offers, absent = [], []
    for row in rows:
        found = products.get(row["id"])
        if found is None and not row["all_products"]:
            absent.append(Note(Reason.NO_MATCHING_ITEMS, row["id"], row["name"], row["kind"]))
            continue
        skus, categories = found or (set(), set())
        offers.append(make_offer(row, targets.get(row["id"], ()), skus, categories))
    return offers, absent


def promotion_sample_order(
    *, actor: Any, promotion: Promotion, overlaps: Sequence[Overlap], at: datetime | None = None
) -> SampleOrder:
    """A sample order of the promotion's products for a buyer it targets, priced with it and
    the overlapping promotions (module docstring). For the seller's people (the callers
    check): it names one of the seller's buyers and its prices."""
    at = at or max(timezone.now(), promotion.starts_at)
    offer = offer_of(promotion)
    buyer = sample_buyer(actor=actor, seller=promotion.seller, targets=offer.targets)
    if buyer is None:
        return SampleOrder(at=at, problem=SampleProblem.NO_BUYER)
    skus = _named_skus(promotion, offer)
    skus += _category_skus(offer, promotion.seller, buyer, at, SAMPLE_LINES - len(skus))
    first = _priced(promotion.seller, buyer, skus, [1] * len(skus), at)
    unpriced = tuple(s.code for s, q in zip(skus, first, strict=True) if q.price is None)
    if isinstance(offer.rules, BundleRules) and unpriced:
        skus = []  # a set without all its components is no sample of it
    skus = [s for s, q in zip(skus, first, strict=True) if q.price is not None]
    if not skus:
        return SampleOrder(at=at, buyer=buyer, unpriced=unpriced, problem=SampleProblem.NO_PRICE)
    prices = [q.price for q in first if q.price is not None]
    qty = _quantities(promotion, offer.rules, skus, prices)
    quotes = _priced(promotion.seller, buyer, skus, qty, at)
    items = [
        CartItem(s.pk, n, q.price if q.price is not None else p)
        for s, n, q, p in zip(skus, qty, quotes, prices, strict=True)
    ]
    context = buyer_context(seller=promotion.seller, buyer=buyer, at=at)
    lines = cart_lines(seller=promotion.seller, items=items)
    offers, absent = _offers([promotion.pk, *(o.promotion.pk for o in overlaps)], lines)
    result = price(lines=lines, context=context, offers=offers)
    skipped = sorted(
        [*result.skipped, *absent], key=lambda n: (n.promotion_id is None, n.promotion_id or 0)
    )
    result = PriceResult(result.lines, result.gifts, result.applied, skipped)
    by_id = {s.pk: s for s in skus}
    gifts = {g.sku_id for g in result.gifts} - by_id.keys()
    if gifts:
        by_id.update(Sku.objects.in_bulk(gifts))
    simulation = Simulation(result=result, skus=by_id, sources=[q.list_code for q in quotes])
    return SampleOrder(at=at, buyer=buyer, simulation=simulation, unpriced=unpriced)


def promotion_conflict_check(*, actor: Any, promotion: Promotion) -> ConflictCheck:
    """The conflict check of a promotion's page and API: the live and scheduled promotions
    that overlap it, and what a sample order would get with all of them. For the seller's
    people (the callers check)."""
    overlaps = promotion_conflicts(promotion=promotion)
    sample = promotion_sample_order(actor=actor, promotion=promotion, overlaps=overlaps)
    return ConflictCheck(overlaps=overlaps, sample=sample)
