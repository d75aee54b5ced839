"""Request and response shapes of the closing (闭户) API."""

from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from qudao.core.schemas import Id, InputSchema


class CheckOut(Schema):
    code: str
    label: str
    done: bool
    numbers: dict[str, Any] = Field(
        description="The item's figures: counts as numbers, money as strings (CNY)."
    )
    who: str = Field(description="Who resolves the item.")


class OpenOrderOut(Schema):
    id: int
    number: str
    status: str
    side: Literal["buyer", "seller"]
    counterpart: str


class ClosingPositionOut(Schema):
    seller_id: int
    seller: str
    receivable: Decimal
    prepaid: Decimal
    rebate: Decimal
    deposit: Decimal


class ClosingOut(Schema):
    dealer_id: int
    number: str
    stage: str
    org_id: int | None
    parent_id: int | None
    can_complete: bool
    open_items: list[str]
    items: list[CheckOut]
    orders: list[OpenOrderOut] = Field(description="The oldest open orders (20 at most).")
    positions: list[ClosingPositionOut] = Field(
        description="The dealer's balances with its sellers."
    )
    parent_warehouses: list[dict[str, Any]] = Field(
        description="Where the stock can go back to: [{id, code, name, is_default}]."
    )


class StartIn(InputSchema):
    reason: str = Field(max_length=200)


class MemoIn(InputSchema):
    memo: str = Field("", max_length=200)


class RebateIn(InputSchema):
    mode: Literal["write_off", "pay_out"]
    memo: str = Field("", max_length=200)


class DepositIn(InputSchema):
    penalty: Decimal = Field(Decimal("0"), ge=0, decimal_places=2)
    seller_id: Id | None = None
    memo: str = Field("", max_length=200)


class StockIn(InputSchema):
    warehouse_id: Id | None = Field(
        None, description="A warehouse of the parent; default: its default one."
    )
