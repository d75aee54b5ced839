"""Request and response shapes of the promotions API, and the wire shape of what people name
by code: SKUs (in products and inside the rules: `sku_code`, and `prices` keyed by SKU code,
where the stored rules hold ids), orgs (buyer and region targets, coupon holders) and
categories. The pages' forms write the same shape, so both turn codes into ids here."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema

from qudao.catalog.selectors import category_list, sku_map_by_codes
from qudao.core.errors import ValidationFailed
from qudao.core.schemas import DateTimeIn, Id, InputSchema, Int32
from qudao.finance.schemas import Money
from qudao.network import scope
from qudao.network.models import Org
from qudao.promotions.constants import MAX_PRODUCTS, MAX_TARGETS, Kind, Status, TargetKind
from qudao.promotions.rules import convert_skus
from qudao.promotions.selectors.simulate import MAX_LINES

# --- codes and ids --------------------------------------------------------------------------

ORG_TARGETS = (TargetKind.BUYER, TargetKind.REGION)


def _unknown(code: str, field: str, what: str, missing: Iterable[str]) -> ValidationFailed:
    message = what % {"codes": "、".join(sorted(missing))}
    return ValidationFailed(message, code=code, fields={field: [message]})


def _codes(values: Iterable[Any]) -> list[str]:
    return [str(v).strip() for v in values if str(v).strip()]


def orgs_by_codes(actor: Any, codes: Iterable[str], *, field: str) -> list[Org]:
    """Orgs of the actor's network by code, in the order given; any other code is refused
    (`org_unknown`), without saying whether it exists outside the network."""
    wanted = list(dict.fromkeys(_codes(codes)))
    if not wanted:
        return []
    found = {o.code: o for o in scope.visible_orgs(actor).filter(code__in=wanted)}
    if set(wanted) - found.keys():
        raise _unknown(
            "org_unknown",
            field,
            _("Not an org code in your network: %(codes)s."),
            set(wanted) - found.keys(),
        )
    return [found[code] for code in wanted]


def org_ids_by_codes(actor: Any, codes: Iterable[str], *, field: str) -> dict[str, int]:
    return {o.code: o.pk for o in orgs_by_codes(actor, codes, field=field)}


def sku_ids_by_codes(codes: Iterable[str], *, field: str) -> dict[str, int]:
    wanted = set(_codes(codes))
    found = {code: sku.pk for code, sku in sku_map_by_codes(wanted).items()}
    if wanted - found.keys():
        raise _unknown(
            "sku_unknown", field, _("Unknown SKU code: %(codes)s."), wanted - found.keys()
        )
    return found


def category_ids_by_codes(actor: Any, codes: Iterable[str], *, field: str) -> dict[str, int]:
    wanted = set(_codes(codes))
    if not wanted:
        return {}
    found = dict(category_list(actor=actor).filter(code__in=wanted).values_list("code", "pk"))
    if wanted - found.keys():
        raise _unknown(
            "category_unknown",
            field,
            _("Unknown category code: %(codes)s."),
            wanted - found.keys(),
        )
    return found


def rule_codes(rules: Any) -> set[str]:
    """The SKU codes a rules document (wire shape) names."""
    found: set[str] = set()
    if isinstance(rules, Mapping):
        for key, value in rules.items():
            if key == "sku_code":
                found.add(str(value).strip())
            elif key == "prices" and isinstance(value, Mapping):
                found |= {str(k).strip() for k in value}
            else:
                found |= rule_codes(value)
    elif isinstance(rules, list):
        for item in rules:
            found |= rule_codes(item)
    return found


def rules_with_ids(rules: Mapping[str, Any], *, field: str = "rules") -> dict[str, Any]:
    """Rules as stored (SKU ids) from the wire shape (SKU codes); unknown codes refused."""
    ids = sku_ids_by_codes(rule_codes(rules), field=field)
    return dict(convert_skus(rules, lambda code: ids[str(code).strip()], "sku_code", "sku_id"))


def targets_from(
    actor: Any, rows: Iterable[tuple[str, str]], *, field: str
) -> list[dict[str, Any]]:
    """The services' target rows from (kind, value) pairs, org codes turned into ids."""
    rows = list(rows)
    orgs = org_ids_by_codes(actor, (v for k, v in rows if k in ORG_TARGETS), field=field)
    return [
        {"kind": kind, kind: orgs[value.strip()]}
        if kind in ORG_TARGETS
        else {"kind": kind, "value": value.strip()}
        for kind, value in rows
    ]


# --- requests -------------------------------------------------------------------------------


class PromotionFilters(Schema):
    """`window`: in force now, starting later or over; `seller`: one seller's promotions."""

    status: Status | None = None
    kind: Kind | None = None
    window: Literal["now", "upcoming", "past"] | None = None
    seller: Id | None = None
    q: str = Field("", max_length=100)


