from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import PlainSerializer

from qudao.core.schemas import INT32_MAX, DateIn, Id, InputSchema, Int32
from qudao.inventory.constants import (
    MAX_SERIALS_PER_DOCUMENT,
    CountStatus,
    MoveKind,
    SerialStatus,
    WarehouseKind,
)

# Serials in a body: a JSON array of strings; each string may itself hold several (a paste
# split on lines, spaces, commas — the same parsing as the pages).
Serials = Annotated[list[str], Field(max_length=MAX_SERIALS_PER_DOCUMENT)]
# Days of stock: one decimal as text ("12.5"), never a float.
Days = Annotated[Decimal, PlainSerializer(str, return_type=str)]


# --- warehouses ---------------------------------------------------------------------------


class WarehouseFilters(Schema):
    org: Id | None = None
    include_closed: bool = False


class WarehouseOut(Schema):
    id: int
    org_id: int
    org_code: str = Field(alias="org.code")
    org_name: str = Field(alias="org.name")
    code: str
    name: str
    kind: WarehouseKind
    is_active: bool
    is_default: bool
    address: str
    created_at: datetime


class WarehouseCreateIn(InputSchema):
    """The org's first warehouse becomes its default."""

    org_id: Id
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: WarehouseKind = WarehouseKind.MAIN
    address: str = Field("", max_length=200)


class WarehouseUpdateIn(InputSchema):
    """Fields left out keep their value. `is_active: false` closes an empty warehouse that is
    not the default; `is_default: true` makes it the one orders ship from and receive into
    (the org's previous default stops being it). The code never changes."""

    name: str | None = Field(None, min_length=1, max_length=100)
    kind: WarehouseKind | None = None
    address: str | None = Field(None, max_length=200)
    is_active: bool | None = None
    is_default: Literal[True] | None = None


# --- balances -----------------------------------------------------------------------------


class StockFilters(Schema):
    warehouse: Id | None = None
    org: Id | None = None
    sku: Id | None = None
    q: str = Field("", description="SKU code, name or pinyin initials")
    below_safety: bool = False
    include_empty: bool = Field(False, description="also rows with nothing on hand or coming")


class StockOut(Schema):
    """available = on hand − reserved; below_safety when available < safety stock;
    suggested_qty tops available + in transit back up to the safety stock."""

    id: int
    warehouse_id: int
    warehouse_code: str = Field(alias="warehouse.code")
    warehouse_name: str = Field(alias="warehouse.name")
    org_id: int = Field(alias="warehouse.org_id")
    org_code: str = Field(alias="warehouse.org.code")
    org_name: str = Field(alias="warehouse.org.name")
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    on_hand: int
    reserved: int
    available: int = Field(alias="available_qty")
    in_transit: int
    safety_stock: int
    below_safety: bool
    suggested_qty: int
    updated_at: datetime


class SafetyStockIn(InputSchema):
    sku_code: str = Field(min_length=1, max_length=40)
    qty: int = Field(ge=0, le=INT32_MAX, description="0 removes the level")


# --- moves --------------------------------------------------------------------------------


class MoveFilters(Schema):
    warehouse: Id | None = None
    sku: Id | None = None
    kind: MoveKind | None = None
    since: DateIn | None = None
    until: DateIn | None = None
    doc_type: str = ""
    doc_id: str = ""


class MoveOut(Schema):
    id: int
    warehouse_id: int
    warehouse_code: str = Field(alias="warehouse.code")
    warehouse_name: str = Field(alias="warehouse.name")
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    kind: MoveKind
    qty: int
    on_hand_after: int
    transit_id: int | None
    doc_type: str
    doc_id: str
    doc_number: str
    reason: str
    reversal_of_id: int | None
    actor: str
    created_at: datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor or "")


class MoveDetailOut(MoveOut):
    reversed_by_id: int | None = Field(alias="reversal_id")
    serials: list[str] = Field(alias="serial_list")


class StockLineIn(InputSchema):
    """A SKU by code, a quantity in its base unit and, for serial-tracked SKUs, one serial
    per unit. The quantity may be left out when serials are given: it is their number."""

    sku_code: str = Field(min_length=1, max_length=40)
    qty: int | None = Field(None, ge=1, le=INT32_MAX)
    serials: Serials = Field(default_factory=list)


