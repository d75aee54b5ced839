"""The inventory ledger check (`qudao check-ledgers`, registered in apps.py): every cached
balance equals what its rows say — on hand = Σ moves, reserved = Σ open reservations,
in transit = Σ open transit lines towards it, and for serial-tracked SKUs on hand = the units
the warehouse holds. Grouped queries over the whole ledger."""

from dataclasses import dataclass

from django.db.models import Count, F, Sum

from qudao.inventory.constants import IN_WAREHOUSE, TransitStatus
from qudao.inventory.models import Reservation, Serial, Stock, StockMove, TransitLine

Key = tuple[int, int]


@dataclass(frozen=True)
class StockMismatch:
    warehouse_id: int
    sku_id: int
    what: str
    balance: int
    ledger: int

    def __str__(self) -> str:
        return (
            f"warehouse {self.warehouse_id} SKU {self.sku_id} {self.what}: "
            f"balance {self.balance} ≠ rows {self.ledger}"
        )


def _sums(rows: object) -> dict[Key, int]:
    return {(r["warehouse_id"], r["sku_id"]): int(r["s"] or 0) for r in rows}  # type: ignore[attr-defined]


def stock_mismatches() -> list[StockMismatch]:
    moves = _sums(
        StockMove.objects.order_by().values("warehouse_id", "sku_id").annotate(s=Sum("qty"))
    )
    reserved = _sums(
        Reservation.objects.filter(open_qty__gt=0)
        .order_by()
        .values("warehouse_id", "sku_id")
        .annotate(s=Sum("open_qty"))
    )
    transit = _sums(
        TransitLine.objects.filter(transit__status=TransitStatus.IN_TRANSIT)
        .order_by()
        .values("sku_id", warehouse_id=F("transit__to_warehouse_id"))
        .annotate(s=Sum(F("qty") - F("received_qty") - F("short_qty")))
    )
    units = _sums(
        Serial.objects.filter(status__in=IN_WAREHOUSE)
        .order_by()
        .values("warehouse_id", "sku_id")
        .annotate(s=Count("id"))
    )
    found: list[StockMismatch] = []
    seen: set[Key] = set()
    for stock in (
        Stock.objects.select_related("sku")
        .only("warehouse_id", "sku_id", "on_hand", "reserved", "in_transit", "sku__serial_tracked")
        .iterator()
    ):
        key = (stock.warehouse_id, stock.sku_id)
        seen.add(key)
        checks = [
            ("on_hand", stock.on_hand, moves.get(key, 0)),
            ("reserved", stock.reserved, reserved.get(key, 0)),
            ("in_transit", stock.in_transit, transit.get(key, 0)),
        ]
        if stock.sku.serial_tracked:
            checks.append(("serials", stock.on_hand, units.get(key, 0)))
        found.extend(
            StockMismatch(key[0], key[1], what, balance, ledger)
            for what, balance, ledger in checks
            if balance != ledger
        )
    for source, what in ((moves, "on_hand"), (reserved, "reserved"), (transit, "in_transit")):
        found.extend(
            StockMismatch(key[0], key[1], what, 0, value)
            for key, value in source.items()
            if key not in seen and value
        )
    found.extend(
        StockMismatch(key[0], key[1], "serials", 0, value)
        for key, value in units.items()
        if key not in seen and value
    )
    return found
