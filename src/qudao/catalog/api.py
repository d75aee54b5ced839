"""The catalogue's JSON API: reads for everyone who may browse the catalogue, writes for the
brand; the sellers' product sets for their side (writes: those who manage the seller's
promotions). Each handler finds its objects through the selectors and calls one service."""

from typing import Any

from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.catalog import selectors, services
from qudao.catalog.models import Category, Product, ProductSet, Sku
from qudao.catalog.schemas import (
    CategoryCreateIn,
    CategoryOut,
    ProductCreateIn,
    ProductDetailOut,
    ProductFilters,
    ProductOut,
    ProductSetCreateIn,
    ProductSetDetailOut,
    ProductSetFilters,
    ProductSetOut,
    ProductSetUpdateIn,
    ProductUpdateIn,
    SkuCreateIn,
    SkuDetailOut,
    SkuFilters,
    SkuOut,
    SkuUpdateIn,
)
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network.selectors import org_get

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


@router.get("/product-sets", response=list[ProductSetOut])
@paginate(PageNumberPagination)
def product_set_list(request: ApiRequest, filters: Query[ProductSetFilters]):  # type: ignore[no-untyped-def]
    """The sets of the sellers in the actor's scope, by seller and name."""
    return selectors.product_set_list_for_actor(
        actor=request.auth, owner_id=filters.owner, q=filters.q
    )


@router.post("/product-sets", response={201: ProductSetDetailOut})
def product_set_create(request: ApiRequest, payload: ProductSetCreateIn) -> Status[ProductSet]:
    """A seller's new set. Refusals (nothing written): product_set_name_taken,
    product_set_empty, product_set_sku_unknown, product_set_category_unknown,
    product_set_too_large; a seller outside the scope 404, without the right 403."""
    owner = org_get(actor=request.auth, org_id=payload.owner_id)
    data = payload.dict(exclude={"owner_id"})
    product_set = services.product_set_create(actor=request.auth, owner=owner, data=data)
    return Status(201, selectors.product_set_get(actor=request.auth, product_set_id=product_set.pk))


@router.get("/product-sets/{product_set_id}", response=ProductSetDetailOut)
def product_set_detail(request: ApiRequest, product_set_id: int) -> ProductSet:
    return selectors.product_set_get(actor=request.auth, product_set_id=product_set_id)


@router.patch("/product-sets/{product_set_id}", response=ProductSetDetailOut)
def product_set_update(
    request: ApiRequest, product_set_id: int, payload: ProductSetUpdateIn
) -> ProductSet:
    """Rename the set or replace its SKUs or categories. Every promotion naming the set
    follows, live ones included; a change that would make an exclusive promotion overlap
    another is refused (promotion_exclusive_overlap)."""
    product_set = selectors.product_set_get(actor=request.auth, product_set_id=product_set_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.product_set_update(actor=request.auth, product_set=product_set, data=data)
    return selectors.product_set_get(actor=request.auth, product_set_id=product_set_id)
