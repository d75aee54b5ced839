from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    MAIN = "main", _("Main warehouse")
    STORE = "store", _("Shop floor")
    PARTS = "parts", _("Spare parts")
    RETURNS = "returns", _("Returns")
    OTHER = "other", _("Other")


class MoveKind(models.TextChoices):
    """What a stock move is; a reversal keeps the kind of the move it undoes (opposite sign),
    so sums by kind are net of reversals."""

    RECEIPT = "receipt", _("Receipt")
    SHIPMENT = "shipment", _("Shipment")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RETAIL_SALE = "retail_sale", _("Retail sale")
    RETURN_IN = "return_in", _("Return in")
    RETURN_OUT = "return_out", _("Return out")
    CONSUMPTION = "consumption", _("Consumption")
    COUNT = "count", _("Stock count difference")


# Moves a user may undo with move_reverse. Moves of goods in transit belong to their transit
# (received, or written off) and are never reversed one side at a time.
REVERSIBLE_KINDS = {
    MoveKind.RECEIPT,
    MoveKind.SHIPMENT,
    MoveKind.ADJUSTMENT,
    MoveKind.RETAIL_SALE,
    MoveKind.RETURN_IN,
    MoveKind.CONSUMPTION,
    MoveKind.COUNT,
}

# 进销存 columns: (column, kinds). In-columns sum the moves, out-columns their negation; the
# adjustment column is net (count differences included), counted on the out side as
# BUSINESS-RULES.md says: opening + in − out = closing.
JXC_IN = (
    ("purchases", (MoveKind.RECEIPT,)),
    ("returns_in", (MoveKind.RETURN_IN,)),
    ("transfers_in", (MoveKind.TRANSFER_IN,)),
)
JXC_OUT = (
    ("sales", (MoveKind.SHIPMENT,)),
    ("retail", (MoveKind.RETAIL_SALE,)),
    ("returns_out", (MoveKind.RETURN_OUT,)),
    ("transfers_out", (MoveKind.TRANSFER_OUT,)),
    ("consumption", (MoveKind.CONSUMPTION,)),
    ("adjustments", (MoveKind.ADJUSTMENT, MoveKind.COUNT)),
)
# Goods leaving to buyers: the sell-out of days of stock (see selectors.jxc).
SALES_KINDS = (MoveKind.SHIPMENT, MoveKind.RETAIL_SALE)
DAYS_OF_STOCK_WINDOW = 30


class SerialStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    RESERVED = "reserved", _("Reserved")
    IN_TRANSIT = "in_transit", _("In transit")
    SOLD = "sold", _("Sold")
    RETURNED = "returned", _("Returned")
    SCRAPPED = "scrapped", _("Scrapped")


# Where each status puts a unit: in a warehouse (counted in its on-hand), in a transit, or
# nowhere (sold to a consumer, scrapped). The model's check constraint says the same.
IN_WAREHOUSE = (SerialStatus.IN_STOCK, SerialStatus.RESERVED, SerialStatus.RETURNED)
SERIAL_PIPELINE: dict[str, set[str]] = {
    SerialStatus.IN_STOCK: {
        SerialStatus.RESERVED,
        SerialStatus.IN_TRANSIT,
        SerialStatus.SOLD,
        SerialStatus.SCRAPPED,
    },
    SerialStatus.RESERVED: {
        SerialStatus.IN_STOCK,
        SerialStatus.IN_TRANSIT,
        SerialStatus.SOLD,
    },
    SerialStatus.IN_TRANSIT: {
        SerialStatus.IN_STOCK,
        SerialStatus.RETURNED,
        SerialStatus.SCRAPPED,
    },
    SerialStatus.SOLD: {SerialStatus.RETURNED, SerialStatus.IN_STOCK},
    SerialStatus.RETURNED: {
        SerialStatus.IN_STOCK,
        SerialStatus.IN_TRANSIT,
        SerialStatus.SOLD,
        SerialStatus.SCRAPPED,
    },
    SerialStatus.SCRAPPED: {SerialStatus.IN_STOCK},  # found again by a count or adjustment
}
# Statuses a unit may leave its warehouse from (a reserved one only for its own document).
SHIPPABLE = (SerialStatus.IN_STOCK, SerialStatus.RETURNED)


class TransitKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer between own warehouses")
    SHIPMENT = "shipment", _("Shipment to a buyer")
    RETURN = "return", _("Return to the seller")


class TransitStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed with a shortfall")


TRANSIT_PIPELINE: dict[str, set[str]] = {
    TransitStatus.IN_TRANSIT: {TransitStatus.RECEIVED, TransitStatus.CLOSED},
    TransitStatus.RECEIVED: set(),
    TransitStatus.CLOSED: set(),
}


class CountStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COUNTING = "counting", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


COUNT_PIPELINE: dict[str, set[str]] = {
    CountStatus.DRAFT: {CountStatus.COUNTING, CountStatus.CANCELLED},
    CountStatus.COUNTING: {CountStatus.POSTED, CountStatus.CANCELLED},
    CountStatus.POSTED: set(),
    CountStatus.CANCELLED: set(),
}


class SellOutSource(models.TextChoices):
    FORM = "form", _("Entered in a form")
    IMPORT = "import", _("Excel import")
    API = "api", _("API")
    POS = "pos", _("Retail sale in the system")


# Orgs that hold goods (a region is a management level, it has no warehouse).
GOODS_HOLDING_KINDS = ("hq", "distributor", "dealer", "store", "service_point")

SERIAL_MAX_LENGTH = 64
SERIAL_BATCH = 5000  # serials per set-based query or UPDATE (SQLite allows 32,766 parameters)
MAX_SERIALS_PER_DOCUMENT = 50_000
