"""What the inventory API handlers share: the stock-right check of lists, SKUs by code with
the offending positions named, request lines as service lines, and serial refusals that carry
the serials themselves."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext as _

from qudao.accounts.constants import VIEW_STOCK
from qudao.catalog.models import Sku
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import PermissionDenied, ValidationFailed
from qudao.inventory import selectors
from qudao.network import scope


def require_stock(actor: Any) -> None:
    """Lists: a user without the stock right anywhere is told so (403), not shown nothing."""
    if not scope.has_any(actor, VIEW_STOCK):
        raise PermissionDenied


@contextmanager
def naming_serials() -> Iterator[None]:
    """A refused paste answers with every bad serial: the messages under `serials`, and the
    serials themselves under their problem code (`serial_unknown`, `serial_duplicated`, …)."""
    try:
        yield
    except selectors.SerialsRejected as exc:
        exc.fields = {**exc.fields, **exc.codes()}
        raise


def skus_by_code(codes: Sequence[str], *, where: str) -> dict[str, Sku]:
    """{code: SKU} for the codes given; unknown codes are refused by position
    (`<where>.<index>.sku_code`), all at once."""
    found = sku_map_by_codes(codes)
    unknown = {
        f"{where}.{number}.sku_code": [_("No SKU with code %(code)s.") % {"code": code.strip()}]
        for number, code in enumerate(codes)
        if code.strip() not in found
    }
    if unknown:
        raise ValidationFailed(_("Unknown SKU codes."), code="unknown_sku", fields=unknown)
    return found


def sku_by_code(code: str, *, field: str = "sku_code") -> Sku:
    found = sku_map_by_codes([code]).get(code.strip())
    if found is None:
        message = _("No SKU with code %(code)s.") % {"code": code.strip()}
        raise ValidationFailed(message, code="unknown_sku", fields={field: [message]})
    return found


def lines_of(lines: Sequence[Any], *, where: str = "lines") -> list[tuple[Sku, int, list[str]]]:
    """(SKU, quantity, serials) per line; a line without a quantity counts its serials."""
    skus = skus_by_code([line.sku_code for line in lines], where=where)
    result = []
    missing: dict[str, list[str]] = {}
    for number, line in enumerate(lines):
        serials = selectors.parse_serials(line.serials)
        qty = line.qty if line.qty is not None else len(serials)
        if not qty:
            missing[f"{where}.{number}.qty"] = [_("Enter a quantity or give the serial numbers.")]
        result.append((skus[line.sku_code.strip()], qty, serials))
    if missing:
        raise ValidationFailed(
            _("Some lines have no quantity."), code="qty_required", fields=missing
        )
    return result
