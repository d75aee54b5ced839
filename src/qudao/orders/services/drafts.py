"""Drafts: a buyer (or someone ordering on its behalf) builds an order from SKU codes and
quantities in sales units; every save prices the lines, so the draft shows its totals. A draft
changes nothing outside itself: no stock is held, no credit is frozen."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import PLACE_ORDERS
from qudao.core.errors import ValidationFailed
from qudao.core.numbering import next_number
from qudao.network.models import Org
from qudao.orders.constants import OrderStatus
from qudao.orders.engine import (
    LineInput,
    PricedLine,
    apply_promotions,
    price_lines,
    resolve_lines,
    skus_by_code,
)
from qudao.orders.locks import lock_order
from qudao.orders.models import LineAdjustment, Order, OrderLine
from qudao.orders.services._common import (
    LinesRejected,
    OrderNotDraft,
    raise_problems,
    record,
    require_on,
    require_place,
    require_trading,
)
from qudao.promotions.selectors import normalize_code

MAX_COUPONS = 5


def clean_coupon_codes(codes: Sequence[str] | None) -> list[str]:
    """Codes as the promotions app keeps them (trimmed, upper case), each once, at most
    MAX_COUPONS; the engine uses the best one for the buyer."""
    found: list[str] = []
    for code in codes or ():
        clean = normalize_code(str(code))[:40]
        if clean and clean not in found:
            found.append(clean)
    if len(found) > MAX_COUPONS:
        text = _("At most %(n)s coupon codes per order.") % {"n": MAX_COUPONS}
        raise ValidationFailed(text, code="too_many_coupons", fields={"coupon_codes": [text]})
    return found


def priced_from_input(*, order: Order, lines: Sequence[LineInput]) -> list[PricedLine]:
    """Lines as entered, resolved, priced and through the promotions step (free goods
    added at the end), or LinesRejected with every problem. The order keeps the notes."""
    resolved, problems = resolve_lines(lines, skus_by_code(lines))
    priced, unsold = price_lines(seller=order.seller, buyer=order.buyer, lines=resolved)
    raise_problems(problems + unsold)
    promoted = apply_promotions(order, priced)
    order.promotion_notes = promoted.notes
    return promoted.lines


def paid_input(order: Order) -> list[LineInput]:
    """A draft's own lines as entered (free goods come from the promotions, not the buyer)."""
    return [
        (row.sku.code, row.unit_qty, row.unit)
        for row in order.lines.select_related("sku").order_by("line_no")
        if row.gift_promotion_id is None
    ]


def line_values(line: PricedLine) -> dict[str, Any]:
    """The stored fields of a priced line."""
    return {
        "unit_price": line.unit_price,
        "list_price": line.list_price,
        "price_list_id": line.price_list_id,
        "price_source": line.price_source,
        "list_amount": line.list_amount,
        "gross_amount": line.gross_amount,
        "adjustment_amount": line.adjustment_amount,
        "amount": line.amount,
    }


PRICE_FIELDS = [
    "unit_price",
    "list_price",
    "price_list",
    "price_source",
    "list_amount",
    "gross_amount",
    "adjustment_amount",
    "amount",
]


def write_adjustments(rows: Sequence[tuple[OrderLine, PricedLine]]) -> None:
    LineAdjustment.objects.filter(line__in=[row for row, _p in rows]).delete()
    LineAdjustment.objects.bulk_create(
        [
            LineAdjustment(
                line=row,
                source=a.source,
                source_id=a.source_id,
                label=a.label[:200],
                amount=a.amount,
            )
            for row, priced in rows
            for a in priced.adjustments
        ]
    )


def write_lines(order: Order, lines: Sequence[PricedLine]) -> list[OrderLine]:
    """Replace a draft's lines with these (numbered in the order given)."""
    order.lines.all().delete()
    rows = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                line_no=n,
                sku=line.sku,
                unit=line.unit,
                unit_qty=line.unit_qty,
                unit_factor=line.unit_factor,
                qty=line.qty,
                gift_promotion_id=line.gift_promotion_id,
                **line_values(line),
            )
            for n, line in enumerate(lines, start=1)
        ]
    )
    write_adjustments(list(zip(rows, lines, strict=True)))
    return rows


def set_totals(order: Order, lines: Sequence[PricedLine]) -> None:
    zero = order.amount * 0
    order.list_amount = sum((line.list_amount for line in lines), zero)
    gross = sum((line.gross_amount for line in lines), zero)
    order.discount_amount = order.list_amount - gross
    order.adjustment_amount = sum((line.adjustment_amount for line in lines), zero)
    order.amount = sum((line.amount for line in lines), zero)


TOTAL_FIELDS = [
    "list_amount",
    "discount_amount",
    "adjustment_amount",
    "amount",
    "promotion_notes",
]


