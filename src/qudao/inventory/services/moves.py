"""Moves in one warehouse: receipts from outside the system, adjustments, consumption of
parts, customer returns, and reversing a move. Each is one transaction: check the lines and
every serial (set-based), lock the balances, append the moves, move the serials, audit and
event."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.models import Sku
from qudao.core.errors import Conflict
from qudao.inventory.constants import (
    IN_WAREHOUSE,
    REVERSIBLE_KINDS,
    SERIAL_BATCH,
    SHIPPABLE,
    MoveKind,
    SerialStatus,
)
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import SellOut, Serial, SerialEvent, StockMove, Warehouse
from qudao.inventory.selectors import (
    Expect,
    SerialCheck,
    SerialRow,
    SerialsRejected,
    check_serials,
)
from qudao.inventory.services._common import (
    Change,
    Doc,
    Line,
    LineInput,
    Posted,
    check_serial_counts,
    clean_lines,
    doc_payload,
    lines_summary,
    merge_by_sku,
    post,
    record,
    require_active,
    require_manage,
    require_reason,
)
from qudao.inventory.services._serials import serials_create, serials_move


def serial_pairs(lines: Iterable[Line]) -> list[tuple[str, int]]:
    return [(serial, line.sku.pk) for line in lines for serial in line.serials]


def sku_map(lines: Iterable[Line]) -> dict[int, Sku]:
    return {line.sku.pk: line.sku for line in lines}


def create_serials(
    new: Sequence[tuple[str, int]],
    *,
    warehouse: Warehouse,
    posted: Posted,
    doc: Doc,
    actor: Any,
    at: datetime,
) -> int:
    """New units; a concurrent write that created one of them first refuses this one."""
    try:
        with transaction.atomic():
            return serials_create(
                new,
                warehouse=warehouse,
                status=SerialStatus.IN_STOCK,
                moves=posted.by_sku(warehouse.pk),
                doc=doc,
                actor=actor,
                at=at,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Some serials were created by someone else meanwhile; check them again."),
            code="serials_changed",
        ) from exc


def _record_move(
    action: str, warehouse: Warehouse, lines: Sequence[Line], *, actor: Any, doc: Doc, **extra: Any
) -> None:
    record(
        actor=actor,
        action=f"stock.{action}",
        instance=warehouse,
        changes={"lines": [None, lines_summary(lines)], "document": [None, doc.number], **extra},
        topic=f"stock.{action}",
        payload={
            "warehouse_id": warehouse.pk,
            "org_id": warehouse.org_id,
            "lines": [[line.sku.pk, line.qty] for line in lines],
            **doc_payload(doc),
        },
    )


@transaction.atomic
def stock_receive(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    doc: Doc = Doc(),  # noqa: B008 — a frozen dataclass
    reason: str = "",
) -> list[StockMove]:
    """Goods from outside the system (the factory into HQ, an outside supplier, an opening
    balance): serial-tracked units arrive with new serials, which must not exist yet.
    Goods shipped inside the system arrive through `receipt_post` instead."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    clean = merge_by_sku(clean_lines(lines))
    check_serial_counts(clean)
    check = check_serials(serial_pairs(clean), expect=Expect(create=True))
    check.raise_if_problems()
    stocks = lock_stocks((warehouse.pk, line.sku.pk) for line in clean)
    at = timezone.now()
    posted = post(
        stocks,
        [Change(warehouse.pk, line.sku.pk, MoveKind.RECEIPT, line.qty) for line in clean],
        skus=sku_map(clean),
        actor=actor,
        doc=doc,
        reason=reason,
        at=at,
    )
    create_serials(check.new, warehouse=warehouse, posted=posted, doc=doc, actor=actor, at=at)
    _record_move("received", warehouse, clean, actor=actor, doc=doc)
    return posted.rows


def _adjust_checks(warehouse: Warehouse, lines: Sequence[Line]) -> tuple[SerialCheck, SerialCheck]:
    """Units found (new serials, or scrapped ones of the same SKU coming back) and units
    lost (in this warehouse, free to leave): one set-based check each."""
    found = check_serials(
        serial_pairs(line for line in lines if line.qty > 0),
        expect=Expect(create=True, restore=True),
    )
    lost = check_serials(
        serial_pairs(line for line in lines if line.qty < 0),
        expect=Expect(statuses=SHIPPABLE, warehouse_id=warehouse.pk),
    )
    if found.problems or lost.problems:
        raise SerialsRejected([*found.problems, *lost.problems])
    return found, lost


