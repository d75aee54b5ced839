"""Goods between warehouses: out → in transit → in. A transfer between an org's own
warehouses, a shipment to a buyer (orders), a return to the seller (orders). The sending
side's on-hand drops when goods leave; the receiving warehouse's `in_transit` shows them
coming; the receipt moves them into its on-hand and the serials to their new holder.
A shortfall is written off by closing the transit.

Access: `transfer_send` / `transfer_receive` check the actor's stock right on the
warehouses. `shipment_post`, `return_out_post`, `receipt_post` and `transit_close` are called
by the app whose document they serve (an order, its shipment, its return), which has checked
its actor's access to that document — as finance's credit_freeze is."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.errors import Conflict, InvalidTransition, ValidationFailed
from qudao.core.numbering import next_number
from qudao.inventory.constants import (
    SHIPPABLE,
    MoveKind,
    SerialStatus,
    TransitKind,
    TransitStatus,
)
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import Serial, StockMove, Transit, TransitLine, Warehouse
from qudao.inventory.selectors import Expect, SerialRow, check_serials
from qudao.inventory.services._common import (
    Change,
    Doc,
    Line,
    LineInput,
    check_serial_counts,
    clean_lines,
    doc_payload,
    lines_summary,
    merge_by_sku,
    post,
    record,
    require_active,
    require_doc,
    require_manage,
    require_reason,
)
from qudao.inventory.services._serials import serials_move
from qudao.inventory.services.moves import serial_pairs, sku_map
from qudao.inventory.services.reservations import consume_reservations

RECEIVED_AS = {
    TransitKind.TRANSFER: (MoveKind.TRANSFER_IN, SerialStatus.IN_STOCK),
    TransitKind.SHIPMENT: (MoveKind.RECEIPT, SerialStatus.IN_STOCK),
    TransitKind.RETURN: (MoveKind.RETURN_IN, SerialStatus.RETURNED),
}


@dataclass
class Sent:
    """What a send wrote: the transit (None for goods leaving the system) and the moves."""

    transit: Transit | None
    moves: list[StockMove] = field(default_factory=list)


def _send(
    *,
    actor: Any,
    warehouse: Warehouse,
    to_warehouse: Warehouse | None,
    lines: Sequence[Line],
    kind: str,
    move_kind: str,
    doc: Doc,
    note: str = "",
    reserved_doc: Doc | None = None,
) -> Sent:
    """Take goods out of `warehouse` towards `to_warehouse` (or out of the system). With
    `reserved_doc`, the document's reservations at this warehouse are used up first."""
    require_active(warehouse, *([to_warehouse] if to_warehouse else []))
    if to_warehouse is not None and to_warehouse.pk == warehouse.pk:
        raise ValidationFailed(_("Choose another warehouse to send to."), code="same_warehouse")
    check_serial_counts(lines)
    check = check_serials(
        serial_pairs(lines),
        expect=Expect(
            statuses=(*SHIPPABLE, SerialStatus.RESERVED),
            warehouse_id=warehouse.pk,
            reserved_for=reserved_doc.key if reserved_doc else "-",
        ),
    )
    check.raise_if_problems()
    keys = [(warehouse.pk, line.sku.pk) for line in lines]
    if to_warehouse is not None:
        keys += [(to_warehouse.pk, line.sku.pk) for line in lines]
    stocks = lock_stocks(keys)
    at = timezone.now()
    transit = None
    if to_warehouse is not None:
        transit = Transit.objects.create(
            number=next_number("TR"),
            kind=kind,
            from_warehouse=warehouse,
            to_warehouse=to_warehouse,
            doc_type=doc.type,
            doc_id=str(doc.id),
            doc_number=doc.number,
            note=note[:200],
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=at,
        )
        TransitLine.objects.bulk_create(
            [TransitLine(transit=transit, sku=line.sku, qty=line.qty) for line in lines]
        )
        if not doc.type:  # a transfer is its own document
            doc = Doc("transit", str(transit.pk), transit.number)
    used = (
        consume_reservations(warehouse=warehouse, lines=lines, doc=reserved_doc)
        if reserved_doc
        else {}
    )
    changes = [
        Change(warehouse.pk, line.sku.pk, move_kind, -line.qty, reserved=-used.get(line.sku.pk, 0))
        for line in lines
    ]
    if to_warehouse is not None:
        changes += [Change(to_warehouse.pk, line.sku.pk, in_transit=line.qty) for line in lines]
    posted = post(
        stocks, changes, skus=sku_map(lines), actor=actor, doc=doc, transit=transit, at=at
    )
    serials_move(
        check.found,
        status=SerialStatus.IN_TRANSIT if transit else SerialStatus.SOLD,
        warehouse_id=None,
        transit=transit,
        moves=posted.by_sku(warehouse.pk),
        doc=doc,
        actor=actor,
        at=at,
    )
    return Sent(transit, posted.rows)


