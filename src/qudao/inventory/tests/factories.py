"""Inventory test data, built through the services the way users build it."""

import itertools
from typing import Any

from qudao.inventory import services
from qudao.inventory.models import Warehouse
from qudao.network.models import Org
from qudao.network.tests.factories import system_actor

_numbers = itertools.count(1)


def warehouse(org: Org, code: str | None = None, **data: Any) -> Warehouse:
    n = next(_numbers)
    return services.warehouse_create(
        actor=system_actor(),
        org=org,
        data={"code": code or f"WH{n:03d}", "name": data.pop("name", f"仓库{n}"), **data},
    )


def serials(prefix: str, count: int, start: int = 1) -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(start, start + count)]


def receive(wh: Warehouse, *lines: tuple[Any, ...]) -> None:
    """Goods from outside into a warehouse (the factory's delivery)."""
    services.stock_receive(actor=system_actor(), warehouse=wh, lines=list(lines))


def state() -> tuple[Any, ...]:
    """Everything inventory writes, to assert a refused write left nothing behind."""
    from qudao.core.models import AuditEvent, OutboxEvent
    from qudao.inventory.models import (
        Reservation,
        SellOut,
        Serial,
        SerialEvent,
        Stock,
        StockCount,
        StockMove,
        Transit,
    )

    return (
        StockMove.objects.count(),
        SerialEvent.objects.count(),
        Transit.objects.count(),
        SellOut.objects.count(),
        StockCount.objects.count(),
        AuditEvent.objects.count(),
        OutboxEvent.objects.count(),
        sorted(
            Stock.objects.values_list("warehouse_id", "sku_id", "on_hand", "reserved", "in_transit")
        ),
        sorted(Serial.objects.values_list("serial", "status", "warehouse_id", "holder_id")),
        sorted(Reservation.objects.values_list("pk", "open_qty")),
    )


def balance(wh: Warehouse, sku: Any) -> tuple[int, int, int]:
    """(on hand, reserved, in transit) of a SKU in a warehouse."""
    from qudao.inventory.models import Stock

    row = Stock.objects.filter(warehouse=wh, sku=sku).first()
    return (row.on_hand, row.reserved, row.in_transit) if row else (0, 0, 0)
