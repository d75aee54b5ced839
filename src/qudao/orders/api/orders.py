"""Orders: the list with filters, drafts, the preview, submit, approval and rejection,
cancelling, completing and reordering; the approvers' inbox and the sellers' approval rules."""

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.accounts.constants import APPROVE_ORDERS, MANAGE_ORDER_RULES, PLACE_ORDERS
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network import scope
from qudao.network.models import Org
from qudao.network.selectors import default_seller, org_get
from qudao.orders import selectors, services
from qudao.orders.api._common import SIDES, DetailView, home_org, order_detail
from qudao.orders.constants import OrderStatus
from qudao.orders.engine import LineIn as EngineLine
from qudao.orders.models import ApprovalRule, Order
from qudao.orders.schemas import (
    ApprovalOut,
    ApprovalRuleIn,
    ApprovalRuleOut,
    CancelIn,
    CommentIn,
    LineIn,
    OrderCreateIn,
    OrderDetailOut,
    OrderFilters,
    OrderOut,
    OrderUpdateIn,
    PreviewOut,
    ReorderOut,
    SubmitIn,
)

router = Router()


def _lines(lines: list[LineIn]) -> list[EngineLine]:
    return [EngineLine(line.sku_code, line.qty, line.unit) for line in lines]


def _reasons(rows: list[Any]) -> list[dict[str, Any]]:
    return [{"code": r.code, "label": r.label, "params": r.params} for r in rows]


def _preview_out(ev: selectors.CartPreview) -> dict[str, Any]:
    numbers = {
        "limit": ev.credit.credit_limit,
        "temporary": ev.credit.temporary,
        "exposure": ev.credit.exposure,
        "available": ev.credit.available,
        "available_after": ev.available_credit_after,
        "overdue_amount": ev.credit.overdue_amount,
        "days_overdue": ev.credit.max_days_overdue,
    }
    return {
        "lines": [
            {
                "sku_code": line.sku.code,
                "sku_name": line.sku.name,
                "unit": line.unit,
                "unit_qty": line.unit_qty,
                "qty": line.qty,
                "unit_price": line.unit_price,
                "list_price": line.list_price,
                "previous_price": line.previous_price,
                "price_changed": line.price_changed,
                "price_source": line.price_source,
                "list_amount": line.list_amount,
                "gross_amount": line.gross_amount,
                "adjustment_amount": line.adjustment_amount,
                "amount": line.amount,
                "stock_state": line.stock_state,
                "adjustments": line.adjustments,
                "notes": line.notes,
                "gift_promotion_id": line.gift_promotion_id,
            }
            for line in ev.lines
        ],
        "promotion_notes": ev.promotion_notes,
        "list_amount": ev.list_amount,
        "discount_amount": ev.discount_amount,
        "discount_pct": ev.discount_pct,
        "adjustment_amount": ev.adjustment_amount,
        "amount": ev.amount,
        "payment": {
            "prepaid": ev.split.prepaid,
            "rebate": ev.split.rebate,
            "credit": ev.split.credit,
        },
        "credit": numbers,
        "holds": _reasons(ev.holds),
        "warnings": _reasons(ev.warnings),
        # a shortage names the seller's SKU and the units asked; the seller's numbers stay
        # with the seller (the lines say in stock / low / out)
        "problems": [
            {
                "code": p.code,
                "message": p.message,
                "sku": p.sku,
                "params": {} if p.code == "insufficient_stock" else p.params,
            }
            for p in ev.problems
        ],
        "can_submit": ev.can_submit,
    }


def _trading(actor: Any, buyer_id: int | None, seller_id: int | None) -> tuple[Org, Org]:
    """The buyer (in the actor's scope; the actor's own org when left out) and the seller
    (its default seller when left out; refused by the service unless it sells to the
    buyer)."""
    buyer = (
        home_org(actor, PLACE_ORDERS) if buyer_id is None else org_get(actor=actor, org_id=buyer_id)
    )
    seller = (
        default_seller(org=buyer) if seller_id is None else Org.objects.filter(pk=seller_id).first()
    )
    if seller is None:
        raise NotFound
    return buyer, seller


# --- orders ---------------------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut])
@paginate(PageNumberPagination)
def order_list(request: ApiRequest, filters: Query[OrderFilters]) -> QuerySet[Order]:
    """Orders of both sides the actor sees, newest first. One query per page whatever its
    length (plus the count)."""
    actor = request.auth
    sku_id = None
    if filters.sku:
        sku = sku_map_by_codes([filters.sku]).get(filters.sku.strip())
        if sku is None:
            return Order.objects.none()
        sku_id = sku.pk
    return selectors.order_list_for_actor(
        actor=actor,
        side=SIDES[filters.side],
        status=filters.status or "",
        since=filters.since,
        until=filters.until,
        buyer_id=filters.buyer,
        seller_id=filters.seller,
        sku_id=sku_id,
        q=filters.q,
    )


@router.post("/orders", response={201: OrderDetailOut})
def order_create(request: ApiRequest, payload: OrderCreateIn) -> Status[DetailView]:
    """A draft, priced for the buyer now; for a buyer other than the actor's own org it is
    placed on the buyer's behalf (代客下单, recorded as such)."""
    buyer, seller = _trading(request.auth, payload.buyer_id, payload.seller_id)
    order = services.order_draft_create(
        actor=request.auth,
        buyer=buyer,
        seller=seller,
        lines=_lines(payload.lines),
        note=payload.note,
        use_rebate=payload.use_rebate,
        coupon_codes=payload.coupon_codes,
    )
    return Status(201, order_detail(request.auth, order.pk))


