"""Sell-out: what an org sold downstream (to stores or consumers) outside the system's own
orders — typed in a form, imported from Excel, sent by API — and retail sales made in the
system. Each record takes the goods out of the org's warehouse (a retail-sale move; sold
units leave with their serials), so stock and days of stock stay true.

A batch is checked row by row and written all or nothing: every problem is reported with
its row, field and a stable code (`SellOutRejected.problems`), nothing is written."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.catalog.models import Sku
from qudao.core.errors import DomainError, ValidationFailed
from qudao.core.numbering import next_number
from qudao.inventory.constants import SHIPPABLE, MoveKind, SellOutSource, SerialStatus
from qudao.inventory.locks import lock_stocks
from qudao.inventory.models import SellOut, Stock, StockMove, Warehouse
from qudao.inventory.selectors import Expect, check_serials, parse_serials
from qudao.inventory.services._common import (
    Change,
    Doc,
    LineInput,
    clean_lines,
    merge_by_sku,
    post,
    quantity,
    record,
    require_active,
    require_manage,
)
from qudao.inventory.services._serials import serials_move
from qudao.inventory.services.moves import issue
from qudao.network.models import Division, Org


@dataclass(frozen=True)
class SellOutRow:
    """One sold line: date, SKU, quantity, serials (tracked SKUs: one per unit), the buyer's
    region (administrative-division code) and the caller's row number for its report."""

    sold_on: date | None
    sku: Sku | None
    qty: Any
    serials: tuple[str, ...] | str = ()
    buyer_division: str = ""
    row: int = 0


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: str
    code: str
    message: str


class SellOutRejected(ValidationFailed):
    """Some rows are wrong; `problems` names each (row, field, value, code). Nothing was
    written."""

    code = "sellout_rejected"

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row, p.field))
        super().__init__(
            _("%(n)s problems; nothing was recorded.") % {"n": len(self.problems)},
            fields={
                "rows": [
                    _("Row %(row)s: %(message)s") % {"row": p.row, "message": p.message}
                    for p in self.problems
                ]
            },
        )


@dataclass
class _Clean:
    row: SellOutRow
    sku: Sku
    qty: int
    serials: list[str]
    division: Division | None
    sold_on: date


