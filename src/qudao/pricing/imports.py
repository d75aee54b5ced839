"""Price lists in and out of Excel: every row validated, all or nothing, a row-by-row report."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import DomainError
from qudao.core.spreadsheet import (
    CellError,
    Column,
    parse_int,
    parse_money,
    parse_text,
    read_sheet,
    workbook_bytes,
)
from qudao.pricing.constants import FLOOR_LEVELS
from qudao.pricing.models import PriceControl, PriceList
from qudao.pricing.selectors import price_list_items
from qudao.pricing.services import ItemRow, price_list_set_items

COLUMNS = (
    Column("sku", gettext_lazy("SKU code"), parse_text),
    Column("sku_name", gettext_lazy("SKU name"), parse_text, required=False),
    Column("min_qty", gettext_lazy("From quantity"), parse_int, required=False),
    Column("price", gettext_lazy("Price"), parse_money),
)


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _floors(price_list: PriceList, sku_ids: set[int]) -> dict[int, Any]:
    kind = price_list.seller.kind
    if kind not in FLOOR_LEVELS:
        return {}
    return {pc.sku_id: pc.floor_for(kind) for pc in PriceControl.objects.filter(sku_id__in=sku_ids)}


def price_list_import(
    *, actor: Any, price_list: PriceList, data: bytes, replace: bool = False
) -> ImportResult:
    """Validate every row (known SKU, whole quantities ≥ 1, amounts, no duplicate SKU and
    quantity, not under the brand's floor) and write only when all rows are good."""
    sheet = read_sheet(data, COLUMNS)
    header = {c.key: str(c.header) for c in COLUMNS}
    codes = {r["sku"] for _n, r in sheet.rows if r.get("sku")}
    skus = sku_map_by_codes(codes)
    floors = _floors(price_list, {s.pk for s in skus.values()})
    seen: dict[tuple[int, int], int] = {}
    rows: list[ItemRow] = []
    for number, record in sheet.rows:
        sku = skus.get(record.get("sku") or "")
        if record.get("sku") and sku is None:
            sheet.error(number, header["sku"], record["sku"], _("Unknown SKU code."))
        qty = 1 if record.get("min_qty") is None else record["min_qty"]
        if qty < 1:
            sheet.error(number, header["min_qty"], qty, _("The quantity break starts at 1."))
        price = record.get("price")
        if sku is None or price is None or qty < 1:
            continue
        floor = floors.get(sku.pk)
        if floor is not None and price < floor:
            sheet.error(
                number,
                header["price"],
                price,
                _("Under the brand's floor of %(floor)s.") % {"floor": floor},
            )
        if (sku.pk, qty) in seen:
            sheet.error(
                number,
                header["sku"],
                sku.code,
                _("Same SKU and quantity as row %(row)s.") % {"row": seen[(sku.pk, qty)]},
            )
            continue
        seen[(sku.pk, qty)] = number
        rows.append(ItemRow(sku_id=sku.pk, min_qty=qty, price=price))
    if sheet.errors:
        return ImportResult(errors=sorted(sheet.errors, key=lambda e: (e.row, e.column)))
    try:
        counts = price_list_set_items(
            actor=actor, price_list=price_list, rows=rows, replace=replace
        )
    except DomainError as exc:  # e.g. a tie with another list: the file as a whole
        return ImportResult(errors=[CellError(0, "", "", exc.message)])
    return ImportResult(counts=counts)


def price_list_export(*, price_list: PriceList) -> bytes:
    rows = (
        [item.sku.code, item.sku.name, item.min_qty, item.price]
        for item in price_list_items(price_list=price_list)
    )
    return workbook_bytes([c.header for c in COLUMNS], rows, title=price_list.code)
