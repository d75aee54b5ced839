"""The catalogue's JSON API: reads for everyone who may browse the catalogue, writes for the
brand. Each handler finds its objects through the selectors and calls one service."""

from typing import Any

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from qudao.catalog import selectors, services
from qudao.catalog.models import Category, Product, Sku
from qudao.catalog.schemas import (
    CategoryCreateIn,
    CategoryOut,
    ProductCreateIn,
    ProductDetailOut,
    ProductFilters,
    ProductOut,
    ProductUpdateIn,
    SkuCreateIn,
    SkuDetailOut,
    SkuFilters,
    SkuOut,
    SkuUpdateIn,
)
from qudao.core.types import ApiRequest

router = Router(tags=["catalog"])


@router.get("/categories", response=list[CategoryOut])
def category_list(request: ApiRequest) -> list[Category]:
    return list(selectors.category_list(actor=request.auth))


@router.post("/categories", response={201: CategoryOut})
def category_create(request: ApiRequest, payload: CategoryCreateIn) -> Status[Category]:
    parent = None
    if payload.parent_id is not None:
        parent = selectors.category_get(actor=request.auth, category_id=payload.parent_id)
    category = services.category_create(
        actor=request.auth, code=payload.code, name=payload.name, parent=parent
    )
    return Status(201, selectors.category_get(actor=request.auth, category_id=category.pk))


@router.get("/products", response=list[ProductOut])
@paginate(PageNumberPagination)
def product_list(request: ApiRequest, filters: Query[ProductFilters]):  # type: ignore[no-untyped-def]
    return selectors.product_list_for_actor(
        actor=request.auth,
        q=filters.q,
        category_id=filters.category,
        status=filters.status or "",
        spare_part=filters.spare_part,
    )


def _product_data(request: ApiRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "category_id" in data:
        category_id = data.pop("category_id")
        data["category"] = (
            selectors.category_get(actor=request.auth, category_id=category_id)
            if category_id is not None
            else None
        )
    return data


@router.post("/products", response={201: ProductDetailOut})
def product_create(request: ApiRequest, payload: ProductCreateIn) -> Status[Product]:
    data = _product_data(request, payload.dict())
    product = services.product_create(actor=request.auth, data=data)
    return Status(201, selectors.product_get(actor=request.auth, product_id=product.pk))


@router.get("/products/{product_id}", response=ProductDetailOut)
def product_detail(request: ApiRequest, product_id: int) -> Product:
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.patch("/products/{product_id}", response=ProductDetailOut)
def product_update(request: ApiRequest, product_id: int, payload: ProductUpdateIn) -> Product:
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    data = _product_data(request, payload.dict(exclude_unset=True))
    services.product_update(actor=request.auth, product=product, data=data)
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.get("/skus", response=list[SkuOut])
@paginate(PageNumberPagination)
def sku_list(request: ApiRequest, filters: Query[SkuFilters]):  # type: ignore[no-untyped-def]
    return selectors.sku_list_for_actor(
        actor=request.auth,
        q=filters.q,
        category_id=filters.category,
        status=filters.status or "",
        product_id=filters.product,
    )


@router.post("/skus", response={201: SkuDetailOut})
def sku_create(request: ApiRequest, payload: SkuCreateIn) -> Status[Sku]:
    product = selectors.product_get(actor=request.auth, product_id=payload.product_id)
    data = payload.dict(exclude={"product_id"})
    sku = services.sku_create(actor=request.auth, product=product, data=data)
    return Status(201, selectors.sku_get(actor=request.auth, sku_id=sku.pk))


@router.get("/skus/{sku_id}", response=SkuDetailOut)
def sku_detail(request: ApiRequest, sku_id: int) -> Sku:
    return selectors.sku_get(actor=request.auth, sku_id=sku_id)


@router.patch("/skus/{sku_id}", response=SkuDetailOut)
def sku_update(request: ApiRequest, sku_id: int, payload: SkuUpdateIn) -> Sku:
    sku = selectors.sku_get(actor=request.auth, sku_id=sku_id)
    services.sku_update(actor=request.auth, sku=sku, data=payload.dict(exclude_unset=True))
    return selectors.sku_get(actor=request.auth, sku_id=sku_id)