@router.post("/orders/preview", response=PreviewOut)
def cart_preview(request: ApiRequest, payload: OrderCreateIn) -> dict[str, Any]:
    """What these lines would be as an order submitted now (nothing is written)."""
    buyer, seller = _trading(request.auth, payload.buyer_id, payload.seller_id)
    ev = selectors.cart_preview(
        actor=request.auth,
        buyer=buyer,
        seller=seller,
        lines=_lines(payload.lines),
        use_rebate=payload.use_rebate,
    )
    return _preview_out(ev)


@router.get("/orders/{order_id}", response=OrderDetailOut)
def order_get(request: ApiRequest, order_id: int) -> DetailView:
    """An order with its lines, approval reasons, shipments, returns, timeline and the
    actions the actor may take next."""
    return order_detail(request.auth, order_id)


@router.patch("/orders/{order_id}", response=OrderDetailOut)
def order_update(request: ApiRequest, order_id: int, payload: OrderUpdateIn) -> DetailView:
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    services.order_draft_update(
        actor=request.auth,
        order=order,
        lines=None if payload.lines is None else _lines(payload.lines),
        note=payload.note,
        use_rebate=payload.use_rebate,
        coupon_codes=payload.coupon_codes,
    )
    return order_detail(request.auth, order_id)


@router.post("/orders/{order_id}/preview", response=PreviewOut)
def order_preview(request: ApiRequest, order_id: int) -> dict[str, Any]:
    """A draft as it would be submitted now: priced lines (a changed price shows its
    previous one), totals, the payment split, the available credit after the order, hold
    reasons and refusals. Nothing is written."""
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    return _preview_out(selectors.order_preview(actor=request.auth, order=order))


@router.post("/orders/{order_id}/submit", response=OrderDetailOut)
def order_submit(request: ApiRequest, order_id: int, payload: SubmitIn) -> DetailView:
    """Approved at once, or pending approval with its reasons, or refused with a stable code
    and nothing written. A second submit is refused with `already_submitted`."""
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    services.order_submit(
        actor=request.auth, order=order, accept_price_changes=payload.accept_price_changes
    )
    return order_detail(request.auth, order_id)


@router.post("/orders/{order_id}/approve", response=OrderDetailOut)
def order_approve(request: ApiRequest, order_id: int, payload: CommentIn) -> DetailView:
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    services.order_approve(actor=request.auth, order=order, comment=payload.comment)
    return order_detail(request.auth, order_id)


@router.post("/orders/{order_id}/reject", response=OrderDetailOut)
def order_reject(request: ApiRequest, order_id: int, payload: CommentIn) -> DetailView:
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    services.order_reject(actor=request.auth, order=order, comment=payload.comment)
    return order_detail(request.auth, order_id)


@router.post("/orders/{order_id}/cancel", response=OrderDetailOut)
def order_cancel(request: ApiRequest, order_id: int, payload: CancelIn) -> DetailView:
    """The buyer cancels before shipment; the seller's approvers cancel with a reason."""
    actor = request.auth
    order = selectors.order_get(actor=actor, order_id=order_id)
    by = payload.by
    if by is None:
        seller_side = scope.can(actor, APPROVE_ORDERS, order.seller)
        by = "seller" if seller_side and order.status != OrderStatus.DRAFT else "buyer"
    cancel = services.order_cancel_by_seller if by == "seller" else services.order_cancel
    cancel(actor=actor, order=order, reason=payload.reason)
    return order_detail(actor, order_id)


@router.post("/orders/{order_id}/complete", response=OrderDetailOut)
def order_complete(request: ApiRequest, order_id: int) -> DetailView:
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    services.order_complete(actor=request.auth, order=order)
    return order_detail(request.auth, order_id)


@router.post("/orders/{order_id}/reorder", response={201: ReorderOut})
def order_reorder(request: ApiRequest, order_id: int) -> Status[dict[str, Any]]:
    """A new draft with the past order's lines at today's prices; SKUs no longer offered
    are left out and named in `skipped`."""
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    result = services.order_reorder(actor=request.auth, order=order)
    return Status(
        201, {"order": order_detail(request.auth, result.order.pk), "skipped": result.skipped}
    )


# --- approvals ------------------------------------------------------------------------------


@router.get("/approvals", response=list[ApprovalOut])
@paginate(PageNumberPagination)
def approval_inbox(request: ApiRequest) -> QuerySet[Order]:
    """Orders waiting for the actor's approval, oldest first, with their reasons and the
    credit numbers of the check at submit."""
    if not scope.has_any(request.auth, APPROVE_ORDERS):
        raise PermissionDenied
    return selectors.approval_inbox(actor=request.auth)


@router.get("/approval-rules/{seller_id}", response=ApprovalRuleOut)
def approval_rule_get(request: ApiRequest, seller_id: int) -> ApprovalRule:
    """The seller's approval rule (the defaults until it sets one)."""
    seller = org_get(actor=request.auth, org_id=seller_id)
    if not (
        scope.can(request.auth, MANAGE_ORDER_RULES, seller)
        or scope.can(request.auth, APPROVE_ORDERS, seller)
    ):
        raise PermissionDenied
    return selectors.approval_rule_for(seller=seller)


@router.put("/approval-rules/{seller_id}", response=ApprovalRuleOut)
def approval_rule_set(request: ApiRequest, seller_id: int, payload: ApprovalRuleIn) -> ApprovalRule:
    """Switch the seller's approval steps on or off and set their thresholds; fields left
    out keep their value."""
    seller = org_get(actor=request.auth, org_id=seller_id)
    return services.approval_rule_set(
        actor=request.auth, seller=seller, data=payload.dict(exclude_unset=True)
    )