class _Batch:
    """The checks of one batch, collecting problems instead of stopping at the first."""

    def __init__(self, org: Org, warehouse: Warehouse) -> None:
        self.org = org
        self.warehouse = warehouse
        self.problems: list[RowProblem] = []
        self.rows: list[_Clean] = []
        self.unreceived: set[int] = set()

    def problem(self, row: int, field: str, value: Any, code: str, message: str) -> None:
        self.problems.append(
            RowProblem(row, field, "" if value is None else str(value), code, message)
        )

    def clean(self, rows: Sequence[SellOutRow]) -> None:
        codes = {r.buyer_division.strip() for r in rows if r.buyer_division.strip()}
        divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
        today = timezone.localdate()
        for r in rows:
            ok = True
            if r.sold_on is None or r.sold_on > today:
                self.problem(
                    r.row,
                    "sold_on",
                    r.sold_on,
                    "invalid_date",
                    _("Give the day of the sale, not in the future."),
                )
                ok = False
            if r.sku is None:
                self.problem(r.row, "sku", "", "unknown_sku", _("Unknown SKU code."))
                continue
            try:
                qty = quantity(r.qty, label=r.sku.code)
            except DomainError as exc:
                self.problem(r.row, "qty", r.qty, exc.code, exc.message)
                continue
            serials = parse_serials(r.serials)
            if r.sku.serial_tracked and len(serials) != qty:
                self.problem(
                    r.row,
                    "serials",
                    len(serials),
                    "serial_count_mismatch",
                    _("%(units)s units need %(units)s serials; %(serials)s given.")
                    % {"units": qty, "serials": len(serials)},
                )
                ok = False
            elif serials and not r.sku.serial_tracked:
                self.problem(
                    r.row,
                    "serials",
                    " ".join(serials),
                    "serials_not_tracked",
                    _("This SKU is not serial-tracked: remove the serials."),
                )
                ok = False
            code = r.buyer_division.strip()
            if code and code not in divisions:
                self.problem(
                    r.row,
                    "buyer_division",
                    code,
                    "unknown_division",
                    _("Unknown administrative division code."),
                )
                ok = False
            if ok and r.sold_on is not None:
                self.rows.append(_Clean(r, r.sku, qty, serials, divisions.get(code), r.sold_on))

    def never_received(self) -> None:
        """A SKU this org never took in cannot have been sold by it."""
        sku_ids = {c.sku.pk for c in self.rows}
        received = set(
            StockMove.objects.filter(warehouse__org=self.org, sku_id__in=sku_ids, qty__gt=0)
            .values_list("sku_id", flat=True)
            .distinct()
        )
        self.unreceived = sku_ids - received
        for c in self.rows:
            if c.sku.pk not in received:
                self.problem(
                    c.row.row,
                    "sku",
                    c.sku.code,
                    "sku_never_received",
                    _("%(org)s never received %(sku)s.")
                    % {"org": self.org.name, "sku": c.sku.code},
                )

    def serials(self, doc: Doc) -> list[Any]:
        """All serials of the batch in one check (a serial on two rows is a repeat)."""
        owner = {s: c.row.row for c in self.rows for s in c.serials}
        check = check_serials(
            [(s, c.sku.pk) for c in self.rows for s in c.serials],
            expect=Expect(
                statuses=(*SHIPPABLE, SerialStatus.RESERVED),
                warehouse_id=self.warehouse.pk,
                reserved_for=doc.key or "-",
            ),
        )
        for p in check.problems:
            self.problem(owner.get(p.serial, 0), "serials", p.serial, p.code, p.message)
        return check.found

    def fits(self, stocks: dict[Any, Any]) -> None:
        """Rows in order against what is available; the row that goes over is named."""
        taken: dict[int, int] = defaultdict(int)
        for c in self.rows:
            if c.sku.pk in self.unreceived:
                continue  # reported as never received
            stock = stocks.get((self.warehouse.pk, c.sku.pk)) or Stock()
            taken[c.sku.pk] += c.qty
            if taken[c.sku.pk] > stock.on_hand - stock.reserved:
                self.problem(
                    c.row.row,
                    "qty",
                    c.qty,
                    "insufficient_stock",
                    _("Only %(n)s of %(sku)s available.")
                    % {"n": stock.on_hand - stock.reserved, "sku": c.sku.code},
                )

    def raise_if_problems(self) -> None:
        if self.problems:
            raise SellOutRejected(self.problems)


def _warehouse_of(org: Org, warehouse: Warehouse | None) -> Warehouse:
    if warehouse is None:
        warehouse = (
            Warehouse.objects.select_related("org")
            .filter(org=org, is_default=True, is_active=True)
            .first()
        )
        if warehouse is None:
            raise ValidationFailed(
                _("%(org)s has no warehouse in the system.") % {"org": org.name},
                code="no_warehouse",
            )
    elif warehouse.org_id != org.pk:
        raise ValidationFailed(
            _("The warehouse is not one of %(org)s.") % {"org": org.name},
            code="warehouse_not_of_org",
        )
    return warehouse


def _record(
    *,
    actor: Any,
    org: Org,
    warehouse: Warehouse,
    rows: Sequence[SellOutRow],
    source: str,
    doc: Doc,
) -> list[SellOut]:
    if source not in SellOutSource.values:
        raise ValidationFailed(_("Unknown source."), code="invalid_source")
    if not rows:
        raise ValidationFailed(_("Add at least one line."), code="no_lines")
    batch = _Batch(org, warehouse)
    batch.clean(rows)
    batch.never_received()
    units = batch.serials(doc)
    # stock is read once without locks so one report names every problem, then again
    # under the locks, where the numbers are final
    batch.fits(
        {
            (s.warehouse_id, s.sku_id): s
            for s in Stock.objects.filter(
                warehouse=warehouse, sku_id__in=[c.sku.pk for c in batch.rows]
            )
        }
    )
    batch.raise_if_problems()
    stocks = lock_stocks((warehouse.pk, c.sku.pk) for c in batch.rows)
    batch.fits(stocks)
    batch.raise_if_problems()
    at = timezone.now()
    posted = post(
        stocks,
        [Change(warehouse.pk, c.sku.pk, MoveKind.RETAIL_SALE, -c.qty) for c in batch.rows],
        skus={c.sku.pk: c.sku for c in batch.rows},
        actor=actor,
        doc=doc,
        at=at,
    )
    move_of = {s: move for c, move in zip(batch.rows, posted.rows, strict=True) for s in c.serials}
    serials_move(
        units,
        status=SerialStatus.SOLD,
        warehouse_id=None,
        transit=None,
        moves={},
        move_by_serial={u.id: move_of[u.serial] for u in units},
        doc=doc,
        actor=actor,
        at=at,
    )
    records = [
        SellOut(
            org=org,
            warehouse=warehouse,
            sold_on=c.sold_on,
            sku=c.sku,
            qty=c.qty,
            serials=c.serials,
            buyer_division=c.division,
            source=source,
            move=move,
            doc_number=doc.number,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=at,
        )
        for c, move in zip(batch.rows, posted.rows, strict=True)
    ]
    SellOut.objects.bulk_create(records, batch_size=1000)
    _recorded(actor, warehouse, records, doc=doc, source=source)
    return records


