"""Set-based writes of serials: new units in one bulk insert, moved units in one conditional
UPDATE per batch, their history in one bulk insert — never a query per serial, so a document
of 10,000 serials takes seconds.

The UPDATE repeats the state the check read (status, warehouse, transit): a unit moved by a
concurrent writer in between is not matched, the row count comes up short and the whole write
is refused, so a serial is never in two places."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from qudao.core.errors import Conflict, InvalidTransition
from qudao.inventory.bulk import insert_rows
from qudao.inventory.constants import SERIAL_BATCH, SERIAL_PIPELINE
from qudao.inventory.models import Serial, SerialEvent, StockMove, Transit, Warehouse
from qudao.inventory.selectors import SerialRow
from qudao.inventory.services._common import Doc, actor_or_none

INSERT_BATCH = 2000  # rows per INSERT: PostgreSQL takes at most 65,535 parameters a query


EVENT_COLUMNS = (
    "serial_id",
    "move_id",
    "transit_id",
    "doc_type",
    "doc_id",
    "doc_number",
    "from_status",
    "to_status",
    "from_warehouse_id",
    "to_warehouse_id",
    "from_holder_id",
    "to_holder_id",
    "actor_id",
    "at",
)


def _events(rows: Sequence[tuple[Any, ...]], *, doc: Doc, actor: Any, at: datetime) -> int:
    """History rows (serial, move, transit, from/to status, warehouse and holder) written
    without model instances: 10,000 of them are one COPY on PostgreSQL."""
    who = getattr(actor_or_none(actor), "pk", None)
    head = (doc.type, str(doc.id), doc.number)
    return insert_rows(
        SerialEvent,
        EVENT_COLUMNS,
        [(serial, move, transit, *head, *rest, who, at) for serial, move, transit, *rest in rows],
    )


def serials_create(
    new: Sequence[tuple[str, int]],
    *,
    warehouse: Warehouse,
    status: str,
    moves: Mapping[int, StockMove],
    doc: Doc,
    actor: Any,
    at: datetime,
) -> int:
    """New units (serial, SKU id) in a warehouse, held by its org; `moves` by SKU id."""
    if not new:
        return 0
    rows = [
        Serial(
            serial=serial,
            sku_id=sku_id,
            status=status,
            warehouse=warehouse,
            holder_id=warehouse.org_id,
            created_at=at,
            updated_at=at,
        )
        for serial, sku_id in new
    ]
    Serial.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    _events(
        [
            (
                row.pk,
                _pk(moves.get(row.sku_id)),
                None,
                "",
                status,
                None,
                warehouse.pk,
                None,
                warehouse.org_id,
            )
            for row in rows
        ],
        doc=doc,
        actor=actor,
        at=at,
    )
    return len(rows)


def _pk(move: StockMove | None) -> int | None:
    return move.pk if move is not None else None


def _check_pipeline(rows: Sequence[SerialRow], status: str) -> None:
    for current in {r.status for r in rows}:
        if status not in SERIAL_PIPELINE.get(current, set()):
            raise InvalidTransition(current=current, target=status)


def serials_move(
    rows: Sequence[SerialRow],
    *,
    status: str,
    warehouse_id: int | None,
    transit: Transit | None,
    moves: Mapping[int, StockMove],
    doc: Doc,
    actor: Any,
    at: datetime,
    holder_id: int | None = None,
    reserved_for: str = "",
    reversal: bool = False,
    move_by_serial: Mapping[int, StockMove] | None = None,
) -> int:
    """Move checked units to a new status and place (`holder_id` None keeps each holder);
    `moves` by SKU id (or `move_by_serial` by serial id, when one SKU has several moves)
    link each step of history to its stock move. A reversal restores states the pipeline
    does not offer as forward steps."""
    if not rows:
        return 0
    if not reversal:
        _check_pipeline(rows, status)
    groups: dict[tuple[str, int | None, int | None], list[SerialRow]] = {}
    for row in rows:
        groups.setdefault((row.status, row.warehouse_id, row.transit_id), []).append(row)
    changes: dict[str, Any] = {
        "status": status,
        "warehouse_id": warehouse_id,
        "transit_id": transit.pk if transit else None,
        "reserved_for": reserved_for,
        "updated_at": at,
    }
    if holder_id is not None:
        changes["holder_id"] = holder_id
    for (was, warehouse, in_transit), members in groups.items():
        for start in range(0, len(members), SERIAL_BATCH):
            batch = [r.id for r in members[start : start + SERIAL_BATCH]]
            # the state the check read; None is IS NULL
            updated = Serial.objects.filter(
                Q(pk__in=batch, status=was),
                Q(warehouse_id=warehouse) if warehouse else Q(warehouse__isnull=True),
                Q(transit_id=in_transit) if in_transit else Q(transit__isnull=True),
            ).update(**changes)
            if updated != len(batch):
                raise Conflict(
                    _("Some serials were moved by someone else meanwhile; check them again."),
                    code="serials_changed",
                )
    by_serial = move_by_serial or {}
    transit_id = transit.pk if transit else None
    _events(
        [
            (
                row.id,
                _pk(by_serial.get(row.id) or moves.get(row.sku_id)),
                transit_id,
                row.status,
                status,
                row.warehouse_id,
                warehouse_id,
                row.holder_id,
                holder_id if holder_id is not None else row.holder_id,
            )
            for row in rows
        ],
        doc=doc,
        actor=actor,
        at=at,
    )
    return len(rows)
