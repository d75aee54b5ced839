from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.catalog.selectors import sku_get, sku_list_for_actor
from qudao.core.errors import ValidationFailed
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network.selectors import org_get
from qudao.pricing import selectors, services
from qudao.pricing.models import PriceControl, PriceList
from qudao.pricing.schemas import (
    CatalogueFilters,
    CataloguePageOut,
    PriceControlIn,
    PriceControlOut,
    PriceItemOut,
    PriceItemsIn,
    PriceItemsResult,
    PriceListCreateIn,
    PriceListFilters,
    PriceListOut,
    PriceListUpdateIn,
    QuoteIn,
    QuoteOut,
)

router = Router(tags=["pricing"])


def _list_data(payload: PriceListCreateIn | PriceListUpdateIn, *, partial: bool) -> dict:
    data: dict[str, Any] = payload.dict(exclude_unset=partial, exclude={"seller_id"})
    for key in ("target_buyer", "target_region"):
        if f"{key}_id" in data:
            data[key] = data.pop(f"{key}_id")
    for key in ("target_grade", "target_channel"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


@router.get("/price-lists", response=list[PriceListOut])
@paginate(PageNumberPagination)
def price_list_list(request: ApiRequest, filters: Query[PriceListFilters]):  # type: ignore[no-untyped-def]
    return selectors.price_list_list_for_actor(
        actor=request.auth, seller_id=filters.seller, q=filters.q, active=filters.active
    )


@router.post("/price-lists", response={201: PriceListOut})
def price_list_create(request: ApiRequest, payload: PriceListCreateIn) -> Status[PriceList]:
    seller = org_get(actor=request.auth, org_id=payload.seller_id)
    price_list = services.price_list_create(
        actor=request.auth, seller=seller, data=_list_data(payload, partial=False)
    )
    return Status(201, price_list)


@router.get("/price-lists/{price_list_id}", response=PriceListOut)
def price_list_detail(request: ApiRequest, price_list_id: int) -> PriceList:
    return selectors.price_list_get(actor=request.auth, price_list_id=price_list_id)


@router.patch("/price-lists/{price_list_id}", response=PriceListOut)
def price_list_update(
    request: ApiRequest, price_list_id: int, payload: PriceListUpdateIn
) -> PriceList:
    price_list = selectors.price_list_get(actor=request.auth, price_list_id=price_list_id)
    return services.price_list_update(
        actor=request.auth, price_list=price_list, data=_list_data(payload, partial=True)
    )


@router.get("/price-lists/{price_list_id}/items", response=list[PriceItemOut])
@paginate(PageNumberPagination, page_size=200)
def price_item_list(request: ApiRequest, price_list_id: int):  # type: ignore[no-untyped-def]
    price_list = selectors.price_list_get(actor=request.auth, price_list_id=price_list_id)
    return selectors.price_list_items(price_list=price_list)


@router.post("/price-lists/{price_list_id}/items", response=PriceItemsResult)
def price_item_upsert(
    request: ApiRequest, price_list_id: int, payload: PriceItemsIn
) -> dict[str, int]:
    price_list = selectors.price_list_get(actor=request.auth, price_list_id=price_list_id)
    return services.price_list_set_items(
        actor=request.auth,
        price_list=price_list,
        rows=[item.dict() for item in payload.items],
        replace=payload.replace,
    )


@router.delete("/price-lists/{price_list_id}/items/{item_id}", response={204: None})
def price_item_delete(request: ApiRequest, price_list_id: int, item_id: int) -> Status[None]:
    price_list = selectors.price_list_get(actor=request.auth, price_list_id=price_list_id)
    services.price_list_remove_item(actor=request.auth, price_list=price_list, item_id=item_id)
    return Status(204, None)


@router.get("/price-controls/{sku_id}", response=PriceControlOut)
def price_control_detail(request: ApiRequest, sku_id: int) -> PriceControl | dict[str, Any]:
    """Floors and suggested retail bind every seller: readable by whoever may see the SKU."""
    sku = sku_get(actor=request.auth, sku_id=sku_id)
    control = selectors.price_control_for_skus(sku_ids=[sku.pk]).get(sku.pk)
    return control or {"sku_id": sku.pk, **dict.fromkeys(services.CONTROL_FIELDS)}


@router.put("/price-controls/{sku_id}", response=PriceControlOut)
def price_control_set(request: ApiRequest, sku_id: int, payload: PriceControlIn) -> PriceControl:
    sku = sku_get(actor=request.auth, sku_id=sku_id)
    return services.price_control_set(actor=request.auth, sku=sku, data=payload.dict())


@router.get("/sellers/{seller_id}/catalogue", response=CataloguePageOut)
def buyer_catalogue(
    request: ApiRequest, seller_id: int, filters: Query[CatalogueFilters]
) -> dict[str, Any]:
    """What the seller sells to the buyer now, each SKU at the buyer's own price (one unit),
    with its quantity breaks and suggested retail. Paginated like the other lists."""
    seller, buyer = selectors.trading_pair(
        actor=request.auth, seller_id=seller_id, buyer_id=filters.buyer
    )
    skus = selectors.buyer_catalogue(
        actor=request.auth, seller=seller, buyer=buyer, q=filters.q, category_id=filters.category
    )
    start = (filters.page - 1) * filters.page_size
    rows = selectors.catalogue_rows(
        seller=seller, buyer=buyer, skus=skus[start : start + filters.page_size]
    )
    return {
        "count": skus.count(),
        "items": [
            {
                "sku_id": row.sku.pk,
                "sku_code": row.sku.code,
                "sku_name": row.sku.name,
                "product_name": row.sku.product.name,
                "barcode": row.sku.barcode,
                "base_unit": row.sku.base_unit,
                "price": row.line.price,
                "breaks": row.line.breaks,
                "suggested_retail": row.line.suggested_retail,
            }
            for row in rows
        ],
    }


@router.post("/pricing/quote", response=QuoteOut)
def quote(request: ApiRequest, payload: QuoteIn) -> dict[str, Any]:
    """Prices for (buyer, [sku, qty]) from one seller, each with its source and the
    candidates that lost, and why."""
    seller, buyer = selectors.trading_pair(
        actor=request.auth, seller_id=payload.seller_id, buyer_id=payload.buyer_id
    )
    skus = sku_list_for_actor(actor=request.auth).filter(
        Q(pk__in=[line.sku_id for line in payload.lines if line.sku_id])
        | Q(code__in=[line.sku_code for line in payload.lines if line.sku_code])
    )
    by_id = {sku.pk: sku for sku in skus}
    by_code = {sku.code: sku.pk for sku in by_id.values()}
    lines = []
    for number, line in enumerate(payload.lines):
        sku_id = line.sku_id if line.sku_id in by_id else by_code.get(line.sku_code or "")
        if sku_id is None:
            raise ValidationFailed(
                fields={f"lines.{number}": [_("Unknown SKU code.")]}, code="unknown_sku"
            )
        lines.append((sku_id, line.qty))
    at = payload.at or timezone.now()
    quoted = selectors.quote(seller=seller, buyer=buyer, lines=lines, at=at)
    codes_by_id = {pk: sku.code for pk, sku in by_id.items()}
    return {
        "seller_id": seller.pk,
        "buyer_id": buyer.pk,
        "at": at,
        "total": sum((q.amount for q in quoted if q.amount is not None), start=0),
        "lines": [
            {
                **q.__dict__,
                "sku_code": codes_by_id.get(q.sku_id, ""),
                "candidates": [
                    {**c.__dict__, "reason_label": c.reason_label} for c in q.candidates
                ],
            }
            for q in quoted
        ],
    }
