"""Inventory: warehouses, stock balances per (warehouse, SKU), the stock move ledger,
reservations, goods in transit, serial numbers with their history, stock counts and sell-out.

Stock changes only by appending `StockMove` rows and writing the cached `Stock` balance in the
same transaction under the balance rows' locks (inventory.locks); CHECK constraints forbid
negative on-hand, reserved above on-hand and the like, so a bug cannot leave them behind.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.inventory.constants import (
    IN_WAREHOUSE,
    CountStatus,
    MoveKind,
    SellOutSource,
    SerialStatus,
    TransitKind,
    TransitStatus,
    WarehouseKind,
)


class Warehouse(models.Model):
    """A place where an org keeps goods; an org may have several, one of them its default."""

    org = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="warehouses", verbose_name=_("org")
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=WarehouseKind.choices, default=WarehouseKind.MAIN
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("warehouse")
        ordering = ["org_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="warehouse_code_unique"),
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_default=True), name="warehouse_one_default"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=WarehouseKind.values), name="warehouse_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True),
                name="warehouse_default_is_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """The cached balance of one SKU in one warehouse. on_hand = Σ moves; reserved = Σ open
    reservations; in_transit = what is on its way here (open transit lines)."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("warehouse")
    )
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    in_transit = models.IntegerField(_("in transit"), default=0)
    safety_stock = models.IntegerField(_("safety stock"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="stock_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
            models.CheckConstraint(
                condition=Q(in_transit__gte=0), name="stock_in_transit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0), name="stock_safety_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.sku_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Transit(models.Model):
    """Goods on their way between two warehouses: a transfer between an org's own
    warehouses, a shipment to a buyer, or a return to the seller. Out → in transit → in."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TransitKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=TransitStatus.choices,
        default=TransitStatus.IN_TRANSIT,
    )
    from_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="incoming", verbose_name=_("to")
    )
    doc_type = models.CharField(max_length=32, blank=True)
    doc_id = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("goods in transit")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["to_warehouse", "created_at"],
                name="transit_open_idx",
                condition=Q(status="in_transit"),
            ),
            models.Index(fields=["doc_type", "doc_id"], name="transit_doc_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TransitKind.values), name="transit_kind"),
            models.CheckConstraint(
                condition=Q(status__in=TransitStatus.values), name="transit_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(from_warehouse=F("to_warehouse")), name="transit_not_same_warehouse"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TransitLine(models.Model):
    transit = models.ForeignKey(Transit, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    qty = models.IntegerField(_("quantity sent"))
    received_qty = models.IntegerField(_("quantity received"), default=0)
    short_qty = models.IntegerField(_("quantity short"), default=0)

    class Meta:
        verbose_name = _("transit line")
        constraints = [
            models.UniqueConstraint(fields=["transit", "sku"], name="transit_line_unique"),
            models.CheckConstraint(condition=Q(qty__gt=0), name="transit_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0) & Q(short_qty__gte=0),
                name="transit_line_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(qty__gte=F("received_qty") + F("short_qty")),
                name="transit_line_within_qty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.qty}"

    @property
    def open_qty(self) -> int:
        return self.qty - self.received_qty - self.short_qty


class StockMove(models.Model):
    """One movement of one SKU in one warehouse. Never edited or deleted; mistakes are
    reversed by a move of the same kind and opposite quantity (`reversal_of`)."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="moves", verbose_name=_("warehouse")
    )
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MoveKind.choices)
    qty = models.IntegerField(_("quantity"))
    on_hand_after = models.IntegerField(_("on hand after"))
    transit = models.ForeignKey(
        Transit, null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    doc_type = models.CharField(max_length=32, blank=True)
    doc_id = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stock move")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the 进销存 period query: a warehouse's moves since a date
            models.Index(fields=["warehouse", "created_at"], name="move_wh_time_idx"),
            # one SKU's card in a warehouse
            models.Index(fields=["warehouse", "sku", "created_at"], name="move_stock_time_idx"),
            models.Index(fields=["doc_type", "doc_id"], name="move_doc_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(qty=0), name="move_qty_not_zero"),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="move_on_hand_after_not_negative"
            ),
            models.CheckConstraint(condition=Q(kind__in=MoveKind.values), name="move_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.qty:+}"


class Reservation(models.Model):
    """Stock held for one line of a document (an order line). Stock.reserved is the sum of
    the open quantities; shipping or releasing lowers `open_qty`, never `qty`."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(max_length=32)
    doc_id = models.CharField(max_length=64)
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    line = models.CharField(_("document line"), max_length=64, blank=True)
    qty = models.IntegerField(_("quantity reserved"))
    open_qty = models.IntegerField(_("still reserved"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reservation")
        indexes = [
            models.Index(fields=["doc_type", "doc_id"], name="reservation_doc_idx"),
            models.Index(
                fields=["warehouse", "sku"],
                name="reservation_open_idx",
                condition=Q(open_qty__gt=0),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "sku", "doc_type", "doc_id", "line"],
                name="reservation_line_unique",
            ),
            models.CheckConstraint(condition=Q(qty__gt=0), name="reservation_qty_positive"),
            models.CheckConstraint(
                condition=Q(open_qty__gte=0) & Q(open_qty__lte=F("qty")),
                name="reservation_open_within_qty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.doc_id}/{self.line} {self.open_qty}/{self.qty}"


class Serial(models.Model):
    """One unit of a serial-tracked SKU (frame number, battery, motor).

    The serial is unique across the brand (not per SKU): the brand's numbering gives each
    part family its own prefix, and a scanned number must name one unit. A unit is in exactly
    one place: in a warehouse (in stock, reserved, returned), in one transit, or nowhere
    (sold, scrapped) — the check constraint says which columns each status fills. `holder`
    is the org that owns it (for a sold unit: the org that sold it).
    """

    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SerialStatus.choices, default=SerialStatus.IN_STOCK
    )
    warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="serials",
        verbose_name=_("warehouse"),
    )
    transit = models.ForeignKey(
        Transit, null=True, blank=True, on_delete=models.PROTECT, related_name="serials"
    )
    holder = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("holder")
    )
    reserved_for = models.CharField(max_length=100, blank=True)  # "doc_type:doc_id"
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("serial number")
        indexes = [
            models.Index(fields=["warehouse", "sku", "status"], name="serial_place_idx"),
            models.Index(fields=["holder", "status"], name="serial_holder_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SerialStatus.values), name="serial_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=IN_WAREHOUSE, warehouse__isnull=False, transit__isnull=True)
                    | Q(
                        status=SerialStatus.IN_TRANSIT,
                        warehouse__isnull=True,
                        transit__isnull=False,
                    )
                    | Q(
                        status__in=[SerialStatus.SOLD, SerialStatus.SCRAPPED],
                        warehouse__isnull=True,
                        transit__isnull=True,
                    )
                ),
                name="serial_one_place",
            ),
            models.CheckConstraint(
                condition=Q(status=SerialStatus.RESERVED) | Q(reserved_for=""),
                name="serial_reserved_for_only_when_reserved",
            ),
        ]

    def __str__(self) -> str:
        return self.serial


class SerialEvent(models.Model):
    """One step of a unit's history: from where and whom to where and whom, and why."""

    serial = models.ForeignKey(Serial, on_delete=models.CASCADE, related_name="events")
    move = models.ForeignKey(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="serial_events"
    )
    transit = models.ForeignKey(
        Transit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    doc_type = models.CharField(max_length=32, blank=True)
    doc_id = models.CharField(max_length=64, blank=True)
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    from_status = models.CharField(max_length=12, blank=True)  # blank: the unit was created
    to_status = models.CharField(_("status"), max_length=12, choices=SerialStatus.choices)
    from_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_holder = models.ForeignKey(
        "network.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_holder = models.ForeignKey(
        "network.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("serial event")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["serial", "at"], name="serial_event_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=SerialStatus.values), name="serial_event_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial_id}: {self.from_status or '∅'} → {self.to_status}"


class StockCount(models.Model):
    """A stock count (盘点) of one warehouse: all its SKUs or one category's."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="counts", verbose_name=_("warehouse")
    )
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CountStatus.choices, default=CountStatus.DRAFT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock count")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CountStatus.values), name="count_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    expected_qty = models.IntegerField(_("on hand when counting started"), null=True, blank=True)
    counted_qty = models.IntegerField(_("counted"), null=True, blank=True)
    serials = models.JSONField(_("serials counted"), default=list, blank=True)
    system_qty = models.IntegerField(_("on hand when posted"), null=True, blank=True)
    difference = models.IntegerField(_("difference"), null=True, blank=True)
    move = models.ForeignKey(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stock count line")
        constraints = [
            models.UniqueConstraint(fields=["count", "sku"], name="count_line_unique"),
            models.CheckConstraint(
                condition=Q(counted_qty__isnull=True) | Q(counted_qty__gte=0),
                name="count_line_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.counted_qty}"


class SellOut(models.Model):
    """What an org sold downstream (to stores or consumers), with the buyer's region: the
    sell-out behind days of stock. Each record takes the goods out of the org's stock."""

    org = models.ForeignKey(
        "network.Org", on_delete=models.PROTECT, related_name="+", verbose_name=_("org")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    sold_on = models.DateField(_("sold on"))
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU")
    )
    qty = models.IntegerField(_("quantity"))
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)
    buyer_division = models.ForeignKey(
        "network.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("buyer's region"),
    )
    source = models.CharField(_("source"), max_length=8, choices=SellOutSource.choices)
    move = models.OneToOneField(
        StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="sellout"
    )
    doc_number = models.CharField(_("document"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sell-out")
        ordering = ["-sold_on", "-id"]
        indexes = [
            models.Index(fields=["org", "sold_on"], name="sellout_org_day_idx"),
            models.Index(fields=["sku", "sold_on"], name="sellout_sku_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gt=0), name="sellout_qty_positive"),
            models.CheckConstraint(
                condition=Q(source__in=SellOutSource.values), name="sellout_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sold_on} {self.sku_id} × {self.qty}"