class AdjustLineIn(InputSchema):
    """Signed: more than 0 adds (units found), less than 0 takes off (units lost)."""

    sku_code: str = Field(min_length=1, max_length=40)
    qty: Int32
    serials: Serials = Field(default_factory=list)


class StockReceiptIn(InputSchema):
    """Goods from outside the system (the factory, an outside supplier, an opening balance):
    serial-tracked units arrive with new serials."""

    warehouse_id: Id
    lines: list[StockLineIn] = Field(min_length=1, max_length=1000)
    doc_number: str = Field("", max_length=40, description="the supplier's delivery note")
    reason: str = Field("", max_length=200)


class AdjustmentIn(InputSchema):
    warehouse_id: Id
    lines: list[AdjustLineIn] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=1, max_length=200)


class ReverseIn(InputSchema):
    reason: str = Field(min_length=1, max_length=200)


# --- transits -----------------------------------------------------------------------------


class TransferIn(InputSchema):
    """Goods between two warehouses of one org: out now, in on receipt."""

    from_warehouse_id: Id
    to_warehouse_id: Id
    lines: list[StockLineIn] = Field(min_length=1, max_length=1000)
    note: str = Field("", max_length=200)


class TransitFilters(Schema):
    warehouse: Id | None = None
    open: bool = Field(False, description="only those still on their way")


class TransitLineOut(Schema):
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    qty: int
    received_qty: int
    short_qty: int
    open_qty: int


class TransitOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    from_warehouse_id: int
    from_warehouse_name: str = Field(alias="from_warehouse.name")
    from_org_id: int = Field(alias="from_warehouse.org_id")
    from_org_name: str = Field(alias="from_warehouse.org.name")
    to_warehouse_id: int
    to_warehouse_name: str = Field(alias="to_warehouse.name")
    to_org_id: int = Field(alias="to_warehouse.org_id")
    to_org_name: str = Field(alias="to_warehouse.org.name")
    doc_type: str
    doc_number: str
    note: str
    created_at: datetime
    closed_at: datetime | None
    lines: list[TransitLineOut]


class TransitDetailOut(TransitOut):
    serials: list[str] = Field(alias="serial_list", description="units still on their way")


class TransitReceiveIn(InputSchema):
    """Without lines everything still on its way arrives; with lines only those (the rest
    stays in transit)."""

    lines: list[StockLineIn] | None = Field(None, min_length=1, max_length=1000)


# --- serials ------------------------------------------------------------------------------


class SerialCheckIn(InputSchema):
    """`out`: the units must be in this warehouse (to ship, sell, transfer); `in`: new units
    for a receipt from outside the system."""

    warehouse_id: Id
    sku_code: str = Field(min_length=1, max_length=40)
    serials: Serials = Field(min_length=1, max_length=MAX_SERIALS_PER_DOCUMENT)
    purpose: Literal["out", "in"] = "out"


class SerialProblemOut(Schema):
    serial: str
    code: str
    message: str


class SerialCheckOut(Schema):
    """Nothing is written. `problems` names every bad serial; `by_code` groups them."""

    ok: bool
    checked: int
    accepted: int
    problems: list[SerialProblemOut]
    by_code: dict[str, list[str]]


class SerialFilters(Schema):
    q: str = Field("", description="the start of a serial number")
    warehouse: Id | None = None
    sku: Id | None = None
    status: SerialStatus | None = None


class SerialOut(Schema):
    serial: str
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    status: SerialStatus
    warehouse_id: int | None
    warehouse_name: str | None = Field(None, alias="warehouse.name")
    holder_id: int
    holder_name: str = Field(alias="holder.name")
    updated_at: datetime


class SerialEventOut(Schema):
    at: datetime
    from_status: str
    to_status: str
    from_warehouse: str | None
    to_warehouse: str | None
    from_holder: str | None
    to_holder: str | None
    doc_type: str
    doc_number: str
    move_id: int | None
    transit_id: int | None
    actor: str


class SerialJourneyOut(Schema):
    """Where the unit is now is shown only while it is in the actor's scope (`place_visible`);
    the history holds the steps that passed through it."""

    serial: str
    sku_id: int
    sku_code: str
    sku_name: str
    place_visible: bool
    status: str | None
    warehouse: str | None
    holder: str | None
    events: list[SerialEventOut]


# --- counts -------------------------------------------------------------------------------


class CountFilters(Schema):
    warehouse: Id | None = None
    status: CountStatus | None = None