def _record_send(
    action: str, sent: Sent, warehouse: Warehouse, lines: Sequence[Line], *, actor: Any, doc: Doc
) -> None:
    transit = sent.transit
    record(
        actor=actor,
        action=action,
        instance=transit or warehouse,
        changes={"lines": [None, lines_summary(lines)], "document": [None, doc.number]},
        topic=action,
        payload={
            "warehouse_id": warehouse.pk,
            "to_warehouse_id": transit.to_warehouse_id if transit else None,
            "transit_id": transit.pk if transit else None,
            "lines": [[line.sku.pk, line.qty] for line in lines],
            **doc_payload(doc),
        },
    )


@transaction.atomic
def transfer_send(
    *,
    actor: Any,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    lines: Sequence[LineInput],
    note: str = "",
) -> Transit:
    """Goods from one of an org's warehouses to another of its own: out now, in on
    `transfer_receive`."""
    require_manage(actor, from_warehouse)
    if to_warehouse.org_id != from_warehouse.org_id:
        raise ValidationFailed(
            _("Transfers go between warehouses of one org; other orgs order."),
            code="transfer_other_org",
        )
    clean = merge_by_sku(clean_lines(lines))
    sent = _send(
        actor=actor,
        warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        lines=clean,
        kind=TransitKind.TRANSFER,
        move_kind=MoveKind.TRANSFER_OUT,
        doc=Doc(),
        note=note,
    )
    assert sent.transit is not None
    _record_send(
        "transfer.sent",
        sent,
        from_warehouse,
        clean,
        actor=actor,
        doc=Doc("transit", str(sent.transit.pk), sent.transit.number),
    )
    return sent.transit


@transaction.atomic
def shipment_post(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    doc: Doc,
    to_warehouse: Warehouse | None = None,
    use_reservations: bool = True,
) -> Sent:
    """The seller ships a document's lines (serials scanned for serial-tracked SKUs) from
    its warehouse: to the buyer's warehouse (in transit until `receipt_post`) or, without
    one, out of the system (the units count as sold). The document's reservations at this
    warehouse are used up first, so reserved stock is never shipped twice."""
    require_doc(doc)
    clean = merge_by_sku(clean_lines(lines))
    sent = _send(
        actor=actor,
        warehouse=warehouse,
        to_warehouse=to_warehouse,
        lines=clean,
        kind=TransitKind.SHIPMENT,
        move_kind=MoveKind.SHIPMENT,
        doc=doc,
        reserved_doc=doc if use_reservations else None,
    )
    _record_send("shipment.posted", sent, warehouse, clean, actor=actor, doc=doc)
    return sent


@transaction.atomic
def return_out_post(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    doc: Doc,
    to_warehouse: Warehouse,
    reserved_doc: Doc | None = None,
) -> Transit:
    """A buyer sends goods back to its seller's warehouse (an approved return); they arrive
    with `receipt_post` as returned goods. With `reserved_doc`, what the return held since
    it was requested is used up."""
    require_doc(doc)
    clean = merge_by_sku(clean_lines(lines))
    sent = _send(
        actor=actor,
        warehouse=warehouse,
        to_warehouse=to_warehouse,
        lines=clean,
        kind=TransitKind.RETURN,
        move_kind=MoveKind.RETURN_OUT,
        doc=doc,
        reserved_doc=reserved_doc,
    )
    assert sent.transit is not None
    _record_send("return.sent", sent, warehouse, clean, actor=actor, doc=doc)
    return sent.transit


