"""Warehouses, balances and safety stock, the move ledger with receipts, adjustments and
reversal, transfers and transits, and serial checks, lists and journeys."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.inventory import selectors, services
from qudao.inventory.api._common import (
    lines_of,
    naming_serials,
    require_stock,
    sku_by_code,
    skus_by_code,
)
from qudao.inventory.models import StockMove, Transit, Warehouse
from qudao.inventory.schemas import (
    AdjustmentIn,
    MoveDetailOut,
    MoveFilters,
    MoveOut,
    ReverseIn,
    SafetyStockIn,
    SerialCheckIn,
    SerialCheckOut,
    SerialFilters,
    SerialJourneyOut,
    SerialOut,
    StockFilters,
    StockOut,
    StockReceiptIn,
    TransferIn,
    TransitDetailOut,
    TransitFilters,
    TransitOut,
    TransitReceiveIn,
    WarehouseCreateIn,
    WarehouseFilters,
    WarehouseOut,
    WarehouseUpdateIn,
)
from qudao.network.selectors import org_get

router = Router()


def _moves(actor: Any, moves: Sequence[StockMove]) -> list[StockMove]:
    """Moves a write appended, read back with their warehouse, SKU and actor."""
    ids = [move.pk for move in moves]
    return list(selectors.move_list_for_actor(actor=actor).filter(pk__in=ids).order_by("id"))


def _move_detail(move: StockMove) -> StockMove:
    reversal = getattr(move, "reversed_by", None)
    move.reversal_id = reversal.pk if reversal else None  # type: ignore[attr-defined]
    move.serial_list = list(  # type: ignore[attr-defined]
        move.serial_events.order_by("id").values_list("serial__serial", flat=True)
    )
    return move


def _transit_detail(actor: Any, transit_id: int) -> Transit:
    transit = selectors.transit_get(actor=actor, transit_id=transit_id)
    transit.serial_list = list(  # type: ignore[attr-defined]
        transit.serials.order_by("serial").values_list("serial", flat=True)
    )
    return transit


# --- warehouses ---------------------------------------------------------------------------


@router.get("/warehouses", response=list[WarehouseOut])
@paginate(PageNumberPagination)
def warehouse_list(request: ApiRequest, filters: Query[WarehouseFilters]):  # type: ignore[no-untyped-def]
    """Warehouses in the actor's stock scope, each org's default first."""
    require_stock(request.auth)
    return selectors.warehouse_list_for_actor(
        actor=request.auth, org_id=filters.org, active_only=not filters.include_closed
    )


@router.post("/warehouses", response={201: WarehouseOut})
def warehouse_create(request: ApiRequest, payload: WarehouseCreateIn) -> Status[Warehouse]:
    org = org_get(actor=request.auth, org_id=payload.org_id)
    warehouse = services.warehouse_create(
        actor=request.auth, org=org, data=payload.dict(exclude={"org_id"})
    )
    return Status(201, warehouse)


@router.get("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_detail(request: ApiRequest, warehouse_id: int) -> Warehouse:
    return selectors.warehouse_get(actor=request.auth, warehouse_id=warehouse_id)


@router.patch("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_update(
    request: ApiRequest, warehouse_id: int, payload: WarehouseUpdateIn
) -> Warehouse:
    warehouse = selectors.warehouse_get(actor=request.auth, warehouse_id=warehouse_id)
    data = {
        k: v
        for k, v in payload.dict(exclude_unset=True, exclude={"is_default"}).items()
        if v is not None
    }
    with transaction.atomic():  # reopened and made the default, or neither
        if data:
            warehouse = services.warehouse_update(
                actor=request.auth, warehouse=warehouse, data=data
            )
        if payload.is_default:
            services.warehouse_set_default(actor=request.auth, warehouse=warehouse)
    return selectors.warehouse_get(actor=request.auth, warehouse_id=warehouse_id)


@router.put("/warehouses/{warehouse_id}/safety-stock", response=StockOut)
def safety_stock_set(request: ApiRequest, warehouse_id: int, payload: SafetyStockIn) -> Any:
    """The level under which the balance is flagged and a replenishment suggested."""
    warehouse = selectors.warehouse_get(actor=request.auth, warehouse_id=warehouse_id)
    sku = sku_by_code(payload.sku_code)
    services.safety_stock_set(actor=request.auth, warehouse=warehouse, sku=sku, qty=payload.qty)
    return selectors.stock_list_for_actor(
        actor=request.auth, warehouse_id=warehouse.pk, sku_id=sku.pk, include_empty=True
    ).get()


# --- balances and moves -------------------------------------------------------------------


@router.get("/stock", response=list[StockOut])
@paginate(PageNumberPagination)
def stock_list(request: ApiRequest, filters: Query[StockFilters]):  # type: ignore[no-untyped-def]
    """Balances per (warehouse, SKU): on hand, reserved, available, in transit, safety stock,
    below-safety flag and the suggested replenishment."""
    require_stock(request.auth)
    return selectors.stock_list_for_actor(
        actor=request.auth,
        org_id=filters.org,
        warehouse_id=filters.warehouse,
        sku_id=filters.sku,
        q=filters.q,
        below_safety=filters.below_safety,
        include_empty=filters.include_empty,
    )


@router.get("/moves", response=list[MoveOut])
@paginate(PageNumberPagination)
def move_list(request: ApiRequest, filters: Query[MoveFilters]):  # type: ignore[no-untyped-def]
    """The move ledger, newest first: who, when, why and the document."""
    require_stock(request.auth)
    return selectors.move_list_for_actor(
        actor=request.auth,
        warehouse_id=filters.warehouse,
        sku_id=filters.sku,
        kind=filters.kind or "",
        since=filters.since,
        until=filters.until,
        doc_type=filters.doc_type,
        doc_id=filters.doc_id,
    )


@router.get("/moves/{move_id}", response=MoveDetailOut)
def move_detail(request: ApiRequest, move_id: int) -> StockMove:
    """One move with its reversal (if any) and the serials it moved."""
    return _move_detail(selectors.move_get(actor=request.auth, move_id=move_id))


@router.post("/moves/{move_id}/reverse", response={201: MoveDetailOut})
def move_reverse(request: ApiRequest, move_id: int, payload: ReverseIn) -> Status[StockMove]:
    """Undo a move once, by one of the same kind and opposite quantity; its units go back."""
    move = selectors.move_get(actor=request.auth, move_id=move_id)
    reversal = services.move_reverse(actor=request.auth, move=move, reason=payload.reason)
    return Status(201, _move_detail(selectors.move_get(actor=request.auth, move_id=reversal.pk)))


@router.post("/receipts", response={201: list[MoveOut]})
def stock_receive(request: ApiRequest, payload: StockReceiptIn) -> Status[list[StockMove]]:
    """Goods from outside the system into a warehouse; serial-tracked units arrive with new
    serials. The moves appended, one per SKU."""
    warehouse = selectors.warehouse_get(actor=request.auth, warehouse_id=payload.warehouse_id)
    lines = lines_of(payload.lines)
    with naming_serials():
        moves = services.stock_receive(
            actor=request.auth,
            warehouse=warehouse,
            lines=lines,
            doc=services.Doc(number=payload.doc_number.strip()),
            reason=payload.reason.strip(),
        )
    return Status(201, _moves(request.auth, moves))


@router.post("/adjustments", response={201: list[MoveOut]})
def stock_adjust(request: ApiRequest, payload: AdjustmentIn) -> Status[list[StockMove]]:
    """A correction with a reason; signed quantities. Serial-tracked SKUs name the units
    found (new, or scrapped ones back) or lost (scrapped)."""
    warehouse = selectors.warehouse_get(actor=request.auth, warehouse_id=payload.warehouse_id)
    skus = skus_by_code([line.sku_code for line in payload.lines], where="lines")
    lines = [
        (skus[line.sku_code.strip()], line.qty, selectors.parse_serials(line.serials))
        for line in payload.lines
    ]
    with naming_serials():
        moves = services.stock_adjust(
            actor=request.auth, warehouse=warehouse, lines=lines, reason=payload.reason
        )
    return Status(201, _moves(request.auth, moves))


# --- transits -----------------------------------------------------------------------------


@router.post("/transfers", response={201: TransitDetailOut})
def transfer_send(request: ApiRequest, payload: TransferIn) -> Status[Transit]:
    """Goods between two warehouses of one org: they leave now and are in transit until
    received (POST /transits/{id}/receive)."""
    actor = request.auth
    source = selectors.warehouse_get(actor=actor, warehouse_id=payload.from_warehouse_id)
    target = selectors.warehouse_get(actor=actor, warehouse_id=payload.to_warehouse_id)
    lines = lines_of(payload.lines)
    with naming_serials():
        transit = services.transfer_send(
            actor=actor,
            from_warehouse=source,
            to_warehouse=target,
            lines=lines,
            note=payload.note.strip(),
        )
    return Status(201, _transit_detail(actor, transit.pk))


@router.get("/transits", response=list[TransitOut])
@paginate(PageNumberPagination)
def transit_list(request: ApiRequest, filters: Query[TransitFilters]):  # type: ignore[no-untyped-def]
    """Goods in transit from or to a warehouse in the actor's stock scope, newest first."""
    require_stock(request.auth)
    return selectors.transit_list_for_actor(
        actor=request.auth, open_only=filters.open, warehouse_id=filters.warehouse
    ).prefetch_related("lines__sku")


