"""Step 1, item prices: one price promotion per line, the best for the buyer; bundles
against the lines' best single prices (engine.py's docstring has the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qudao.core.money import money
from qudao.promotions.allocation import allocate
from qudao.promotions.constants import ITEM_RANK, Basis, Kind, Limit, Reason
from qudao.promotions.rules import (
    AmountOffRules,
    BundleRules,
    FlashSaleRules,
    GroupBuyRules,
    PercentOffRules,
    SpecialPriceRules,
    TierPriceRules,
)
from qudao.promotions.stages._state import ZERO, Capped, State, cap, note, short

if TYPE_CHECKING:
    from qudao.promotions.engine import CartLine, Note, Offer

HUNDRED = Decimal(100)


# --- step 1: item prices ------------------------------------------------------------------


@dataclass
class Candidate:
    offer: Offer
    discount: Decimal
    covered: int
    limits: list[str]

    @property
    def order(self) -> tuple[Any, ...]:
        return (-self.discount, ITEM_RANK[self.offer.kind], self.offer.key)


def _percent_of(price: Decimal, percent: Decimal) -> Decimal:
    return price * (HUNDRED - percent) / HUNDRED


def _tier_target(offer: Offer, rules: TierPriceRules, line: CartLine) -> Decimal | Note:
    reached = [t for t in rules.tiers if t.min_qty <= line.qty]
    if not reached:
        first = rules.tiers[0]
        benefit, value = ("price", first.price) if rules.by_price else ("percent", first.percent)
        return short(offer, Basis.QTY, first.min_qty - line.qty, benefit, value)
    top = reached[-1]
    if top.price is not None:
        return top.price
    return _percent_of(line.unit_price, top.percent or ZERO)


def _group_target(offer: Offer, rules: GroupBuyRules, line: CartLine) -> Decimal | Note | None:
    if line.sku_id != rules.sku_id:
        return None
    together = offer.group_qty + line.qty
    steps = [t for t in rules.tiers if t.min_qty <= together]
    if not steps:
        first = rules.tiers[0]
        return short(offer, "group_qty", first.min_qty - together, "price", first.price)
    return steps[-1].price


def _unit_target(offer: Offer, line: CartLine) -> Decimal | Note | None:
    """The unit price the offer would give the line (unrounded), or why not (None: the
    offer does not price this SKU)."""
    rules = offer.rules
    if isinstance(rules, SpecialPriceRules | FlashSaleRules):
        return rules.prices.get(line.sku_id)
    if isinstance(rules, PercentOffRules):
        return _percent_of(line.unit_price, rules.percent)
    if isinstance(rules, AmountOffRules):
        return max(ZERO, line.unit_price - rules.amount)
    if isinstance(rules, TierPriceRules):
        return _tier_target(offer, rules, line)
    if isinstance(rules, GroupBuyRules):
        return _group_target(offer, rules, line)
    return None


def _covered(offer: Offer, state: State, qty: int) -> tuple[int, list[str]] | Note:
    covered, limits = qty, list[str]()
    rules = offer.rules
    per_order = rules.max_qty_per_order if isinstance(rules, FlashSaleRules) else None
    if per_order is not None and covered > per_order:
        covered, limits = per_order, [Limit.PER_ORDER]
    left = state.qty_left(offer)
    if left is not None:
        if left <= 0:
            return note(offer, Reason.QUANTITY_EXHAUSTED)
        if covered > left:
            covered, limits = left, [*limits, Limit.QUANTITY]
    return covered, limits


def _floored(offer: Offer, line: CartLine, target: Decimal) -> tuple[Decimal, list[str]] | Note:
    """The target raised to the brand's floor (unless the promotion is exempt)."""
    if line.floor is None or offer.floor_exempt or target >= line.floor:
        return target, []
    if line.floor >= line.unit_price:
        return note(offer, Reason.BELOW_FLOOR, floor=str(line.floor))
    return line.floor, [Limit.FLOOR]


def item_candidate(state: State, offer: Offer, i: int, line: CartLine) -> Candidate | Note | None:
    """What the offer gives line i on its own, or why it gives nothing (None: not its SKU)."""
    target = _unit_target(offer, line)
    if not isinstance(target, Decimal):
        return target
    if target >= line.unit_price:
        return note(offer, Reason.NO_BETTER_PRICE)
    floored = _floored(offer, line, target)
    covered = _covered(offer, state, line.qty)
    if not isinstance(floored, tuple):
        return floored
    if not isinstance(covered, tuple):
        return covered
    (target, limits), (qty, more) = floored, covered
    discount = min(money((line.unit_price - target) * qty), state.lines[i].net)
    left = state.amount_left(offer)
    if left is not None and discount > left:
        discount, more = max(left, ZERO), [*more, Limit.BUDGET]
    if discount <= 0:
        code = Reason.BUDGET_EXHAUSTED if Limit.BUDGET in more else Reason.NO_BETTER_PRICE
        return note(offer, code)
    return Candidate(offer, discount, qty, limits + more)


def _line_options(
    state: State, offers: Sequence[Offer], i: int, line: CartLine
) -> tuple[list[Candidate], list[Note]]:
    cands, notes = [], []
    for offer in offers:
        found = item_candidate(state, offer, i, line)
        if isinstance(found, Candidate):
            cands.append(found)
        elif found is not None:
            notes.append(found)
    cands.sort(key=lambda c: c.order)
    return cands, notes


