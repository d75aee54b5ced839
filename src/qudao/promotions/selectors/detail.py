"""One promotion as its pages and API show it: what the actor may do next, its targets and
products readable (org and SKU codes, division names), its coupons and the orders that used
it. A seller's people see all of it; a targeted buyer sees the offer, never whom else it is
for, its budget or its users."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.models import Category, ProductSet, Sku
from qudao.catalog.selectors import product_set_members
from qudao.core.models import AuditEvent
from qudao.core.selectors import audit_list_for_object
from qudao.network import scope
from qudao.network.constants import Channel, OrgKind
from qudao.network.models import Division
from qudao.promotions.constants import PIPELINE, Kind, Status, TargetKind
from qudao.promotions.models import Coupon, Promotion, PromotionTarget, PromotionUse
from qudao.promotions.rules import gift_sku_ids, parse_rules, rule_sku_ids
from qudao.promotions.selectors.visibility import promotion_get

# the page's and the API's names of the moves, by the status each leads to
_MOVES: dict[str, str] = {
    Status.SUBMITTED: "submit",
    Status.APPROVED: "approve",
    Status.LIVE: "publish",
    Status.PAUSED: "pause",
    Status.ENDED: "end",
}


def promotion_actions(*, actor: Any, promotion: Promotion) -> set[str]:
    """What the actor may do with the promotion now: the pipeline's next moves (reject for
    a move back to draft, resume for paused → live), edit a draft, copy, issue coupons.
    Nothing for those without MANAGE_PROMOTIONS at the seller."""
    if not scope.can(actor, MANAGE_PROMOTIONS, promotion.seller):
        return set()
    status = promotion.status
    actions = {"copy"}
    for target in PIPELINE[status]:
        if target == Status.DRAFT:
            actions.add("reject")
        elif target == Status.LIVE and status == Status.PAUSED:
            actions.add("resume")
        else:
            actions.add(_MOVES[target])
    if status == Status.DRAFT:
        actions.add("edit")
    if promotion.kind == Kind.COUPON and status != Status.ENDED:
        actions.add("issue_coupons")
    return actions


@dataclass(frozen=True)
class TargetRow:
    """A target as people read it (`label`) and as forms and the API write it (`value`:
    an org code for buyers and regions, else the grade, channel, level or division code)."""

    kind: str
    value: str
    label: str
    org_id: int | None = None


@dataclass
class PromotionDetail:
    promotion: Promotion
    seller_side: bool
    actions: set[str]
    targets: list[TargetRow] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    # the seller's product sets it names, with the SKUs and categories they hold now
    product_sets: list[ProductSet] = field(default_factory=list)
    sku_codes: dict[int, str] = field(default_factory=dict)  # every SKU its rules name too
    timeline: QuerySet[AuditEvent] | list[AuditEvent] = field(default_factory=list)


def _target_rows(promotion: Promotion) -> list[TargetRow]:
    rows = list(
        PromotionTarget.objects.filter(promotion=promotion)
        .select_related("buyer", "region")
        .order_by("kind", "id")
    )
    divisions = dict(
        Division.objects.filter(
            code__in=[r.value for r in rows if r.kind == TargetKind.DIVISION]
        ).values_list("code", "name")
    )
    labels: dict[str, dict[str, Any]] = {
        TargetKind.CHANNEL: dict(Channel.choices),
        TargetKind.LEVEL: dict(OrgKind.choices),
        TargetKind.DIVISION: divisions,
    }
    found = []
    for row in rows:
        org = row.buyer or row.region
        if org is not None:
            found.append(TargetRow(row.kind, org.code, f"{org.name} ({org.code})", org.pk))
            continue
        label = labels.get(row.kind, {}).get(row.value, row.value)
        if row.kind == TargetKind.DIVISION:
            label = f"{label} ({row.value})"
        found.append(TargetRow(row.kind, row.value, str(label)))
    return found


def sku_codes_of(ids: Iterable[int]) -> dict[int, str]:
    """{id: code} of SKUs named by id (in rules), in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(Sku.objects.filter(pk__in=wanted).values_list("pk", "code"))


def rule_sku_ids_of(promotion: Promotion) -> set[int]:
    """Every SKU the promotion's rules name: priced, bundled, group-bought or given away."""
    try:
        rules = parse_rules(promotion.kind, promotion.rules)
    except ValueError:  # pydantic's ValidationError: shown as stored, nothing to look up
        return set()
    return rule_sku_ids(promotion.kind, rules) | gift_sku_ids(rules)


def promotion_detail(*, actor: Any, promotion_id: int) -> PromotionDetail:
    """The promotion (404 unless the actor sees it) with everything its page shows."""
    promotion = promotion_get(actor=actor, promotion_id=promotion_id)
    seller_side = scope.in_scope(actor, promotion.seller)
    products = list(promotion.products.select_related("sku", "category").order_by("id"))
    skus = [p.sku for p in products if p.sku is not None]
    sets = product_set_members(
        product_set_ids=[p.product_set_id for p in products if p.product_set_id is not None]
    )
    detail = PromotionDetail(
        promotion=promotion,
        seller_side=seller_side,
        actions=promotion_actions(actor=actor, promotion=promotion),
        skus=skus,
        categories=[p.category for p in products if p.category is not None],
        product_sets=sorted(sets.values(), key=lambda s: (s.name, s.pk)),
    )
    known = {s.pk: s.code for s in skus}
    detail.sku_codes = {**sku_codes_of(rule_sku_ids_of(promotion) - known.keys()), **known}
    if seller_side:
        detail.targets = _target_rows(promotion)
        detail.timeline = audit_list_for_object(instance=promotion)
    return detail


def coupon_list(*, actor: Any, promotion: Promotion) -> QuerySet[Coupon]:
    """The promotion's codes with whom they were issued to and their uses (the seller's
    people only)."""
    if not scope.in_scope(actor, promotion.seller):
        return Coupon.objects.none()
    return Coupon.objects.filter(promotion=promotion).select_related("buyer").order_by("code", "id")


def promotion_use_list(*, actor: Any, promotion: Promotion) -> QuerySet[PromotionUse]:
    """The consumption ledger of the promotion, newest first (the seller's people only)."""
    if not scope.in_scope(actor, promotion.seller):
        return PromotionUse.objects.none()
    return (
        PromotionUse.objects.filter(promotion=promotion)
        .select_related("buyer")
        .order_by("-created_at", "-id")
    )