@router.get("/transits/{transit_id}", response=TransitDetailOut)
def transit_detail(request: ApiRequest, transit_id: int) -> Transit:
    return _transit_detail(request.auth, transit_id)


@router.post("/transits/{transit_id}/receive", response=TransitDetailOut)
def transit_receive(request: ApiRequest, transit_id: int, payload: TransitReceiveIn) -> Transit:
    """The receiving warehouse takes in a transfer: everything still on its way, or the lines
    given. Shipments and returns are received with their order."""
    transit = selectors.transit_get(actor=request.auth, transit_id=transit_id)
    lines = None if payload.lines is None else lines_of(payload.lines)
    with naming_serials():
        services.transfer_receive(actor=request.auth, transit=transit, lines=lines)
    return _transit_detail(request.auth, transit_id)


# --- serials ------------------------------------------------------------------------------


@router.post("/serials/check", response=SerialCheckOut)
def serials_check(request: ApiRequest, payload: SerialCheckIn) -> dict[str, Any]:
    """Check a paste before posting it (the write checks again): every unknown, misplaced,
    wrong-SKU or repeated serial is named. Nothing is written."""
    warehouse = selectors.warehouse_get(actor=request.auth, warehouse_id=payload.warehouse_id)
    sku = sku_by_code(payload.sku_code)
    check = selectors.serials_check(
        actor=request.auth,
        warehouse=warehouse,
        sku=sku,
        serials=payload.serials,
        purpose=payload.purpose,
    )
    accepted = len(check.found) + len(check.new) + len(check.restored)
    return {
        "ok": check.ok,
        "checked": accepted + len(check.problems),
        "accepted": accepted,
        "problems": check.problems,
        "by_code": check.codes(),
    }


