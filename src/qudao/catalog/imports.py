"""Products and SKUs in and out of Excel: one sheet, one row per SKU, the product's columns
repeated on each of its rows. The import checks every row and writes all or nothing, upserting
by code; the export writes the same columns, so an export imports back unchanged."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.catalog import selectors
from qudao.catalog.constants import BASE_UNITS, MIN_PACK_FACTOR, PRODUCT_STATUS_PIPELINE
from qudao.catalog.constants import ProductStatus as Status
from qudao.catalog.models import Category, Fitment, Product, Sku, SkuPack
from qudao.catalog.rules import (
    PRODUCT_CLEANERS,
    SKU_CLEANERS,
    clean_values,
    format_pairs,
    product_search_text,
    sku_search_text,
)
from qudao.catalog.services import PRODUCT_FIELDS, SKU_FIELDS, require_manager, snap
from qudao.core.errors import ValidationFailed
from qudao.core.services import audit_record_bulk, changes_between, event_record
from qudao.core.spreadsheet import (
    CellError,
    Column,
    Sheet,
    SheetRejected,
    parse_bool,
    parse_int,
    read_sheet,
    workbook_bytes,
)


def parse_cell_text(value: Any) -> str:
    """Text of a cell that Excel may have turned into a number (barcodes, codes)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@lru_cache(maxsize=8)
def _status_names(language: str) -> dict[str, str]:
    names = {s.value: s.value for s in Status}
    for lang in (language, "en"):
        with translation.override(lang):
            names.update({str(s.label).lower(): s.value for s in Status})
    return names


def parse_status(value: Any) -> str:
    text = str(value).strip().lower()
    found = _status_names(translation.get_language() or "en").get(text)
    if found is None:
        labels = "、".join(str(s.label) for s in Status)
        raise ValueError(_("Choose one of: %(labels)s.") % {"labels": labels})
    return found


COLUMNS = (
    Column("product_code", gettext_lazy("Product code"), parse_cell_text),
    Column("product_name", gettext_lazy("Product name"), parse_cell_text),
    Column("category_code", gettext_lazy("Category code"), parse_cell_text),
    Column("spare_part", gettext_lazy("Spare part"), parse_bool, required=False),
    Column("product_status", gettext_lazy("Product status"), parse_status, required=False),
    Column("sku_code", gettext_lazy("SKU code"), parse_cell_text),
    Column("sku_name", gettext_lazy("SKU name"), parse_cell_text),
    Column("attributes", gettext_lazy("Attributes"), parse_cell_text, required=False),
    Column("barcode", gettext_lazy("Barcode"), parse_cell_text, required=False),
    Column("base_unit", gettext_lazy("Base unit"), parse_cell_text, required=False),
    Column("serial_tracked", gettext_lazy("Serial tracked"), parse_bool, required=False),
    Column("warranty_months", gettext_lazy("Warranty months"), parse_int, required=False),
    Column("order_multiple", gettext_lazy("Order in multiples of"), parse_int, required=False),
    Column("sku_status", gettext_lazy("SKU status"), parse_status, required=False),
    Column("packs", gettext_lazy("Pack sizes"), parse_cell_text, required=False),
    Column("specs", gettext_lazy("Specifications"), parse_cell_text, required=False),
    Column("description", gettext_lazy("Description"), parse_cell_text, required=False),
)

# sheet column → model field, for the product and the SKU of a row
PRODUCT_COLUMNS = {
    "product_code": "code",
    "product_name": "name",
    "spare_part": "is_spare_part",
    "product_status": "status",
    "specs": "specs",
    "description": "description",
}
SKU_COLUMNS = {
    "sku_code": "code",
    "sku_name": "name",
    "attributes": "attributes",
    "barcode": "barcode",
    "base_unit": "base_unit",
    "serial_tracked": "serial_tracked",
    "warranty_months": "warranty_months",
    "order_multiple": "order_multiple",
    "sku_status": "status",
}
# a blank cell in a column that is there means this; a column that is not there keeps the value
BLANK = {
    "spare_part": False,
    "serial_tracked": False,
    "warranty_months": 0,
    "order_multiple": 1,
    "attributes": "",
    "barcode": "",
    "specs": "",
    "description": "",
    "packs": "",
}
KEEP_WHEN_BLANK = {"product_status", "sku_status", "base_unit"}  # blank: as it is, or default
REQUIRED = {c.key for c in COLUMNS if c.required}


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    product: dict[str, Any]  # cleaned product fields given by the row
    sku: dict[str, Any]  # cleaned SKU fields given by the row
    category: Category | None
    packs: dict[str, int] | None  # None: the sheet has no pack column, packs stay as they are


