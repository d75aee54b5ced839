"""Submit and approval (DESIGN.md §6 steps 2–3).

Submit, in one transaction: lock the order, then the buyer's finance position; price every
line again (pricing.quote, then the promotions step), total, split the payment (prepaid, then
rebate up to the cap, then credit), check credit, the seller's stock and the seller's approval
rule. It ends approved (the money is taken and the stock held at once), pending approval with
its reasons stored, or refused with a stable code and nothing written.

Approval checks credit again under the position's lock (over the limit or a blocking overdue
refuses; the approver's decision releases holds), then debits the prepaid and rebate parts,
freezes the credit part and reserves the lines at the seller's default warehouse.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import PLACE_ORDERS
from qudao.core.errors import Conflict, check_transition
from qudao.finance import services as finance
from qudao.finance.constants import Account
from qudao.finance.models import Position
from qudao.inventory import services as inventory
from qudao.inventory.models import Warehouse
from qudao.inventory.selectors import warehouse_default_for
from qudao.orders.constants import ORDER_PIPELINE, OrderStatus
from qudao.orders.engine import (
    CreditOutcome,
    Evaluation,
    PricedLine,
    Promoted,
    ResolvedLine,
    apply_promotions,
    credit_numbers,
    evaluate,
    judge_credit,
    payment_split,
    policy_for,
    price_lines,
)
from qudao.orders.locks import lock_order, lock_pair
from qudao.orders.models import Order, OrderHold, OrderLine
from qudao.orders.services._common import (
    OrderAlreadySubmitted,
    PricesChanged,
    finance_doc,
    promotion_doc,
    raise_problems,
    record,
    require_approver,
    require_on,
    require_reason,
    require_trading,
    stock_doc,
)
from qudao.orders.services.drafts import (
    PRICE_FIELDS,
    line_values,
    set_totals,
    write_adjustments,
)
from qudao.promotions import services as promotions

SPLIT_FIELDS = [
    "prepaid_amount",
    "rebate_amount",
    "credit_amount",
    "frozen_amount",
    "prepaid_entry",
    "rebate_entry",
    "warehouse",
    "credit_numbers",
    "warnings",
]


def seller_warehouse(order: Order) -> Warehouse:
    warehouse = warehouse_default_for(org=order.seller)
    if warehouse is None:
        raise Conflict(_("The seller has no warehouse to ship from."), code="seller_no_warehouse")
    return warehouse


def hold_goods_and_money(
    *,
    actor: Any,
    order: Order,
    position: Position,
    lines: Sequence[OrderLine],
    checked: Evaluation | None = None,
) -> None:
    """What approval does (automatic or by an approver), with the position locked: the split
    again on the balances as they are now, the credit check again (refusals raise), then the
    prepaid and rebate debits, the credit freeze and the stock reservation. An automatic
    approval passes the submit's evaluation, made under the same lock a moment before."""
    if checked is not None:
        split = checked.split
        credit = CreditOutcome(checked.credit, warnings=checked.warnings)
    else:
        policy = policy_for(order.seller)
        split = payment_split(
            amount=order.amount,
            prepaid_balance=position.prepaid_balance,
            rebate_balance=position.rebate_balance,
            use_rebate=order.use_rebate,
            rebate_cap_pct=policy.rebate_cap_pct,
        )
        credit = judge_credit(position=position, credit=split.credit, policy=policy, approving=True)
        raise_problems(credit.problems)
    warehouse = order.warehouse or seller_warehouse(order)
    doc = finance_doc(order)
    common = {"actor": actor, "buyer": order.buyer, "seller": order.seller, "doc": doc}
    if split.prepaid > 0:
        order.prepaid_entry = finance.balance_debit(
            account=Account.PREPAID, amount=split.prepaid, **common
        )
    if split.rebate > 0:
        order.rebate_entry = finance.balance_debit(
            account=Account.REBATE, amount=split.rebate, **common
        )
    if split.credit > 0:
        finance.credit_freeze(amount=split.credit, approved=True, **common)
    inventory.stock_reserve(
        actor=actor,
        warehouse=warehouse,
        lines=[inventory.Line(line.sku, line.qty, (), str(line.pk)) for line in lines],
        doc=stock_doc(order),
    )
    order.prepaid_amount, order.rebate_amount, order.credit_amount = (
        split.prepaid,
        split.rebate,
        split.credit,
    )
    order.frozen_amount = split.credit
    order.warehouse = warehouse
    order.credit_numbers = credit_numbers(credit.decision)
    order.warnings = [{"code": w.code, "params": w.params} for w in credit.warnings]


