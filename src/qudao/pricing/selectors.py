"""Reads of pricing: the price resolution engine ("price, source list, rule, why") and lists.

Resolution for (seller, buyer, lines, at) takes three queries whatever the number of lines:
the seller's lists whose target can match the buyer, their items for the lines' SKUs, and
the SKUs' price control. Everything else happens in memory.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qudao.core.errors import NotFound
from qudao.core.money import money
from qudao.network import scope
from qudao.network.constants import SupplyKind
from qudao.network.models import Org
from qudao.pricing.constants import SPECIFICITY, Reason, Target
from qudao.pricing.models import PriceControl, PriceList, PriceListItem


@dataclass(frozen=True)
class Candidate:
    """One list's offer for a line, and why it did or did not win."""

    list_id: int
    list_code: str
    list_name: str
    target: str
    target_label: str
    specificity: int
    priority: int
    min_qty: int | None
    price: Decimal | None
    reason: str

    @property
    def reason_label(self) -> str:
        return str(Reason(self.reason).label)


@dataclass
class LineQuote:
    sku_id: int
    qty: int
    price: Decimal | None = None
    amount: Decimal | None = None
    list_id: int | None = None
    list_code: str = ""
    rule: str = ""
    breaks: list[tuple[int, Decimal]] = field(default_factory=list)
    suggested_retail: Decimal | None = None
    candidates: list[Candidate] = field(default_factory=list)
    ambiguous: bool = False


def ancestor_paths(org: Org) -> list[str]:
    """The org's own path and every ancestor's (a materialised path's prefixes)."""
    return [org.path[: i * Org.steplen] for i in range(1, org.depth + 1)]


def _target_q(buyer: Org) -> Q:
    q = Q(target=Target.DEFAULT) | Q(target=Target.BUYER, target_buyer=buyer)
    q |= Q(target=Target.REGION, target_region__path__in=ancestor_paths(buyer))
    q |= Q(target=Target.CHANNEL, target_channel=buyer.channel)
    if buyer.grade:
        q |= Q(target=Target.GRADE, target_grade=buyer.grade)
    return q


def specificity(price_list: PriceList) -> int:
    base = SPECIFICITY[Target(price_list.target)]
    if price_list.target == Target.REGION and price_list.target_region is not None:
        return base + price_list.target_region.depth  # nearer the buyer is more specific
    return base


def target_label(price_list: PriceList) -> str:
    label = str(Target(price_list.target).label)
    detail = {
        Target.BUYER: getattr(price_list.target_buyer, "name", ""),
        Target.GRADE: price_list.target_grade,
        Target.REGION: getattr(price_list.target_region, "name", ""),
        Target.CHANNEL: price_list.get_target_channel_display()
        if price_list.target_channel
        else "",
    }.get(Target(price_list.target), "")
    return f"{label} {detail}".strip()


def _window_reason(price_list: PriceList, at: datetime) -> str | None:
    if not price_list.is_active:
        return Reason.INACTIVE
    if price_list.valid_from is not None and at < price_list.valid_from:
        return Reason.NOT_YET_VALID
    if price_list.valid_until is not None and at >= price_list.valid_until:
        return Reason.EXPIRED
    return None


def _candidate(pl: PriceList, item: PriceListItem | None, reason: str, spec: int) -> Candidate:
    return Candidate(
        list_id=pl.pk,
        list_code=pl.code,
        list_name=pl.name,
        target=pl.target,
        target_label=target_label(pl),
        specificity=spec,
        priority=pl.priority,
        min_qty=item.min_qty if item else None,
        price=item.price if item else None,
        reason=reason,
    )


def _resolve_line(
    sku_id: int,
    qty: int,
    lists: Sequence[PriceList],
    items: dict[int, list[PriceListItem]],
    at: datetime,
) -> LineQuote:
    line = LineQuote(sku_id=sku_id, qty=qty)
    valid: list[tuple[int, int, PriceList, PriceListItem]] = []
    rejected: list[Candidate] = []
    for pl in lists:
        breaks = sorted(items.get(pl.pk, []), key=lambda i: i.min_qty)
        if not breaks:
            continue
        spec = specificity(pl)
        reason = _window_reason(pl, at)
        reached = [b for b in breaks if b.min_qty <= qty]
        if reason is not None:
            rejected.append(_candidate(pl, (reached or breaks)[-1], reason, spec))
        elif not reached:
            rejected.append(_candidate(pl, breaks[0], Reason.BELOW_BREAK, spec))
        else:
            valid.append((spec, pl.priority, pl, reached[-1]))
    if not valid:
        line.candidates = rejected
        return line
    valid.sort(key=lambda v: (v[0], v[1], -v[3].price), reverse=True)
    top_spec, top_prio, winner, item = valid[0]
    line.ambiguous = len(valid) > 1 and valid[1][:2] == (top_spec, top_prio)
    line.price, line.list_id, line.list_code = item.price, winner.pk, winner.code
    line.amount = money(item.price * qty)
    line.rule = target_label(winner)
    line.breaks = [(b.min_qty, b.price) for b in sorted(items[winner.pk], key=lambda i: i.min_qty)]
    chosen = [_candidate(winner, item, Reason.WON, top_spec)]
    for spec, _prio, pl, it in valid[1:]:
        reason = Reason.LESS_SPECIFIC if spec < top_spec else Reason.LOWER_PRIORITY
        chosen.append(_candidate(pl, it, reason, spec))
    line.candidates = chosen + rejected
    return line


