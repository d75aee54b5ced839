"""Excel in and out (openpyxl): read a sheet against declared columns, report every bad cell.

Imports validate every row first and write nothing unless all rows are good; the caller turns
the collected `CellError`s into a downloadable report (`error_report`) in the user's language.
"""

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from qudao.core.errors import ValidationFailed

MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # the translated header people see; the English source also matches
    parse: Callable[[Any], Any] = str
    required: bool = True


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    value: Any
    message: str


@dataclass
class Sheet:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    def error(self, row: int, column: str, value: Any, message: str) -> None:
        self.errors.append(CellError(row, column, "" if value is None else str(value), message))


class SheetRejected(ValidationFailed):
    """The file as a whole cannot be read (not xlsx, wrong headers, too many rows)."""

    code = "sheet_rejected"


def _header_keys(columns: Sequence[Column], headers: list[Any]) -> dict[int, Column]:
    wanted: dict[str, Column] = {}
    for column in columns:
        wanted[str(column.header).strip().lower()] = column
        wanted[column.key.lower()] = column
    found = {
        i: wanted[str(h).strip().lower()]
        for i, h in enumerate(headers)
        if h is not None and str(h).strip().lower() in wanted
    }
    missing = [str(c.header) for c in columns if c.required and c not in found.values()]
    if missing:
        raise SheetRejected(
            _("Missing columns: %(columns)s.") % {"columns": "、".join(missing)},
            code="sheet_missing_columns",
        )
    return found


def read_sheet(data: bytes, columns: Sequence[Column]) -> Sheet:
    """Parse the first sheet: a header row, then one record per row. Cells that fail their
    column's parser become CellErrors (row numbers as Excel shows them); blank rows are
    skipped."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SheetRejected(
            _("The file is not an Excel workbook (.xlsx)."), code="sheet_not_xlsx"
        ) from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise SheetRejected(_("The sheet is empty."), code="sheet_empty")
    by_index = _header_keys(columns, list(header))
    sheet = Sheet()
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise SheetRejected(
                _("At most %(n)s rows per file.") % {"n": MAX_ROWS}, code="sheet_too_long"
            )
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        record: dict[str, Any] = {}
        for index, column in by_index.items():
            raw = values[index] if index < len(values) else None
            if raw is None or str(raw).strip() == "":
                if column.required:
                    sheet.error(number, str(column.header), raw, _("This field is required."))
                record[column.key] = None
                continue
            try:
                record[column.key] = column.parse(raw)
            except (ValueError, TypeError, InvalidOperation) as exc:
                sheet.error(number, str(column.header), raw, str(exc) or _("Not valid."))
        sheet.rows.append((number, record))
    book.close()
    return sheet


def parse_text(value: Any) -> str:
    return str(value).strip()


def parse_int(value: Any) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(_("Enter a whole number.")) from exc
    if number != number.to_integral_value():
        raise ValueError(_("Enter a whole number."))
    return int(number)


def parse_money(value: Any) -> Decimal:
    """A price cell: a number with at most 2 decimals, never negative, never a float guess."""
    text = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("Enter an amount, e.g. 1280.00.")) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("Enter an amount of 0 or more."))
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(_("At most 2 decimals."))
    return amount.quantize(Decimal("0.01"))


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "√"}:
        return True
    if text in {"0", "false", "no", "n", "否", ""}:
        return False
    raise ValueError(_("Enter 是 or 否."))


def workbook_bytes(
    headers: Sequence[Any], rows: Iterable[Sequence[Any]], title: str = "Sheet1"
) -> bytes:
    """An .xlsx with a header row; numbers stay numbers (Decimal as a number cell)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_report(errors: Sequence[CellError]) -> bytes:
    """The row-by-row report of a refused import: row, column, value, message."""
    return workbook_bytes(
        [_("Row"), _("Column"), _("Value"), _("Message")],
        ([e.row, e.column, e.value, e.message] for e in errors),
        title=_("Errors"),
    )
