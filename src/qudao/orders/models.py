"""Orders between tiers: the order with its priced lines, the reasons it waits for approval,
the seller's approval rule, shipments (with serials and the buyer's receipt) and returns.

Numbers never change after submit except through the services' documented transitions; the
CHECK constraints below make a bug unable to leave shipped above ordered, received above
shipped, returned above received, or a payment split that does not add up.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.money import MoneyField
from qudao.orders.constants import (
    DEFAULT_AUTO_CONFIRM_DAYS,
    DEFAULT_COMPLETE_AFTER_DAYS,
    DEFAULT_REBATE_CAP_PCT,
    HoldReason,
    OrderKind,
    OrderStatus,
    ReturnKind,
    ReturnReason,
    ReturnStatus,
    ShipmentStatus,
)

# SQLite keeps decimals as floats: a sum compared with a column needs a little room there
# (on PostgreSQL numeric arithmetic is exact and the room is never used).
_HALF_CENT = Value(Decimal("0.004"))


class ApprovalRule(models.Model):
    """A seller's order rules: which approval steps hold a submitted order (each can be
    switched off), the rebate cap and the receipt auto-confirm delay. A seller without a row
    uses the defaults of the field definitions."""

    seller = models.OneToOneField(
        "network.Org",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("seller"),
    )
    amount_enabled = models.BooleanField(_("hold orders over an amount"), default=False)
    amount_threshold = MoneyField(_("amount threshold"), null=True, blank=True, default=None)
    discount_enabled = models.BooleanField(_("hold orders over a discount"), default=False)
    discount_threshold_pct = models.DecimalField(
        _("discount threshold (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    credit_hold_enabled = models.BooleanField(
        _("hold orders over the credit limit instead of refusing them"), default=False
    )
    overdue_enabled = models.BooleanField(
        _("hold orders of buyers with overdue invoices"), default=True
    )
    first_order_enabled = models.BooleanField(_("hold a buyer's first order"), default=True)
    rebate_cap_pct = models.DecimalField(
        _("rebate deduction cap (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_REBATE_CAP_PCT,
    )
    auto_confirm_days = models.PositiveSmallIntegerField(
        _("receipts confirm themselves after (days)"), default=DEFAULT_AUTO_CONFIRM_DAYS
    )
    complete_after_days = models.PositiveSmallIntegerField(
        _("delivered orders complete after (days)"), default=DEFAULT_COMPLETE_AFTER_DAYS
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("approval rule")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_threshold__isnull=True) | Q(amount_threshold__gte=0),
                name="approval_rule_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_enabled=False) | Q(amount_threshold__isnull=False),
                name="approval_rule_amount_step_has_threshold",
            ),
            models.CheckConstraint(
                condition=Q(discount_threshold_pct__isnull=True)
                | Q(discount_threshold_pct__gte=0, discount_threshold_pct__lte=100),
                name="approval_rule_discount_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_enabled=False) | Q(discount_threshold_pct__isnull=False),
                name="approval_rule_discount_step_has_threshold",
            ),
            models.CheckConstraint(
                condition=Q(rebate_cap_pct__gte=0, rebate_cap_pct__lte=100),
                name="approval_rule_rebate_cap_range",
            ),
            models.CheckConstraint(
                condition=Q(auto_confirm_days__gte=1, auto_confirm_days__lte=90),
                name="approval_rule_auto_confirm_range",
            ),
            models.CheckConstraint(
                condition=Q(complete_after_days__gte=1, complete_after_days__lte=365),
                name="approval_rule_complete_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.seller)


class Order(models.Model):
    """An order of a buyer from a seller. Money and quantities are in the lines; the order
    carries their totals, the payment split and what is frozen, applied and invoiced."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=OrderKind.choices, default=OrderKind.STANDARD
    )
    buyer = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer")
    )
    seller = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("placed by"),
    )
    on_behalf = models.BooleanField(_("placed on behalf of the buyer"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    use_rebate = models.BooleanField(_("deduct from the rebate balance"), default=False)
    coupon_codes = models.JSONField(_("coupon codes"), default=list, blank=True)
    # why promotions did or did not apply (engine notes as dicts), as last priced
    promotion_notes = models.JSONField(default=list, blank=True, editable=False)
    # the seller's warehouse the order ships from (its default when approved)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ships from"),
    )
    list_amount = MoneyField(_("amount at list prices"))
    # list − gross: how far the resolved prices sit under the seller's list prices
    discount_amount = MoneyField(_("discount"))
    # Σ line adjustments (promotions; an exchange's replacement): signed
    adjustment_amount = MoneyField(_("adjustments"))
    amount = MoneyField(_("amount"))
    # the payment split (BUSINESS-RULES.md: prepaid first, then rebate up to the cap, then
    # credit); an estimate at submit, final at approval
    prepaid_amount = MoneyField(_("paid from the prepaid balance"))
    rebate_amount = MoneyField(_("paid from the rebate balance"))
    credit_amount = MoneyField(_("on credit"))
    # what the order holds and has settled as it ships
    frozen_amount = MoneyField(_("credit frozen"))
    paid_applied = MoneyField(_("prepaid and rebate applied to shipments"))
    shipped_amount = MoneyField(_("shipped value"))
    invoiced_amount = MoneyField(_("invoiced"))
    returned_amount = MoneyField(_("returned value"))
    prepaid_entry = models.ForeignKey(
        "finance.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rebate_entry = models.ForeignKey(
        "finance.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # the credit check's numbers when the order was last checked (for the approver)
    credit_numbers = models.JSONField(_("credit check"), default=dict, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    placed_at = models.DateTimeField(_("order date"), default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decision_comment = models.CharField(_("approver's comment"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["seller", "status", "-placed_at"], name="order_seller_idx"),
            models.Index(fields=["buyer", "status", "-placed_at"], name="order_buyer_idx"),
            models.Index(
                fields=["seller", "placed_at"],
                name="order_pending_idx",
                condition=Q(status=OrderStatus.PENDING_APPROVAL),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=OrderKind.values), name="order_kind_valid"),
            models.CheckConstraint(condition=~Q(buyer=F("seller")), name="order_not_to_self"),
            models.CheckConstraint(
                condition=Q(
                    list_amount__gte=0,
                    amount__gte=0,
                    prepaid_amount__gte=0,
                    rebate_amount__gte=0,
                    credit_amount__gte=0,
                    frozen_amount__gte=0,
                    paid_applied__gte=0,
                    shipped_amount__gte=0,
                    invoiced_amount__gte=0,
                    returned_amount__gte=0,
                ),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                # once submitted (a draft, or a draft cancelled, has no split)
                condition=Q(submitted_at__isnull=True)
                | (
                    Q(
                        amount__lte=F("prepaid_amount")
                        + F("rebate_amount")
                        + F("credit_amount")
                        + _HALF_CENT
                    )
                    & Q(
                        amount__gte=F("prepaid_amount")
                        + F("rebate_amount")
                        + F("credit_amount")
                        - _HALF_CENT
                    )
                ),
                name="order_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(frozen_amount__lte=F("credit_amount") + _HALF_CENT),
                name="order_frozen_within_credit",
            ),
            models.CheckConstraint(
                condition=Q(
                    paid_applied__lte=F("prepaid_amount") + F("rebate_amount") + _HALF_CENT
                ),
                name="order_applied_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(shipped_amount__lte=F("amount") + _HALF_CENT),
                name="order_shipped_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def paid_amount(self) -> Decimal:
        """Settled before shipping (prepaid + rebate)."""
        return self.prepaid_amount + self.rebate_amount

    @property
    def discount_pct(self) -> Decimal:
        if not self.list_amount:
            return Decimal("0.00")
        return (self.discount_amount * 100 / self.list_amount).quantize(Decimal("0.01"))


class OrderLine(models.Model):
    """One SKU of an order: quantity in base units (and as entered, in a sales unit), the
    resolved unit price with its source, the list price, adjustments and the net amount;
    then what was shipped, received and returned of it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    unit = models.CharField(_("unit"), max_length=8)
    unit_qty = models.PositiveIntegerField(_("quantity in that unit"))
    unit_factor = models.PositiveIntegerField(_("base units per unit"), default=1)
    qty = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    list_price = MoneyField(_("list price"))
    price_list = models.ForeignKey(
        "pricing.PriceList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("price list"),
    )
    price_source = models.CharField(_("price source"), max_length=200, blank=True)
    list_amount = MoneyField(_("amount at list price"))
    gross_amount = MoneyField(_("amount before adjustments"))
    adjustment_amount = MoneyField(_("adjustments"))
    amount = MoneyField(_("net amount"))
    qty_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    qty_received = models.PositiveIntegerField(_("received"), default=0)
    qty_returned = models.PositiveIntegerField(_("returned"), default=0)
    # free goods: a zero-price line of its own, linked to the promotion that gave it
    gift_promotion = models.ForeignKey(
        "promotions.Promotion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gift of promotion"),
    )

    class Meta:
        verbose_name = _("order line")
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sku"],
                condition=Q(gift_promotion__isnull=True),
                name="order_line_sku_unique",
            ),
            models.UniqueConstraint(
                fields=["order", "sku", "gift_promotion"],
                condition=Q(gift_promotion__isnull=False),
                name="order_line_gift_unique",
            ),
            models.CheckConstraint(
                condition=Q(gift_promotion__isnull=True) | Q(unit_price=0, amount=0),
                name="order_line_gift_is_free",
            ),
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_no_unique"),
            models.CheckConstraint(
                condition=Q(qty__gt=0, unit_qty__gt=0, unit_factor__gte=1),
                name="order_line_qty_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    unit_price__gte=0,
                    list_price__gte=0,
                    list_amount__gte=0,
                    gross_amount__gte=0,
                    amount__gte=0,
                ),
                name="order_line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(qty_shipped__lte=F("qty")), name="order_line_shipped_within_qty"
            ),
            models.CheckConstraint(
                condition=Q(qty_received__lte=F("qty_shipped")),
                name="order_line_received_within_shipped",
            ),
            models.CheckConstraint(
                condition=Q(qty_returned__lte=F("qty_received")),
                name="order_line_returned_within_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"

    @property
    def qty_open(self) -> int:
        """Still to ship."""
        return self.qty - self.qty_shipped


class LineAdjustment(models.Model):
    """A change to a line's amount by a promotion (the promotions app writes these through
    `apply_promotions`); the line's net amount = gross + Σ adjustments."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="adjustments")
    source = models.CharField(_("source"), max_length=32)
    source_id = models.CharField(max_length=64, blank=True)
    label = models.CharField(_("label"), max_length=200)
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("line adjustment")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="line_adjustment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.amount:+}"


class OrderHold(models.Model):
    """One reason a submitted order waits for an approver, with the numbers behind it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    code = models.CharField(_("reason"), max_length=32, choices=HoldReason.choices)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("approval reason")
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "code"], name="order_hold_unique"),
            models.CheckConstraint(
                condition=Q(code__in=HoldReason.values), name="order_hold_code_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Shipment(models.Model):
    """Goods of an order leaving the seller's warehouse: carrier and tracking, the lines and
    serials, the inventory transit towards the buyer's warehouse (none when the buyer keeps
    no warehouse) and the invoice; then the buyer's receipt with its discrepancies."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        _("status"), max_length=12, choices=ShipmentStatus.choices, default=ShipmentStatus.POSTED
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to"),
    )
    transit = models.OneToOneField(
        "inventory.Transit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    amount = MoneyField(_("value"))
    paid_applied = MoneyField(_("settled from prepaid and rebate"))
    invoice = models.ForeignKey(
        "finance.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    auto_confirmed = models.BooleanField(_("confirmed automatically"), default=False)
    receipt_note = models.CharField(_("receipt note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("shipment")
        ordering = ["-shipped_at", "-id"]
        indexes = [
            models.Index(
                fields=["shipped_at"],
                name="shipment_unreceived_idx",
                condition=Q(status=ShipmentStatus.POSTED),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ShipmentStatus.values), name="shipment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, paid_applied__gte=0)
                & Q(paid_applied__lte=F("amount") + _HALF_CENT),
                name="shipment_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=ShipmentStatus.POSTED) | Q(received_at__isnull=False),
                name="shipment_received_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    """Units of one order line in a shipment and, after the receipt, how many arrived, how
    many were short and how many of the received were damaged."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipped")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("shipped"))
    amount = MoneyField(_("value"))
    qty_received = models.PositiveIntegerField(_("received"), default=0)
    qty_short = models.PositiveIntegerField(_("short"), default=0)
    qty_damaged = models.PositiveIntegerField(_("damaged"), default=0)
    note = models.CharField(_("discrepancy"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("shipment line")
        ordering = ["shipment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_unique"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="shipment_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(qty__gte=F("qty_received") + F("qty_short")),
                name="shipment_line_receipt_within_qty",
            ),
            models.CheckConstraint(
                condition=Q(qty_damaged__lte=F("qty_received")),
                name="shipment_line_damaged_within_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}: {self.sku_id} × {self.qty}"


class ShipmentSerial(models.Model):
    """A unit shipped on a line: a returned serial must be one of these for its order."""

    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="serials")
    serial = models.CharField(_("serial number"), max_length=64, db_index=True)
    received = models.BooleanField(_("received"), default=False)

    class Meta:
        verbose_name = _("shipped serial")
        constraints = [
            models.UniqueConstraint(fields=["line", "serial"], name="shipment_serial_unique"),
        ]

    def __str__(self) -> str:
        return self.serial


class ReturnRequest(models.Model):
    """The buyer sends received goods back: for a credit note, or (an exchange) for the same
    goods again on a linked replacement order at no price difference."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    kind = models.CharField(
        _("kind"), max_length=10, choices=ReturnKind.choices, default=ReturnKind.RETURN
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason_code = models.CharField(_("reason"), max_length=16, choices=ReturnReason.choices)
    reason = models.CharField(_("description"), max_length=500)
    amount = MoneyField(_("value"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment"), max_length=500, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("back to"),
    )
    transit = models.OneToOneField(
        "inventory.Transit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_note = models.ForeignKey(
        "finance.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("credit note"),
    )
    replacement_order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
        verbose_name=_("replacement order"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReturnStatus.values), name="return_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=ReturnKind.values), name="return_kind"),
            models.CheckConstraint(
                condition=Q(reason_code__in=ReturnReason.values), name="return_reason_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="return_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(kind=ReturnKind.EXCHANGE) | Q(replacement_order__isnull=True),
                name="return_replacement_only_for_exchange",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    ret = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="returned")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField(_("quantity"))
    amount = MoneyField(_("value"))

    class Meta:
        verbose_name = _("return line")
        ordering = ["ret_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ret", "order_line"], name="return_line_unique"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="return_line_qty_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="return_line_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.ret_id}: {self.sku_id} × {self.qty}"


class ReturnSerial(models.Model):
    line = models.ForeignKey(ReturnLine, on_delete=models.CASCADE, related_name="serials")
    serial = models.CharField(_("serial number"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("returned serial")
        constraints = [
            models.UniqueConstraint(fields=["line", "serial"], name="return_serial_unique"),
        ]

    def __str__(self) -> str:
        return self.serial
