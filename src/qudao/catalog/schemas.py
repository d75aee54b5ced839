from datetime import datetime
from typing import Any

from ninja import Field, Schema

from qudao.catalog.constants import MAX_PRODUCT_SET_ITEMS, PRODUCT_SET_NAME_LENGTH, ProductStatus
from qudao.core.schemas import Id, InputSchema, Int32

# --- categories ----------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None = Field(None, alias="parent_pk")
    depth: int


class CategoryCreateIn(InputSchema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=60)
    parent_id: Id | None = None


# --- SKUs ----------------------------------------------------------------------------------


class PackOut(Schema):
    unit: str
    factor: int
    barcode: str


class FitOut(Schema):
    product_id: int
    product_code: str = Field(alias="product.code")
    product_name: str = Field(alias="product.name")


class SkuOut(Schema):
    id: int
    code: str
    name: str
    product_id: int
    product_code: str = Field(alias="product.code")
    product_name: str = Field(alias="product.name")
    attributes: dict[str, str]
    barcode: str
    base_unit: str
    status: ProductStatus
    serial_tracked: bool
    warranty_months: int
    order_multiple: int
    packs: list[PackOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_packs(obj: Any) -> list[Any]:
        return list(obj.packs.all())


class SkuDetailOut(SkuOut):
    fits: list[FitOut]

    @staticmethod
    def resolve_fits(obj: Any) -> list[Any]:
        return list(obj.fitments.all())


class SkuFilters(Schema):
    q: str = ""
    category: Id | None = None
    status: ProductStatus | None = None
    product: Id | None = None


class SkuCreateIn(InputSchema):
    product_id: Id
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=160)
    attributes: dict[str, str] = Field(default_factory=dict)
    barcode: str = Field("", max_length=32)
    base_unit: str = Field("件", max_length=8)
    status: ProductStatus = ProductStatus.DRAFT
    serial_tracked: bool = False
    warranty_months: Int32 = 0
    order_multiple: Int32 = 1


class SkuUpdateIn(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=160)
    attributes: dict[str, str] | None = None
    barcode: str | None = Field(None, max_length=32)
    base_unit: str | None = Field(None, max_length=8)
    status: ProductStatus | None = None
    serial_tracked: bool | None = None
    warranty_months: Int32 | None = None
    order_multiple: Int32 | None = None


# --- products ------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    code: str
    name: str
    category_id: int
    category_code: str = Field(alias="category.code")
    category_name: str = Field(alias="category.name")
    status: ProductStatus
    is_spare_part: bool
    description: str
    specs: dict[str, str]
    image_url: str = ""
    sku_count: int = 0
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_image_url(obj: Any) -> str:
        return obj.image.url if obj.image else ""


class ProductDetailOut(ProductOut):
    skus: list[SkuDetailOut]
    parts: list[SkuOut]

    @staticmethod
    def resolve_sku_count(obj: Any) -> int:
        return len(obj.skus.all())

    @staticmethod
    def resolve_skus(obj: Any) -> list[Any]:
        return list(obj.skus.all())

    @staticmethod
    def resolve_parts(obj: Any) -> list[Any]:
        """The spare part SKUs that fit this product."""
        return [fitment.part for fitment in obj.parts.all()]


class ProductFilters(Schema):
    q: str = ""
    category: Id | None = None
    status: ProductStatus | None = None
    spare_part: bool | None = None


class ProductCreateIn(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    category_id: Id
    status: ProductStatus = ProductStatus.DRAFT
    is_spare_part: bool = False
    description: str = ""
    specs: dict[str, str] = Field(default_factory=dict)


class ProductUpdateIn(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=120)
    category_id: Id | None = None
    status: ProductStatus | None = None
    is_spare_part: bool | None = None
    description: str | None = None
    specs: dict[str, str] | None = None


# --- product sets ----------------------------------------------------------------------------


class ProductSetOut(Schema):
    """A seller's product set with how many SKUs and categories it holds."""

    id: int
    owner_id: int
    owner_code: str = Field(alias="owner.code")
    owner_name: str = Field(alias="owner.name")
    name: str
    sku_count: int = 0
    category_count: int = 0
    created_at: datetime
    updated_at: datetime


class ProductSetDetailOut(ProductSetOut):
    """The set with its SKUs (by code) and categories (by code; each with its
    subcategories)."""

    sku_codes: list[str]
    category_codes: list[str]

    @staticmethod
    def resolve_sku_codes(obj: Any) -> list[str]:
        return [s.code for s in obj.member_skus()]

    @staticmethod
    def resolve_category_codes(obj: Any) -> list[str]:
        return [c.code for c in obj.member_categories()]


class ProductSetFilters(Schema):
    q: str = ""
    owner: Id | None = None


class ProductSetCreateIn(InputSchema):
    """A set of the seller `owner_id` (an org where the actor manages promotions): at least
    one SKU or category; SKUs from the catalogue the seller sells from."""

    owner_id: Id
    name: str = Field(min_length=1, max_length=PRODUCT_SET_NAME_LENGTH)
    sku_codes: list[str] = Field(default_factory=list, max_length=MAX_PRODUCT_SET_ITEMS)
    category_codes: list[str] = Field(default_factory=list, max_length=MAX_PRODUCT_SET_ITEMS)


class ProductSetUpdateIn(InputSchema):
    """Fields left out (or null) keep their value; a list given replaces the current one."""

    name: str | None = Field(None, min_length=1, max_length=PRODUCT_SET_NAME_LENGTH)
    sku_codes: list[str] | None = Field(None, max_length=MAX_PRODUCT_SET_ITEMS)
    category_codes: list[str] | None = Field(None, max_length=MAX_PRODUCT_SET_ITEMS)