def _given(record: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """Model field → raw value, for the row's columns that are in the sheet."""
    given: dict[str, Any] = {}
    for key, name in columns.items():
        if key not in record:
            continue
        value = record[key]
        if value is None and (key in KEEP_WHEN_BLANK or key in REQUIRED):
            continue  # as it is (or the default); a required cell was reported by read_sheet
        given[name] = BLANK.get(key) if value is None else value
    return given


class _Import:
    """One import run: the sheet, what the database holds for its codes, and the errors."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.header = {c.key: str(c.header) for c in COLUMNS}
        records = [r for _n, r in sheet.rows]
        product_codes = {r.get("product_code") for r in records} - {None}
        sku_codes = {r.get("sku_code") for r in records} - {None}
        barcodes = {r.get("barcode") for r in records} - {None, ""}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.products = {p.code: p for p in Product.objects.filter(code__in=product_codes)}
        self.skus = {
            s.code: s
            for s in Sku.objects.filter(code__in=sku_codes)
            .select_related("product")
            .prefetch_related("packs")
        }
        self.db_barcodes = {s.pk: s.barcode for s in self.skus.values()}
        # who holds each barcode of the file today: SKU code, or SKU code of the pack
        self.barcode_owners = dict(
            Sku.objects.filter(barcode__in=barcodes).values_list("barcode", "code")
        )
        self.pack_barcodes = dict(
            SkuPack.objects.filter(barcode__in=barcodes).values_list("barcode", "sku__code")
        )
        self.fitted = set(
            Fitment.objects.filter(part__product__code__in=product_codes).values_list(
                "part__product__code", flat=True
            )
        )
        self.models = set(
            Fitment.objects.filter(product__code__in=product_codes).values_list(
                "product__code", flat=True
            )
        )
        self.first_row: dict[str, tuple[int, dict[str, Any], Category | None]] = {}
        self.sku_rows: dict[str, int] = {}
        self.barcode_rows: dict[str, int] = {}
        self.rows: list[_Row] = []

    def error(self, number: int, key: str, value: Any, message: str) -> None:
        self.sheet.error(number, self.header[key], value, message)

    # --- checks ---

    def _clean(
        self, number: int, record: Mapping[str, Any], columns: Mapping[str, str], cleaners: Any
    ) -> dict[str, Any] | None:
        given = _given(record, columns)
        by_field = {name: key for key, name in columns.items()}
        clean: dict[str, Any] = {}
        ok = True
        for name, value in given.items():
            try:
                clean.update(clean_values(cleaners, {name: value}))
            except ValidationFailed as exc:
                ok = False
                self.error(number, by_field[name], record.get(by_field[name]), exc.message)
        return clean if ok else None

    def _packs(self, number: int, record: Mapping[str, Any], base_unit: str) -> dict[str, int]:
        packs: dict[str, int] = {}
        text = record.get("packs") or ""
        for chunk in text.replace("；", ";").split(";"):
            unit, _sep, factor = chunk.replace("＝", "=").partition("=")
            unit = unit.strip()
            if not (unit or factor.strip()):
                continue
            try:
                count = int(factor.strip())
            except ValueError:
                count = 0
            if not unit or len(unit) > 8 or unit == base_unit or count < MIN_PACK_FACTOR:
                message = _(
                    "Write unit=base units per pack, e.g. 箱=12;托=480 (at least %(min)s, "
                    "a unit other than the base unit)."
                ) % {"min": MIN_PACK_FACTOR}
                self.error(number, "packs", text, message)
                return packs
            packs[unit] = count
        return packs

    def check(self, number: int, record: Mapping[str, Any]) -> None:
        product = self._clean(number, record, PRODUCT_COLUMNS, PRODUCT_CLEANERS)
        sku = self._clean(number, record, SKU_COLUMNS, SKU_CLEANERS)
        category = self.categories.get(record.get("category_code") or "")
        if record.get("category_code") and category is None:
            self.error(
                number, "category_code", record["category_code"], _("Unknown category code.")
            )
        existing = self.skus.get(record.get("sku_code") or "")
        unit = (sku or {}).get("base_unit") or (existing.base_unit if existing else BASE_UNITS[0])
        packs = self._packs(number, record, unit) if "packs" in record else None
        if product is None or sku is None or "code" not in product or "code" not in sku:
            return
        row = _Row(number, product, sku, category, packs)
        self._check_same_product(row, record)
        self._check_sku(row, record)
        self._check_product_state(row)
        self.rows.append(row)

    def _check_same_product(self, row: _Row, record: Mapping[str, Any]) -> None:
        """The product's columns repeat on each of its rows and must say the same."""
        code = row.product["code"]
        first = self.first_row.get(code)
        if first is None:
            self.first_row[code] = (row.number, row.product, row.category)
            return
        number, product, category = first
        for key, name in PRODUCT_COLUMNS.items():
            if name not in row.product:
                continue
            if name not in product:  # blank on the first row, given here
                product[name] = row.product[name]
            elif row.product[name] != product[name]:
                self.error(
                    row.number,
                    key,
                    record.get(key),
                    _("Differs from row %(row)s of the same product.") % {"row": number},
                )
        if row.category is not None and category is not None and row.category != category:
            self.error(
                row.number,
                "category_code",
                record.get("category_code"),
                _("Differs from row %(row)s of the same product.") % {"row": number},
            )

    def _check_sku(self, row: _Row, record: Mapping[str, Any]) -> None:
        code = row.sku["code"]
        if code in self.sku_rows:
            self.error(
                row.number,
                "sku_code",
                code,
                _("Same SKU code as row %(row)s.") % {"row": self.sku_rows[code]},
            )
        self.sku_rows.setdefault(code, row.number)
        existing = self.skus.get(code)
        if existing is not None and existing.product.code != row.product["code"]:
            self.error(
                row.number,
                "sku_code",
                code,
                _("This SKU belongs to product %(product)s.") % {"product": existing.product.code},
            )
            return
        if existing is not None and row.sku.get("status", existing.status) != existing.status:
            self._check_transition(row.number, "sku_status", existing.status, row.sku["status"])
        barcode = row.sku.get("barcode")
        if barcode and barcode in self.barcode_rows:
            self.error(
                row.number,
                "barcode",
                barcode,
                _("Same barcode as row %(row)s.") % {"row": self.barcode_rows[barcode]},
            )
        if barcode:
            self.barcode_rows.setdefault(barcode, row.number)

    def check_barcodes_held(self) -> None:
        """A barcode another SKU holds today is free only if this file moves it off that SKU
        (so two SKUs may swap barcodes); pack barcodes are never free."""
        final = {code: sku.barcode for code, sku in self.skus.items()} | {
            r.sku["code"]: r.sku["barcode"] for r in self.rows if "barcode" in r.sku
        }
        for row in self.rows:
            barcode = row.sku.get("barcode")
            if not barcode:
                continue
            owner = self.pack_barcodes.get(barcode) or self.barcode_owners.get(barcode)
            moved = owner in final and final[owner] != barcode and barcode not in self.pack_barcodes
            if owner is not None and owner != row.sku["code"] and not moved:
                self.error(
                    row.number, "barcode", barcode, _("Already used by %(sku)s.") % {"sku": owner}
                )

    def _check_transition(self, number: int, key: str, current: str, target: str) -> None:
        if target not in PRODUCT_STATUS_PIPELINE.get(current, set()):
            self.error(
                number,
                key,
                Status(target).label,
                _("Cannot change status from %(current)s to %(target)s.")
                % {"current": Status(current).label, "target": Status(target).label},
            )

    def _check_product_state(self, row: _Row) -> None:
        code = row.product["code"]
        existing = self.products.get(code)
        if existing is None or self.first_row[code][0] != row.number:
            return  # new, or checked on the product's first row
        status = row.product.get("status", existing.status)
        if status != existing.status:
            self._check_transition(row.number, "product_status", existing.status, status)
        spare = row.product.get("is_spare_part", existing.is_spare_part)
        if spare != existing.is_spare_part and (code in self.fitted or code in self.models):
            self.error(
                row.number,
                "spare_part",
                _yes_no(spare),
                _("Fitment depends on whether this product is a spare part."),
            )

    # --- writes ---

    def write(self, actor: Any) -> dict[str, int]:
        now = timezone.now()
        audits: list[tuple[str, str, Any, str, dict[str, Any]]] = []
        products = self._write_products(now, audits)
        counts = self._write_skus(products, now, audits)
        audit_record_bulk(actor=actor, events=audits)
        counts["products_created"] = sum(1 for a in audits if a[0] == "product.created")
        counts["products_updated"] = sum(1 for a in audits if a[0] == "product.updated")
        counts["rows"] = len(self.rows)
        return counts

    def _write_products(
        self, now: Any, audits: list[tuple[str, str, Any, str, dict[str, Any]]]
    ) -> dict[str, Product]:
        new: list[Product] = []
        changed: list[tuple[Product, dict[str, Any]]] = []
        result: dict[str, Product] = {}
        for code, (_number, fields, category) in self.first_row.items():
            product = self.products.get(code) or Product(status=Status.DRAFT)
            before = snap(product, PRODUCT_FIELDS) if product.pk else {}
            for name, value in fields.items():
                setattr(product, name, value)
            if category is not None:
                product.category = category
            product.search_text = product_search_text(product)
            changes = changes_between(before, snap(product, PRODUCT_FIELDS))
            if product.pk is None:
                new.append(product)
            elif changes:
                product.updated_at = now
                changed.append((product, changes))
            result[code] = product
            if changes:
                audits.append(("", "catalog.product", product, str(product), changes))
        Product.objects.bulk_create(new, batch_size=500)
        Product.objects.bulk_update(
            [p for p, _c in changed],
            [f for f in PRODUCT_FIELDS if f != "code"] + ["search_text", "updated_at"],
            batch_size=500,
        )
        _name_audits(audits, "product", {p.pk for p in new})
        return result

    def _write_skus(
        self,
        products: Mapping[str, Product],
        now: Any,
        audits: list[tuple[str, str, Any, str, dict[str, Any]]],
    ) -> dict[str, int]:
        new: list[Sku] = []
        changed: list[Sku] = []
        pack_plans: list[tuple[Sku, dict[str, int]]] = []
        sku_audits: list[tuple[str, str, Any, str, dict[str, Any]]] = []
        for row in self.rows:
            sku = self.skus.get(row.sku["code"]) or Sku(status=Status.DRAFT)
            old_packs = _pack_text(sku)
            before = snap(sku, SKU_FIELDS) | {"pack": old_packs} if sku.pk else {}
            for name, value in row.sku.items():
                setattr(sku, name, value)
            sku.product = products[row.product["code"]]
            new_packs = format_pairs(row.packs) if row.packs is not None else old_packs
            changes = changes_between(before, snap(sku, SKU_FIELDS) | {"pack": new_packs})
            if row.packs is not None and new_packs != old_packs:
                pack_plans.append((sku, row.packs))
            sku.search_text = sku_search_text(sku, _kept_pack_barcodes(sku, row.packs))
            if sku.pk is None:
                new.append(sku)
            elif changes:
                sku.updated_at = now
                changed.append(sku)
            if changes:
                sku_audits.append(("", "catalog.sku", sku, str(sku), changes))
        # barcodes moving between SKUs of the file: free them all first, then set them
        moving = [s.pk for s in changed if s.barcode != self.db_barcodes[s.pk]]
        Sku.objects.filter(pk__in=moving).update(barcode="")
        Sku.objects.bulk_update(
            changed,
            [f for f in SKU_FIELDS if f != "code"] + ["product", "search_text", "updated_at"],
            batch_size=500,
        )
        Sku.objects.bulk_create(new, batch_size=500)
        _write_packs(pack_plans)
        _name_audits(sku_audits, "sku", {s.pk for s in new})
        audits.extend(sku_audits)
        return {"skus_created": len(new), "skus_updated": len(changed)}


def _pack_text(sku: Sku) -> str:
    if sku.pk is None:
        return ""
    packs = sorted(sku.packs.all(), key=lambda p: (p.factor, p.unit))
    return format_pairs({p.unit: p.factor for p in packs})


def _kept_pack_barcodes(sku: Sku, packs: Mapping[str, int] | None) -> list[str]:
    if sku.pk is None:
        return []
    return [p.barcode for p in sku.packs.all() if p.barcode and (packs is None or p.unit in packs)]


def _write_packs(plans: list[tuple[Sku, dict[str, int]]]) -> None:
    """Make each SKU's pack sizes those of the file; packs that stay keep their barcode."""
    create: list[SkuPack] = []
    update: list[SkuPack] = []
    drop: list[int] = []
    for sku, wanted in plans:
        have = {p.unit: p for p in sku.packs.all()} if sku.pk else {}
        drop.extend(p.pk for unit, p in have.items() if unit not in wanted)
        for unit, factor in wanted.items():
            pack = have.get(unit)
            if pack is None:
                create.append(SkuPack(sku=sku, unit=unit, factor=factor))
            elif pack.factor != factor:
                pack.factor = factor
                update.append(pack)
    SkuPack.objects.filter(pk__in=drop).delete()
    SkuPack.objects.bulk_update(update, ["factor"], batch_size=500)
    SkuPack.objects.bulk_create(create, batch_size=500)


def _name_audits(
    audits: list[tuple[str, str, Any, str, dict[str, Any]]], noun: str, created: set[int]
) -> None:
    """Fill in each audit row's action and object id once the objects have their keys."""
    for i, (_action, object_type, obj, text, changes) in enumerate(audits):
        verb = "created" if obj.pk in created else "updated"
        audits[i] = (f"{noun}.{verb}", object_type, obj.pk, text, changes)


def catalog_import(*, actor: Any, data: bytes) -> ImportResult:
    """Check every row (known category, codes and barcodes unique in the file and against other
    products, valid values and status moves, the product's columns the same on each of its
    rows) and write only when all are good, in one transaction. Raises SheetRejected when the
    file as a whole cannot be read (not .xlsx, missing columns)."""
    require_manager(actor)
    sheet = read_sheet(data, COLUMNS)
    run = _Import(sheet)
    for number, record in sheet.rows:
        run.check(number, record)
    run.check_barcodes_held()
    if sheet.errors:
        return ImportResult(errors=sorted(sheet.errors, key=lambda e: (e.row, e.column)))
    try:
        with transaction.atomic():
            counts = run.write(actor)
            event_record("catalog.imported", {"actor_id": getattr(actor, "pk", None), **counts})
    except IntegrityError:  # someone took a code or barcode since the check: try again
        message = _("The catalogue changed while importing; nothing was written. Try again.")
        return ImportResult(errors=[CellError(0, "", "", message)])
    return ImportResult(counts=counts)


def _yes_no(value: bool) -> str:
    chinese = (translation.get_language() or "").startswith("zh")
    if chinese:
        return "是" if value else "否"
    return "yes" if value else "no"


def catalog_export(*, actor: Any) -> bytes:
    """Every SKU the actor may see, one row each, in the import's columns and language."""
    skus = selectors.sku_list_for_actor(actor=actor)
    rows = (
        [
            sku.product.code,
            sku.product.name,
            sku.product.category.code,
            _yes_no(sku.product.is_spare_part),
            str(Status(sku.product.status).label),
            sku.code,
            sku.name,
            format_pairs(sku.attributes),
            sku.barcode,
            sku.base_unit,
            _yes_no(sku.serial_tracked),
            sku.warranty_months,
            sku.order_multiple,
            str(Status(sku.status).label),
            _pack_text(sku),
            format_pairs(sku.product.specs),
            sku.product.description,
        ]
        for sku in skus.iterator(chunk_size=1000)
    )
    return workbook_bytes([c.header for c in COLUMNS], rows, title=_("Catalogue"))


__all__ = ["COLUMNS", "ImportResult", "SheetRejected", "catalog_export", "catalog_import"]
