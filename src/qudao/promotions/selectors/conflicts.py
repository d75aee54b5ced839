"""The conflict check: other promotions of the seller that overlap a promotion on products,
targets and time (overlaps.py has the set logic)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from qudao.catalog.models import Sku
from qudao.promotions.constants import ALWAYS_EXCLUSIVE, SCHEDULED_STATUSES, STAGE
from qudao.promotions.models import Promotion, PromotionProduct
from qudao.promotions.overlaps import Products, common_skus, products_overlap, targets_overlap
from qudao.promotions.selectors.cart import targets_of


@dataclass(frozen=True)
class Overlap:
    """Another live or scheduled promotion of the seller that overlaps on products, targets
    and time; `blocking` when both are exclusive in the same step (refused at save)."""

    promotion: Promotion
    sku_codes: tuple[str, ...]
    all_products: bool
    starts_at: datetime
    ends_at: datetime | None
    blocking: bool


def _window_q(starts_at: datetime, ends_at: datetime | None) -> Q:
    q = Q(ends_at__isnull=True) | Q(ends_at__gt=starts_at)
    if ends_at is not None:
        q &= Q(starts_at__lt=ends_at)
    return q


def _products_of(ids: list[int]) -> tuple[dict[int, Products], dict[int, str]]:
    """Each promotion's SKUs and category paths, its product sets' items included (as they
    are now: sets count by reference), and the category path of every SKU named."""
    rows = list(
        PromotionProduct.objects.filter(promotion_id__in=ids).values_list(
            "promotion_id",
            "sku_id",
            "category__path",
            "product_set__items__sku_id",
            "product_set__items__category__path",
        )
    )
    skus: dict[int, set[int]] = defaultdict(set)
    cats: dict[int, set[str]] = defaultdict(set)
    for pid, sku_id, path, set_sku_id, set_path in rows:
        for sku, category in ((sku_id, path), (set_sku_id, set_path)):
            if sku is not None:
                skus[pid].add(sku)
            elif category is not None:
                cats[pid].add(category)
    all_skus = {sku for found in skus.values() for sku in found}
    sku_paths = dict(
        Sku.objects.filter(pk__in=all_skus).values_list("pk", "product__category__path")
    )
    products = {pid: Products(frozenset(skus[pid]), frozenset(cats[pid])) for pid in ids}
    return products, sku_paths


def closes_lines(promotion: Promotion) -> bool:
    return promotion.exclusive or promotion.kind in ALWAYS_EXCLUSIVE


def promotion_conflicts(*, promotion: Promotion, limit: int = 100) -> list[Overlap]:
    """Every submitted, approved, live or paused promotion of the same seller whose window,
    products and targets overlap this one's (docs/decisions/0010), most recent first."""
    others = list(
        Promotion.objects.filter(seller_id=promotion.seller_id, status__in=SCHEDULED_STATUSES)
        .exclude(pk=promotion.pk)
        .filter(_window_q(promotion.starts_at, promotion.ends_at))
        .order_by("-starts_at", "-id")
    )
    if not others:
        return []
    ids = [promotion.pk, *(o.pk for o in others)]
    targets = targets_of(ids)
    products, sku_paths = _products_of(ids)
    mine = products[promotion.pk]
    found = []
    for other in others:
        theirs = products[other.pk]
        if not products_overlap(mine, theirs, sku_paths):
            continue
        if not targets_overlap(targets.get(promotion.pk, ()), targets.get(other.pk, ())):
            continue
        found.append((other, common_skus(mine, theirs, sku_paths)))
        if len(found) >= limit:
            break
    codes = dict(
        Sku.objects.filter(pk__in={s for _o, c in found for s in c}).values_list("pk", "code")
    )
    return [
        Overlap(
            promotion=other,
            sku_codes=tuple(sorted(codes[s] for s in common)),
            all_products=mine.everything or products[other.pk].everything,
            starts_at=max(promotion.starts_at, other.starts_at),
            ends_at=min(
                (e for e in (promotion.ends_at, other.ends_at) if e is not None), default=None
            ),
            blocking=closes_lines(promotion)
            and closes_lines(other)
            and STAGE[promotion.kind] == STAGE[other.kind],
        )
        for other, common in found
    ]
