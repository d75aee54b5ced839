"""Steps 2 and 3: order thresholds (满减 / 满折 / 买赠 / 满赠) on the open lines, then one
coupon (engine.py's docstring has the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from qudao.core.money import money
from qudao.promotions import engine
from qudao.promotions.constants import Basis, Limit, Reason
from qudao.promotions.rules import (
    BuyXGetYRules,
    CouponRules,
    Gift,
    ThresholdAmountOffRules,
    ThresholdGiftRules,
    ThresholdPercentRules,
)
from qudao.promotions.stages._state import (
    ZERO,
    Capped,
    State,
    cap,
    give_capped,
    note,
    short,
)

if TYPE_CHECKING:
    from qudao.promotions.engine import CartLine, Note, Offer

HUNDRED = Decimal(100)


# --- step 2: order thresholds -------------------------------------------------------------


@dataclass
class Effect:
    """What an order-level offer gives the lines it covers before caps: a discount or gifts."""

    discount: Decimal = ZERO
    gifts: list[tuple[Gift, int]] = field(default_factory=list)
    hint: Note | None = None


def _reached(thresholds: list[Decimal], base: Decimal) -> int:
    """How many tiers the base reaches (0: none)."""
    return sum(1 for t in thresholds if t <= base)


def _times(repeat: bool, max_times: int | None, base: Decimal, threshold: Decimal) -> int:
    if not repeat:
        return 1
    times = int(base // threshold)
    return min(times, max_times) if max_times is not None else times


def _gap(value: Decimal, basis: str) -> Decimal | int:
    return int(value.to_integral_value()) if basis == Basis.QTY else money(value)


def _as_hint(found: Note | None) -> Note | None:
    if found is None:
        return None
    return engine.Note(Reason.NEXT_TIER, found.promotion_id, found.name, found.kind, found.params)


def _amount_off(offer: Offer, rules: ThresholdAmountOffRules, base: Decimal) -> Effect | Note:
    n = _reached([t.threshold for t in rules.tiers], base)
    basis = rules.basis
    if n == 0:
        first = rules.tiers[0]
        return short(offer, basis, _gap(first.threshold - base, basis), "amount", first.amount)
    top = rules.tiers[n - 1]
    times = _times(rules.repeat, rules.max_times, base, top.threshold)
    hint = None
    if n < len(rules.tiers):
        up = rules.tiers[n]
        hint = short(offer, basis, _gap(up.threshold - base, basis), "amount", up.amount)
    elif rules.repeat and (rules.max_times is None or times < rules.max_times):
        gap = top.threshold * (times + 1) - base
        hint = short(offer, basis, _gap(gap, basis), "amount", top.amount * (times + 1))
    return Effect(discount=top.amount * times, hint=_as_hint(hint))


def _percent_off(
    offer: Offer, rules: ThresholdPercentRules, base: Decimal, net: Decimal
) -> Effect | Note:
    n = _reached([t.threshold for t in rules.tiers], base)
    basis = rules.basis
    if n == 0:
        first = rules.tiers[0]
        return short(offer, basis, _gap(first.threshold - base, basis), "percent", first.percent)
    top = rules.tiers[n - 1]
    hint = None
    if n < len(rules.tiers):
        up = rules.tiers[n]
        hint = short(offer, basis, _gap(up.threshold - base, basis), "percent", up.percent)
    return Effect(discount=money(net * top.percent / HUNDRED), hint=_as_hint(hint))


def _buy_x(offer: Offer, rules: BuyXGetYRules, units: int) -> Effect | Note:
    times = units // rules.buy_qty if rules.repeat else int(units >= rules.buy_qty)
    if rules.max_times is not None:
        times = min(times, rules.max_times)
    if times == 0:
        return short(offer, Basis.QTY, rules.buy_qty - units, "gift", rules.gift.qty)
    return Effect(gifts=[(rules.gift, times)])


def _gift_tiers(offer: Offer, rules: ThresholdGiftRules, base: Decimal) -> Effect | Note:
    n = _reached([t.threshold for t in rules.tiers], base)
    basis = rules.basis
    if n == 0:
        first = rules.tiers[0]
        units = sum(g.qty for g in first.gifts)
        return short(offer, basis, _gap(first.threshold - base, basis), "gift", units)
    top = rules.tiers[n - 1]
    times = _times(rules.repeat, rules.max_times, base, top.threshold)
    return Effect(gifts=[(g, times) for g in top.gifts])


def _effect(offer: Offer, state: State, indexes: Sequence[int]) -> Effect | Note:
    amount = sum((state.base[i] for i in indexes), ZERO)
    units = sum(state.lines[i].qty for i in indexes)
    rules = offer.rules
    basis = getattr(rules, "basis", Basis.AMOUNT)
    base = amount if basis == Basis.AMOUNT else Decimal(units)
    if isinstance(rules, ThresholdAmountOffRules):
        return _amount_off(offer, rules, base)
    if isinstance(rules, ThresholdPercentRules):
        net = sum((state.lines[i].net for i in indexes), ZERO)
        return _percent_off(offer, rules, base, net)
    if isinstance(rules, BuyXGetYRules):
        return _buy_x(offer, rules, units)
    assert isinstance(rules, ThresholdGiftRules)
    return _gift_tiers(offer, rules, base)


@dataclass
class Gifts:
    """Gifts after the caps: how many times the gift set is given, and its worth."""

    effect: Effect
    indexes: list[int]
    times: int
    units: int
    value: Decimal
    limits: list[str]


def _gifts(state: State, offer: Offer, effect: Effect, indexes: list[int]) -> Gifts | Note:
    times = max(t for _g, t in effect.gifts)
    units = sum(g.qty for g, _t in effect.gifts)
    value = sum((g.qty * g.unit_value for g, _t in effect.gifts), ZERO)
    limits: list[str] = []
    left = state.qty_left(offer)
    if left is not None and units * times > left:
        times, limits = left // units, [Limit.QUANTITY]
    money_left = state.amount_left(offer)
    if money_left is not None and value > 0 and value * times > money_left:
        times, limits = int(money_left // value), [*limits, Limit.BUDGET]
    if times <= 0:
        code = Reason.BUDGET_EXHAUSTED if Limit.BUDGET in limits else Reason.QUANTITY_EXHAUSTED
        return note(offer, code)
    return Gifts(effect, indexes, times, units, value, limits)


def _give_gifts(state: State, offer: Offer, gifts: Gifts) -> None:
    for gift, _t in gifts.effect.gifts:
        state.gifts.append(
            engine.GiftLine(
                gift.sku_id, gift.qty * gifts.times, offer.id, offer.name, gift.unit_value
            )
        )
    state.give(offer, dict.fromkeys(gifts.indexes, ZERO))
    state.record(
        offer,
        qty=gifts.units * gifts.times,
        gift_qty=gifts.units * gifts.times,
        gift_value=money(gifts.value * gifts.times),
        sku_ids=[state.lines[i].sku_id for i in gifts.indexes],
        limits=gifts.limits,
        hint=gifts.effect.hint,
    )


def plan_order_offer(state: State, offer: Offer) -> tuple[Capped, Effect] | Gifts | Note:
    """What an order-level offer would give now, after its caps, without giving it."""
    indexes = state.open_lines_of(offer)
    if not indexes:
        return note(offer, Reason.EXCLUDED, other=state.closer_name(state.lines_of(offer)))
    effect = _effect(offer, state, indexes)
    if not isinstance(effect, Effect):
        return effect
    if effect.gifts:
        return _gifts(state, offer, effect, indexes)
    left = state.qty_left(offer)
    if left is not None and left <= 0:
        return note(offer, Reason.QUANTITY_EXHAUSTED)
    capped = cap(state, offer, indexes, effect.discount)
    if not isinstance(capped, Capped):
        return capped
    return capped, effect


def _worth(plan: tuple[Capped, Effect] | Gifts) -> tuple[Decimal, int]:
    if isinstance(plan, Gifts):
        return plan.value * plan.times, plan.units * plan.times
    return plan[0].discount, 0


def apply_order_offer(state: State, offer: Offer) -> None:
    plan = plan_order_offer(state, offer)
    if isinstance(plan, Gifts):
        _give_gifts(state, offer, plan)
    elif isinstance(plan, tuple):
        give_capped(state, offer, plan[0], hint=plan[1].hint)
    else:
        state.reject(offer, plan)


def _stage_value(state: State, offers: Sequence[Offer]) -> tuple[Decimal, int]:
    """What a plan is worth to the buyer: money off and gifts' value, then free units."""
    ids = {o.id for o in offers}
    mine = [a for a in state.applied.values() if a.promotion_id in ids]
    return sum((a.budget_amount for a in mine), ZERO), sum(a.gift_qty for a in mine)


