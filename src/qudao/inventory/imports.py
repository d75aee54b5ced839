"""Sell-out in and out of Excel: one row per sold line (date, SKU code, quantity, serials,
the buyer's region code). Every row is checked — by the sheet reader, then by the same checks
as a form (sellout_record) — and nothing is written unless all rows are good; the refusal is a
row-by-row report."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import DomainError
from qudao.core.spreadsheet import (
    CellError,
    Column,
    parse_int,
    parse_text,
    read_sheet,
    workbook_bytes,
)
from qudao.inventory.constants import SellOutSource
from qudao.inventory.models import SellOut, Warehouse
from qudao.inventory.services import SellOutRejected, SellOutRow, sellout_record
from qudao.network.models import Org


def parse_day(value: Any) -> date:
    """A date cell: Excel's own date, or text like 2026-11-03 / 2026/11/3."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError as exc:
        raise ValueError(_("Enter a date like 2026-11-03.")) from exc


def parse_code(value: Any) -> str:
    """A code cell Excel may have turned into a number (330106 → "330106")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


COLUMNS = (
    Column("sold_on", gettext_lazy("Date sold"), parse_day),
    Column("sku", gettext_lazy("SKU code"), parse_code),
    Column("qty", gettext_lazy("Quantity"), parse_int),
    Column("serials", gettext_lazy("Serial numbers"), parse_text, required=False),
    Column("buyer_division", gettext_lazy("Buyer's region code"), parse_code, required=False),
)


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def sellout_import(
    *, actor: Any, org: Org, data: bytes, warehouse: Warehouse | None = None
) -> ImportResult:
    """Check every row (a date, a known SKU, a whole quantity above 0, one serial per unit
    of a tracked SKU, each serial in the warehouse and listed once, a known region, a SKU
    the org received, enough stock) and record all rows or none."""
    sheet = read_sheet(data, COLUMNS)
    header = {c.key: str(c.header) for c in COLUMNS}
    skus = sku_map_by_codes(r.get("sku") or "" for _n, r in sheet.rows)
    rows: list[SellOutRow] = []
    for number, record in sheet.rows:
        code = record.get("sku")
        sku = skus.get(code or "")
        if code and sku is None:
            sheet.error(number, header["sku"], code, _("Unknown SKU code."))
            continue
        if sku is None or record.get("sold_on") is None or record.get("qty") is None:
            continue  # the sheet reader reported the cell
        rows.append(
            SellOutRow(
                sold_on=record["sold_on"],
                sku=sku,
                qty=record["qty"],
                serials=record.get("serials") or "",
                buyer_division=record.get("buyer_division") or "",
                row=number,
            )
        )
    if sheet.errors:
        return ImportResult(errors=sorted(sheet.errors, key=lambda e: (e.row, e.column)))
    try:
        records = sellout_record(
            actor=actor, org=org, rows=rows, source=SellOutSource.IMPORT, warehouse=warehouse
        )
    except SellOutRejected as exc:
        return ImportResult(
            errors=[
                CellError(p.row, header.get(p.field, p.field), p.value, p.message)
                for p in exc.problems
            ]
        )
    except DomainError as exc:  # the file as a whole (no warehouse, no right)
        if exc.status in (403, 404):
            raise
        return ImportResult(errors=[CellError(0, "", "", exc.message)])
    return ImportResult(counts={"rows": len(records), "units": sum(r.qty for r in records)})


def sellout_export(*, records: Any) -> bytes:
    """Sell-out records (a selector's queryset) in the import's columns, plus the org."""
    rows = (
        [
            r.sold_on,
            r.sku.code,
            r.qty,
            " ".join(r.serials),
            r.buyer_division_id or "",
            r.org.name,
            r.get_source_display(),
        ]
        for r in records
    )
    headers = [*(c.header for c in COLUMNS), gettext_lazy("Org"), gettext_lazy("Source")]
    return workbook_bytes(headers, rows, title=str(SellOut._meta.verbose_name))
