"""Writes of orders. Each service is one transaction: it locks the order first, then the
buyer's finance position, then lets inventory lock its rows (locks.py); checks the
transition (constants.*_PIPELINE) and the actor's right on the right side (buyer: place
orders; seller: approve, ship); calls finance and inventory services — never their tables;
writes the audit row and the outbox event. A refusal raises a DomainError with a stable code
and writes nothing.

The package by sub-domain: `_common` (errors, access, gates, records), `drafts` (create,
update, reorder), `approval` (submit, approve, reject — DESIGN.md §6 steps 2–3), `cancel`
(cancel by either side, complete), `shipping` (ship with serials → stock out + invoice),
`receipts` (the buyer's receipt with discrepancies, the scheduled auto-confirm and
auto-complete), `returns` (request, approve / reject, send, receive → credit note; exchanges)
and `rules` (a seller's approval rule).

Events: order.created / order.updated (drafts), order.submitted, order.held (pending
approval, with reasons), order.approved, order.rejected, order.cancelled, order.shipped,
receipt.confirmed, order.completed, return.requested, return.approved, return.rejected,
return.cancelled, return.shipped, return.completed, approval_rule.updated. The stock and
money side effects carry their own apps' events (inventory's shipment.posted, finance's
invoice.posted, …) pointing to our documents.
"""

from qudao.orders.engine import LineIn, apply_promotions
from qudao.orders.services._common import (
    LinesRejected,
    OrderAlreadySubmitted,
    OrderNotDraft,
    OrgNotActive,
    PricesChanged,
)
from qudao.orders.services.approval import order_approve, order_reject, order_submit
from qudao.orders.services.cancel import order_cancel, order_cancel_by_seller, order_complete
from qudao.orders.services.drafts import (
    ReorderResult,
    order_draft_create,
    order_draft_update,
    order_reorder,
)
from qudao.orders.services.group_buys import group_buys_settle
from qudao.orders.services.receipts import (
    ReceiptLine,
    orders_auto_complete,
    receipt_confirm,
    receipts_auto_confirm,
)
from qudao.orders.services.returns import (
    ReturnLineIn,
    return_approve,
    return_cancel,
    return_receive,
    return_reject,
    return_request,
    return_send,
)
from qudao.orders.services.rules import approval_rule_set
from qudao.orders.services.shipping import ShipLine, shipment_post

__all__ = [
    "LineIn",
    "LinesRejected",
    "OrderAlreadySubmitted",
    "OrderNotDraft",
    "OrgNotActive",
    "PricesChanged",
    "ReceiptLine",
    "ReorderResult",
    "ReturnLineIn",
    "ShipLine",
    "apply_promotions",
    "approval_rule_set",
    "order_approve",
    "order_cancel",
    "order_cancel_by_seller",
    "order_complete",
    "group_buys_settle",
    "order_draft_create",
    "order_draft_update",
    "order_reject",
    "order_reorder",
    "order_submit",
    "orders_auto_complete",
    "receipt_confirm",
    "receipts_auto_confirm",
    "return_approve",
    "return_cancel",
    "return_receive",
    "return_reject",
    "return_request",
    "return_send",
    "shipment_post",
]