def _best_exclusive(state: State, exclusive: Sequence[Offer]) -> Offer | None:
    """The exclusive offer worth most on its own (ties: priority, then id); the others are
    told why they did not apply."""
    found = []
    for offer in exclusive:
        plan = plan_order_offer(state, offer)
        if isinstance(plan, Gifts | tuple):
            found.append((_worth(plan), offer))
        else:
            state.reject(offer, plan)
    if not found:
        return None
    found.sort(key=lambda f: (-f[0][0], -f[0][1], f[1].key))
    best = found[0][1]
    for _value, offer in found[1:]:
        state.reject(offer, note(offer, Reason.EXCLUDED, other=best.name))
    return best


def order_stage(state: State, lines: Sequence[CartLine], offers: Sequence[Offer]) -> State:
    """Thresholds on the open lines in sequence (priority, then id), measured on the amounts
    after the item step. The exclusive one worth most on its own is tried ahead of the
    stackable ones; that plan is used when it gives the buyer more than the stackable ones
    alone (ties: the stackable plan)."""
    if not offers:
        return state
    state.base = [line.net for line in state.lines]
    ordered = sorted(offers, key=lambda o: o.key)
    stackable = [o for o in ordered if not o.exclusive]
    best = _best_exclusive(state, [o for o in ordered if o.exclusive])
    plans = [stackable] if best is None else [stackable, [best, *stackable]]
    trials = []
    for plan in plans:
        trial = state.clone()
        for offer in plan:
            apply_order_offer(trial, offer)
        trials.append((_stage_value(trial, offers), plan, trial))
    value, plan, chosen = trials[0]
    if len(trials) > 1 and trials[1][0] > value:
        value, plan, chosen = trials[1]
    winners = "、".join(chosen.applied[o.id].name for o in plan if o.id in chosen.applied)
    if best is not None and best.id not in chosen.applied:
        chosen.reject(best, note(best, Reason.EXCLUDED, other=winners))
    return chosen


