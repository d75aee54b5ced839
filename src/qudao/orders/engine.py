"""The order engine: what a cart or a draft would become if it were submitted now.

One computation serves the cart preview (a read, nothing written), submit and approval (the
same numbers, read under the buyer's position lock): lines resolved from SKU codes and sales
units into base units, priced by pricing.quote, adjusted by `apply_promotions`, totalled,
split into prepaid / rebate / credit, checked against credit (finance.selectors.credit_check),
the seller's stock and the seller's approval rule. It answers every hold reason and every
refusal at once; the services raise the first refusal and store the holds.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.constants import ProductStatus
from qudao.catalog.models import Sku
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.money import CENT, money
from qudao.finance.constants import Outcome, OverdueMode
from qudao.finance.models import Position
from qudao.finance.selectors import CreditDecision, credit_check
from qudao.inventory.models import Warehouse
from qudao.inventory.selectors import stock_available
from qudao.network.models import Org
from qudao.orders.constants import (
    ACCEPTED_STATUSES,
    LOW_STOCK_UNITS,
    MAX_LINES,
    MAX_QTY,
    HoldReason,
    OrderKind,
    StockState,
)
from qudao.orders.models import ApprovalRule, Order
from qudao.pricing.constants import Reason, Target
from qudao.pricing.selectors import LineQuote, quote, sellable_sku_ids
from qudao.promotions.engine import GiftLine, Use
from qudao.promotions.selectors import CartItem, price_cart

ZERO = Decimal("0.00")


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineIn:
    """A line as people enter it: a SKU code and a quantity in a sales unit (the SKU's base
    unit when `unit` is empty; a pack unit such as 箱 converts to base units)."""

    sku_code: str
    qty: Any
    unit: str = ""


LineInput = LineIn | tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """Why a line or the whole order cannot go through: a stable code and its message."""

    code: str
    message: str
    row: int | None = None  # 1-based position in the input, for line problems
    sku: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResolvedLine:
    sku: Sku
    unit: str
    unit_qty: int
    unit_factor: int
    qty: int  # base units


def as_line_in(raw: LineInput) -> LineIn:
    if isinstance(raw, LineIn):
        return raw
    padded = (*raw, "")
    return LineIn(str(padded[0] or ""), padded[1], str(padded[2] or ""))


def parse_qty(value: Any) -> int | None:
    """A whole number, or None (the caller reports it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("+-").isdigit():
        return int(text)
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    if number.is_finite() and number == number.to_integral_value():
        return int(number)
    return None


def _unit_factor(sku: Sku, unit: str) -> int | None:
    if not unit or unit == sku.base_unit:
        return 1
    for pack in sku.packs.all():  # prefetched by the catalogue's selector
        if pack.unit == unit:
            return int(pack.factor)
    return None


def _qty_problem(row: int, code: str, raw: LineIn) -> Problem | None:
    number = parse_qty(raw.qty)
    if number is None:
        return Problem(
            "invalid_qty",
            _("Line %(row)s (%(sku)s): enter a whole number.") % {"row": row, "sku": code},
            row,
            code,
        )
    if number <= 0:
        return Problem(
            "qty_not_positive",
            _("Line %(row)s (%(sku)s): the quantity must be more than 0.")
            % {"row": row, "sku": code},
            row,
            code,
        )
    return None


def _resolve_one(row: int, raw: LineIn, skus: dict[str, Sku]) -> ResolvedLine | Problem:
    code = raw.sku_code.strip()
    sku = skus.get(code)
    if sku is None:
        return Problem(
            "unknown_sku",
            _("Line %(row)s: no SKU with the code %(sku)s.") % {"row": row, "sku": code},
            row,
            code,
        )
    bad = _qty_problem(row, code, raw)
    if bad is not None:
        return bad
    unit = raw.unit.strip()
    factor = _unit_factor(sku, unit)
    if factor is None:
        return Problem(
            "unknown_unit",
            _("Line %(row)s (%(sku)s): %(unit)s is not a unit of this SKU.")
            % {"row": row, "sku": code, "unit": unit},
            row,
            code,
        )
    units = parse_qty(raw.qty) or 0
    return ResolvedLine(sku, unit or sku.base_unit, units, factor, units * factor)


def _merge(into: ResolvedLine, more: ResolvedLine) -> None:
    into.qty += more.qty
    if into.unit == more.unit:
        into.unit_qty += more.unit_qty
    else:  # the same SKU in two units: counted in its base unit
        into.unit, into.unit_factor, into.unit_qty = into.sku.base_unit, 1, into.qty


def skus_by_code(lines: Sequence[LineInput]) -> dict[str, Sku]:
    """The SKUs the lines name, with their packs (for sales units): two queries."""
    found = sku_map_by_codes(as_line_in(raw).sku_code for raw in lines)
    prefetch_related_objects(list(found.values()), "packs")
    return found


_PASTE_SPLIT = re.compile(r"[\s,;，；、\t]+")


def parse_pasted_lines(text: str) -> list[LineIn]:
    """Lines from pasted text or a sheet's first columns: one line per row, "code quantity
    [unit]" separated by spaces, tabs, commas or semicolons (Chinese ones too). Blank rows are
    skipped; anything else is kept as given, so resolve_lines reports it by row."""
    found = []
    for row in text.splitlines():
        parts = [p for p in _PASTE_SPLIT.split(row.strip()) if p]
        if parts:
            found.append(
                LineIn(
                    parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
                )
            )
    return found


def resolve_lines(
    lines: Sequence[LineInput], skus: dict[str, Sku]
) -> tuple[list[ResolvedLine], list[Problem]]:
    """Lines in base units, one per SKU (repeats added up), and every problem found: unknown
    SKU codes, quantities that are not whole numbers above 0, unknown sales units, more than
    MAX_QTY units of a SKU, quantities that are not a multiple of the SKU's order multiple."""
    if not lines:
        return [], [Problem("no_lines", _("Add at least one line."))]
    if len(lines) > MAX_LINES:
        return [], [
            Problem("too_many_lines", _("At most %(n)s lines per order.") % {"n": MAX_LINES})
        ]
    problems: list[Problem] = []
    merged: dict[int, ResolvedLine] = {}
    for row, raw in enumerate(lines, start=1):
        found = _resolve_one(row, as_line_in(raw), skus)
        if isinstance(found, Problem):
            problems.append(found)
        elif found.sku.pk in merged:
            _merge(merged[found.sku.pk], found)
        else:
            merged[found.sku.pk] = found
    problems += [
        Problem(
            "qty_too_large",
            _("%(sku)s: at most %(n)s units per line.") % {"sku": line.sku.code, "n": MAX_QTY},
            sku=line.sku.code,
        )
        for line in merged.values()
        if line.qty > MAX_QTY
    ]
    problems += [
        Problem(
            "not_order_multiple",
            _("%(sku)s is sold in multiples of %(n)s %(unit)s: %(qty)s is not one.")
            % {
                "sku": line.sku.code,
                "n": line.sku.order_multiple,
                "unit": line.sku.base_unit,
                "qty": line.qty,
            },
            sku=line.sku.code,
        )
        for line in merged.values()
        if line.qty % line.sku.order_multiple
    ]
    return list(merged.values()), problems


# --- prices ---------------------------------------------------------------------------------


@dataclass
class Adjustment:
    """A change of a line's amount (a promotion): negative lowers it."""

    source: str
    source_id: str
    label: str
    amount: Decimal


@dataclass
class PricedLine:
    sku: Sku
    unit: str
    unit_qty: int
    unit_factor: int
    qty: int
    unit_price: Decimal
    list_price: Decimal
    price_list_id: int | None
    price_source: str
    adjustments: list[Adjustment] = field(default_factory=list)
    # free goods: the promotion that gives this zero-price line
    gift_promotion_id: int | None = None
    # why promotions did not apply to this line, or what the next tier needs (engine notes)
    notes: list[dict[str, Any]] = field(default_factory=list)
    # the seller's available units: the engine needs them, buyers see only stock_state
    available: int = 0
    stock_state: str = StockState.IN_STOCK
    previous_price: Decimal | None = None  # a draft's stored price, when it has changed since

    @property
    def list_amount(self) -> Decimal:
        return money(self.list_price * self.qty)

    @property
    def gross_amount(self) -> Decimal:
        return money(self.unit_price * self.qty)

    @property
    def adjustment_amount(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)

    @property
    def amount(self) -> Decimal:
        return max(ZERO, self.gross_amount + self.adjustment_amount)

    @property
    def price_changed(self) -> bool:
        return self.previous_price is not None and self.previous_price != self.unit_price


def _source(line: LineQuote) -> str:
    reached = [q for q, _price in line.breaks if q <= line.qty]
    step = reached[-1] if reached else 1
    parts = [line.list_code, line.rule]
    if step > 1:
        parts.append(_("from %(qty)s units") % {"qty": step})
    return " · ".join(p for p in parts if p)[:200]


VALID_REASONS = (Reason.WON, Reason.LESS_SPECIFIC, Reason.LOWER_PRIORITY)


def _list_price(single: LineQuote) -> Decimal | None:
    """The seller's list price of one unit: its valid default list's, else the buyer's own."""
    for candidate in single.candidates:
        if candidate.target == Target.DEFAULT and candidate.reason in VALID_REASONS:
            return candidate.price
    return single.price


def _unsold(row: int | None, sku: Sku) -> Problem:
    return Problem(
        "sku_not_sold",
        _("%(sku)s is not offered to this buyer by this seller.") % {"sku": sku.code},
        row,
        sku.code,
    )


def price_lines(
    *, seller: Org, buyer: Org, lines: Sequence[ResolvedLine], at: datetime | None = None
) -> tuple[list[PricedLine], list[Problem]]:
    """Each line's price for this buyer from this seller now (pricing.quote), its source and
    the list price; SKUs not on sale, not priced for the buyer or outside its supply link's
    kinds are refused as `sku_not_sold`. Four queries for any number of lines."""
    at = at or timezone.now()
    ids = [line.sku.pk for line in lines]
    sellable = set(
        sellable_sku_ids(seller=seller, buyer=buyer, at=at)
        .filter(sku_id__in=ids)
        .values_list("sku_id", flat=True)
    )
    # one unit's quote gives the list price; a line of one unit is its own
    singles = [line.sku.pk for line in lines if line.qty != 1]
    quotes = quote(
        seller=seller,
        buyer=buyer,
        lines=[(line.sku.pk, line.qty) for line in lines] + [(pk, 1) for pk in singles],
        at=at,
    )
    one = {q.sku_id: q for q in quotes[len(lines) :]}
    priced: list[PricedLine] = []
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        found = quotes[index]
        single = one.get(line.sku.pk, found)
        on_sale = (
            line.sku.status == ProductStatus.ON_SALE
            and line.sku.product.status == ProductStatus.ON_SALE
        )
        if not on_sale or line.sku.pk not in sellable or found.price is None:
            problems.append(_unsold(None, line.sku))
            continue
        priced.append(
            PricedLine(
                sku=line.sku,
                unit=line.unit,
                unit_qty=line.unit_qty,
                unit_factor=line.unit_factor,
                qty=line.qty,
                unit_price=found.price,
                list_price=_list_price(single) or found.price,
                price_list_id=found.list_id,
                price_source=_source(found),
            )
        )
    return priced, problems


@dataclass
class Promoted:
    """The priced lines after the promotions step: adjustments on the lines, free goods as
    lines of their own at the end; what submitting them consumes of each promotion's caps;
    and the cart's notes (what did not apply and why, the next tier's hint), for the buyer."""

    lines: list[PricedLine]
    uses: list[Use] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


def _gift_lines(gifts: Sequence[GiftLine]) -> list[PricedLine]:
    skus = Sku.objects.select_related("product").in_bulk([g.sku_id for g in gifts])
    return [
        PricedLine(
            sku=skus[gift.sku_id],
            unit=skus[gift.sku_id].base_unit,
            unit_qty=gift.qty,
            unit_factor=1,
            qty=gift.qty,
            unit_price=ZERO,
            list_price=gift.unit_value,  # what the gift is worth: counted as discount
            price_list_id=None,
            price_source=gift.label[:200],
            gift_promotion_id=gift.promotion_id,
        )
        for gift in gifts
    ]


def apply_promotions(order: Order, lines: list[PricedLine]) -> Promoted:
    """The promotions step of pricing (DESIGN.md §6 step 2), between the price lists and the
    totals: promotions.selectors.price_cart on the lines at their prices now, for the
    order's buyer, seller and coupon codes. `order` may be unsaved (a cart preview): its pk
    is never read. A replacement order of an exchange gets no promotions (it is free).
    Nothing is consumed here: submit consumes `uses` under the promotions' row locks."""
    paid = [line for line in lines if line.gift_promotion_id is None]
    if not paid or order.kind == OrderKind.REPLACEMENT:
        return Promoted(paid)
    result = price_cart(
        seller=order.seller,
        buyer=order.buyer,
        items=[CartItem(line.sku.pk, line.qty, line.unit_price) for line in paid],
        at=timezone.now(),
        coupon_codes=order.coupon_codes or (),
    )
    for line, found in zip(paid, result.lines, strict=True):
        line.adjustments = [
            Adjustment(a.source, a.source_id, a.label, a.amount) for a in found.adjustments
        ]
        line.notes = [note.as_dict() for note in found.notes]
    hints = [a.hint.as_dict() for a in result.applied if a.hint is not None]
    notes = hints + [note.as_dict() for note in result.skipped]
    gifts = _gift_lines(result.gifts) if result.gifts else []
    return Promoted([*paid, *gifts], result.uses(), notes)


# --- stock, money, rules --------------------------------------------------------------------


def stock_state(available: int, qty: int) -> str:
    if available <= 0:
        return StockState.OUT
    if available < qty or available < LOW_STOCK_UNITS:
        return StockState.LOW
    return StockState.IN_STOCK


def mark_stock(lines: Iterable[PricedLine], warehouse: Warehouse | None) -> list[Problem]:
    """Each line's stock state at the seller's warehouse; a shortage is a refusal."""
    lines = list(lines)
    if warehouse is None:
        return [
            Problem(
                "seller_no_warehouse",
                _("The seller has no warehouse to ship from."),
            )
        ]
    available = stock_available(warehouse=warehouse, skus=[line.sku for line in lines])
    needed: dict[int, int] = {}  # a gift of a SKU also bought needs both lines' units
    for line in lines:
        needed[line.sku.pk] = needed.get(line.sku.pk, 0) + line.qty
    shortages = []
    for line in lines:
        line.available = available[line.sku.pk]
        line.stock_state = stock_state(line.available, needed[line.sku.pk])
    for pk, qty in needed.items():
        line = next(line for line in lines if line.sku.pk == pk)
        if line.available < qty:
            shortages.append(
                {
                    "sku": line.sku.code,
                    "sku_id": pk,
                    "available": max(0, line.available),
                    "needed": qty,
                }
            )
    if not shortages:
        return []
    text = "; ".join(
        _("%(sku)s: %(available)s available, %(needed)s needed") % s for s in shortages
    )
    return [
        Problem(
            "insufficient_stock",
            _("Not enough stock. %(detail)s") % {"detail": text},
            params={"shortages": shortages},
        )
    ]


@dataclass(frozen=True)
class Split:
    prepaid: Decimal
    rebate: Decimal
    credit: Decimal


def payment_split(
    *,
    amount: Decimal,
    prepaid_balance: Decimal,
    rebate_balance: Decimal,
    use_rebate: bool,
    rebate_cap_pct: Decimal,
) -> Split:
    """Prepaid balance first, then the rebate balance if the buyer asks — never more than
    the cap's share of the order (rounded down to the cent) — then credit."""
    prepaid = min(max(prepaid_balance, ZERO), amount)
    rebate = ZERO
    if use_rebate:
        cap = (amount * rebate_cap_pct / 100).quantize(CENT, rounding=ROUND_DOWN)
        rebate = min(max(rebate_balance, ZERO), cap, amount - prepaid)
    return Split(money(prepaid), money(rebate), money(amount - prepaid - rebate))


@dataclass(frozen=True)
class Hold:
    code: str
    params: dict[str, Any]

    @property
    def label(self) -> str:
        return str(HoldReason(self.code).label)


def policy_for(seller: Org) -> ApprovalRule:
    """The seller's approval rule, or the defaults (an unsaved row) when it has none."""
    return ApprovalRule.objects.filter(seller=seller).first() or ApprovalRule(seller=seller)


def is_first_order(order: Order) -> bool:
    placed = Order.objects.filter(
        buyer_id=order.buyer_id, seller_id=order.seller_id, status__in=ACCEPTED_STATUSES
    )
    if order.pk:
        placed = placed.exclude(pk=order.pk)
    return not placed.exists()


def _decision(position: Position | None, amount: Decimal) -> CreditDecision:
    if position is not None and position.pk:
        return credit_check(position=position, amount=amount)
    # no position yet: no limit, no balances, nothing overdue (pay before shipment)
    return CreditDecision(
        outcome=Outcome.REFUSE if amount > 0 else Outcome.OK,
        amount=amount,
        credit_limit=ZERO,
        temporary=ZERO,
        exposure=ZERO,
        available=ZERO,
        overdue_amount=ZERO,
        max_days_overdue=0,
        reasons=["over_limit"] if amount > 0 else [],
    )


def credit_numbers(decision: CreditDecision) -> dict[str, Any]:
    return {
        "limit": str(decision.credit_limit),
        "temporary": str(decision.temporary),
        "exposure": str(decision.exposure),
        "available": str(decision.available),
        "amount": str(decision.amount),
        "available_after": str(decision.available - decision.amount),
        "overdue_amount": str(decision.overdue_amount),
        "days_overdue": decision.max_days_overdue,
    }


def credit_refusal(decision: CreditDecision) -> str:
    return _(
        "Credit check: limit %(limit)s + temporary %(temporary)s − exposure %(exposure)s = "
        "available %(available)s; this order needs %(amount)s on credit; overdue "
        "%(overdue_amount)s (%(days_overdue)s days)."
    ) % credit_numbers(decision)


@dataclass
class CreditOutcome:
    decision: CreditDecision
    holds: list[Hold] = field(default_factory=list)
    warnings: list[Hold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def judge_credit(
    *,
    position: Position | None,
    credit: Decimal,
    policy: ApprovalRule,
    approving: bool = False,
) -> CreditOutcome:
    """The credit part of the rules. Over the limit: a hold when the seller's credit-hold step
    is on (the order waits until the buyer pays or gets more credit), else a refusal with the
    numbers — and always a refusal at approval, which cannot exceed the limit. Overdue:
    finance's mode for this buyer decides — block refuses; hold holds while the overdue step
    is on (an approver may release it), and only warns when the seller switched it off;
    warn warns. Nothing on credit: the limit does not matter, overdue does."""
    decision = _decision(position, credit)
    outcome = CreditOutcome(decision)
    numbers = credit_numbers(decision)
    if "over_limit" in decision.reasons and credit > 0:
        if policy.credit_hold_enabled and not approving:
            outcome.holds.append(Hold(HoldReason.CREDIT, numbers))
        else:
            outcome.problems.append(
                Problem("credit_refused", credit_refusal(decision), params=numbers)
            )
    if "overdue" in decision.reasons:
        mode = position.overdue_mode if position is not None else OverdueMode.WARN
        if mode == OverdueMode.BLOCK:
            outcome.problems.append(
                Problem("credit_refused", credit_refusal(decision), params=numbers)
            )
        elif mode == OverdueMode.HOLD and policy.overdue_enabled and not approving:
            outcome.holds.append(Hold(HoldReason.OVERDUE, numbers))
        else:
            outcome.warnings.append(Hold(HoldReason.OVERDUE, numbers))
    return outcome


@dataclass
class Evaluation:
    """Everything the buyer sees before submitting, and what submit stores."""

    lines: list[PricedLine]
    list_amount: Decimal
    gross_amount: Decimal
    adjustment_amount: Decimal
    amount: Decimal
    split: Split
    credit: CreditDecision
    holds: list[Hold]
    warnings: list[Hold]
    problems: list[Problem]
    warehouse: Warehouse | None
    uses: list[Use] = field(default_factory=list)  # what submit consumes of promotions
    promotion_notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def discount_amount(self) -> Decimal:
        return self.list_amount - self.gross_amount

    @property
    def discount_pct(self) -> Decimal:
        if not self.list_amount:
            return ZERO
        return (self.discount_amount * 100 / self.list_amount).quantize(CENT)

    @property
    def available_credit_after(self) -> Decimal:
        return self.credit.available - self.split.credit

    @property
    def can_submit(self) -> bool:
        return not self.problems


def _rule_holds(order: Order, ev_amount: Decimal, pct: Decimal, policy: ApprovalRule) -> list[Hold]:
    holds: list[Hold] = []
    threshold = policy.amount_threshold
    if policy.amount_enabled and threshold is not None and ev_amount > threshold:
        holds.append(
            Hold(HoldReason.AMOUNT, {"amount": str(ev_amount), "threshold": str(threshold)})
        )
    limit = policy.discount_threshold_pct
    if policy.discount_enabled and limit is not None and pct > limit:
        holds.append(Hold(HoldReason.DISCOUNT, {"discount_pct": str(pct), "threshold": str(limit)}))
    if policy.first_order_enabled and is_first_order(order):
        holds.append(Hold(HoldReason.FIRST_ORDER, {}))
    return holds


def evaluate(
    *,
    order: Order,
    promoted: Promoted,
    position: Position | None,
    policy: ApprovalRule,
    warehouse: Warehouse | None,
) -> Evaluation:
    """Totals, payment split, credit, stock and the approval rule for priced lines."""
    lines = promoted.lines
    problems = mark_stock(lines, warehouse) if lines else []
    list_amount = sum((line.list_amount for line in lines), ZERO)
    gross = sum((line.gross_amount for line in lines), ZERO)
    adjustments = sum((line.adjustment_amount for line in lines), ZERO)
    amount = sum((line.amount for line in lines), ZERO)
    split = payment_split(
        amount=amount,
        prepaid_balance=position.prepaid_balance if position is not None else ZERO,
        rebate_balance=position.rebate_balance if position is not None else ZERO,
        use_rebate=order.use_rebate,
        rebate_cap_pct=policy.rebate_cap_pct,
    )
    credit = judge_credit(position=position, credit=split.credit, policy=policy)
    ev = Evaluation(
        lines=lines,
        list_amount=list_amount,
        gross_amount=gross,
        adjustment_amount=adjustments,
        amount=amount,
        split=split,
        credit=credit.decision,
        holds=[],
        warnings=credit.warnings,
        problems=problems + credit.problems,
        warehouse=warehouse,
        uses=promoted.uses,
        promotion_notes=promoted.notes,
    )
    ev.holds = _rule_holds(order, amount, ev.discount_pct, policy) + credit.holds
    return ev