@transaction.atomic
def stock_adjust(
    *, actor: Any, warehouse: Warehouse, lines: Sequence[LineInput], reason: str
) -> list[StockMove]:
    """A correction with a required reason; quantities are signed. Serial-tracked SKUs name
    the units found (created, or restored from scrapped) or lost (scrapped)."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    why = require_reason(reason)
    clean = merge_by_sku(clean_lines(lines, signed=True))
    check_serial_counts(clean, signed=True)
    found, lost = _adjust_checks(warehouse, clean)
    stocks = lock_stocks((warehouse.pk, line.sku.pk) for line in clean)
    at = timezone.now()
    doc = Doc()
    posted = post(
        stocks,
        [Change(warehouse.pk, line.sku.pk, MoveKind.ADJUSTMENT, line.qty) for line in clean],
        skus=sku_map(clean),
        actor=actor,
        reason=why,
        at=at,
    )
    moves = posted.by_sku(warehouse.pk)
    create_serials(found.new, warehouse=warehouse, posted=posted, doc=doc, actor=actor, at=at)
    serials_move(
        found.restored,
        status=SerialStatus.IN_STOCK,
        warehouse_id=warehouse.pk,
        transit=None,
        holder_id=warehouse.org_id,
        moves=moves,
        doc=doc,
        actor=actor,
        at=at,
    )
    serials_move(
        lost.found,
        status=SerialStatus.SCRAPPED,
        warehouse_id=None,
        transit=None,
        moves=moves,
        doc=doc,
        actor=actor,
        at=at,
    )
    _record_move("adjusted", warehouse, clean, actor=actor, doc=doc, reason=[None, why])
    return posted.rows


def issue(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[Line],
    kind: str,
    doc: Doc,
    reason: str = "",
    serial_status: str = SerialStatus.SOLD,
) -> Posted:
    """Goods leave a warehouse (consumption, a sale): every serial in this warehouse and
    free to leave (a reserved one only for this document); lines already cleaned."""
    check_serial_counts(lines)
    check = check_serials(
        serial_pairs(lines),
        expect=Expect(
            statuses=(*SHIPPABLE, SerialStatus.RESERVED),
            warehouse_id=warehouse.pk,
            reserved_for=doc.key or "-",
        ),
    )
    check.raise_if_problems()
    stocks = lock_stocks((warehouse.pk, line.sku.pk) for line in lines)
    at = timezone.now()
    posted = post(
        stocks,
        [Change(warehouse.pk, line.sku.pk, kind, -line.qty) for line in lines],
        skus=sku_map(lines),
        actor=actor,
        doc=doc,
        reason=reason,
        at=at,
    )
    serials_move(
        check.found,
        status=serial_status,
        warehouse_id=None,
        transit=None,
        moves=posted.by_sku(warehouse.pk),
        doc=doc,
        actor=actor,
        at=at,
    )
    return posted


@transaction.atomic
def consumption_post(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    doc: Doc = Doc(),  # noqa: B008 — a frozen dataclass
    reason: str = "",
) -> list[StockMove]:
    """Spare parts used up (in a repair): they leave the stock; a serial-tracked part (a
    motor) is then with the customer, as if sold."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    clean = merge_by_sku(clean_lines(lines))
    posted = issue(
        actor=actor,
        warehouse=warehouse,
        lines=clean,
        kind=MoveKind.CONSUMPTION,
        doc=doc,
        reason=reason,
    )
    _record_move("consumed", warehouse, clean, actor=actor, doc=doc)
    return posted.rows