def quote(
    *, seller: Org, buyer: Org, lines: Iterable[tuple[int, int]], at: datetime | None = None
) -> list[LineQuote]:
    """Resolve the buyer's price for each (sku_id, qty) from the seller's lists.

    The winner is the valid list with the most specific target (named buyer > grade > region,
    nearer first > channel > default), then the highest priority; within it, the largest
    quantity break reached. Equal specificity and priority cannot be saved (services refuse
    it); should old data still hold such a tie, the lower price wins and the line says so.
    """
    at = at or timezone.now()
    wanted = [(int(sku), int(qty)) for sku, qty in lines]
    sku_ids = {sku for sku, _qty in wanted}
    lists = list(
        PriceList.objects.filter(seller=seller)
        .filter(_target_q(buyer))
        .select_related("target_buyer", "target_region")
    )
    by_list_sku: dict[int, dict[int, list[PriceListItem]]] = defaultdict(lambda: defaultdict(list))
    for item in PriceListItem.objects.filter(price_list__in=lists, sku_id__in=sku_ids):
        by_list_sku[item.sku_id][item.price_list_id].append(item)
    retail = dict(
        PriceControl.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "suggested_retail")
    )
    result = []
    for sku_id, qty in wanted:
        line = _resolve_line(sku_id, qty, lists, by_list_sku.get(sku_id, {}), at)
        line.suggested_retail = retail.get(sku_id)
        result.append(line)
    return result


def price_list_list_for_actor(
    *, actor: Any, seller_id: int | None = None, q: str = "", active: bool | None = None
) -> QuerySet[PriceList]:
    """Lists whose seller is in the actor's scope: a list is the seller's business, and its
    buyers see prices only through quotes."""
    qs = PriceList.objects.filter(scope.scope_q(actor, "seller__path")).select_related(
        "seller", "target_buyer", "target_region"
    )
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("seller__path", "code")


def price_list_get(*, actor: Any, price_list_id: int) -> PriceList:
    found = price_list_list_for_actor(actor=actor).filter(pk=price_list_id).first()
    if found is None:
        raise NotFound
    return found


def price_list_items(*, price_list: PriceList) -> QuerySet[PriceListItem]:
    return price_list.items.select_related("sku", "sku__product").order_by("sku__code", "min_qty")


def price_control_for_skus(*, sku_ids: Iterable[int]) -> dict[int, PriceControl]:
    return {pc.sku_id: pc for pc in PriceControl.objects.filter(sku_id__in=list(sku_ids))}


class NotASeller(NotFound):
    """The buyer does not order from this seller (no supply link, not its default seller)."""

    code = "not_a_seller_of_buyer"


def trading_pair(*, actor: Any, seller_id: int, buyer_id: int) -> tuple[Org, Org]:
    """Seller and buyer for a quote the actor may ask: the buyer in the actor's scope (the
    buyer's own people, or the seller's above it), and the buyer orders from the seller."""
    from qudao.network.selectors import org_get, sells_to

    buyer = org_get(actor=actor, org_id=buyer_id)
    seller = Org.objects.filter(pk=seller_id).first()
    if seller is None or not sells_to(seller=seller, buyer=buyer):
        raise NotASeller
    return seller, buyer


def sellable_sku_ids(*, seller: Org, buyer: Org, at: datetime | None = None) -> QuerySet[Any]:
    """The SKUs the seller sells to this buyer now (a subquery): priced for it by a valid
    list, and of a kind its supply link covers (a parts-only link shows spare parts only)."""
    from qudao.network.selectors import supply_kinds

    at = at or timezone.now()
    lists = PriceList.objects.filter(seller=seller, is_active=True).filter(_target_q(buyer))
    lists = lists.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=at))
    lists = lists.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
    items = PriceListItem.objects.filter(price_list__in=lists)
    kinds = supply_kinds(seller=seller, buyer=buyer)
    if SupplyKind.GOODS not in kinds:
        items = items.filter(sku__product__is_spare_part=True)
    if SupplyKind.PARTS not in kinds:
        items = items.filter(sku__product__is_spare_part=False)
    return items.values("sku_id")


@dataclass
class CatalogueRow:
    sku: Any
    line: LineQuote


def buyer_catalogue(
    *, actor: Any, seller: Org, buyer: Org, q: str = "", category_id: int | None = None
) -> QuerySet[Any]:
    """The seller's catalogue as the buyer sees it: on-sale SKUs the seller sells to it, found
    by the catalogue's own search (name, code, barcode, pinyin initials) and category."""
    from qudao.catalog.selectors import sku_list_for_actor

    return sku_list_for_actor(actor=actor, q=q, category_id=category_id, status="on_sale").filter(
        pk__in=sellable_sku_ids(seller=seller, buyer=buyer)
    )


def catalogue_rows(*, seller: Org, buyer: Org, skus: Iterable[Any]) -> list[CatalogueRow]:
    """A page of SKUs with the buyer's own price (for one unit), breaks and suggested retail."""
    skus = list(skus)
    quotes = {
        line.sku_id: line
        for line in quote(seller=seller, buyer=buyer, lines=[(s.pk, 1) for s in skus])
    }
    return [CatalogueRow(sku=sku, line=quotes[sku.pk]) for sku in skus]
