"""Request and response shapes of the orders API. SKUs are named by code in every body; money
goes out as strings with two decimals."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from qudao.core.schemas import DateIn, Id, InputSchema, Int32
from qudao.finance.schemas import Money
from qudao.orders.constants import (
    HoldReason,
    OrderStatus,
    ReturnKind,
    ReturnReason,
    ReturnStatus,
    ShipmentStatus,
)

# --- requests -------------------------------------------------------------------------------


class OrderFilters(Schema):
    """`side`: the actor buying or selling; `buyer`: an org in the actor's scope (its whole
    subtree); `sku`: orders with a line of this SKU code; `since` / `until`: order dates."""

    side: Literal["buyer", "seller"] | None = None
    status: OrderStatus | None = None
    since: DateIn | None = None
    until: DateIn | None = None
    buyer: Id | None = None
    seller: Id | None = None
    sku: str | None = Field(None, max_length=64)
    q: str = Field("", max_length=100)


class LineIn(InputSchema):
    """A SKU and a quantity in a sales unit (the SKU's base unit when `unit` is left out)."""

    sku_code: str = Field(max_length=64)
    qty: Int32
    unit: str = Field("", max_length=8)


class OrderCreateIn(InputSchema):
    """A draft. `buyer_id` left out: the actor's own org; another buyer in the actor's scope
    is an order on its behalf (代客下单). `seller_id` left out: the buyer's default seller."""

    buyer_id: Id | None = None
    seller_id: Id | None = None
    lines: list[LineIn] = Field(max_length=500)
    note: str = Field("", max_length=500)
    use_rebate: bool = False
    coupon_codes: list[str] = Field(default_factory=list, max_length=5)


class OrderUpdateIn(InputSchema):
    """Fields left out keep their value; `lines` replaces all the lines."""

    lines: list[LineIn] | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=500)
    use_rebate: bool | None = None
    coupon_codes: list[str] | None = Field(None, max_length=5)


class SubmitIn(InputSchema):
    accept_price_changes: bool = False


class CommentIn(InputSchema):
    comment: str = Field("", max_length=500)


class CancelIn(InputSchema):
    """`by` left out: the seller's side when the actor approves for the seller, else the
    buyer's. The seller's side gives a reason."""

    reason: str = Field("", max_length=500)
    by: Literal["buyer", "seller"] | None = None


class ShipLineIn(InputSchema):
    sku_code: str = Field(max_length=64)
    qty: Int32
    serials: list[str] | str = Field(default_factory=list)


class ShipmentIn(InputSchema):
    lines: list[ShipLineIn] = Field(max_length=500)
    carrier: str = Field("", max_length=60)
    tracking_no: str = Field("", max_length=60)
    note: str = Field("", max_length=500)


class ReceiptLineIn(InputSchema):
    """What arrived of one SKU of the shipment; `serials`: those received, when some units of
    a serial-tracked line are missing."""

    sku_code: str = Field(max_length=64)
    received: Int32
    damaged: Int32 = 0
    serials: list[str] | str = Field(default_factory=list)
    note: str = Field("", max_length=200)


class ReceiptIn(InputSchema):
    """Lines left out arrived as shipped."""

    lines: list[ReceiptLineIn] = Field(default_factory=list, max_length=500)
    note: str = Field("", max_length=500)


class ReturnLineIn(InputSchema):
    sku_code: str = Field(max_length=64)
    qty: Int32
    serials: list[str] | str = Field(default_factory=list)


class ReturnIn(InputSchema):
    kind: ReturnKind = ReturnKind.RETURN
    reason_code: ReturnReason
    reason: str = Field(max_length=500)
    lines: list[ReturnLineIn] = Field(max_length=500)


class ShipmentFilters(Schema):
    side: Literal["buyer", "seller"] | None = None
    status: ShipmentStatus | None = None
    order: Id | None = None


class ReturnFilters(Schema):
    side: Literal["buyer", "seller"] | None = None
    status: ReturnStatus | None = None
    order: Id | None = None


class ApprovalRuleIn(InputSchema):
    """Fields left out keep their value; a threshold of null clears it (its step must be
    off)."""

    amount_enabled: bool | None = None
    amount_threshold: Decimal | None = None
    discount_enabled: bool | None = None
    discount_threshold_pct: Decimal | None = None
    credit_hold_enabled: bool | None = None
    overdue_enabled: bool | None = None
    first_order_enabled: bool | None = None
    rebate_cap_pct: Decimal | None = None
    auto_confirm_days: Int32 | None = None
    complete_after_days: Int32 | None = None


# --- responses ------------------------------------------------------------------------------


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


class OrderOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    buyer_id: int
    buyer_code: str = Field(alias="buyer.code")
    buyer_name: str = Field(alias="buyer.name")
    seller_id: int
    seller_code: str = Field(alias="seller.code")
    seller_name: str = Field(alias="seller.name")
    placed_by: str
    on_behalf: bool
    list_amount: Money
    discount_amount: Money
    adjustment_amount: Money
    amount: Money
    prepaid_amount: Money
    rebate_amount: Money
    credit_amount: Money
    placed_at: datetime
    submitted_at: datetime | None

    @staticmethod
    def resolve_placed_by(obj: Any) -> str:
        return _username(obj.placed_by)


class HoldOut(Schema):
    code: str
    label: str
    params: dict[str, Any]

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(HoldReason(obj.code).label)


class ApprovalOut(OrderOut):
    holds: list[HoldOut]
    credit_numbers: dict[str, Any]


