from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qudao.core.money import MoneyField
from qudao.network.constants import Channel, Grade
from qudao.pricing.constants import Target


class PriceList(models.Model):
    """A seller's prices for the buyers it targets, valid in [valid_from, valid_until)."""

    seller = models.ForeignKey(
        "network.Org",
        on_delete=models.PROTECT,
        related_name="price_lists",
        verbose_name=_("seller"),
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("target"), max_length=16, choices=Target.choices)
    target_buyer = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("buyer"),
    )
    target_grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    target_region = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    target_channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, blank=True
    )
    priority = models.IntegerField(_("priority"), default=0)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price list")
        ordering = ["seller_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "code"], name="price_list_code_unique"),
            models.CheckConstraint(
                condition=Q(target__in=Target.values), name="price_list_target_valid"
            ),
            # exactly the field of its target kind is set
            models.CheckConstraint(
                condition=(
                    Q(target=Target.BUYER, target_buyer__isnull=False)
                    | Q(target=Target.GRADE, target_grade__in=Grade.values)
                    | Q(target=Target.REGION, target_region__isnull=False)
                    | Q(target=Target.CHANNEL, target_channel__in=Channel.values)
                    | Q(target=Target.DEFAULT)
                ),
                name="price_list_target_set",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="price_list_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["seller", "target", "is_active"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceListItem(models.Model):
    """A price for a SKU from a quantity (in base units) upwards."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    min_qty = models.PositiveIntegerField(_("from quantity"), default=1)
    price = MoneyField(_("price"))

    class Meta:
        verbose_name = _("price list item")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "sku", "min_qty"], name="price_item_unique"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_item_not_negative"),
            models.CheckConstraint(condition=Q(min_qty__gte=1), name="price_item_min_qty_gte_1"),
        ]
        indexes = [models.Index(fields=["sku", "price_list"])]

    def __str__(self) -> str:
        return f"{self.sku_id} ≥{self.min_qty}: {self.price}"


class PriceControl(models.Model):
    """Brand price control (控价) of a SKU: floors per seller level, suggested retail."""

    sku = models.OneToOneField(
        "catalog.Sku", on_delete=models.CASCADE, related_name="price_control", verbose_name=_("SKU")
    )
    floor_distributor = MoneyField(_("floor for distributors"), null=True, blank=True, default=None)
    floor_dealer = MoneyField(_("floor for dealers"), null=True, blank=True, default=None)
    floor_store = MoneyField(_("floor for stores"), null=True, blank=True, default=None)
    suggested_retail = MoneyField(_("suggested retail price"), null=True, blank=True, default=None)
    minimum_advertised = MoneyField(
        _("minimum advertised price"), null=True, blank=True, default=None
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price control")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(floor_distributor__isnull=True) | Q(floor_distributor__gte=0))
                    & (Q(floor_dealer__isnull=True) | Q(floor_dealer__gte=0))
                    & (Q(floor_store__isnull=True) | Q(floor_store__gte=0))
                    & (Q(suggested_retail__isnull=True) | Q(suggested_retail__gte=0))
                    & (Q(minimum_advertised__isnull=True) | Q(minimum_advertised__gte=0))
                ),
                name="price_control_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}"

    def floor_for(self, seller_kind: str) -> Decimal | None:
        """The floor binding a seller of this kind (distributor, dealer, store), if any."""
        return getattr(self, f"floor_{seller_kind}", None)
