"""What the promotions API handlers share: one promotion in its detail shape, the right to
change it, and a priced cart in the simulator's shape."""

from typing import Any

from qudao.core.errors import PermissionDenied
from qudao.promotions import selectors
from qudao.promotions.models import Promotion
from qudao.promotions.rules import rules_with_codes


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
        self.product_sets = detail.product_sets
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


def simulation_out(sim: selectors.Simulation) -> dict[str, Any]:
    """A priced cart in SimulationOut's shape (the simulator, a sample order)."""
    result = sim.result
    return {
        "lines": [
            {
                "sku_code": sim.skus[line.sku_id].code,
                "sku_name": sim.skus[line.sku_id].name,
                "qty": line.qty,
                "unit_price": line.unit_price,
                "price_source": source,
                "gross": line.gross,
                "discount": line.discount,
                "net": line.net,
                "net_unit_price": line.net_unit_price,
                "floor": line.floor,
                "adjustments": [vars(a) for a in line.adjustments],
                "notes": [n.as_dict() for n in line.notes],
            }
            for line, source in zip(result.lines, sim.sources, strict=True)
        ],
        "gifts": [
            {
                "sku_code": sim.skus[g.sku_id].code,
                "sku_name": sim.skus[g.sku_id].name,
                "qty": g.qty,
                "promotion_id": g.promotion_id,
                "label": g.label,
                "unit_value": g.unit_value,
            }
            for g in result.gifts
        ],
        "applied": [
            {**vars(a), "hint": a.hint.as_dict() if a.hint else None} for a in result.applied
        ],
        "skipped": [n.as_dict() for n in result.skipped],
        "gross_total": result.gross_total,
        "discount_total": result.discount_total,
        "net_total": result.net_total,
    }