class AdjustmentOut(Schema):
    """A promotion's change to the line (`source` "promotion", `source_id` its id)."""

    source: str
    source_id: str
    label: str
    amount: Money


class NoteOut(Schema):
    """Why a promotion did not apply, or what the next tier needs (`code` is stable)."""

    code: str
    promotion_id: int | None
    name: str
    kind: str
    message: str


class OrderLineOut(Schema):
    id: int
    line_no: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    unit: str
    unit_qty: int
    unit_factor: int
    qty: int
    unit_price: Money
    list_price: Money
    price_source: str
    list_amount: Money
    gross_amount: Money
    adjustment_amount: Money
    amount: Money
    adjustments: list[AdjustmentOut]
    gift_promotion_id: int | None  # free goods: the promotion that gave this line
    qty_shipped: int
    qty_received: int
    qty_returned: int


class ShipmentLineOut(Schema):
    id: int
    sku_code: str = Field(alias="sku.code")
    qty: int
    amount: Money
    qty_received: int
    qty_short: int
    qty_damaged: int
    note: str
    serials: list[str]

    @staticmethod
    def resolve_serials(obj: Any) -> list[str]:
        return sorted(s.serial for s in obj.serials.all())


class ShipmentOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str = Field(alias="order.number")
    status: str
    warehouse_id: int
    to_warehouse_id: int | None
    carrier: str
    tracking_no: str
    note: str
    amount: Money
    paid_applied: Money
    invoice_id: int | None
    shipped_at: datetime
    received_at: datetime | None
    auto_confirmed: bool
    receipt_note: str


class ShipmentDetailOut(ShipmentOut):
    invoice_number: str
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return obj.invoice.number if obj.invoice_id else ""


class ReturnLineOut(Schema):
    id: int
    sku_code: str = Field(alias="sku.code")
    qty: int
    amount: Money
    serials: list[str]

    @staticmethod
    def resolve_serials(obj: Any) -> list[str]:
        return sorted(s.serial for s in obj.serials.all())


class ReturnOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str = Field(alias="order.number")
    kind: str
    status: str
    reason_code: str
    reason: str
    amount: Money
    decision_comment: str
    credit_note_id: int | None
    replacement_order_id: int | None
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None


class ReturnDetailOut(ReturnOut):
    warehouse_id: int | None
    credit_note_number: str
    lines: list[ReturnLineOut]

    @staticmethod
    def resolve_credit_note_number(obj: Any) -> str:
        return obj.credit_note.number if obj.credit_note_id else ""


class TimelineOut(Schema):
    action: str
    actor: str
    changes: dict[str, Any]
    created_at: datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return _username(obj.actor)


class OrderDetailOut(OrderOut):
    note: str
    use_rebate: bool
    coupon_codes: list[str]
    promotion_notes: list[NoteOut]
    warehouse_id: int | None
    discount_pct: Decimal
    frozen_amount: Money
    paid_applied: Money
    shipped_amount: Money
    invoiced_amount: Money
    returned_amount: Money
    credit_numbers: dict[str, Any]
    warnings: list[Any]
    decided_at: datetime | None
    decision_comment: str
    cancelled_at: datetime | None
    cancel_reason: str
    delivered_at: datetime | None
    completed_at: datetime | None
    lines: list[OrderLineOut]
    holds: list[HoldOut]
    shipments: list[ShipmentDetailOut]
    returns: list[ReturnDetailOut]
    timeline: list[TimelineOut]
    actions: list[str]


class ReorderOut(Schema):
    """The new draft and the SKU codes of the past order no longer offered (left out)."""

    order: OrderDetailOut
    skipped: list[str]


class PreviewLineOut(Schema):
    sku_code: str
    sku_name: str
    unit: str
    unit_qty: int
    qty: int
    unit_price: Money
    list_price: Money
    previous_price: Money | None
    price_changed: bool
    price_source: str
    list_amount: Money
    gross_amount: Money
    adjustment_amount: Money
    amount: Money
    stock_state: str
    adjustments: list[AdjustmentOut]
    notes: list[NoteOut]
    gift_promotion_id: int | None


class SplitOut(Schema):
    prepaid: Money
    rebate: Money
    credit: Money


class CreditOut(Schema):
    limit: Money
    temporary: Money
    exposure: Money
    available: Money
    available_after: Money
    overdue_amount: Money
    days_overdue: int


class ReasonOut(Schema):
    code: str
    label: str
    params: dict[str, Any]


class ProblemOut(Schema):
    code: str
    message: str
    sku: str
    params: dict[str, Any]


class PreviewOut(Schema):
    """The order as it would be submitted now; nothing is written. `can_submit` is false
    while there are `problems` (refusals); `holds` say why it would wait for approval."""

    lines: list[PreviewLineOut]
    promotion_notes: list[NoteOut]
    list_amount: Money
    discount_amount: Money
    discount_pct: Decimal
    adjustment_amount: Money
    amount: Money
    payment: SplitOut
    credit: CreditOut
    holds: list[ReasonOut]
    warnings: list[ReasonOut]
    problems: list[ProblemOut]
    can_submit: bool


class ApprovalRuleOut(Schema):
    seller_id: int
    amount_enabled: bool
    amount_threshold: Money | None
    discount_enabled: bool
    discount_threshold_pct: Decimal | None
    credit_hold_enabled: bool
    overdue_enabled: bool
    first_order_enabled: bool
    rebate_cap_pct: Decimal
    auto_confirm_days: int
    complete_after_days: int
    updated_at: datetime | None