class PromotionTargetIn(InputSchema):
    """`value`: the org code of a buyer or a region (its whole subtree), a grade, a channel,
    a network level, or an administrative division code (a prefix: 33 is 浙江)."""

    kind: TargetKind
    value: str = Field(max_length=32)


class PromotionUpdateIn(InputSchema):
    """A draft's fields; those left out keep their value, null clears an optional one.
    `rules` follow the kind's schema with SKUs by code (`sku_code`, `prices` keyed by
    code); `targets`, `sku_codes`, `category_codes` and `product_set_ids` (the seller's own
    product sets, which count with what they hold when an order is priced) replace all the
    rows given."""

    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    kind: Kind | None = None
    rules: dict[str, Any] | None = None
    starts_at: DateTimeIn | None = None
    ends_at: DateTimeIn | None = None
    priority: Int32 | None = None
    exclusive: bool | None = None
    floor_exempt: bool | None = None
    budget_amount: Decimal | None = None
    budget_qty: Int32 | None = None
    targets: list[PromotionTargetIn] | None = Field(None, max_length=MAX_TARGETS)
    sku_codes: list[str] | None = Field(None, max_length=MAX_PRODUCTS)
    category_codes: list[str] | None = Field(None, max_length=MAX_PRODUCTS)
    product_set_ids: list[Id] | None = Field(None, max_length=MAX_PRODUCTS)


class PromotionCreateIn(PromotionUpdateIn):
    """A new draft of the seller's promotion (no targets: every buyer of the seller; no
    products: every product, unless the kind names them in its rules)."""

    seller_id: Id
    name: str = Field(max_length=100)  # type: ignore[assignment]
    kind: Kind  # type: ignore[assignment]
    rules: dict[str, Any] = Field(default_factory=dict)  # type: ignore[assignment]
    starts_at: DateTimeIn  # type: ignore[assignment]


class PromotionCommentIn(InputSchema):
    comment: str = Field("", max_length=500)


class RejectIn(InputSchema):
    comment: str = Field(max_length=500)


class SimLineIn(InputSchema):
    """A SKU and a quantity in its base unit; `unit_price` left out: the buyer's price from
    the seller's price lists."""

    sku_code: str = Field(max_length=64)
    qty: Int32
    unit_price: Decimal | None = None


class SimulateIn(InputSchema):
    """A buyer in the actor's network and a cart, priced at `at` (now when left out)."""

    seller_id: Id
    buyer_id: Id
    lines: list[SimLineIn] = Field(max_length=MAX_LINES)
    at: DateTimeIn | None = None
    coupon_codes: list[str] = Field(default_factory=list, max_length=5)


class CouponIssueIn(InputSchema):
    """One code per buyer named (`buyer_codes`, usable by that buyer only); or one shared
    `code` (`total_limit` uses in all); or `count` single-use random codes."""

    buyer_codes: list[str] = Field(default_factory=list, max_length=10_000)
    count: Int32 = 0
    code: str = Field("", max_length=32)
    total_limit: Int32 | None = None
    per_buyer_limit: Int32 = 1


# --- responses ------------------------------------------------------------------------------


def _seller_side(obj: Any, context: Any) -> bool:
    """Budgets and what was spent of them are the seller's business, not a buyer's."""
    request = (context or {}).get("request")
    actor = getattr(request, "auth", None) or getattr(request, "user", None)
    return actor is not None and scope.in_scope(actor, obj.seller)


class PromotionOut(Schema):
    """`budget_*` and `consumed_*` are null for a targeted buyer (the seller's numbers)."""

    id: int
    number: str
    name: str
    kind: str
    status: str
    seller_id: int
    seller_code: str = Field(alias="seller.code")
    seller_name: str = Field(alias="seller.name")
    starts_at: datetime
    ends_at: datetime | None
    priority: int
    exclusive: bool
    floor_exempt: bool
    budget_amount: Money | None
    consumed_amount: Money | None
    budget_qty: int | None
    consumed_qty: int | None
    version: int
    origin_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_budget_amount(obj: Any, context: Any) -> Decimal | None:
        return obj.budget_amount if _seller_side(obj, context) else None

    @staticmethod
    def resolve_consumed_amount(obj: Any, context: Any) -> Decimal | None:
        return obj.consumed_amount if _seller_side(obj, context) else None

    @staticmethod
    def resolve_budget_qty(obj: Any, context: Any) -> int | None:
        return obj.budget_qty if _seller_side(obj, context) else None

    @staticmethod
    def resolve_consumed_qty(obj: Any, context: Any) -> int | None:
        return obj.consumed_qty if _seller_side(obj, context) else None


class PromotionTargetOut(Schema):
    kind: str
    value: str
    label: str
    org_id: int | None


