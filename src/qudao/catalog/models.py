from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from qudao.catalog.constants import (
    IMAGE_EXTENSIONS,
    MAX_ORDER_MULTIPLE,
    MAX_WARRANTY_MONTHS,
    PRODUCT_SET_NAME_LENGTH,
    ProductStatus,
)


class Category(MP_Node):
    """The brand's category tree (整车 › 踏板车, 电池 › 锂电池, 配件 › 刹车 …)."""

    steplen = 4
    node_order_by = None

    # treebeard ships no types, so mypy cannot infer fields of an MP_Node subclass
    code: "models.CharField[str, str]" = models.CharField(_("code"), max_length=32, unique=True)
    name: "models.CharField[str, str]" = models.CharField(_("name"), max_length=60)
    search_text: "models.CharField[str, str]" = models.CharField(
        max_length=300, blank=True, editable=False
    )
    path: str
    depth: int
    numchild: int

    class Meta:
        verbose_name = _("category")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product (SPU) of the brand: the model people name; SKUs are its variants."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    is_spare_part = models.BooleanField(_("spare part"), default=False)
    description = models.TextField(_("description"), blank=True)
    specs = models.JSONField(_("specifications"), default=dict, blank=True)
    image = models.FileField(
        _("image"),
        upload_to="catalog/products/",
        blank=True,
        validators=[FileExtensionValidator(list(IMAGE_EXTENSIONS))],
    )
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProductStatus.values), name="product_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    """A sellable variant, counted in its base unit; stock, prices and orders refer to it."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="skus", verbose_name=_("product")
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    base_unit = models.CharField(_("base unit"), max_length=8, default="件")
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    serial_tracked = models.BooleanField(_("serial tracked"), default=False)
    warranty_months = models.PositiveSmallIntegerField(_("warranty months"), default=0)
    order_multiple = models.PositiveIntegerField(
        _("order multiple"),
        default=1,
        help_text=_("Orders must be a whole multiple of this many base units (1: any quantity)."),
    )
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SKU")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProductStatus.values), name="sku_status_valid"
            ),
            models.UniqueConstraint(
                fields=["barcode"], condition=~models.Q(barcode=""), name="sku_barcode_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(order_multiple__gte=1, order_multiple__lte=MAX_ORDER_MULTIPLE),
                name="sku_order_multiple_range",
            ),
            models.CheckConstraint(
                condition=models.Q(warranty_months__lte=MAX_WARRANTY_MONTHS),
                name="sku_warranty_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SkuPack(models.Model):
    """A pack size of a SKU: 1 箱 = 12 件. Quantities are stored in the base unit."""

    sku = models.ForeignKey(
        Sku, on_delete=models.CASCADE, related_name="packs", verbose_name=_("SKU")
    )
    unit = models.CharField(_("unit"), max_length=8)
    factor = models.PositiveIntegerField(
        _("base units per pack"), validators=[MinValueValidator(2)]
    )
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("pack size")
        constraints = [
            models.UniqueConstraint(fields=["sku", "unit"], name="sku_pack_unique"),
            models.CheckConstraint(condition=models.Q(factor__gte=2), name="sku_pack_factor_gte_2"),
            models.UniqueConstraint(
                fields=["barcode"], condition=~models.Q(barcode=""), name="sku_pack_barcode_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit} = {self.factor} {self.sku.base_unit}"


class Fitment(models.Model):
    """A spare part SKU fits a product model (for after-sales)."""

    part = models.ForeignKey(
        Sku, on_delete=models.CASCADE, related_name="fitments", verbose_name=_("part")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="parts", verbose_name=_("fits model")
    )

    class Meta:
        verbose_name = _("fitment")
        constraints = [
            models.UniqueConstraint(fields=["part", "product"], name="fitment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.part} → {self.product}"


class ProductSet(models.Model):
    """A seller's saved, named set of SKUs and categories (each category with its
    subcategories), to target promotions — and later rebates — at in one step. Used by
    reference: what the set holds when a cart is priced is what counts (docs/decisions/0010).
    """

    owner = models.ForeignKey(
        "network.Org",
        on_delete=models.PROTECT,
        related_name="product_sets",
        verbose_name=_("seller"),
    )
    name = models.CharField(_("name"), max_length=PRODUCT_SET_NAME_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product set")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="product_set_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def member_skus(self) -> list[Sku]:
        """Its SKUs by code (read from its items, prefetched by the selectors)."""
        found = [item.sku for item in self.items.all() if item.sku is not None]
        return sorted(found, key=lambda sku: sku.code)

    def member_categories(self) -> list[Category]:
        """Its categories in tree order."""
        found = [item.category for item in self.items.all() if item.category is not None]
        return sorted(found, key=lambda category: category.path)


class ProductSetItem(models.Model):
    """A SKU or a category (with its subcategories) of a product set."""

    product_set = models.ForeignKey(
        ProductSet, on_delete=models.CASCADE, related_name="items", verbose_name=_("product set")
    )
    sku = models.ForeignKey(
        Sku,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SKU"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )

    class Meta:
        verbose_name = _("product set item")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sku__isnull=False, category__isnull=True)
                | models.Q(sku__isnull=True, category__isnull=False),
                name="product_set_item_one_of",
            ),
            models.UniqueConstraint(
                fields=["product_set", "sku"],
                condition=models.Q(sku__isnull=False),
                name="product_set_item_sku_unique",
            ),
            models.UniqueConstraint(
                fields=["product_set", "category"],
                condition=models.Q(category__isnull=False),
                name="product_set_item_category_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_set_id}: {self.sku_id or self.category_id}"
