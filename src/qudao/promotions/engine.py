"""The promotion engine: a cart, the buyer's facts and the loaded offers in; adjustments per
line, free gift lines and explanations out. Plain dataclasses, no database: selectors load
the offers (selectors.price_cart), services consume what was applied.

Order of application (docs/decisions/0010-promotions.md, BUSINESS-RULES.md "Promotions"):
1. item prices — one promotion per line, the best price for the buyer; equal prices go to
   flash sale > group-buy > special price > bundle > tier price > % off > amount off, then the
   higher priority, then the lower id. A bundle takes its lines when it beats their best
   single prices together. Flash sales, group-buys and exclusive promotions close their lines
   to everything after them.
2. order thresholds (满减 / 满折 / 买赠 / 满赠) on the open lines, thresholds measured on the
   amounts after step 1, in priority order (then id), each on what the previous left; the
   exclusive one worth most on its own goes first and closes its lines, when that plan
   gives the buyer more than the stackable ones alone.
3. one coupon, the best for the buyer, on the open lines.
Order-level discounts are split over their lines pro rata (allocation.py). No line goes below
zero, nor below the brand's floor unless the promotion is exempt; budgets and quantity caps
limit what a promotion gives and stop it when exhausted. The result never depends on the
order the offers come in.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from qudao.core.money import money
from qudao.promotions import stages
from qudao.promotions.constants import (
    ALWAYS_EXCLUSIVE,
    STAGE,
    TARGETING_REASONS,
    Reason,
    Stage,
    TargetKind,
)
from qudao.promotions.explain import message
from qudao.promotions.rules import Rules

ZERO = Decimal("0.00")


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    """A line as priced by the price lists: `unit_price` is the buyer's price before
    promotions; `floor` the brand's floor per unit binding this seller (None: no floor);
    `category_ids` the SKU's category and all its ancestors."""

    sku_id: int
    qty: int
    unit_price: Decimal
    category_ids: frozenset[int] = frozenset()
    floor: Decimal | None = None


@dataclass(frozen=True)
class Context:
    """The buyer's facts at pricing time: `path` its place in the network tree, `level` its
    org kind, `division` its most precise administrative division code."""

    buyer_id: int
    seller_id: int
    at: datetime
    path: str = ""
    channel: str = ""
    level: str = ""
    grade: str = ""
    division: str = ""
    coupon_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CouponFacts:
    """A coupon code the buyer entered, as found: whom it was issued to and the uses left in
    all and for this buyer (None: no limit)."""

    coupon_id: int
    code: str
    buyer_id: int | None = None
    total_left: int | None = None
    buyer_left: int | None = None
    buyer_limit: int = 1


@dataclass(frozen=True)
class Offer:
    """A loaded promotion. `targets` are (TargetKind, value) with region values as tree
    paths and buyer values as ids; no targets and no products mean every buyer and product.
    `group_qty` is what all buyers have already ordered of a group-buy."""

    id: int
    name: str
    kind: str
    rules: Rules
    starts_at: datetime
    ends_at: datetime | None = None
    priority: int = 0
    exclusive: bool = False
    floor_exempt: bool = False
    targets: tuple[tuple[str, str], ...] = ()
    sku_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    budget_amount_left: Decimal | None = None
    budget_qty_left: int | None = None
    group_qty: int = 0
    coupon: CouponFacts | None = None

    @property
    def stage(self) -> str:
        return STAGE[self.kind]

    @property
    def closes_lines(self) -> bool:
        return self.exclusive or self.kind in ALWAYS_EXCLUSIVE

    @property
    def key(self) -> tuple[int, int, int]:
        """Sequence and tie-break: higher priority first, then the older promotion."""
        return (-self.priority, self.id, self.coupon.coupon_id if self.coupon else 0)

    def covers(self, line: CartLine) -> bool:
        if not self.sku_ids and not self.category_ids:
            return True
        return line.sku_id in self.sku_ids or not self.category_ids.isdisjoint(line.category_ids)


# --- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """A promotion's change to a line's amount (negative lowers it); orders stores it as a
    LineAdjustment with source "promotion" and source_id the promotion's id."""

    promotion_id: int
    kind: str
    label: str
    amount: Decimal
    coupon_id: int | None = None
    source = "promotion"

    @property
    def source_id(self) -> str:
        return str(self.promotion_id)


@dataclass(frozen=True)
class Note:
    """Why a promotion did not apply (or a hint for the next tier), for a line or the cart."""

    code: str
    promotion_id: int | None = None
    name: str = ""
    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    @property
    def message(self) -> str:
        return message(self.code, self.params)

    @property
    def for_seller_only(self) -> bool:
        return self.code in TARGETING_REASONS

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "promotion_id": self.promotion_id,
            "name": self.name,
            "kind": self.kind,
            "params": self.params,
            "message": self.message,
        }