@transaction.atomic
def return_in_post(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    doc: Doc = Doc(),  # noqa: B008 — a frozen dataclass
    reason: str = "",
    restock: bool = False,
) -> list[StockMove]:
    """A customer outside the system brings goods back: sold units return into this
    warehouse, now held by its org, as `returned` (to inspect) or straight back in stock.
    Returns between orgs of the system go out with `return_out_post` and in with
    `receipt_post`."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    clean = merge_by_sku(clean_lines(lines))
    check_serial_counts(clean)
    check = check_serials(serial_pairs(clean), expect=Expect(statuses=(SerialStatus.SOLD,)))
    check.raise_if_problems()
    stocks = lock_stocks((warehouse.pk, line.sku.pk) for line in clean)
    at = timezone.now()
    posted = post(
        stocks,
        [Change(warehouse.pk, line.sku.pk, MoveKind.RETURN_IN, line.qty) for line in clean],
        skus=sku_map(clean),
        actor=actor,
        doc=doc,
        reason=reason,
        at=at,
    )
    serials_move(
        check.found,
        status=SerialStatus.IN_STOCK if restock else SerialStatus.RETURNED,
        warehouse_id=warehouse.pk,
        transit=None,
        holder_id=warehouse.org_id,
        moves=posted.by_sku(warehouse.pk),
        doc=doc,
        actor=actor,
        at=at,
    )
    _record_move("returned_in", warehouse, clean, actor=actor, doc=doc)
    return posted.rows


# --- reversal -------------------------------------------------------------------------------


def _reversible(move: StockMove) -> None:
    if move.reversal_of_id or StockMove.objects.filter(reversal_of=move).exists():
        raise Conflict(
            _("This move is already reversed, or is a reversal."), code="already_reversed"
        )
    if move.kind not in REVERSIBLE_KINDS or move.transit_id:
        raise Conflict(
            _("Goods in transit are received or written off, not reversed."),
            code="not_reversible",
        )


def _units_of(move: StockMove) -> list[tuple[SerialEvent, SerialRow]]:
    """The units the move changed, each still where the move left it and changed by nothing
    since; else the reversal is refused."""
    events = list(SerialEvent.objects.filter(move=move).order_by("id"))
    if not events:
        return []
    ids = [e.serial_id for e in events]
    latest: dict[int, int] = {}
    rows: dict[int, SerialRow] = {}
    for start in range(0, len(ids), SERIAL_BATCH):
        batch = ids[start : start + SERIAL_BATCH]
        latest.update(
            SerialEvent.objects.filter(serial_id__in=batch)
            .order_by()
            .values("serial_id")
            .annotate(last=Max("id"))
            .values_list("serial_id", "last")
        )
        for row in Serial.objects.filter(pk__in=batch).values_list(
            "id",
            "serial",
            "sku_id",
            "status",
            "warehouse_id",
            "transit_id",
            "holder_id",
            "reserved_for",
        ):
            rows[row[0]] = SerialRow(*row)
    moved = [
        rows[e.serial_id].serial
        for e in events
        if latest.get(e.serial_id) != e.pk
        or rows[e.serial_id].status != e.to_status
        or rows[e.serial_id].warehouse_id != e.to_warehouse_id
    ]
    if moved:
        raise Conflict(
            _("These units have moved since: %(serials)s.") % {"serials": "、".join(moved[:20])},
            code="serials_moved_since",
        )
    return [(e, rows[e.serial_id]) for e in events]


def _restore_units(
    units: list[tuple[SerialEvent, SerialRow]], *, reversal: StockMove, actor: Any
) -> None:
    """Put each unit back where the move found it; units the move created are removed."""
    created = [row.id for event, row in units if not event.from_status]
    for start in range(0, len(created), SERIAL_BATCH):
        batch = created[start : start + SERIAL_BATCH]
        SerialEvent.objects.filter(serial_id__in=batch).delete()
        Serial.objects.filter(pk__in=batch).delete()
    groups: dict[tuple[str, int | None, int | None], list[SerialRow]] = {}
    for event, row in units:
        if event.from_status:
            # a reservation a shipment used up is not restored with it: the unit comes back free
            status = (
                SerialStatus.IN_STOCK
                if event.from_status == SerialStatus.RESERVED
                else event.from_status
            )
            groups.setdefault((status, event.from_warehouse_id, event.from_holder_id), []).append(
                row
            )
    doc = Doc(reversal.doc_type, reversal.doc_id, reversal.doc_number)
    for (status, warehouse_id, holder_id), rows in groups.items():
        serials_move(
            rows,
            status=status,
            warehouse_id=warehouse_id if status in IN_WAREHOUSE else None,
            transit=None,
            holder_id=holder_id,
            moves={reversal.sku_id: reversal},
            doc=doc,
            actor=actor,
            at=reversal.created_at,
            reversal=True,
        )


@transaction.atomic
def move_reverse(*, actor: Any, move: StockMove, reason: str) -> StockMove:
    """Undo a move by one of the same kind and opposite quantity, once; its units go back
    where they were. Refused when that would take the balance below zero or below what is
    reserved, or when its units have moved since."""
    warehouse = Warehouse.objects.select_related("org").get(pk=move.warehouse_id)
    require_manage(actor, warehouse)
    why = require_reason(reason)
    stocks = lock_stocks([(move.warehouse_id, move.sku_id)])
    _reversible(move)
    units = _units_of(move)
    sku = Sku.objects.get(pk=move.sku_id)
    posted = post(
        stocks,
        [Change(move.warehouse_id, move.sku_id, move.kind, -move.qty)],
        skus={sku.pk: sku},
        actor=actor,
        doc=Doc(move.doc_type, move.doc_id, move.doc_number),
        reason=why,
        reversal_of=move,
    )
    reversal = posted.rows[0]
    _restore_units(units, reversal=reversal, actor=actor)
    SellOut.objects.filter(move=move, voided_at__isnull=True).update(voided_at=reversal.created_at)
    record(
        actor=actor,
        action="stock_move.reversed",
        instance=warehouse,
        changes={
            "move": [None, move.pk],
            "lines": [None, [[sku.code, -move.qty]]],
            "reason": [None, why],
        },
        topic="stock_move.reversed",
        payload={
            "warehouse_id": warehouse.pk,
            "move_id": move.pk,
            "reversal_id": reversal.pk,
            "sku_id": sku.pk,
            "qty": -move.qty,
        },
    )
    return reversal
