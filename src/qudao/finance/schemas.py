from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import PlainSerializer

from qudao.core.money import money
from qudao.core.pagination import Page
from qudao.core.schemas import DateIn, DateTimeIn, Id, InputSchema, Int32
from qudao.finance.constants import Account, EntryKind, OverdueMode, PaymentMethod

# Money out: always two decimals ("5000.00"), whatever the database or the service handed back.
Money = Annotated[Decimal, PlainSerializer(lambda v: str(money(v)), return_type=str)]


class PositionFilters(Schema):
    buyer: Id | None = None
    seller: Id | None = None
    page: Page = 1
    page_size: int = Field(50, ge=1, le=200)


class CreditProfileOut(Schema):
    credit_limit: Money
    payment_term_days: int
    overdue_days: int
    overdue_amount: Money | None
    overdue_mode: str


class PositionOut(Schema):
    """Balances and the numbers of a credit check for 0: status normal / on_hold / blocked."""

    id: int
    buyer_id: int
    buyer_code: str
    buyer_name: str
    seller_id: int
    seller_code: str
    seller_name: str
    prepaid_balance: Money
    rebate_balance: Money
    deposit_balance: Money
    receivable_balance: Money
    frozen_amount: Money
    credit_limit: Money
    temporary_limit: Money
    exposure: Money
    available: Money
    overdue_amount: Money
    max_days_overdue: int
    status: str
    profile: CreditProfileOut
    updated_at: datetime


class PositionPageOut(Schema):
    count: int
    items: list[PositionOut]


class TemporaryLimitOut(Schema):
    id: int
    amount: Money
    valid_from: datetime
    valid_until: datetime
    reason: str
    valid_now: bool
    created_at: datetime


class AgeingOut(Schema):
    not_due: Money
    d1_30: Money
    d31_60: Money
    d61_90: Money
    d90_plus: Money
    total: Money


class PositionDetailOut(PositionOut):
    temporary_limits: list[TemporaryLimitOut]
    ageing: AgeingOut


class LedgerFilters(Schema):
    account: Account | None = None
    kind: EntryKind | None = None
    since: DateIn | None = None
    until: DateIn | None = None


class LedgerEntryOut(Schema):
    id: int
    account: str
    kind: str
    amount: Money
    balance_after: Money
    doc_type: str
    doc_number: str
    memo: str
    reversal_of_id: int | None
    created_at: datetime


class CreditProfileIn(InputSchema):
    """Fields left out keep their value; `overdue_amount: null` removes the amount tolerance."""

    credit_limit: Decimal | None = None
    payment_term_days: Int32 | None = None
    overdue_days: Int32 | None = None
    overdue_amount: Decimal | None = None
    overdue_mode: OverdueMode | None = None


class CreditProfileCreateIn(CreditProfileIn):
    buyer_id: Id
    seller_id: Id


class TemporaryLimitIn(InputSchema):
    amount: Decimal
    valid_from: DateTimeIn
    valid_until: DateTimeIn
    reason: str = Field(max_length=200)


class AllocationIn(InputSchema):
    invoice_id: Id
    amount: Decimal


class PaymentIn(InputSchema):
    """Without `allocations` the payment pays open invoices oldest due first; the rest, or
    all of it with `to_prepaid`, goes to the prepaid balance."""

    amount: Decimal
    method: PaymentMethod
    received_on: DateIn
    reference: str = Field("", max_length=80)
    allocations: list[AllocationIn] | None = Field(None, max_length=500)
    to_prepaid: bool = False


class PaymentConfirmIn(InputSchema):
    allocations: list[AllocationIn] | None = Field(None, max_length=500)


class PaymentRejectIn(InputSchema):
    reason: str = Field(max_length=200)


class AllocationOut(Schema):
    invoice_id: int
    invoice_number: str = Field(alias="invoice.number")
    amount: Money


class PaymentOut(Schema):
    id: int
    number: str
    position_id: int
    method: str
    amount: Money
    received_on: date
    reference: str
    status: str
    note: str
    has_slip: bool
    allocations: list[AllocationOut]
    created_at: datetime


class InvoiceFilters(Schema):
    position: Id | None = None
    open: bool | None = None


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    position_id: int
    amount: Money
    open_amount: Money
    issued_on: date
    due_on: date


class CreditCheckIn(InputSchema):
    buyer_id: Id
    seller_id: Id
    amount: Decimal


class CreditDecisionOut(Schema):
    outcome: str
    ok: bool
    amount: Money
    credit_limit: Money
    temporary: Money
    exposure: Money
    available: Money
    overdue_amount: Money
    max_days_overdue: int
    reasons: list[str]


# --- statements ------------------------------------------------------------------------


class StatementFilters(Schema):
    period: DateIn | None = Field(None, description="any day of the month")
    status: str = ""
    q: str = ""


class StatementCommentOut(Schema):
    id: int
    line_id: int | None
    side: str
    text: str
    author: str
    adjustment: LedgerEntryOut | None
    created_at: datetime


class StatementLineOut(Schema):
    id: int
    dispute: str
    entry: LedgerEntryOut
    comments: list[StatementCommentOut]


class StatementAccountOut(Schema):
    account: str
    opening: Money
    debits: Money
    credits: Money
    closing: Money


class StatementOut(Schema):
    id: int
    number: str
    period: date
    status: str
    position_id: int
    buyer_id: int = Field(alias="position.buyer_id")
    buyer_name: str = Field(alias="position.buyer.name")
    seller_id: int = Field(alias="position.seller_id")
    seller_name: str = Field(alias="position.seller.name")
    opening_receivable: Money
    opening_prepaid: Money
    opening_rebate: Money
    closing_receivable: Money
    closing_prepaid: Money
    closing_rebate: Money
    generated_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None


class StatementDetailOut(StatementOut):
    accounts: list[StatementAccountOut] = Field(alias="account_rows")
    lines: list[StatementLineOut] = Field(alias="line_rows")


class StatementGenerateIn(InputSchema):
    seller_id: Id
    period: DateIn = Field(description="any day of the month: the whole month is drawn")


class StatementGenerateOut(Schema):
    created: int
    regenerated: int
    skipped: int


class DisputeLineIn(InputSchema):
    line_id: Id
    comment: str


class StatementDisputeIn(InputSchema):
    lines: list[DisputeLineIn] = Field(min_length=1)


class StatementAnswerIn(InputSchema):
    text: str
    adjust_account: Account | None = None
    adjust_amount: Decimal | None = Field(None, description="signed; posted as an adjustment")


class SlipIn(InputSchema):
    """The form fields of a transfer slip upload (multipart/form-data, with the file)."""

    amount: Decimal
    received_on: DateIn
    reference: str = ""
