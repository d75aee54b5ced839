from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    DISCONTINUED = "discontinued", _("Discontinued")


PRODUCT_STATUS_PIPELINE: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.ON_SALE, ProductStatus.DISCONTINUED},
    ProductStatus.ON_SALE: {ProductStatus.DISCONTINUED},
    ProductStatus.DISCONTINUED: {ProductStatus.ON_SALE},
}

# Base units a stock quantity is counted in; pack sizes (箱 = 12 件) convert at the edges.
BASE_UNITS = ["件", "台", "辆", "个", "套", "只", "组", "块", "根", "条", "瓶"]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")

MAX_WARRANTY_MONTHS = 120  # ten years; anything longer is a typo
MAX_ORDER_MULTIPLE = 10_000  # base units a SKU can be required to be ordered in multiples of
MIN_PACK_FACTOR = 2  # a "pack" of one is the base unit itself

# A seller's product set: a name unique per seller, at least one SKU or category, at most
# this many of them together (more: name categories instead).
PRODUCT_SET_NAME_LENGTH = 60
MAX_PRODUCT_SET_ITEMS = 5_000

# First bytes of each accepted image type; the extension must name the same type.
IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "webp": (b"RIFF",),  # and b"WEBP" at offset 8, checked in the service
}
IMAGE_EXTENSION_TYPES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp"}

# Audit actions the catalogue writes on its own objects; other apps (pricing) write rows on
# catalog.sku too, which only catalogue managers and the apps' own grants may read.