class PromotionTimelineOut(Schema):
    action: str
    actor: str
    changes: dict[str, Any]
    created_at: datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return obj.actor.get_username() if obj.actor is not None else ""


class ProductSetRefOut(Schema):
    """A product set a promotion names, with the SKUs and categories it holds now."""

    id: int
    name: str
    sku_codes: list[str]
    category_codes: list[str]

    @staticmethod
    def resolve_sku_codes(obj: Any) -> list[str]:
        return [s.code for s in obj.member_skus()]

    @staticmethod
    def resolve_category_codes(obj: Any) -> list[str]:
        return [c.code for c in obj.member_categories()]


class PromotionDetailOut(PromotionOut):
    """The promotion with its rules (SKUs by code), targets and products, the moves the
    actor may make next (`actions`) and, for the seller's people, its timeline."""

    description: str
    rules: dict[str, Any]
    targets: list[PromotionTargetOut]
    sku_codes: list[str]
    category_codes: list[str]
    product_sets: list[ProductSetRefOut]
    actions: list[str]
    decision_comment: str
    submitted_at: datetime | None
    approved_at: datetime | None
    published_at: datetime | None
    ended_at: datetime | None
    timeline: list[PromotionTimelineOut]


class OverlapOut(Schema):
    """Another live or scheduled promotion of the seller on the same products, buyers and
    time; `blocking`: both exclusive in the same step (refused at save)."""

    promotion_id: int = Field(alias="promotion.id")
    number: str = Field(alias="promotion.number")
    name: str = Field(alias="promotion.name")
    kind: str = Field(alias="promotion.kind")
    status: str = Field(alias="promotion.status")
    exclusive: bool = Field(alias="promotion.exclusive")
    sku_codes: list[str]
    all_products: bool
    starts_at: datetime
    ends_at: datetime | None
    blocking: bool


class UsageOut(Schema):
    """What orders still holding a use have taken: orders, buyers, the discount (with the
    gifts' value) and units granted; the budget and quantity cap and what is left."""

    orders: int
    buyers: int
    amount: Money
    qty: int
    budget_amount: Money | None
    budget_left: Money | None
    budget_qty: int | None
    qty_left: int | None


class CouponOut(Schema):
    id: int
    code: str
    buyer_id: int | None
    buyer_code: str
    total_limit: int | None
    per_buyer_limit: int
    used: int
    created_at: datetime

    @staticmethod
    def resolve_buyer_code(obj: Any) -> str:
        return obj.buyer.code if obj.buyer_id else ""


class PromotionNoteOut(Schema):
    """Why a promotion did not apply (or what is missing for the next tier)."""

    code: str
    promotion_id: int | None
    name: str
    kind: str
    message: str
    params: dict[str, Any]


class PromotionAdjustmentOut(Schema):
    promotion_id: int
    kind: str
    label: str
    amount: Money
    coupon_id: int | None


class SimLineOut(Schema):
    sku_code: str
    sku_name: str
    qty: int
    unit_price: Money
    price_source: str
    gross: Money
    discount: Money
    net: Money
    net_unit_price: Money
    floor: Money | None
    adjustments: list[PromotionAdjustmentOut]
    notes: list[PromotionNoteOut]


class GiftOut(Schema):
    sku_code: str
    sku_name: str
    qty: int
    promotion_id: int
    label: str
    unit_value: Money


class AppliedOut(Schema):
    """A promotion that applied: its discount, the units it priced (or sets, or one use),
    free units and their value, and why it gave less than its rules say (`limits`)."""

    promotion_id: int
    name: str
    kind: str
    discount: Money
    qty: int
    gift_qty: int
    gift_value: Money
    limits: list[str]
    hint: PromotionNoteOut | None
    coupon_id: int | None


class SimulationOut(Schema):
    lines: list[SimLineOut]
    gifts: list[GiftOut]
    applied: list[AppliedOut]
    skipped: list[PromotionNoteOut]
    gross_total: Money
    discount_total: Money
    net_total: Money


class SampleOrderOut(Schema):
    """What a sample order of the promotion's products would get, for a buyer of the seller
    it targets (`buyer_*`), at `at`, with this promotion and the overlapping ones as the only
    candidates (coupons as if entered): `result` line by line, as the simulator gives it.
    Without a cart, `problem` (no_buyer, no_price) says why; `unpriced_sku_codes` were left
    out for want of a price for the buyer."""

    at: datetime
    buyer_id: int | None
    buyer_code: str
    buyer_name: str
    unpriced_sku_codes: list[str]
    problem: str
    problem_message: str
    result: SimulationOut | None


class ConflictCheckOut(Schema):
    """The conflict check: the overlapping live and scheduled promotions, and the sample."""

    overlaps: list[OverlapOut]
    sample: SampleOrderOut