@dataclass
class LineResult:
    sku_id: int
    qty: int
    unit_price: Decimal
    gross: Decimal
    floor: Decimal | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    closed_by: int | None = None  # the exclusive promotion that took this line
    discount: Decimal = ZERO  # −Σ adjustments, kept as they are added

    def adjust(self, adjustment: Adjustment) -> None:
        self.adjustments.append(adjustment)
        self.discount -= adjustment.amount

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount

    @property
    def net_unit_price(self) -> Decimal:
        """The blended unit price (揉价 before gifts), for display."""
        return money(self.net / self.qty) if self.qty else ZERO


@dataclass(frozen=True)
class GiftLine:
    """Free goods: a separate zero-price line linked to its promotion."""

    sku_id: int
    qty: int
    promotion_id: int
    label: str
    unit_value: Decimal = ZERO


@dataclass
class Applied:
    promotion_id: int
    name: str
    kind: str
    discount: Decimal = ZERO
    qty: int = 0  # what it consumes of its quantity cap
    gift_qty: int = 0
    gift_value: Decimal = ZERO
    sku_ids: list[int] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    hint: Note | None = None
    coupon_id: int | None = None

    @property
    def stage(self) -> str:
        return STAGE[self.kind]

    @property
    def budget_amount(self) -> Decimal:
        """What it consumes of its money budget: the discount and the gifts' value."""
        return self.discount + self.gift_value


@dataclass(frozen=True)
class Use:
    """What submitting the cart consumes of one promotion (and its coupon)."""

    promotion_id: int
    amount: Decimal
    qty: int
    coupon_id: int | None = None