def _changed_prices(
    rows: Sequence[OrderLine], priced: Sequence[PricedLine]
) -> list[dict[str, Any]]:
    """The lines whose price moved since the draft: the unit price (price lists), else the
    net amount (a promotion started, ended or ran out)."""
    changed = []
    for row, line in zip(rows, priced, strict=True):
        if row.unit_price != line.unit_price:
            changed.append(
                {"sku": row.sku.code, "old": str(row.unit_price), "new": str(line.unit_price)}
            )
        elif row.amount != line.amount:
            changed.append({"sku": row.sku.code, "old": str(row.amount), "new": str(line.amount)})
    return changed


def _reprice(order: Order, rows: Sequence[OrderLine], accept: bool) -> Promoted:
    """The draft's own lines priced again now, through the promotions step (free goods
    follow); a moved price is refused unless the buyer accepted it."""
    resolved = [ResolvedLine(r.sku, r.unit, r.unit_qty, r.unit_factor, r.qty) for r in rows]
    priced, problems = price_lines(seller=order.seller, buyer=order.buyer, lines=resolved)
    raise_problems(problems)
    promoted = apply_promotions(order, priced)
    changed = _changed_prices(rows, priced)
    if changed and not accept:
        raise PricesChanged(changed)
    return promoted


def _store(
    order: Order, rows: Sequence[OrderLine], gifts: Sequence[OrderLine], ev: Evaluation
) -> list[OrderLine]:
    """The lines as priced now; returns them all, free goods last. Most drafts are
    submitted at the prices they were saved with: only lines whose numbers moved are
    written (a 30-line UPDATE … CASE costs more than the rest of the submit's own writes);
    free goods are written again only when they differ from the draft's."""
    paid = ev.lines[: len(rows)]
    moved = []
    for row, line in zip(rows, paid, strict=True):
        values = line_values(line)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            moved.append(row)
    if moved:
        OrderLine.objects.bulk_update(moved, PRICE_FIELDS)
    if order.adjustment_amount or any(line.adjustments for line in paid):
        write_adjustments(list(zip(rows, paid, strict=True)))
    free = ev.lines[len(rows) :]
    wanted = [(g.sku.pk, g.qty, g.list_price, g.gift_promotion_id) for g in free]
    if wanted != [(g.sku_id, g.qty, g.list_price, g.gift_promotion_id) for g in gifts]:
        OrderLine.objects.filter(pk__in=[g.pk for g in gifts]).delete()
        gifts = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    line_no=len(rows) + n,
                    sku=line.sku,
                    unit=line.unit,
                    unit_qty=line.unit_qty,
                    unit_factor=line.unit_factor,
                    qty=line.qty,
                    gift_promotion_id=line.gift_promotion_id,
                    **line_values(line),
                )
                for n, line in enumerate(free, start=1)
            ]
        )
    order.promotion_notes = ev.promotion_notes
    set_totals(order, ev.lines)
    order.prepaid_amount = ev.split.prepaid
    order.rebate_amount = ev.split.rebate
    order.credit_amount = ev.split.credit
    order.credit_numbers = credit_numbers(ev.credit)
    order.warnings = [{"code": w.code, "params": w.params} for w in ev.warnings]
    return [*rows, *gifts]


