"""Reads of promotions, by sub-domain: `cart` (pricing a cart: the engine fed from the
database), `visibility` (who sees which promotion), `conflicts` (overlaps before
publishing), `sample` (what a sample order would get with the checked promotion and those
overlapping it), `usage` (what orders took, the ledger check), `detail` (one promotion as its
page and API show it) and `simulate` (the seller's simulator from SKU codes). Orders call
`price_cart`."""

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
from qudao.promotions.selectors.detail import (
    PromotionDetail,
    TargetRow,
    coupon_list,
    promotion_actions,
    promotion_detail,
    promotion_use_list,
    sku_codes_of,
)
from qudao.promotions.selectors.sample import (
    ConflictCheck,
    SampleOrder,
    promotion_conflict_check,
    promotion_sample_order,
)
from qudao.promotions.selectors.simulate import SimLine, Simulation, promotion_simulate
from qudao.promotions.selectors.usage import Usage, promotion_usage, use_mismatches
from qudao.promotions.selectors.visibility import (
    WINDOWS,
    promotion_get,
    promotion_list_for_actor,
    visible_promotions,
)

__all__ = [
    "WINDOWS",
    "CartItem",
    "ConflictCheck",
    "NotFound",
    "Overlap",
    "PromotionDetail",
    "SampleOrder",
    "SimLine",
    "Simulation",
    "TargetRow",
    "Usage",
    "buyer_context",
    "cart_simulate",
    "cart_lines",
    "coupon_list",
    "normalize_code",
    "offer_of",
    "offers_for_cart",
    "price_cart",
    "promotion_actions",
    "promotion_conflict_check",
    "promotion_conflicts",
    "promotion_detail",
    "promotion_get",
    "promotion_list_for_actor",
    "promotion_sample_order",
    "promotion_simulate",
    "promotion_usage",
    "promotion_use_list",
    "sku_codes_of",
    "use_mismatches",
    "visible_promotions",
]