@dataclass
class PriceResult:
    lines: list[LineResult]
    gifts: list[GiftLine]
    applied: list[Applied]
    skipped: list[Note]

    @property
    def gross_total(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)

    @property
    def discount_total(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def net_total(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    def uses(self) -> list[Use]:
        return [
            Use(a.promotion_id, a.budget_amount, a.qty, a.coupon_id)
            for a in sorted(self.applied, key=lambda a: a.promotion_id)
        ]

    def for_buyer(self) -> "PriceResult":
        """Without the reasons that would tell a buyer about promotions meant for others
        (those are screened out before any line sees them, so only the cart's list has
        them)."""
        skipped = [n for n in self.skipped if not n.for_seller_only]
        return PriceResult(self.lines, self.gifts, self.applied, skipped)


# --- screening ------------------------------------------------------------------------------

_TARGET_REASON = {
    TargetKind.BUYER: Reason.BUYER_NOT_TARGETED,
    TargetKind.REGION: Reason.NOT_IN_REGION,
    TargetKind.DIVISION: Reason.NOT_IN_REGION,
    TargetKind.GRADE: Reason.GRADE_NOT_TARGETED,
    TargetKind.CHANNEL: Reason.CHANNEL_NOT_TARGETED,
    TargetKind.LEVEL: Reason.LEVEL_NOT_TARGETED,
}
# the order dimensions are checked in: the first that fails names the reason
_TARGET_ORDER = (
    TargetKind.BUYER,
    TargetKind.REGION,
    TargetKind.DIVISION,
    TargetKind.GRADE,
    TargetKind.CHANNEL,
    TargetKind.LEVEL,
)


def _dimension_holds(kind: str, values: set[str], ctx: Context) -> bool:
    if kind == TargetKind.BUYER:
        return str(ctx.buyer_id) in values
    if kind == TargetKind.REGION:
        return any(v and ctx.path.startswith(v) for v in values)
    if kind == TargetKind.DIVISION:
        return any(v and ctx.division.startswith(v) for v in values)
    facts: dict[str, str] = {
        TargetKind.GRADE: ctx.grade,
        TargetKind.CHANNEL: ctx.channel,
        TargetKind.LEVEL: ctx.level,
    }
    return facts.get(kind, "") in values


def target_miss(targets: Iterable[tuple[str, str]], ctx: Context) -> str | None:
    """None when the buyer is targeted; else the reason of the first dimension that fails.
    Values of one dimension are alternatives; all dimensions given must hold."""
    by_kind: dict[str, set[str]] = {}
    for kind, value in targets:
        by_kind.setdefault(kind, set()).add(value)
    for kind in _TARGET_ORDER:
        values = by_kind.get(kind)
        if values is not None and not _dimension_holds(kind, values, ctx):
            return _TARGET_REASON[kind]
    return None


class Coverage:
    """Which lines each offer covers, found through the lines' SKUs and categories rather
    than by testing every offer against every line."""

    def __init__(self, lines: Sequence[CartLine]) -> None:
        self.every = list(range(len(lines)))
        self.by_sku: dict[int, list[int]] = {}
        self.by_category: dict[int, list[int]] = {}
        for i, line in enumerate(lines):
            self.by_sku.setdefault(line.sku_id, []).append(i)
            for category in line.category_ids:
                self.by_category.setdefault(category, []).append(i)

    def _lookup(self, index: dict[int, list[int]], keys: frozenset[int], found: set[int]) -> None:
        if len(keys) > len(index):
            keys = keys & index.keys()
        for key in keys:
            found.update(index.get(key, ()))

    def of(self, offer: Offer) -> list[int]:
        if not offer.sku_ids and not offer.category_ids:
            return self.every
        found: set[int] = set()
        self._lookup(self.by_sku, offer.sku_ids, found)
        self._lookup(self.by_category, offer.category_ids, found)
        return sorted(found)


def _coupon_miss(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    facts = offer.coupon
    if facts is None:
        return None
    params = {"code": facts.code}
    if facts.buyer_id is not None and facts.buyer_id != ctx.buyer_id:
        return note(offer, Reason.COUPON_NOT_FOR_YOU, **params)
    if facts.total_left is not None and facts.total_left <= 0:
        return note(offer, Reason.COUPON_USED_UP, **params)
    if facts.buyer_left is not None and facts.buyer_left <= 0:
        return note(offer, Reason.COUPON_LIMIT_REACHED, limit=facts.buyer_limit, **params)
    return None


def note(offer: Offer, reason: str, /, **params: Any) -> Note:
    return Note(reason, offer.id, offer.name, offer.kind, dict(params))


def _window_miss(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    if ctx.at < offer.starts_at:
        return note(offer, Reason.NOT_STARTED, starts_at=offer.starts_at.isoformat())
    if offer.ends_at is not None and ctx.at >= offer.ends_at:
        return note(offer, Reason.ENDED)
    return None


def _target_note(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    missed = target_miss(offer.targets, ctx)
    return None if missed is None else note(offer, missed)


def _items_miss(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    if covered:
        return None
    return note(offer, Reason.NO_MATCHING_ITEMS)


def _budget_miss(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    if offer.budget_amount_left is not None and offer.budget_amount_left <= 0:
        return note(offer, Reason.BUDGET_EXHAUSTED)
    if offer.budget_qty_left is not None and offer.budget_qty_left <= 0:
        return note(offer, Reason.QUANTITY_EXHAUSTED)
    return None


_SCREENS = (_window_miss, _target_note, _coupon_miss, _items_miss, _budget_miss)


def screen(offer: Offer, ctx: Context, covered: Sequence[int]) -> Note | None:
    """Why the offer cannot apply to this cart at all, before any arithmetic: its window,
    its targets, its coupon, its products (`covered`: the lines it covers), its budget —
    the first that fails."""
    for check in _SCREENS:
        found = check(offer, ctx, covered)
        if found is not None:
            return found
    return None


# --- the run --------------------------------------------------------------------------------


def price(*, lines: Sequence[CartLine], context: Context, offers: Iterable[Offer]) -> PriceResult:
    """Apply the offers to the cart (see the module's docstring for the rules)."""
    ordered = sorted(offers, key=lambda o: (o.key, o.kind))
    state = stages.State.start(lines)
    coverage = Coverage(lines)
    skipped: dict[tuple[int, int], Note] = {}
    live: list[Offer] = []
    for offer in ordered:
        covered = coverage.of(offer)
        miss = screen(offer, context, covered)
        if miss is None:
            live.append(offer)
            state.covered[offer.key] = covered
        else:
            skipped[offer.key[1:]] = miss
    entered = {o.coupon.code for o in ordered if o.coupon is not None}
    unknown = [
        Note(Reason.COUPON_UNKNOWN, params={"code": code})
        for code in sorted(set(context.coupon_codes) - entered)
    ]
    stages.item_stage(state, lines, [o for o in live if o.stage == Stage.ITEM])
    state = stages.order_stage(state, lines, [o for o in live if o.stage == Stage.ORDER])
    stages.coupon_stage(state, lines, [o for o in live if o.stage == Stage.COUPON])
    for offer in live:
        if offer.id not in state.applied and offer.key[1:] not in skipped:
            skipped[offer.key[1:]] = state.why_not.get(offer.key[1:]) or note(
                offer, Reason.NO_MATCHING_ITEMS
            )
    applied = sorted(state.applied.values(), key=lambda a: (STAGE[a.kind], a.promotion_id))
    notes = [skipped[k] for k in sorted(skipped)] + unknown
    return PriceResult(state.lines, state.gifts, applied, notes)
