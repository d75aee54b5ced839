"""Checks and forms of catalogue values, shared by the services and the Excel import: codes,
names, barcodes (EAN/UPC check digit), attribute pairs (颜色=星空灰;电池=48V20Ah), statuses,
units and warranty. Each raises ValidationFailed naming the field."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from qudao.catalog.constants import (
    BASE_UNITS,
    MAX_ORDER_MULTIPLE,
    MAX_WARRANTY_MONTHS,
    ProductStatus,
)
from qudao.catalog.models import Product, Sku, SkuPack
from qudao.core.errors import ValidationFailed
from qudao.core.text import search_text

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")
PAIR_SEPARATORS = re.compile(r"[;；\n]")
PAIR_FORBIDDEN = set("=＝;；\n")
GTIN_LENGTHS = (8, 12, 13, 14)


def field_error(field: str, message: Any, code: str, **params: Any) -> ValidationFailed:
    text = str(message) % params if params else str(message)
    return ValidationFailed(text, code=code, fields={field: [text]})


def clean_code(value: Any, field: str, max_length: int) -> str:
    """Codes are what other systems and spreadsheets key on: no spaces, no odd characters."""
    text = str(value or "").strip()
    if not text:
        raise field_error(field, _("This field is required."), "required")
    if len(text) > max_length:
        raise field_error(field, _("At most %(n)s characters."), "too_long", n=max_length)
    if not CODE_RE.match(text):
        raise field_error(
            field, _("Use letters, digits and - _ . / only, without spaces."), "invalid_code"
        )
    return text


def clean_name(value: Any, field: str, max_length: int) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise field_error(field, _("This field is required."), "required")
    if len(text) > max_length:
        raise field_error(field, _("At most %(n)s characters."), "too_long", n=max_length)
    return text


def clean_barcode(value: Any, field: str = "barcode") -> str:
    """A barcode is optional; an EAN/UPC-shaped one (8, 12, 13 or 14 digits) must carry a
    valid check digit, which catches most typing and scanning slips."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > 32 or any(ch.isspace() for ch in text):
        raise field_error(
            field, _("A barcode has at most 32 characters, no spaces."), "invalid_barcode"
        )
    if text.isdigit() and len(text) in GTIN_LENGTHS:
        try:
            ean.validate(text)
        except StdnumError as exc:
            raise field_error(
                field,
                _("%(value)s is not a valid EAN/UPC barcode: check the last digit."),
                "invalid_barcode",
                value=text,
            ) from exc
    return text


def format_pairs(pairs: Mapping[str, Any] | None) -> str:
    """{颜色: 星空灰, 电池: 48V20Ah} → 电池=48V20Ah;颜色=星空灰 (the spreadsheet form).

    Names are sorted: PostgreSQL's jsonb does not keep key order, and the same attributes must
    read (and audit, and export) the same on every database."""
    return ";".join(f"{k}={v}" for k, v in sorted((pairs or {}).items()))


def parse_pairs(text: str, field: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for chunk in PAIR_SEPARATORS.split(text or ""):
        key, sep, value = chunk.replace("＝", "=").partition("=")
        key, value = key.strip(), value.strip()
        if not (key or sep or value):
            continue
        if not sep or not key or not value or "=" in value:
            raise field_error(
                field,
                _("Write name=value pairs separated by semicolons, e.g. %(example)s."),
                "invalid_attributes",
                example="颜色=星空灰;电池=48V20Ah",
            )
        if key in result:
            raise field_error(field, _("%(name)s is given twice."), "invalid_attributes", name=key)
        result[key] = value
    return result


def clean_pairs(value: Any, field: str) -> dict[str, str]:
    """Attributes and specs: names and values are non-empty text without = or ; in them, so
    that they survive the spreadsheet form."""
    if value is None:
        return {}
    if isinstance(value, str):
        return parse_pairs(value, field)
    if not isinstance(value, Mapping):
        raise field_error(field, _("Give name=value pairs."), "invalid_attributes")
    result: dict[str, str] = {}
    for raw_key, raw_value in value.items():
        key = str(raw_key).strip()
        text = "" if raw_value is None else str(raw_value).strip()
        if not key or not text or PAIR_FORBIDDEN & set(key + text):
            raise field_error(
                field,
                _("Names and values must not be empty nor contain = or ;."),
                "invalid_attributes",
            )
        result[key] = text
    return result


def clean_status(value: Any, field: str = "status") -> str:
    if value not in ProductStatus.values:
        raise field_error(field, _("Choose a valid status."), "invalid_status")
    return str(value)


def clean_warranty(value: Any, field: str = "warranty_months") -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = -1
    if isinstance(value, bool) or not 0 <= months <= MAX_WARRANTY_MONTHS:
        raise field_error(
            field,
            _("Warranty is 0 to %(max)s months."),
            "invalid_warranty",
            max=MAX_WARRANTY_MONTHS,
        )
    return months


def clean_order_multiple(value: Any, field: str = "order_multiple") -> int:
    try:
        units = int(value)
    except (TypeError, ValueError):
        units = 0
    if isinstance(value, bool) or not 1 <= units <= MAX_ORDER_MULTIPLE:
        raise field_error(
            field,
            _("The order multiple is a whole number of base units from 1 to %(max)s."),
            "invalid_order_multiple",
            max=MAX_ORDER_MULTIPLE,
        )
    return units


def clean_base_unit(value: Any, field: str = "base_unit") -> str:
    text = str(value or "").strip()
    if text not in BASE_UNITS:
        raise field_error(
            field,
            _("Choose a base unit: %(units)s."),
            "invalid_unit",
            units="、".join(BASE_UNITS),
        )
    return text


def barcode_owner(barcode: str, *, exclude_sku: int | None = None) -> str | None:
    """The code of the SKU whose barcode (or pack barcode) this is, if any."""
    skus = Sku.objects.filter(barcode=barcode)
    packs = SkuPack.objects.filter(barcode=barcode)
    if exclude_sku is not None:
        skus = skus.exclude(pk=exclude_sku)
    found = skus.values_list("code", flat=True).first()
    return found or packs.values_list("sku__code", flat=True).first()


def product_search_text(product: Product) -> str:
    return search_text(product.name, product.code)


def sku_search_text(sku: Sku, pack_barcodes: Iterable[str] = ()) -> str:
    return search_text(
        sku.name, sku.code, sku.barcode, *(sku.attributes or {}).values(), *pack_barcodes
    )


def _flag(value: Any) -> bool:
    return bool(value)


def _text(value: Any) -> str:
    return str(value or "").strip()


# Value checks per field, without the database (uniqueness is the services' and import's job).
PRODUCT_CLEANERS: dict[str, Any] = {
    "code": lambda v: clean_code(v, "code", 40),
    "name": lambda v: clean_name(v, "name", 120),
    "status": clean_status,
    "is_spare_part": _flag,
    "description": _text,
    "specs": lambda v: clean_pairs(v, "specs"),
}
SKU_CLEANERS: dict[str, Any] = {
    "code": lambda v: clean_code(v, "code", 40),
    "name": lambda v: clean_name(v, "name", 160),
    "attributes": lambda v: clean_pairs(v, "attributes"),
    "barcode": clean_barcode,
    "base_unit": clean_base_unit,
    "status": clean_status,
    "serial_tracked": _flag,
    "warranty_months": clean_warranty,
    "order_multiple": clean_order_multiple,
}


def clean_values(cleaners: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: cleaners[key](data[key]) for key in cleaners if key in data}