def _recorded(
    actor: Any, warehouse: Warehouse, records: Sequence[SellOut], *, doc: Doc, source: str
) -> None:
    """The audit row and event of a sell-out batch."""
    codes = {s.pk: s.code for s in Sku.objects.filter(pk__in={r.sku_id for r in records})}
    record(
        actor=actor,
        action="sellout.recorded",
        instance=warehouse,
        changes={
            "document": [None, doc.number],
            "lines": [None, [[codes[r.sku_id], r.qty] for r in records][:200]],
            "source": [None, source],
        },
        topic="sellout.recorded",
        payload={
            "org_id": warehouse.org_id,
            "warehouse_id": warehouse.pk,
            "rows": len(records),
            "units": sum(r.qty for r in records),
            "source": source,
            "doc_number": doc.number,
        },
    )


@transaction.atomic
def sellout_record(
    *,
    actor: Any,
    org: Org,
    rows: Sequence[SellOutRow],
    source: str = SellOutSource.FORM,
    warehouse: Warehouse | None = None,
) -> list[SellOut]:
    """Record an org's downstream sales (form, import or API), out of its default warehouse
    unless another of its warehouses is given. Refused as a whole, with every row's
    problems: a future date, an unknown SKU or region, a SKU the org never received, more
    than is available, serials missing, repeated or not here."""
    where = _warehouse_of(org, warehouse)
    require_manage(actor, where)
    require_active(where)
    number = next_number("SL")
    return _record(
        actor=actor,
        org=org,
        warehouse=where,
        rows=rows,
        source=source,
        doc=Doc("sellout", number, number),
    )


@transaction.atomic
def retail_sale_post(
    *,
    actor: Any,
    warehouse: Warehouse,
    lines: Sequence[LineInput],
    buyer_division: str = "",
    doc: Doc = Doc(),  # noqa: B008 — a frozen dataclass
) -> list[SellOut]:
    """A sale to a consumer made in the system (a store's till): today, out of this
    warehouse, refused like any issue (InsufficientStock, SerialsRejected); recorded as
    sell-out like the others, one record per SKU."""
    require_manage(actor, warehouse)
    require_active(warehouse)
    clean = merge_by_sku(clean_lines(lines))
    division = None
    if buyer_division.strip():
        division = Division.objects.filter(code=buyer_division.strip()).first()
        if division is None:
            raise ValidationFailed(
                _("Unknown administrative division code."), code="unknown_division"
            )
    if not doc.type:
        number = next_number("SL")
        doc = Doc("sellout", number, number)
    posted = issue(
        actor=actor, warehouse=warehouse, lines=clean, kind=MoveKind.RETAIL_SALE, doc=doc
    )
    moves = posted.by_sku(warehouse.pk)
    records = [
        SellOut(
            org_id=warehouse.org_id,
            warehouse=warehouse,
            sold_on=timezone.localdate(),
            sku=line.sku,
            qty=line.qty,
            serials=list(line.serials),
            buyer_division=division,
            source=SellOutSource.POS,
            move=moves[line.sku.pk],
            doc_number=doc.number,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        for line in clean
    ]
    SellOut.objects.bulk_create(records)
    _recorded(actor, warehouse, records, doc=doc, source=SellOutSource.POS)
    return records
