"""Choices, pipelines and defaults of orders, shipments and returns (docs/decisions/0008)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# Submit passes through `submitted` inside its transaction (the audit shows it) and ends in
# approved or pending approval. A partial shipment may follow another; cancelling is possible
# until the first shipment, after which goods come back only as returns.
ORDER_PIPELINE: dict[str, set[str]] = {
    OrderStatus.DRAFT: {OrderStatus.SUBMITTED, OrderStatus.CANCELLED},
    OrderStatus.SUBMITTED: {OrderStatus.APPROVED, OrderStatus.PENDING_APPROVAL},
    OrderStatus.PENDING_APPROVAL: {
        OrderStatus.APPROVED,
        OrderStatus.REJECTED,
        OrderStatus.CANCELLED,
    },
    OrderStatus.APPROVED: {
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
    },
    OrderStatus.PARTIALLY_SHIPPED: {OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.COMPLETED},
    OrderStatus.COMPLETED: set(),
    OrderStatus.REJECTED: set(),
    OrderStatus.CANCELLED: set(),
}

# Orders that hold the buyer's money and the seller's stock (approved, not yet all shipped).
OPEN_STATUSES = (OrderStatus.APPROVED, OrderStatus.PARTIALLY_SHIPPED)
# Orders that count as placed with the seller (for "first order of a new dealer").
ACCEPTED_STATUSES = (
    OrderStatus.APPROVED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)
# Orders whose received goods may be returned.
RETURNABLE_STATUSES = (
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


class OrderKind(models.TextChoices):
    STANDARD = "standard", _("Order")
    REPLACEMENT = "replacement", _("Replacement for an exchange")


class HoldReason(models.TextChoices):
    """Why a submitted order waits for an approver (one row per reason, with its numbers)."""

    AMOUNT = "amount_over_threshold", _("Amount over the approval threshold")
    DISCOUNT = "discount_over_threshold", _("Discount over the approval threshold")
    CREDIT = "credit_hold", _("Credit limit exceeded: waits for payment or more credit")
    OVERDUE = "overdue", _("Overdue invoices")
    FIRST_ORDER = "first_order", _("First order of a new buyer")


class StockState(models.TextChoices):
    """What a buyer sees of the seller's stock for a line (never the seller's numbers)."""

    IN_STOCK = "in_stock", _("In stock")
    LOW = "low", _("Low")
    OUT = "out", _("Out of stock")


# Below this many available units (or below the line's quantity) a line shows "low".
LOW_STOCK_UNITS = 10


class ShipmentStatus(models.TextChoices):
    POSTED = "posted", _("On its way")
    RECEIVED = "received", _("Received")


SHIPMENT_PIPELINE: dict[str, set[str]] = {
    ShipmentStatus.POSTED: {ShipmentStatus.RECEIVED},
    ShipmentStatus.RECEIVED: set(),
}


class ReturnKind(models.TextChoices):
    RETURN = "return", _("Return for credit")
    EXCHANGE = "exchange", _("Exchange for the same goods")


class ReturnReason(models.TextChoices):
    DEFECTIVE = "defective", _("Defective")
    DAMAGED = "damaged", _("Damaged in transport")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    SURPLUS = "surplus", _("Surplus stock")
    OTHER = "other", _("Other")


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent back")
    RECEIVED = "received", _("Received and credited")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# A buyer without a warehouse has nothing to send: the seller receives straight from approved.
RETURN_PIPELINE: dict[str, set[str]] = {
    ReturnStatus.REQUESTED: {
        ReturnStatus.APPROVED,
        ReturnStatus.REJECTED,
        ReturnStatus.CANCELLED,
    },
    ReturnStatus.APPROVED: {ReturnStatus.SENT, ReturnStatus.RECEIVED, ReturnStatus.CANCELLED},
    ReturnStatus.SENT: {ReturnStatus.RECEIVED},
    ReturnStatus.RECEIVED: set(),
    ReturnStatus.REJECTED: set(),
    ReturnStatus.CANCELLED: set(),
}
# Returns that still claim quantities of their order lines.
PENDING_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.SENT)

# Defaults of a seller without an ApprovalRule row (BUSINESS-RULES.md "Credit and payment",
# "Orders").
DEFAULT_REBATE_CAP_PCT = Decimal("30.00")
DEFAULT_AUTO_CONFIRM_DAYS = 7
DEFAULT_COMPLETE_AFTER_DAYS = 30

MAX_LINES = 500  # per order; a paste of more is a mistake, not an order
MAX_QTY = 1_000_000  # base units per line

# Document types of the finance and inventory entries an order writes.
DOC_ORDER = "order"
DOC_SHIPMENT = "order_shipment"
DOC_RETURN = "order_return"
