from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qudao.core.money import MoneyField
from qudao.network.constants import Channel, Grade, OrgKind
from qudao.promotions.constants import Kind, Status, TargetKind, UseKind


class Promotion(models.Model):
    """One version of a seller's promotion: a kind with its rules (rules.py), targets,
    products, a validity window [starts_at, ends_at), priority, exclusivity and budget caps
    with what orders have consumed of them (changed only through PromotionUse rows)."""

    seller = models.ForeignKey(
        "network.Org",
        on_delete=models.PROTECT,
        related_name="promotions",
        verbose_name=_("seller"),
    )
    number = models.CharField(_("number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    rules = models.JSONField(_("rules"), default=dict)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    exclusive = models.BooleanField(_("exclusive"), default=False)
    # A brand promotion may take a line under the brand's floor price; only the brand's
    # people can set this (services).
    floor_exempt = models.BooleanField(_("may go below the floor price"), default=False)
    # No product rows: every product; no target rows: every buyer of the seller. Kept by the
    # services so the candidate query is one indexed OR instead of an anti-join.
    all_products = models.BooleanField(default=True, editable=False)
    all_buyers = models.BooleanField(default=True, editable=False)
    # How many target dimensions the rows use: with one, a row the buyer meets is the whole
    # answer, so pricing a cart loads the rows only of promotions that combine dimensions.
    target_kinds = models.PositiveSmallIntegerField(default=0, editable=False)
    budget_amount = MoneyField(_("budget"), null=True, blank=True, default=None)
    consumed_amount = MoneyField(_("budget used"))
    budget_qty = models.PositiveIntegerField(_("quantity cap"), null=True, blank=True)
    consumed_qty = models.PositiveIntegerField(_("quantity used"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("copied from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_comment = models.CharField(_("comment"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # a group-buy's window closed and its final tier settled with the buyers (once)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_price = models.DecimalField(
        _("final group-buy price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("promotion")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="promotion_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="promotion_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="promotion_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(consumed_amount__gte=0, consumed_qty__gte=0),
                name="promotion_consumed_not_negative",
            ),
            # the caps: never overspent (services update by conditional UPDATE)
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True)
                | Q(consumed_amount__lte=F("budget_amount")),
                name="promotion_amount_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(budget_qty__isnull=True) | Q(consumed_qty__lte=F("budget_qty")),
                name="promotion_qty_within_cap",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.FLASH_SALE)
                | Q(budget_qty__isnull=False, ends_at__isnull=False),
                name="promotion_flash_sale_capped",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "all_products"], name="promotion_candidates"),
            models.Index(fields=["status", "ends_at"], name="promotion_status_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def budget_amount_left(self) -> Decimal | None:
        if self.budget_amount is None:
            return None
        return self.budget_amount - self.consumed_amount

    @property
    def budget_qty_left(self) -> int | None:
        if self.budget_qty is None:
            return None
        return self.budget_qty - self.consumed_qty


class PromotionTarget(models.Model):
    """One alternative of one targeting dimension (TargetKind)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="targets")
    # the promotion's seller and whether it is live, copied here (kept by the services) so
    # the candidate query reads only live rows of one seller through partial indexes
    seller = models.ForeignKey(
        "network.Org", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    live = models.BooleanField(default=False)
    kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    buyer = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("buyer"),
    )
    region = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("region"),
    )
    # grade, channel, level, or an administrative division code (a prefix: 33 is 浙江省)
    value = models.CharField(_("value"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("promotion target")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=TargetKind.BUYER, buyer__isnull=False, region__isnull=True, value="")
                    | Q(kind=TargetKind.REGION, region__isnull=False, buyer__isnull=True, value="")
                    | Q(
                        kind=TargetKind.GRADE,
                        value__in=Grade.values,
                        buyer__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        kind=TargetKind.CHANNEL,
                        value__in=Channel.values,
                        buyer__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        kind=TargetKind.LEVEL,
                        value__in=OrgKind.values,
                        buyer__isnull=True,
                        region__isnull=True,
                    )
                    | (
                        Q(kind=TargetKind.DIVISION, buyer__isnull=True, region__isnull=True)
                        & ~Q(value="")
                    )
                ),
                name="promotion_target_set",
            ),
        ]
        indexes = [
            models.Index(
                fields=["seller", "kind", "value"],
                condition=Q(live=True),
                name="promotion_target_value",
            ),
            models.Index(
                fields=["seller", "buyer"], condition=Q(live=True), name="promotion_target_buyer"
            ),
            models.Index(
                fields=["seller", "region"], condition=Q(live=True), name="promotion_target_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id}: {self.kind} {self.buyer_id or self.region_id or self.value}"


class PromotionProduct(models.Model):
    """A SKU, a category (with its subcategories) or a seller's product set the promotion
    covers. A set counts by reference: its SKUs and categories when the cart is priced."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="products")
    seller = models.ForeignKey(
        "network.Org", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    live = models.BooleanField(default=False)  # as on PromotionTarget
    sku = models.ForeignKey(
        "catalog.Sku",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SKU"),
    )
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    product_set = models.ForeignKey(
        "catalog.ProductSet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product set"),
    )

    class Meta:
        verbose_name = _("promotion product")
        constraints = [
            models.CheckConstraint(
                condition=Q(sku__isnull=False, category__isnull=True, product_set__isnull=True)
                | Q(sku__isnull=True, category__isnull=False, product_set__isnull=True)
                | Q(sku__isnull=True, category__isnull=True, product_set__isnull=False),
                name="promotion_product_one_of",
            ),
        ]
        indexes = [
            models.Index(
                fields=["seller", "sku"], condition=Q(live=True), name="promotion_product_sku"
            ),
            models.Index(
                fields=["seller", "category"],
                condition=Q(live=True),
                name="promotion_product_category",
            ),
            models.Index(
                fields=["seller", "product_set"],
                condition=Q(live=True),
                name="promotion_product_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id}: {self.sku_id or self.category_id or self.product_set_id}"


class PromotionUse(models.Model):
    """The consumption ledger: an order consumed (or its cancellation released) so much of a
    promotion's budget and quantity. Σ consume − Σ release = the promotion's consumed
    counters, always (`qudao check-ledgers`)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="uses")
    kind = models.CharField(_("kind"), max_length=16, choices=UseKind.choices)
    buyer = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("buyer"),
    )
    # the business document, by reference: promotions never imports orders
    doc_type = models.CharField(max_length=32)
    doc_id = models.CharField(max_length=64)
    doc_number = models.CharField(max_length=40, blank=True)
    amount = MoneyField(_("amount"))
    qty = models.PositiveIntegerField(_("quantity"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("promotion use")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=UseKind.values), name="promotion_use_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, qty__gte=0), name="promotion_use_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["doc_type", "doc_id"], name="promotion_use_doc"),
            models.Index(fields=["promotion", "buyer"], name="promotion_use_buyer"),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.kind} {self.amount}/{self.qty} {self.doc_id}"


class Coupon(models.Model):
    """A code of a coupon promotion: issued to one buyer, or a batch code any targeted buyer
    may enter; at most `total_limit` uses in all and `per_buyer_limit` per buyer."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="coupons")
    seller = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    code = models.CharField(_("code"), max_length=32)
    buyer = models.ForeignKey(
        "network.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued to"),
    )
    total_limit = models.PositiveIntegerField(_("uses in all"), null=True, blank=True)
    per_buyer_limit = models.PositiveIntegerField(_("uses per buyer"), default=1)
    used = models.PositiveIntegerField(_("used"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        ordering = ["promotion_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "code"], name="coupon_code_unique"),
            models.CheckConstraint(condition=Q(per_buyer_limit__gte=1), name="coupon_per_buyer"),
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(used__lte=F("total_limit")),
                name="coupon_used_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CouponHolder(models.Model):
    """How often one buyer has used one coupon, against its own copy of the limit, so the
    per-buyer limit holds by one conditional UPDATE like the total."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="holders")
    buyer = models.ForeignKey("network.Org", on_delete=models.CASCADE, related_name="+")
    used = models.PositiveIntegerField(default=0)
    limit = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "buyer"], name="coupon_holder_unique"),
            models.CheckConstraint(
                condition=Q(used__lte=F("limit")), name="coupon_holder_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id}/{self.buyer_id}: {self.used}/{self.limit}"


class CouponRedemption(models.Model):
    """The coupons' ledger: redeemed by an order, released by its cancellation."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    buyer = models.ForeignKey("network.Org", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=UseKind.choices)
    doc_type = models.CharField(max_length=32)
    doc_id = models.CharField(max_length=64)
    doc_number = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=UseKind.values), name="coupon_redemption_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["doc_type", "doc_id"], name="coupon_redemption_doc")]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.kind} {self.doc_type}:{self.doc_id}"