# --- step 3: one coupon -------------------------------------------------------------------


def _coupon_candidate(state: State, offer: Offer) -> Capped | Note:
    rules = offer.rules
    assert isinstance(rules, CouponRules)
    indexes = state.open_lines_of(offer)
    if not indexes:
        return note(offer, Reason.EXCLUDED, other=state.closer_name(state.lines_of(offer)))
    base = sum((state.lines[i].net for i in indexes), ZERO)
    benefit, value = ("amount", rules.amount) if rules.amount else ("percent", rules.percent)
    if base < rules.min_spend or base <= 0:
        return short(offer, Basis.AMOUNT, money(rules.min_spend - base), benefit, value)
    left = state.qty_left(offer)
    if left is not None and left <= 0:
        return note(offer, Reason.QUANTITY_EXHAUSTED)
    if rules.amount is not None:
        discount = rules.amount
    else:
        discount = money(base * (rules.percent or ZERO) / HUNDRED)
    if rules.max_discount is not None:
        discount = min(discount, rules.max_discount)
    return cap(state, offer, indexes, discount)


def coupon_stage(state: State, lines: Sequence[CartLine], offers: Sequence[Offer]) -> None:
    """At most one coupon per order: the one worth most to the buyer (then priority, id)."""
    found = []
    for offer in sorted(offers, key=lambda o: o.key):
        cand = _coupon_candidate(state, offer)
        if isinstance(cand, Capped):
            found.append((offer, cand))
        else:
            state.reject(offer, cand)
    if not found:
        return
    found.sort(key=lambda f: (-f[1].discount, f[0].key))
    offer, capped = found[0]
    give_capped(state, offer, capped)
    for other, _cand in found[1:]:
        state.reject(other, note(other, Reason.ONE_COUPON_PER_ORDER, other=offer.name))