@dataclass
class BundleCandidate:
    offer: Offer
    sets: int
    weights: list[Decimal]
    capped: Capped


def _bundle_sets(
    offer: Offer, rules: BundleRules, lines: Sequence[CartLine], free: dict[int, int]
) -> tuple[int, list[int]] | Note:
    sets: int | None = None
    indexes = []
    for comp in rules.components:
        i = free.get(comp.sku_id)
        have = lines[i].qty if i is not None else 0
        if i is None or have < comp.qty:
            return short(offer, Basis.QTY, comp.qty - have, "bundle", rules.price)
        indexes.append(i)
        n = have // comp.qty
        sets = n if sets is None else min(sets, n)
    return sets or 0, indexes


def bundle_candidate(
    state: State, offer: Offer, lines: Sequence[CartLine], taken: set[int]
) -> BundleCandidate | Note:
    rules = offer.rules
    assert isinstance(rules, BundleRules)
    free: dict[int, int] = {}
    for i in state.open_lines_of(offer):
        if i not in taken:
            free.setdefault(lines[i].sku_id, i)
    found = _bundle_sets(offer, rules, lines, free)
    if not isinstance(found, tuple):
        return found
    sets, indexes = found
    limits: list[str] = []
    left = state.qty_left(offer)
    if left is not None and sets > left:
        if left <= 0:
            return note(offer, Reason.QUANTITY_EXHAUSTED)
        sets, limits = left, [Limit.QUANTITY]
    weights = [
        money(c.qty * sets * lines[i].unit_price)
        for c, i in zip(rules.components, indexes, strict=True)
    ]
    discount = sum(weights, ZERO) - money(rules.price * sets)
    if discount <= 0:
        return note(offer, Reason.NO_BETTER_PRICE)
    capped = cap(state, offer, indexes, discount)
    if not isinstance(capped, Capped):
        return capped
    capped.limits = limits + capped.limits
    return BundleCandidate(offer, sets, weights, capped)


def _apply_bundle(state: State, cand: BundleCandidate) -> None:
    capped = cand.capped
    shares = allocate(capped.discount, cand.weights, capped.caps)
    state.give(cand.offer, dict(zip(capped.indexes, shares, strict=True)))
    state.record(
        cand.offer,
        discount=capped.discount,
        qty=cand.sets,
        sku_ids=[state.lines[i].sku_id for i in capped.indexes],
        limits=capped.limits,
    )


def _bundles(
    state: State,
    lines: Sequence[CartLine],
    bundles: Sequence[Offer],
    per_line: list[list[Offer]],
) -> set[int]:
    """Bundles take their lines when they beat the lines' best single prices together."""
    taken: set[int] = set()
    alone: dict[int, Candidate | None] = {}

    def best_single(i: int) -> Candidate | None:
        if i not in alone:
            cands, _notes = _line_options(state, per_line[i], i, lines[i])
            alone[i] = cands[0] if cands else None
        return alone[i]

    for offer in bundles:
        found = bundle_candidate(state, offer, lines, taken)
        if not isinstance(found, BundleCandidate):
            state.reject(offer, found)
            continue
        rivals = [c for c in map(best_single, found.capped.indexes) if c is not None]
        if rivals and found.capped.discount <= sum((c.discount for c in rivals), ZERO):
            best = min(rivals, key=lambda c: c.order)
            state.reject(offer, note(offer, Reason.BETTER_OFFER, other=best.offer.name))
            continue
        _apply_bundle(state, found)
        taken |= set(found.capped.indexes)
        for i in found.capped.indexes:
            for single in per_line[i]:
                why = note(single, Reason.BETTER_OFFER, other=offer.name)
                state.lines[i].notes.append(why)
                state.reject(single, why)
    return taken


def item_stage(state: State, lines: Sequence[CartLine], offers: Sequence[Offer]) -> None:
    """One price promotion per line, the best for the buyer (ties: ITEM_RANK, priority,
    id); lines in cart order share each promotion's budget first come, first served."""
    singles = sorted((o for o in offers if o.kind != Kind.BUNDLE), key=lambda o: o.key)
    bundles = sorted((o for o in offers if o.kind == Kind.BUNDLE), key=lambda o: o.key)
    per_line: list[list[Offer]] = [[] for _ in lines]
    for offer in singles:
        for i in state.lines_of(offer):
            per_line[i].append(offer)
    taken = _bundles(state, lines, bundles, per_line)
    for i, line in enumerate(lines):
        if i in taken or not per_line[i]:
            continue
        cands, notes = _line_options(state, per_line[i], i, line)
        by_id = {o.id: o for o in per_line[i]}
        for why in notes:
            state.lines[i].notes.append(why)
            state.reject(by_id[why.promotion_id or 0], why)
        if not cands:
            continue
        best = cands[0]
        state.give(best.offer, {i: best.discount})
        state.record(
            best.offer,
            discount=best.discount,
            qty=best.covered,
            sku_ids=[line.sku_id],
            limits=best.limits,
        )
        for loser in cands[1:]:
            why = note(loser.offer, Reason.BETTER_OFFER, other=best.offer.name)
            state.lines[i].notes.append(why)
            state.reject(loser.offer, why)