class CountOut(Schema):
    id: int
    number: str
    warehouse_id: int
    warehouse_name: str = Field(alias="warehouse.name")
    org_id: int = Field(alias="warehouse.org_id")
    category_id: int | None
    status: CountStatus
    note: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    posted_at: datetime | None

    @staticmethod
    def resolve_created_by(obj: Any) -> str:
        return str(obj.created_by or "")


class CountLineOut(Schema):
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    serial_tracked: bool = Field(alias="sku.serial_tracked")
    expected_qty: int | None
    counted_qty: int | None
    serials: list[str]
    system_qty: int | None
    difference: int | None
    move_id: int | None


class CountDetailOut(CountOut):
    lines: list[CountLineOut] = Field(alias="line_rows")  # sorted by SKU code


class CountCreateIn(InputSchema):
    """Every SKU the warehouse holds or expects (of one category and its sub-categories,
    with `category_id`), or the SKUs listed."""

    warehouse_id: Id
    category_id: Id | None = None
    sku_codes: list[str] | None = Field(None, min_length=1, max_length=5000)
    note: str = Field("", max_length=200)


class CountLineIn(InputSchema):
    sku_code: str = Field(min_length=1, max_length=40)
    counted: int = Field(ge=0, le=INT32_MAX)
    serials: Serials = Field(default_factory=list)


class CountLinesIn(InputSchema):
    """Entering a SKU again replaces its line."""

    lines: list[CountLineIn] = Field(min_length=1, max_length=5000)


# --- sell-out -----------------------------------------------------------------------------


class SellOutFilters(Schema):
    org: Id | None = None
    sku: Id | None = None
    since: DateIn | None = None
    until: DateIn | None = None
    include_voided: bool = False


class SellOutOut(Schema):
    id: int
    org_id: int
    org_name: str = Field(alias="org.name")
    warehouse_id: int
    sold_on: date
    sku_id: int
    sku_code: str = Field(alias="sku.code")
    sku_name: str = Field(alias="sku.name")
    qty: int
    serials: list[str]
    buyer_division: str | None = Field(alias="buyer_division_id")
    buyer_division_name: str | None = Field(None, alias="buyer_division.name")
    source: str
    doc_number: str
    move_id: int | None
    created_at: datetime
    voided_at: datetime | None


class SellOutRowIn(InputSchema):
    sold_on: DateIn
    sku_code: str = Field(min_length=1, max_length=40)
    qty: Int32
    serials: Serials = Field(default_factory=list)
    buyer_division: str = Field("", max_length=12, description="administrative division code")


class SellOutIn(InputSchema):
    """Sales downstream, out of the org's default warehouse unless another of its own is
    named. All rows or none: a refusal names every bad row as `rows.<index>.<field>`."""

    org_id: Id
    warehouse_id: Id | None = None
    rows: list[SellOutRowIn] = Field(min_length=1, max_length=10_000)


class SellOutBatchOut(Schema):
    doc_number: str
    rows: int
    units: int
    items: list[SellOutOut]


class SellOutImportIn(InputSchema):
    """The form fields of an Excel upload (multipart/form-data, with the file)."""

    org_id: Id
    warehouse_id: Id | None = None


class SellOutImportOut(Schema):
    rows: int
    units: int


# --- 进销存 --------------------------------------------------------------------------------


class JxcFilters(Schema):
    org: Id | None = Field(None, description="default: the actor's own org")
    since: DateIn | None = Field(None, description="default: the first of this month")
    until: DateIn | None = Field(None, description="default: today")
    subtree: bool = Field(True, description="summed over the org's whole subtree")
    by: Literal["sku", "branch"] = Field(
        "sku", description="branch: one row per child of the org (drill-down), all SKUs"
    )
    sku: Id | None = None


class JxcRowOut(Schema):
    """opening + in_total − out_total = closing; days of stock over the last 30 days'
    sell-out (null when nothing sold)."""

    key: int | None
    code: str
    name: str
    opening: int
    ins: dict[str, int]
    in_total: int
    outs: dict[str, int]
    out_total: int
    closing: int
    sold_30d: int
    days_of_stock: Days | None


class JxcOut(Schema):
    org_id: int
    org_code: str
    org_name: str
    since: date
    until: date
    subtree: bool
    by: str
    rows: list[JxcRowOut]
    total: JxcRowOut
