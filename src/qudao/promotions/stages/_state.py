"""What the engine's steps share: the State they work on (the lines with their adjustments
so far, what each promotion has spent of its budget in this cart, gifts, and why promotions
did not apply), the notes, and the caps every discount passes through — the brand's floor
per line and the promotion's remaining budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qudao.core.money import money
from qudao.promotions import engine
from qudao.promotions.allocation import allocate
from qudao.promotions.constants import Limit, Reason

if TYPE_CHECKING:
    from qudao.promotions.engine import Applied, CartLine, GiftLine, LineResult, Note, Offer

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
OfferKey = tuple[int, int, int]

# When a promotion fails for several reasons (on several lines), the one it reports.
_PREFERENCE: list[str] = [
    Reason.BUDGET_EXHAUSTED,
    Reason.QUANTITY_EXHAUSTED,
    Reason.BELOW_THRESHOLD,
    Reason.BETTER_OFFER,
    Reason.ONE_COUPON_PER_ORDER,
    Reason.EXCLUDED,
    Reason.BELOW_FLOOR,
    Reason.NO_BETTER_PRICE,
    Reason.NO_MATCHING_ITEMS,
]


def _rank(code: str) -> int:
    return _PREFERENCE.index(code) if code in _PREFERENCE else len(_PREFERENCE)


def note(offer: Offer, reason: str, /, **params: Any) -> Note:
    return engine.note(offer, reason, **params)


def short(offer: Offer, basis: str, missing: Any, benefit: str, value: Any) -> Note:
    """ "Add N more to get …": what is missing for the first (or next) tier."""
    return note(
        offer,
        Reason.BELOW_THRESHOLD,
        basis=str(basis),
        missing=str(missing),
        benefit=benefit,
        value=str(value),
    )


@dataclass
class State:
    lines: list[LineResult]
    covered: dict[OfferKey, list[int]] = field(default_factory=dict)  # shared, read-only
    applied: dict[int, Applied] = field(default_factory=dict)
    gifts: list[GiftLine] = field(default_factory=list)
    why_not: dict[tuple[int, int], Note] = field(default_factory=dict)
    spent_amount: dict[int, Decimal] = field(default_factory=dict)
    spent_qty: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    base: list[Decimal] = field(default_factory=list)  # nets after the item step

    @classmethod
    def start(cls, lines: Sequence[CartLine]) -> State:
        return cls(
            [
                engine.LineResult(
                    sku_id=line.sku_id,
                    qty=line.qty,
                    unit_price=line.unit_price,
                    gross=money(line.unit_price * line.qty),
                    floor=line.floor,
                )
                for line in lines
            ]
        )

    def clone(self) -> State:
        """A copy to try a plan on (notes and adjustments are immutable, so shared)."""
        return State(
            lines=[
                replace(ln, adjustments=list(ln.adjustments), notes=list(ln.notes))
                for ln in self.lines
            ],
            covered=self.covered,
            applied={
                k: replace(a, sku_ids=list(a.sku_ids), limits=list(a.limits))
                for k, a in self.applied.items()
            },
            gifts=list(self.gifts),
            why_not=dict(self.why_not),
            spent_amount=dict(self.spent_amount),
            spent_qty=dict(self.spent_qty),
            names=dict(self.names),
            base=list(self.base),
        )

    # budgets -----------------------------------------------------------------------------

    def amount_left(self, offer: Offer) -> Decimal | None:
        if offer.budget_amount_left is None:
            return None
        return offer.budget_amount_left - self.spent_amount.get(offer.id, ZERO)

    def qty_left(self, offer: Offer) -> int | None:
        if offer.budget_qty_left is None:
            return None
        return offer.budget_qty_left - self.spent_qty.get(offer.id, 0)

    # lines -------------------------------------------------------------------------------

    def lines_of(self, offer: Offer) -> list[int]:
        return self.covered.get(offer.key, [])

    def open_lines_of(self, offer: Offer) -> list[int]:
        return [i for i in self.lines_of(offer) if self.lines[i].closed_by is None]

    def headroom(self, i: int, offer: Offer) -> Decimal:
        """How much more this promotion may take off line i: down to the floor, or to 0."""
        line = self.lines[i]
        bottom = ZERO
        if line.floor is not None and not offer.floor_exempt:
            bottom = money(line.floor * line.qty)
        return max(ZERO, line.net - bottom)

    def give(self, offer: Offer, shares: dict[int, Decimal]) -> None:
        coupon_id = offer.coupon.coupon_id if offer.coupon else None
        for i, amount in sorted(shares.items()):
            if amount > 0:
                self.lines[i].adjust(
                    engine.Adjustment(offer.id, offer.kind, offer.name, -amount, coupon_id)
                )
        if offer.closes_lines:
            for i in shares:
                self.lines[i].closed_by = offer.id
        self.names[offer.id] = offer.name

    def record(
        self,
        offer: Offer,
        *,
        discount: Decimal = ZERO,
        qty: int = 0,
        gift_qty: int = 0,
        gift_value: Decimal = ZERO,
        sku_ids: Sequence[int] = (),
        limits: Sequence[str] = (),
        hint: Note | None = None,
    ) -> None:
        found = self.applied.get(offer.id)
        if found is None:
            found = engine.Applied(
                offer.id,
                offer.name,
                offer.kind,
                coupon_id=offer.coupon.coupon_id if offer.coupon else None,
            )
            self.applied[offer.id] = found
        found.discount += discount
        found.qty += qty
        found.gift_qty += gift_qty
        found.gift_value += gift_value
        found.sku_ids += [s for s in sku_ids if s not in found.sku_ids]
        found.limits += [lim for lim in limits if lim not in found.limits]
        found.hint = hint or found.hint
        self.spent_amount[offer.id] = self.spent_amount.get(offer.id, ZERO) + discount + gift_value
        self.spent_qty[offer.id] = self.spent_qty.get(offer.id, 0) + qty
        self.why_not.pop(offer.key[1:], None)

    def reject(self, offer: Offer, why: Note) -> None:
        """Remember why the offer did not apply, keeping the most useful reason."""
        if offer.id in self.applied:
            return
        key = offer.key[1:]
        held = self.why_not.get(key)
        if held is None or _rank(why.code) < _rank(held.code):
            self.why_not[key] = why

    def closer_name(self, indexes: Sequence[int]) -> str:
        for i in indexes:
            closed = self.lines[i].closed_by
            if closed is not None:
                return self.names.get(closed, "")
        return ""


# --- money caps shared by every step ------------------------------------------------------


@dataclass
class Capped:
    """A discount after the floors (per line) and the budget, with each line's cap."""

    discount: Decimal
    indexes: list[int]
    caps: list[Decimal]
    limits: list[str]


