"""Writes of the catalogue: categories, products, SKUs, pack sizes, fitment, images.

Only the brand writes the catalogue (MANAGE_CATALOG held at HQ); everyone else who may read it
gets PermissionDenied — the catalogue is in their view, so 403, not 404. Each write is one
transaction with its audit row (on the category, product or SKU) and an outbox event.

The package by sub-domain: `_common` (the permission check, audited field tuples, audit
snapshot, shared errors), `categories` (the tree), `products` (SPUs and their picture) and
`skus` (SKUs, pack sizes and fitment); `product_sets` (a seller's named sets of SKUs and
categories, written by those who manage the seller's promotions, not by the brand alone).
"""

from qudao.catalog.services._common import (
    PAIR_FIELDS,
    PRODUCT_FIELDS,
    SKU_FIELDS,
    require_manager,
    snap,
)
from qudao.catalog.services.categories import category_create, category_move, category_rename
from qudao.catalog.services.product_sets import (
    ProductSetCheck,
    product_set_create,
    product_set_update,
    register_product_set_check,
)
from qudao.catalog.services.products import product_create, product_image_set, product_update
from qudao.catalog.services.skus import (
    fitment_add,
    fitment_remove,
    pack_label,
    sku_create,
    sku_pack_add,
    sku_pack_remove,
    sku_update,
)

__all__ = [
    "PAIR_FIELDS",
    "PRODUCT_FIELDS",
    "ProductSetCheck",
    "SKU_FIELDS",
    "category_create",
    "category_move",
    "category_rename",
    "fitment_add",
    "fitment_remove",
    "pack_label",
    "product_create",
    "product_image_set",
    "product_set_create",
    "product_set_update",
    "product_update",
    "register_product_set_check",
    "require_manager",
    "sku_create",
    "sku_pack_add",
    "sku_pack_remove",
    "sku_update",
    "snap",
]
