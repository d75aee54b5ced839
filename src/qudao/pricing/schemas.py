from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from qudao.core.pagination import Page
from qudao.core.schemas import INT32_MAX, DateTimeIn, Id, InputSchema, Int32
from qudao.network.constants import Channel, Grade
from qudao.pricing.constants import Target


class PriceListOut(Schema):
    id: int
    seller_id: int
    seller_name: str = Field(alias="seller.name")
    code: str
    name: str
    target: Target
    target_buyer_id: int | None
    target_grade: str
    target_region_id: int | None
    target_channel: str
    priority: int
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool
    updated_at: datetime


class PriceListFilters(Schema):
    seller: Id | None = None
    q: str = ""
    active: bool | None = None


class PriceListCreateIn(InputSchema):
    seller_id: Id
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    target: Target
    target_buyer_id: Id | None = None
    target_grade: Grade | None = None
    target_region_id: Id | None = None
    target_channel: Channel | None = None
    priority: Int32 = 0
    valid_from: DateTimeIn | None = None
    valid_until: DateTimeIn | None = None
    is_active: bool = True


class PriceListUpdateIn(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=100)
    target: Target | None = None
    target_buyer_id: Id | None = None
    target_grade: Grade | None = None
    target_region_id: Id | None = None
    target_channel: Channel | None = None
    priority: Int32 | None = None
    valid_from: DateTimeIn | None = None
    valid_until: DateTimeIn | None = None
    is_active: bool | None = None


class PriceItemOut(Schema):
    id: int
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    min_qty: int
    price: Decimal


class PriceItemIn(InputSchema):
    sku_id: Id
    min_qty: int = Field(1, ge=1, le=INT32_MAX)
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class PriceItemsIn(InputSchema):
    items: list[PriceItemIn] = Field(min_length=1, max_length=5000)
    replace: bool = False


class PriceItemsResult(Schema):
    created: int
    updated: int
    removed: int


class PriceControlIn(InputSchema):
    floor_distributor: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    floor_dealer: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    floor_store: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    suggested_retail: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    minimum_advertised: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)


class PriceControlOut(Schema):
    sku_id: int
    floor_distributor: Decimal | None
    floor_dealer: Decimal | None
    floor_store: Decimal | None
    suggested_retail: Decimal | None
    minimum_advertised: Decimal | None


class QuoteLineIn(InputSchema):
    sku_id: Id | None = None
    sku_code: str | None = None
    qty: int = Field(1, ge=1, le=1_000_000)


class QuoteIn(InputSchema):
    seller_id: Id
    buyer_id: Id
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=500)
    at: DateTimeIn | None = None


class CandidateOut(Schema):
    list_id: int
    list_code: str
    list_name: str
    target: str
    target_label: str
    priority: int
    min_qty: int | None
    price: Decimal | None
    reason: str
    reason_label: str


class QuoteLineOut(Schema):
    sku_id: int
    sku_code: str
    qty: int
    price: Decimal | None
    amount: Decimal | None
    list_id: int | None
    list_code: str
    rule: str
    breaks: list[tuple[int, Decimal]]
    suggested_retail: Decimal | None
    candidates: list[CandidateOut]


class QuoteOut(Schema):
    seller_id: int
    buyer_id: int
    currency: str = "CNY"
    at: datetime
    total: Decimal
    lines: list[QuoteLineOut]


class CatalogueItemOut(Schema):
    sku_id: int
    sku_code: str
    sku_name: str
    product_name: str
    barcode: str
    base_unit: str
    price: Decimal | None
    breaks: list[tuple[int, Decimal]]
    suggested_retail: Decimal | None


class CatalogueFilters(Schema):
    buyer: Id
    q: str = ""
    category: Id | None = None
    page: Page = 1
    page_size: int = Field(50, ge=1, le=200)


class CataloguePageOut(Schema):
    count: int
    items: list[CatalogueItemOut]