@router.get("/serials", response=list[SerialOut])
@paginate(PageNumberPagination)
def serial_list(request: ApiRequest, filters: Query[SerialFilters]):  # type: ignore[no-untyped-def]
    """Units held by orgs in the actor's stock scope; `q` finds serials starting with it."""
    require_stock(request.auth)
    return selectors.serial_list_for_actor(
        actor=request.auth,
        q=filters.q,
        warehouse_id=filters.warehouse,
        sku_id=filters.sku,
        status=filters.status or "",
    )


@router.get("/serials/{path:serial}/journey", response=SerialJourneyOut)
def serial_journey(request: ApiRequest, serial: str) -> dict[str, Any]:
    """A unit's history as far as the actor may see it, oldest first."""
    journey = selectors.serial_journey(actor=request.auth, serial=serial)
    unit, visible = journey.serial, journey.place_visible
    return {
        "serial": unit.serial,
        "sku_id": unit.sku_id,
        "sku_code": unit.sku.code,
        "sku_name": unit.sku.name,
        "place_visible": visible,
        "status": unit.status if visible else None,
        "warehouse": unit.warehouse.name if visible and unit.warehouse else None,
        "holder": unit.holder.name if visible else None,
        "events": [
            {
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "from_warehouse": e.from_warehouse.name if e.from_warehouse else None,
                "to_warehouse": e.to_warehouse.name if e.to_warehouse else None,
                "from_holder": e.from_holder.name if e.from_holder else None,
                "to_holder": e.to_holder.name if e.to_holder else None,
                "doc_type": e.doc_type,
                "doc_number": e.doc_number,
                "move_id": e.move_id,
                "transit_id": e.transit_id,
                "actor": str(e.actor or ""),
            }
            for e in journey.events
        ],
    }
