"""Reads of promotions, by sub-domain: `cart` (pricing a cart: the engine fed from the
database), `visibility` (who sees which promotion), `conflicts` (overlaps before
publishing) and `usage` (what orders took, the ledger check). Orders call `price_cart`."""

from qudao.core.errors import NotFound
from qudao.promotions.selectors.cart import (
    CartItem,
    buyer_context,
    cart_lines,
    cart_simulate,
    normalize_code,
    offer_of,
    offers_for_cart,
    price_cart,
)
from qudao.promotions.selectors.conflicts import Overlap, promotion_conflicts
from qudao.promotions.selectors.usage import Usage, promotion_usage, use_mismatches
from qudao.promotions.selectors.visibility import (
    promotion_get,
    promotion_list_for_actor,
    visible_promotions,
)

__all__ = [
    "CartItem",
    "NotFound",
    "Overlap",
    "Usage",
    "buyer_context",
    "cart_simulate",
    "cart_lines",
    "normalize_code",
    "offer_of",
    "offers_for_cart",
    "price_cart",
    "promotion_conflicts",
    "promotion_get",
    "promotion_list_for_actor",
    "promotion_usage",
    "use_mismatches",
    "visible_promotions",
]
