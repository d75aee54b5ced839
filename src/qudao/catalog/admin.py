"""Django admin for looking things up. Changes go through the pages and the API, which audit
them; the admin is read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qudao.catalog.models import (
    Category,
    Fitment,
    Product,
    ProductSet,
    ProductSetItem,
    Sku,
    SkuPack,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "depth", "path")
    search_fields = ("name", "code", "search_text")


class SkuInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Sku
    fields = ("code", "name", "barcode", "base_unit", "status")
    extra = 0


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "category", "status", "is_spare_part")
    list_filter = ("status", "is_spare_part")
    search_fields = ("name", "code", "search_text")
    inlines = (SkuInline,)


class PackInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SkuPack
    extra = 0


@admin.register(Sku)
class SkuAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "product", "barcode", "base_unit", "status")
    list_filter = ("status", "serial_tracked")
    search_fields = ("code", "name", "barcode", "search_text")
    raw_id_fields = ("product",)
    inlines = (PackInline,)


@admin.register(Fitment)
class FitmentAdmin(ReadOnlyAdmin):
    list_display = ("part", "product")
    raw_id_fields = ("part", "product")


class ProductSetItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProductSetItem
    raw_id_fields = ("sku", "category")
    extra = 0


@admin.register(ProductSet)
class ProductSetAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "updated_at")
    search_fields = ("name",)
    raw_id_fields = ("owner",)
    inlines = (ProductSetItemInline,)