@transaction.atomic
def order_submit(*, actor: Any, order: Order, accept_price_changes: bool = False) -> Order:
    """Submit a draft (DESIGN.md §6 step 2). A submitted order submits once: again, it is
    refused with `already_submitted` and nothing changes. Prices are taken again now; when
    they differ from the draft's, `prices_changed` lists them unless the buyer accepted them.
    Refusals, nothing written: the lines' codes, `buyer_not_active`, `insufficient_stock`,
    `credit_refused` (with limit, exposure and this order's credit)."""
    order = lock_order(order)
    require_on(actor, order, PLACE_ORDERS, order.buyer)
    if order.status != OrderStatus.DRAFT:
        raise OrderAlreadySubmitted(status=OrderStatus(order.status).label)
    require_trading(order.buyer, order.seller)
    position = lock_pair(order)
    every = list(order.lines.select_related("sku__product").order_by("line_no"))
    rows = [row for row in every if row.gift_promotion_id is None]
    promoted = _reprice(order, rows, accept_price_changes)
    warehouse = warehouse_default_for(org=order.seller)
    ev = evaluate(
        order=order,
        promoted=promoted,
        position=position,
        policy=policy_for(order.seller),
        warehouse=warehouse,
    )
    raise_problems(ev.problems)
    rows = _store(order, rows, [row for row in every if row.gift_promotion_id], ev)
    if ev.uses:  # after the position's lock, before inventory's (orders/locks.py)
        promotions.promotions_consume(
            actor=actor,
            seller=order.seller,
            buyer=order.buyer,
            uses=ev.uses,
            doc=promotion_doc(order),
        )
    now = timezone.now()
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.SUBMITTED)
    order.status, order.submitted_at, order.placed_at = OrderStatus.SUBMITTED, now, now
    record(
        actor=actor,
        action="order.submitted",
        order=order,
        changes={
            "status": [OrderStatus.DRAFT, OrderStatus.SUBMITTED],
            "amount": [None, str(order.amount)],
        },
        topic="order.submitted",
    )
    if ev.holds:
        check_transition(ORDER_PIPELINE, order.status, OrderStatus.PENDING_APPROVAL)
        order.status = OrderStatus.PENDING_APPROVAL
        OrderHold.objects.bulk_create(
            [OrderHold(order=order, code=h.code, params=h.params) for h in ev.holds]
        )
        order.save()
        record(
            actor=actor,
            action="order.held",
            order=order,
            changes={
                "status": [OrderStatus.SUBMITTED, OrderStatus.PENDING_APPROVAL],
                "reasons": [None, [h.code for h in ev.holds]],
            },
            topic="order.held",
            payload={"reasons": [h.code for h in ev.holds]},
        )
        return order
    order.warehouse = warehouse
    hold_goods_and_money(actor=actor, order=order, position=position, lines=rows, checked=ev)
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.APPROVED)
    order.status, order.decided_at = OrderStatus.APPROVED, now
    order.save()
    record(
        actor=actor,
        action="order.approved",
        order=order,
        changes={
            "status": [OrderStatus.SUBMITTED, OrderStatus.APPROVED],
            "automatic": [None, True],
        },
        topic="order.approved",
        payload={"automatic": True},
    )
    return order


@transaction.atomic
def order_approve(*, actor: Any, order: Order, comment: str = "") -> Order:
    """An approver of the seller releases a held order: credit is checked again (over the
    limit or a blocking overdue is refused with the numbers; holds are the approver's to
    release), then money is taken and stock reserved — or `insufficient_stock`."""
    order = lock_order(order)
    require_approver(actor, order)
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.APPROVED)
    require_trading(order.buyer, order.seller)
    position = lock_pair(order)
    rows = list(order.lines.select_related("sku").order_by("line_no"))
    hold_goods_and_money(actor=actor, order=order, position=position, lines=rows)
    before = order.status
    order.status = OrderStatus.APPROVED
    order.decided_at, order.decided_by = timezone.now(), actor
    order.decision_comment = (comment or "").strip()[:500]
    order.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decision_comment",
            *SPLIT_FIELDS,
            "updated_at",
        ]
    )
    record(
        actor=actor,
        action="order.approved",
        order=order,
        changes={
            "status": [before, OrderStatus.APPROVED],
            "comment": [None, order.decision_comment],
            "prepaid": [None, str(order.prepaid_amount)],
            "rebate": [None, str(order.rebate_amount)],
            "credit": [None, str(order.credit_amount)],
        },
        topic="order.approved",
        payload={"automatic": False},
    )
    return order


@transaction.atomic
def order_reject(*, actor: Any, order: Order, comment: str) -> Order:
    """An approver of the seller turns a held order down, with a comment for the buyer.
    A held order holds no stock and no money; what it consumed of promotions is given back."""
    order = lock_order(order)
    require_approver(actor, order)
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.REJECTED)
    text = require_reason(comment, "comment")
    before = order.status
    promotions.promotions_release(actor=actor, doc=promotion_doc(order))
    order.status = OrderStatus.REJECTED
    order.decided_at, order.decided_by, order.decision_comment = timezone.now(), actor, text
    order.save(
        update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"]
    )
    record(
        actor=actor,
        action="order.rejected",
        order=order,
        changes={"status": [before, OrderStatus.REJECTED], "comment": [None, text]},
        topic="order.rejected",
        payload={"comment": text},
    )
    return order