def cap(state: State, offer: Offer, indexes: list[int], discount: Decimal) -> Capped | Note:
    caps = [state.headroom(i, offer) for i in indexes]
    limits: list[str] = []
    room = sum(caps, ZERO)
    if discount > room:
        whole = sum((state.lines[i].net for i in indexes), ZERO)
        if room < whole:
            limits.append(Limit.FLOOR)
        discount = room
    if discount <= 0:
        floor = state.lines[indexes[0]].floor if indexes else None
        return note(offer, Reason.BELOW_FLOOR, floor=str(floor or ZERO))
    left = state.amount_left(offer)
    if left is not None and discount > left:
        if left <= 0:
            return note(offer, Reason.BUDGET_EXHAUSTED)
        discount, limits = left, [*limits, Limit.BUDGET]
    return Capped(discount, indexes, caps, limits)


def give_capped(state: State, offer: Offer, capped: Capped, *, hint: Note | None = None) -> None:
    """Split the discount over its lines pro rata (allocation.py) and record one use."""
    weights = [state.lines[i].net for i in capped.indexes]
    shares = allocate(capped.discount, weights, capped.caps)
    state.give(offer, dict(zip(capped.indexes, shares, strict=True)))
    state.record(
        offer,
        discount=capped.discount,
        qty=1,
        sku_ids=[state.lines[i].sku_id for i in capped.indexes],
        limits=capped.limits,
        hint=hint,
    )
