"""The seller's simulator fed the way people give a cart: SKU codes and quantities, priced
from the seller's price lists for that buyer (or at a unit price given by hand), then run
through the promotions by `cart_simulate`. Page and API call the same function."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_PROMOTIONS
from qudao.catalog.models import Sku
from qudao.catalog.selectors import sku_map_by_codes
from qudao.core.errors import NotFound, ValidationFailed
from qudao.network import scope
from qudao.network.models import Org
from qudao.pricing.selectors import quote
from qudao.promotions.engine import PriceResult
from qudao.promotions.selectors.cart import CartItem, cart_simulate

MAX_LINES = 200


@dataclass(frozen=True)
class SimLine:
    """A SKU and a quantity; `unit_price` None: the buyer's price from the seller's lists."""

    sku_code: str
    qty: int
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class Simulation:
    result: PriceResult
    skus: dict[int, Sku]  # the cart's SKUs and the gifts'
    sources: list[str]  # per line: the price list that priced it, "" when given by hand


def _refuse(code: str, problems: dict[str, list[str]]) -> ValidationFailed:
    messages = [m for found in problems.values() for m in found]
    return ValidationFailed("；".join(messages), code=code, fields=problems)


def promotion_simulate(
    *,
    actor: Any,
    seller: Org,
    buyer: Org,
    lines: Sequence[SimLine],
    at: datetime | None = None,
    coupon_codes: Iterable[str] = (),
) -> Simulation:
    """Price the lines for the buyer at `at` (now) and apply the seller's live promotions,
    explaining those that did not apply. Refusals (nothing to write, nothing priced):
    `cart_empty`, `sku_unknown` and `price_missing` with the offending line numbers
    (`lines.N`), and cart_simulate's 403/404 for an actor who does not manage the seller's
    promotions or a buyer outside the scope."""
    scope.require(actor, MANAGE_PROMOTIONS, seller)
    if not scope.in_scope(actor, buyer):
        raise NotFound
    if not lines:
        raise _refuse("cart_empty", {"lines": [_("Enter at least one SKU and quantity.")]})
    if len(lines) > MAX_LINES:
        raise _refuse("cart_too_long", {"lines": [_("At most %(n)s lines.") % {"n": MAX_LINES}]})
    skus = sku_map_by_codes(line.sku_code for line in lines)
    unknown = {
        f"lines.{n}": [_("Unknown SKU code %(code)s.") % {"code": line.sku_code.strip()}]
        for n, line in enumerate(lines)
        if line.sku_code.strip() not in skus
    }
    bad_qty = {
        f"lines.{n}": [_("The quantity of %(code)s must be at least 1.") % {"code": line.sku_code}]
        for n, line in enumerate(lines)
        if line.qty < 1
    }
    if unknown or bad_qty:
        raise _refuse("sku_unknown" if unknown else "qty_invalid", {**unknown, **bad_qty})
    chosen = [skus[line.sku_code.strip()] for line in lines]
    quotes = quote(
        seller=seller,
        buyer=buyer,
        lines=[(s.pk, line.qty) for s, line in zip(chosen, lines, strict=True)],
        at=at,
    )
    prices = [
        line.unit_price if line.unit_price is not None else q.price
        for line, q in zip(lines, quotes, strict=True)
    ]
    missing = {
        f"lines.{n}": [
            _("%(code)s has no price for this buyer; give a unit price after the quantity.")
            % {"code": sku.code}
        ]
        for n, (sku, price) in enumerate(zip(chosen, prices, strict=True))
        if price is None
    }
    if missing:
        raise _refuse("price_missing", missing)
    items = [
        CartItem(sku.pk, line.qty, price)
        for sku, line, price in zip(chosen, lines, prices, strict=True)
        if price is not None
    ]
    result = cart_simulate(
        actor=actor, seller=seller, buyer=buyer, items=items, at=at, coupon_codes=coupon_codes
    )
    gift_ids = {g.sku_id for g in result.gifts} - {s.pk for s in chosen}
    by_id = {s.pk: s for s in chosen}
    if gift_ids:
        by_id.update(Sku.objects.in_bulk(gift_ids))
    sources = [
        "" if line.unit_price is not None else q.list_code
        for line, q in zip(lines, quotes, strict=True)
    ]
    return Simulation(result=result, skus=by_id, sources=sources)
