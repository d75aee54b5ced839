"""What the promotions API handlers share: one promotion in its detail shape, and the right
to change it."""

from typing import Any

from qudao.core.errors import PermissionDenied
from qudao.promotions import selectors
from qudao.promotions.models import Promotion
from qudao.promotions.schemas import rules_with_codes


class DetailView:
    """A promotion with what `promotion_detail` read alongside it, for PromotionDetailOut:
    rules with SKUs by code, targets, products, actions and timeline; the rest from the
    promotion."""

    def __init__(self, detail: selectors.PromotionDetail) -> None:
        promotion = detail.promotion
        self._promotion = promotion
        self.rules = rules_with_codes(promotion.rules, detail.sku_codes)
        self.targets = detail.targets
        self.sku_codes = [s.code for s in detail.skus]
        self.category_codes = [c.code for c in detail.categories]
        self.actions = sorted(detail.actions)
        self.timeline = list(detail.timeline)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._promotion, name)


def detail_of(actor: Any, promotion_id: int) -> DetailView:
    return DetailView(selectors.promotion_detail(actor=actor, promotion_id=promotion_id))


def managed(actor: Any, promotion_id: int) -> Promotion:
    """The promotion, for a change: 404 unless the actor sees it, 403 unless it manages the
    seller's promotions (a targeted buyer sees the offer, never changes it)."""
    promotion = selectors.promotion_get(actor=actor, promotion_id=promotion_id)
    if not selectors.promotion_actions(actor=actor, promotion=promotion):
        raise PermissionDenied
    return promotion


def seller_side(actor: Any, promotion_id: int) -> Promotion:
    """The promotion, for the seller's numbers (conflicts, usage, coupons): 404 unless the
    actor sees it, 403 for a targeted buyer."""
    from qudao.network import scope

    promotion = selectors.promotion_get(actor=actor, promotion_id=promotion_id)
    if not scope.in_scope(actor, promotion.seller):
        raise PermissionDenied
    return promotion
