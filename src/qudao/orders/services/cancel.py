"""Cancelling before the first shipment (by the buyer, or by the seller with a reason) and
closing a delivered order. Cancelling an approved order gives back what approval took: the
prepaid and rebate debits are reversed, the frozen credit released, the reservation freed."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS
from qudao.core.errors import NotFound, PermissionDenied, check_transition
from qudao.finance import services as finance
from qudao.inventory import services as inventory
from qudao.network import scope
from qudao.orders.constants import ORDER_PIPELINE, OrderStatus
from qudao.orders.locks import lock_order, lock_pair
from qudao.orders.models import Order
from qudao.orders.services._common import (
    finance_doc,
    promotion_doc,
    record,
    require_approver,
    require_on,
    require_reason,
    stock_doc,
    visible,
)
from qudao.promotions import services as promotions


def give_back(*, actor: Any, order: Order, reason: str) -> None:
    """Undo a submit and its approval (position locked first, then the promotions' rows,
    then inventory): give the promotions back what the order consumed of their budgets and
    coupons; for an approved order also reverse the debits, release the frozen credit, free
    the reservation. Only for an order nothing has shipped of."""
    if order.status == OrderStatus.PENDING_APPROVAL:
        promotions.promotions_release(actor=actor, doc=promotion_doc(order))
    if order.status != OrderStatus.APPROVED:
        return
    lock_pair(order)
    for entry in (order.prepaid_entry, order.rebate_entry):
        if entry is not None:
            finance.entry_reverse(actor=actor, entry=entry, reason=reason)
    if order.frozen_amount > 0:
        finance.credit_release(
            actor=actor,
            buyer=order.buyer,
            seller=order.seller,
            amount=order.frozen_amount,
            doc=finance_doc(order),
        )
        order.frozen_amount = order.frozen_amount * 0
    promotions.promotions_release(actor=actor, doc=promotion_doc(order))
    inventory.stock_release(actor=actor, doc=stock_doc(order))


def cancel(*, actor: Any, order: Order, reason: str, by: str) -> Order:
    """The transition itself, for a locked order (also used for an exchange's replacement)."""
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.CANCELLED)
    before = order.status
    give_back(actor=actor, order=order, reason=reason or _("Order cancelled"))
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancelled_by = actor if getattr(actor, "pk", None) else None
    order.cancel_reason = reason
    order.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
            "frozen_amount",
            "updated_at",
        ]
    )
    record(
        actor=actor,
        action="order.cancelled",
        order=order,
        changes={
            "status": [before, OrderStatus.CANCELLED],
            "reason": [None, reason],
            "by": [None, by],
        },
        topic="order.cancelled",
        payload={"by": by, "reason": reason, "previous": before},
    )
    return order


@transaction.atomic
def order_cancel(*, actor: Any, order: Order, reason: str = "") -> Order:
    """The buyer (or whoever orders for it) cancels before anything has shipped: a draft, a
    held or an approved order."""
    order = lock_order(order)
    require_on(actor, order, PLACE_ORDERS, order.buyer)
    return cancel(actor=actor, order=order, reason=(reason or "").strip()[:500], by="buyer")


@transaction.atomic
def order_cancel_by_seller(*, actor: Any, order: Order, reason: str) -> Order:
    """The seller cancels a held or approved order, with a reason the buyer sees."""
    order = lock_order(order)
    require_approver(actor, order)
    text = require_reason(reason)
    if order.status == OrderStatus.DRAFT:  # a draft is the buyer's own business
        raise NotFound
    return cancel(actor=actor, order=order, reason=text, by="seller")


@transaction.atomic
def order_complete(*, actor: Any, order: Order) -> Order:
    """Close a delivered order (either side; the scheduled task closes them after the
    seller's `complete_after_days`). Returns stay possible on the received quantities."""
    order = lock_order(order)
    if actor is not None:
        if not visible(actor, order):
            raise NotFound
        if not (
            scope.can(actor, APPROVE_ORDERS, order.seller)
            or scope.can(actor, PLACE_ORDERS, order.buyer)
        ):
            raise PermissionDenied
    check_transition(ORDER_PIPELINE, order.status, OrderStatus.COMPLETED)
    order.status, order.completed_at = OrderStatus.COMPLETED, timezone.now()
    order.save(update_fields=["status", "completed_at", "updated_at"])
    record(
        actor=actor,
        action="order.completed",
        order=order,
        changes={"status": [OrderStatus.DELIVERED, OrderStatus.COMPLETED]},
        topic="order.completed",
    )
    return order
