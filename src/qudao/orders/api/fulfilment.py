"""Shipments with serials, the buyer's receipt with discrepancies, returns and exchanges."""

from django.db.models import QuerySet
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.orders import selectors, services
from qudao.orders.api._common import SIDES, order_line_ids, shipment_line_ids
from qudao.orders.models import ReturnRequest, Shipment
from qudao.orders.schemas import (
    CancelIn,
    CommentIn,
    ReceiptIn,
    ReturnDetailOut,
    ReturnFilters,
    ReturnIn,
    ReturnOut,
    ShipmentDetailOut,
    ShipmentFilters,
    ShipmentIn,
    ShipmentOut,
)

router = Router()


# --- shipments ------------------------------------------------------------------------------


@router.post("/orders/{order_id}/shipments", response={201: ShipmentDetailOut})
def shipment_post(request: ApiRequest, order_id: int, payload: ShipmentIn) -> Status[Shipment]:
    """The seller's warehouse ships lines of an approved order (partial shipments allowed;
    one serial per unit of serial-tracked SKUs): stock leaves, the invoice is posted."""
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    ids = order_line_ids(order, [line.sku_code for line in payload.lines])
    shipment = services.shipment_post(
        actor=request.auth,
        order=order,
        lines=[
            services.ShipLine(pk, line.qty, line.serials)
            for pk, line in zip(ids, payload.lines, strict=True)
        ],
        carrier=payload.carrier,
        tracking_no=payload.tracking_no,
        note=payload.note,
    )
    return Status(201, selectors.shipment_get(actor=request.auth, shipment_id=shipment.pk))


@router.get("/shipments", response=list[ShipmentOut])
@paginate(PageNumberPagination)
def shipment_list(request: ApiRequest, filters: Query[ShipmentFilters]) -> QuerySet[Shipment]:
    """Shipments of the orders the actor sees, newest first; the buyer's to confirm:
    `side=buyer&status=posted`."""
    return selectors.shipment_list_for_actor(
        actor=request.auth,
        status=filters.status or "",
        order_id=filters.order,
        side=SIDES[filters.side],
    )


@router.get("/shipments/{shipment_id}", response=ShipmentDetailOut)
def shipment_get(request: ApiRequest, shipment_id: int) -> Shipment:
    return selectors.shipment_get(actor=request.auth, shipment_id=shipment_id)


@router.post("/shipments/{shipment_id}/receipt", response=ShipmentDetailOut)
def receipt_confirm(request: ApiRequest, shipment_id: int, payload: ReceiptIn) -> Shipment:
    """The buyer confirms what arrived: lines left out as shipped; per line the units
    received, damaged, the serials received (when some are missing) and a note."""
    shipment = selectors.shipment_get(actor=request.auth, shipment_id=shipment_id)
    ids = shipment_line_ids(shipment, [line.sku_code for line in payload.lines])
    services.receipt_confirm(
        actor=request.auth,
        shipment=shipment,
        lines=[
            services.ReceiptLine(pk, line.received, line.serials, line.damaged, line.note)
            for pk, line in zip(ids, payload.lines, strict=True)
        ],
        note=payload.note,
    )
    return selectors.shipment_get(actor=request.auth, shipment_id=shipment_id)


# --- returns --------------------------------------------------------------------------------


def _return(request: ApiRequest, return_id: int) -> ReturnRequest:
    return selectors.return_get(actor=request.auth, return_id=return_id)


@router.post("/orders/{order_id}/returns", response={201: ReturnDetailOut})
def return_request(request: ApiRequest, order_id: int, payload: ReturnIn) -> Status[ReturnRequest]:
    """The buyer asks to send received goods back, for credit or (`kind: exchange`) for the
    same goods again; never more than received minus returned, only serials it received."""
    order = selectors.order_get(actor=request.auth, order_id=order_id)
    ids = order_line_ids(order, [line.sku_code for line in payload.lines])
    ret = services.return_request(
        actor=request.auth,
        order=order,
        lines=[
            services.ReturnLineIn(pk, line.qty, line.serials)
            for pk, line in zip(ids, payload.lines, strict=True)
        ],
        reason_code=payload.reason_code,
        reason=payload.reason,
        kind=payload.kind,
    )
    return Status(201, _return(request, ret.pk))


@router.get("/returns", response=list[ReturnOut])
@paginate(PageNumberPagination)
def return_list(request: ApiRequest, filters: Query[ReturnFilters]) -> QuerySet[ReturnRequest]:
    return selectors.return_list_for_actor(
        actor=request.auth,
        status=filters.status or "",
        order_id=filters.order,
        side=SIDES[filters.side],
    )


@router.get("/returns/{return_id}", response=ReturnDetailOut)
def return_get(request: ApiRequest, return_id: int) -> ReturnRequest:
    return _return(request, return_id)


@router.post("/returns/{return_id}/approve", response=ReturnDetailOut)
def return_approve(request: ApiRequest, return_id: int, payload: CommentIn) -> ReturnRequest:
    """The seller accepts; an exchange's replacement order is created and reserved now."""
    services.return_approve(
        actor=request.auth, ret=_return(request, return_id), comment=payload.comment
    )
    return _return(request, return_id)


@router.post("/returns/{return_id}/reject", response=ReturnDetailOut)
def return_reject(request: ApiRequest, return_id: int, payload: CommentIn) -> ReturnRequest:
    services.return_reject(
        actor=request.auth, ret=_return(request, return_id), comment=payload.comment
    )
    return _return(request, return_id)


@router.post("/returns/{return_id}/cancel", response=ReturnDetailOut)
def return_cancel(request: ApiRequest, return_id: int, payload: CancelIn) -> ReturnRequest:
    """The buyer withdraws a return before sending the goods."""
    services.return_cancel(
        actor=request.auth, ret=_return(request, return_id), reason=payload.reason
    )
    return _return(request, return_id)


@router.post("/returns/{return_id}/send", response=ReturnDetailOut)
def return_send(request: ApiRequest, return_id: int) -> ReturnRequest:
    """The buyer's warehouse sends the goods of an approved return back."""
    services.return_send(actor=request.auth, ret=_return(request, return_id))
    return _return(request, return_id)


@router.post("/returns/{return_id}/receive", response=ReturnDetailOut)
def return_receive(request: ApiRequest, return_id: int) -> ReturnRequest:
    """The seller's warehouse takes the goods back; a return is credited (credit note)."""
    services.return_receive(actor=request.auth, ret=_return(request, return_id))
    return _return(request, return_id)