# --- the receiving side ---------------------------------------------------------------------


def _lock_open(transit: Transit) -> tuple[Transit, dict[int, TransitLine]]:
    """The transit row first (documents before balances), then its lines."""
    locked = (
        Transit.objects.select_for_update(of=("self",))
        .select_related("to_warehouse__org", "from_warehouse__org")
        .get(pk=transit.pk)
    )
    if locked.status != TransitStatus.IN_TRANSIT:
        raise InvalidTransition(current=locked.status, target=TransitStatus.RECEIVED)
    lines = {
        line.sku_id: line
        for line in TransitLine.objects.filter(transit=locked).select_related("sku")
    }
    return locked, lines


def _in_transit_rows(transit: Transit) -> list[SerialRow]:
    return [
        SerialRow(*row)
        for row in Serial.objects.filter(transit=transit).values_list(
            "id",
            "serial",
            "sku_id",
            "status",
            "warehouse_id",
            "transit_id",
            "holder_id",
            "reserved_for",
        )
    ]


def _what_arrives(
    transit: Transit, open_lines: dict[int, TransitLine], lines: Sequence[LineInput] | None
) -> tuple[list[Line], list[SerialRow]]:
    """Everything still open, or the given lines checked against the transit."""
    if lines is None:
        arriving = [
            Line(line.sku, line.open_qty) for line in open_lines.values() if line.open_qty > 0
        ]
        return arriving, _in_transit_rows(transit)
    clean = merge_by_sku(clean_lines(lines))
    too_many = [
        line.sku.code
        for line in clean
        if line.sku.pk not in open_lines or line.qty > open_lines[line.sku.pk].open_qty
    ]
    if too_many:
        raise ValidationFailed(
            _("More than was sent and is still on its way: %(skus)s.")
            % {"skus": "、".join(too_many)},
            code="receipt_exceeds_transit",
        )
    check_serial_counts(clean)
    check = check_serials(
        serial_pairs(clean),
        expect=Expect(statuses=(SerialStatus.IN_TRANSIT,), transit_id=transit.pk),
    )
    check.raise_if_problems()
    return clean, check.found


def _finish(transit: Transit, open_lines: dict[int, TransitLine], at: datetime) -> None:
    for line in open_lines.values():
        TransitLine.objects.filter(pk=line.pk).update(
            received_qty=line.received_qty, short_qty=line.short_qty
        )
    if all(line.open_qty == 0 for line in open_lines.values()):
        short = any(line.short_qty for line in open_lines.values())
        transit.status = TransitStatus.CLOSED if short else TransitStatus.RECEIVED
        transit.closed_at = at
        transit.save(update_fields=["status", "closed_at"])