@transaction.atomic
def order_draft_create(
    *,
    actor: Any,
    buyer: Org,
    seller: Org,
    lines: Sequence[LineInput],
    note: str = "",
    use_rebate: bool = False,
    coupon_codes: Sequence[str] | None = None,
) -> Order:
    """A draft order of the buyer from the seller, its lines priced for the buyer now (with
    the promotions it gets, and the coupon codes entered).
    Refused as a whole (nothing written) with every bad line named: unknown SKU codes,
    quantities that are not whole numbers above 0, unknown sales units, SKUs the seller does
    not offer this buyer; and when the buyer may not order (suspended, closed) or does not
    buy from the seller."""
    on_behalf = require_place(actor, buyer)
    fresh = Org.objects.in_bulk([buyer.pk, seller.pk])  # the gates read the rows as they are
    buyer, seller = fresh[buyer.pk], fresh[seller.pk]
    require_trading(buyer, seller)
    order = Order(
        buyer=buyer,
        seller=seller,
        placed_by=actor if getattr(actor, "pk", None) else None,
        on_behalf=on_behalf,
        note=(note or "").strip()[:500],
        use_rebate=bool(use_rebate),
        coupon_codes=clean_coupon_codes(coupon_codes),
        placed_at=timezone.now(),
    )
    priced = priced_from_input(order=order, lines=lines)
    order.number = next_number("SO")
    set_totals(order, priced)
    order.save()
    write_lines(order, priced)
    record(
        actor=actor,
        action="order.created",
        order=order,
        changes={
            "status": [None, order.status],
            "lines": [None, [[p.sku.code, p.qty] for p in priced]],
            "amount": [None, str(order.amount)],
            "on_behalf": [None, on_behalf],
        },
        topic="order.created",
    )
    return order


@transaction.atomic
def order_draft_update(
    *,
    actor: Any,
    order: Order,
    lines: Sequence[LineInput] | None = None,
    note: str | None = None,
    use_rebate: bool | None = None,
    coupon_codes: Sequence[str] | None = None,
) -> Order:
    """Change a draft: its lines (all of them, as entered — priced again now), its note,
    whether to deduct from the rebate balance, its coupon codes (the lines are priced again
    with them). Only drafts change this way."""
    order = lock_order(order)
    require_on(actor, order, PLACE_ORDERS, order.buyer)
    if order.status != OrderStatus.DRAFT:
        raise OrderNotDraft
    changes: dict[str, Any] = {}
    fields: list[str] = []
    if coupon_codes is not None:
        codes = clean_coupon_codes(coupon_codes)
        if codes != order.coupon_codes:
            changes["coupon_codes"] = [order.coupon_codes, codes]
            order.coupon_codes = codes
            fields.append("coupon_codes")
            if lines is None:
                lines = paid_input(order)
    if lines is not None:
        require_trading(order.buyer, order.seller)
        before = [[row.sku.code, row.qty] for row in order.lines.select_related("sku")]
        priced = priced_from_input(order=order, lines=lines)
        write_lines(order, priced)
        old_amount = order.amount
        set_totals(order, priced)
        changes["lines"] = [before, [[p.sku.code, p.qty] for p in priced]]
        changes["amount"] = [str(old_amount), str(order.amount)]
        fields += TOTAL_FIELDS
    if note is not None and note.strip()[:500] != order.note:
        changes["note"] = [order.note, note.strip()[:500]]
        order.note = note.strip()[:500]
        fields.append("note")
    if use_rebate is not None and bool(use_rebate) != order.use_rebate:
        changes["use_rebate"] = [order.use_rebate, bool(use_rebate)]
        order.use_rebate = bool(use_rebate)
        fields.append("use_rebate")
    if fields:
        order.save(update_fields=[*fields, "updated_at"])
        record(
            actor=actor, action="order.updated", order=order, changes=changes, topic="order.updated"
        )
    return order


@dataclass
class ReorderResult:
    """The new draft and the SKUs of the past order that are no longer offered."""

    order: Order
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def order_reorder(*, actor: Any, order: Order) -> ReorderResult:
    """A new draft with the lines of a past order (same SKUs, units and quantities) at
    today's prices; SKUs the seller no longer offers the buyer are left out and named."""
    source = Order.objects.select_related("buyer", "seller").get(pk=order.pk)
    require_on(actor, source, PLACE_ORDERS, source.buyer)
    rows = [
        row
        for row in source.lines.select_related("sku__product").order_by("line_no")
        if row.gift_promotion_id is None
    ]
    resolved, _problems = resolve_lines(
        [(row.sku.code, row.unit_qty, row.unit) for row in rows],
        skus_by_code([(row.sku.code, 1) for row in rows]),
    )
    priced, unsold = price_lines(seller=source.seller, buyer=source.buyer, lines=resolved)
    if not priced:
        raise LinesRejected(unsold or _problems)
    draft = order_draft_create(
        actor=actor,
        buyer=source.buyer,
        seller=source.seller,
        lines=[(p.sku.code, p.unit_qty, p.unit) for p in priced],
        note=source.note,
        use_rebate=source.use_rebate,
    )
    record(
        actor=actor,
        action="order.reordered",
        order=draft,
        changes={"from": [None, source.number], "skipped": [None, [p.sku for p in unsold]]},
    )
    return ReorderResult(draft, [p.sku for p in unsold])
