"""Reservations: stock held for a document's lines (an approved order). Stock.reserved is the
sum of open reservations; available = on hand − reserved never goes below zero, so two
orders can never both take the last units (the balance rows are locked, pk order).

Called by the app whose document it is, after its own access check (see transit.py)."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.models import Sku
from qudao.core.errors import ValidationFailed
from qudao.core.services import event_record
from qudao.inventory.constants import SerialStatus
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import Reservation, Serial, Warehouse
from qudao.inventory.selectors import Expect, SerialRow, check_serials
from qudao.inventory.services._common import (
    Change,
    Doc,
    Line,
    LineInput,
    clean_lines,
    doc_payload,
    post,
    require_active,
    require_doc,
)
from qudao.inventory.services._serials import serials_move


def _serials_of(lines: Sequence[Line]) -> list[tuple[str, int]]:
    return [(serial, line.sku.pk) for line in lines for serial in line.serials]


def _check_reserved_serials(lines: Sequence[Line]) -> None:
    over = [line.sku.code for line in lines if len(line.serials) > line.qty]
    if over:
        raise ValidationFailed(
            _("More serials than units for %(skus)s.") % {"skus": "、".join(over)},
            code="serial_count_mismatch",
        )
    untracked = [line.sku.code for line in lines if line.serials and not line.sku.serial_tracked]
    if untracked:
        raise ValidationFailed(
            _("%(skus)s are not serial-tracked: remove their serials.")
            % {"skus": "、".join(untracked)},
            code="serials_not_tracked",
        )


@transaction.atomic
def stock_reserve(
    *, actor: Any, warehouse: Warehouse, lines: Sequence[LineInput], doc: Doc
) -> list[Reservation]:
    """Hold stock for a document's lines, all or nothing: every line must fit what is
    available (on hand − reserved) or nothing is reserved and the shortages are named.
    A line may name units (serials) to hold; reserving a line again adds to it."""
    require_doc(doc)
    require_active(warehouse)
    clean = clean_lines(lines)
    _check_reserved_serials(clean)
    check = check_serials(
        _serials_of(clean),
        expect=Expect(statuses=(SerialStatus.IN_STOCK,), warehouse_id=warehouse.pk),
    )
    check.raise_if_problems()
    skus = {line.sku.pk: line.sku for line in clean}
    stocks = lock_stocks((warehouse.pk, pk) for pk in skus)
    at = timezone.now()
    post(
        stocks,
        [Change(warehouse.pk, line.sku.pk, reserved=line.qty) for line in clean],
        skus=skus,
        actor=actor,
        at=at,
    )
    existing = {
        (r.sku_id, r.line): r
        for r in Reservation.objects.select_for_update().filter(
            warehouse=warehouse, doc_type=doc.type, doc_id=str(doc.id), sku_id__in=list(skus)
        )
    }
    result: list[Reservation] = []
    new: list[Reservation] = []
    grown: dict[int, Reservation] = {}
    for line in clean:
        found = existing.get((line.sku.pk, line.line))
        if found is None:
            found = Reservation(
                warehouse=warehouse,
                sku=line.sku,
                doc_type=doc.type,
                doc_id=str(doc.id),
                doc_number=doc.number,
                line=line.line,
                qty=0,
                open_qty=0,
                created_at=at,
            )
            existing[(line.sku.pk, line.line)] = found
            new.append(found)
        elif found.pk:
            grown[found.pk] = found
        found.qty += line.qty
        found.open_qty += line.qty
        found.updated_at = at
        result.append(found)
    Reservation.objects.bulk_create(new)
    Reservation.objects.bulk_update(list(grown.values()), ["qty", "open_qty", "updated_at"])
    serials_move(
        check.found,
        status=SerialStatus.RESERVED,
        warehouse_id=warehouse.pk,
        transit=None,
        moves={},
        reserved_for=doc.key,
        doc=doc,
        actor=actor,
        at=at,
    )
    event_record(
        "stock.reserved",
        {
            "warehouse_id": warehouse.pk,
            "lines": [[line.sku.pk, line.qty, line.line] for line in clean],
            **doc_payload(doc),
        },
    )
    return result


def _reserved_units(warehouse_id: int, sku_ids: Sequence[int], doc: Doc) -> list[SerialRow]:
    return [
        SerialRow(*row)
        for row in Serial.objects.filter(
            warehouse_id=warehouse_id,
            sku_id__in=list(sku_ids),
            status=SerialStatus.RESERVED,
            reserved_for=doc.key,
        ).values_list(
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


def _free_units(warehouse_id: int, sku_ids: Sequence[int], doc: Doc, actor: Any) -> None:
    """Units held for the document of SKUs it no longer reserves go back in stock."""
    if not sku_ids:
        return
    serials_move(
        _reserved_units(warehouse_id, sku_ids, doc),
        status=SerialStatus.IN_STOCK,
        warehouse_id=warehouse_id,
        transit=None,
        moves={},
        doc=doc,
        actor=actor,
        at=timezone.now(),
    )


def _plan_release(open_rows: Sequence[Reservation], lines: Sequence[Line] | None) -> dict[int, int]:
    """{reservation id: quantity to release}: everything, or the given (SKU, qty[, line key])
    taken from the matching reservations in the order they were made."""
    if lines is None:
        return {r.pk: r.open_qty for r in open_rows}
    plan: dict[int, int] = {}
    short: list[str] = []
    for line in lines:
        left = line.qty
        for r in open_rows:
            if r.sku_id != line.sku.pk or (line.line and r.line != line.line):
                continue
            take = min(left, r.open_qty - plan.get(r.pk, 0))
            if take > 0:
                plan[r.pk] = plan.get(r.pk, 0) + take
                left -= take
        if left:
            short.append(line.sku.code)
    if short:
        raise ValidationFailed(
            _("More than is reserved for this document: %(skus)s.") % {"skus": "、".join(short)},
            code="release_exceeds_reserved",
        )
    return plan


@transaction.atomic
def stock_release(
    *,
    actor: Any,
    doc: Doc,
    lines: Sequence[LineInput] | None = None,
    warehouse: Warehouse | None = None,
) -> int:
    """Give back what a document holds (order cancelled or rejected, or lines reduced):
    everything, or the given (SKU, qty) lines — with a line key as 4th item, only that
    line's reservation. Units held for the document go back in stock when its reservation of
    their SKU ends. Returns the units released."""
    require_doc(doc)
    clean = clean_lines(lines) if lines is not None else None
    where = Q(doc_type=doc.type, doc_id=str(doc.id), open_qty__gt=0)
    if warehouse is not None:
        where &= Q(warehouse=warehouse)
    keys = set(Reservation.objects.filter(where).values_list("warehouse_id", "sku_id"))
    if not keys:
        if clean:
            raise ValidationFailed(
                _("Nothing is reserved for this document."), code="release_exceeds_reserved"
            )
        return 0
    stocks = lock_stocks(keys)
    open_rows = list(Reservation.objects.select_for_update().filter(where).order_by("pk"))
    plan = _plan_release(open_rows, clean)
    changes = []
    at = timezone.now()
    for r in open_rows:
        take = plan.get(r.pk, 0)
        if not take:
            continue
        r.open_qty -= take
        r.updated_at = at
        r.save(update_fields=["open_qty", "updated_at"])
        changes.append(Change(r.warehouse_id, r.sku_id, reserved=-take))
    skus = {s.pk: s for s in Sku.objects.filter(pk__in={k[1] for k in keys})}
    post(stocks, changes, skus=skus, actor=actor, at=at)
    still = {(r.warehouse_id, r.sku_id) for r in open_rows if r.open_qty > 0}
    ended: dict[int, list[int]] = {}
    for key in keys - still:
        ended.setdefault(key[0], []).append(key[1])
    for warehouse_id, sku_ids in ended.items():
        _free_units(warehouse_id, sku_ids, doc, actor)
    released = sum(plan.values())
    event_record(
        "stock.released",
        {
            "released": released,
            "lines": [[c.sku_id, -c.reserved] for c in changes],
            **doc_payload(doc),
        },
    )
    return released


def consume_reservations(
    *, warehouse: Warehouse, lines: Sequence[Line], doc: Doc
) -> dict[int, int]:
    """A shipment of the document uses up its reservations at this warehouse (oldest
    first, per SKU); returns {SKU id: units consumed}. The balance rows are locked already
    (the caller's lock_stocks); units still held for the document of a SKU whose reservation
    ends go back in stock."""
    rows = list(
        Reservation.objects.select_for_update()
        .filter(
            warehouse=warehouse,
            doc_type=doc.type,
            doc_id=str(doc.id),
            open_qty__gt=0,
            sku_id__in=[line.sku.pk for line in lines],
        )
        .order_by("pk")
    )
    if not rows:
        return {}
    shipped = {line.sku.pk: line.qty for line in lines}
    shipped_units = {s for line in lines for s in line.serials}
    used: dict[int, int] = {}
    at = timezone.now()
    for r in rows:
        take = min(r.open_qty, shipped[r.sku_id] - used.get(r.sku_id, 0))
        if take <= 0:
            continue
        used[r.sku_id] = used.get(r.sku_id, 0) + take
        r.open_qty -= take
        r.updated_at = at
        r.save(update_fields=["open_qty", "updated_at"])
    ended = [sku for sku in used if not any(r.open_qty for r in rows if r.sku_id == sku)]
    leftover = [
        u for u in _reserved_units(warehouse.pk, ended, doc) if u.serial not in shipped_units
    ]
    serials_move(
        leftover,
        status=SerialStatus.IN_STOCK,
        warehouse_id=warehouse.pk,
        transit=None,
        moves={},
        doc=doc,
        actor=None,
        at=at,
    )
    return used