def _receive(
    *, actor: Any, transit: Transit, lines: Sequence[LineInput] | None, doc: Doc | None
) -> list[StockMove]:
    locked, open_lines = _lock_open(transit)
    arriving, units = _what_arrives(locked, open_lines, lines)
    if not arriving:
        raise Conflict(_("Nothing is on its way any more."), code="nothing_in_transit")
    to = locked.to_warehouse
    move_kind, serial_status = RECEIVED_AS[TransitKind(locked.kind)]
    doc = doc or Doc(locked.doc_type, locked.doc_id, locked.doc_number)
    if not doc.type:
        doc = Doc("transit", str(locked.pk), locked.number)
    stocks = lock_stocks((to.pk, line.sku.pk) for line in arriving)
    at = timezone.now()
    posted = post(
        stocks,
        [
            Change(to.pk, line.sku.pk, move_kind, line.qty, in_transit=-line.qty)
            for line in arriving
        ],
        skus=sku_map(arriving),
        actor=actor,
        doc=doc,
        transit=locked,
        at=at,
    )
    serials_move(
        units,
        status=serial_status,
        warehouse_id=to.pk,
        transit=None,
        holder_id=to.org_id,
        moves=posted.by_sku(to.pk),
        doc=doc,
        actor=actor,
        at=at,
    )
    for line in arriving:
        open_lines[line.sku.pk].received_qty += line.qty
    _finish(locked, open_lines, at)
    record(
        actor=actor,
        action=f"{locked.kind}.received",
        instance=locked,
        changes={"lines": [None, lines_summary(arriving)], "status": [None, locked.status]},
        topic=f"{locked.kind}.received",
        payload={
            "transit_id": locked.pk,
            "warehouse_id": to.pk,
            "lines": [[line.sku.pk, line.qty] for line in arriving],
            "status": locked.status,
            **doc_payload(doc),
        },
    )
    return posted.rows


@transaction.atomic
def transfer_receive(
    *, actor: Any, transit: Transit, lines: Sequence[LineInput] | None = None
) -> list[StockMove]:
    """The receiving warehouse takes in a transfer: everything still on its way, or the given
    lines (partial receipts leave the rest in transit)."""
    if transit.kind != TransitKind.TRANSFER:
        raise ValidationFailed(_("This is not a transfer."), code="wrong_transit_kind")
    require_manage(actor, transit.to_warehouse)
    return _receive(actor=actor, transit=transit, lines=lines, doc=None)


@transaction.atomic
def receipt_post(
    *,
    actor: Any,
    transit: Transit,
    lines: Sequence[LineInput] | None = None,
    doc: Doc | None = None,
) -> list[StockMove]:
    """The buyer receives a shipment (or the seller a return): everything still on its way,
    or the given lines with their serials; the units change holder to the receiving org.
    Moves carry the transit's document unless `doc` (the receipt note) is given."""
    if transit.kind == TransitKind.TRANSFER:
        raise ValidationFailed(
            _("Transfers are received with transfer_receive."), code="wrong_transit_kind"
        )
    return _receive(actor=actor, transit=transit, lines=lines, doc=doc)


@transaction.atomic
def transit_close(*, actor: Any, transit: Transit, reason: str) -> Transit:
    """Write off what never arrived (a receipt with a shortfall): the receiving warehouse no
    longer expects it and its units are scrapped; the sender's stock left when it shipped.
    Claims against the carrier or the seller are the calling document's business."""
    why = require_reason(reason)
    locked, open_lines = _lock_open(transit)
    at = timezone.now()
    to = locked.to_warehouse
    short = [line for line in open_lines.values() if line.open_qty > 0]
    stocks = lock_stocks((to.pk, line.sku_id) for line in short)
    skus = {line.sku_id: line.sku for line in open_lines.values()}
    post(
        stocks,
        [Change(to.pk, line.sku_id, in_transit=-line.open_qty) for line in short],
        skus=skus,
        actor=actor,
        at=at,
    )
    doc = Doc(locked.doc_type, locked.doc_id, locked.doc_number)
    serials_move(
        _in_transit_rows(locked),
        status=SerialStatus.SCRAPPED,
        warehouse_id=None,
        transit=None,
        moves={},
        doc=doc,
        actor=actor,
        at=at,
    )
    for line in short:
        line.short_qty += line.open_qty
    _finish(locked, open_lines, at)
    record(
        actor=actor,
        action="transit.closed",
        instance=locked,
        changes={
            "short": [None, [[skus[line.sku_id].code, line.short_qty] for line in short]],
            "reason": [None, why],
        },
        topic="transit.closed",
        payload={
            "transit_id": locked.pk,
            "short": [[line.sku_id, line.short_qty] for line in short],
        },
    )
    locked.note = (locked.note + " " + why).strip()[:200]
    Transit.objects.filter(pk=locked.pk).update(note=locked.note)
    return locked
