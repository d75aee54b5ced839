"""The seller's simulator and the coupons of a coupon promotion."""

from typing import Any

from django.db.models import QuerySet
from ninja import Router, Status
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network.selectors import org_get
from qudao.promotions import selectors, services
from qudao.promotions.api._common import managed, seller_side, simulation_out
from qudao.promotions.models import Coupon
from qudao.promotions.schemas import (
    CouponIssueIn,
    CouponOut,
    SimulateIn,
    SimulationOut,
    orgs_by_codes,
)

router = Router()


@router.post("/promotions/simulate", response=SimulationOut)
def promotion_simulate(request: ApiRequest, payload: SimulateIn) -> dict[str, Any]:
    """The seller's simulator: the buyer's prices from the seller's lists (or `unit_price`),
    every live promotion that applied with its amount per line, gifts, and those that did
    not with the reason — including those meant for other buyers. Nothing is written. For
    those who manage the seller's promotions; a buyer outside the actor's network: 404."""
    actor = request.auth
    seller = org_get(actor=actor, org_id=payload.seller_id)
    buyer = org_get(actor=actor, org_id=payload.buyer_id)
    sim = selectors.promotion_simulate(
        actor=actor,
        seller=seller,
        buyer=buyer,
        lines=[selectors.SimLine(ln.sku_code, ln.qty, ln.unit_price) for ln in payload.lines],
        at=payload.at,
        coupon_codes=payload.coupon_codes,
    )
    return simulation_out(sim)


@router.get("/promotions/{promotion_id}/coupons", response=list[CouponOut])
@paginate(PageNumberPagination, page_size=100)
def coupon_list(request: ApiRequest, promotion_id: int) -> QuerySet[Coupon]:
    """The promotion's codes, whom each was issued to and how often it was used."""
    promotion = seller_side(request.auth, promotion_id)
    return selectors.coupon_list(actor=request.auth, promotion=promotion)


@router.post("/promotions/{promotion_id}/coupons", response={201: list[CouponOut]})
def coupon_issue(
    request: ApiRequest, promotion_id: int, payload: CouponIssueIn
) -> Status[list[Coupon]]:
    """Codes of a coupon promotion (not ended): one per buyer named, one shared code, or
    `count` single-use codes. Refusals: `not_a_coupon`, `promotion_ended`,
    `coupon_count_invalid`, `coupon_code_taken`, `org_unknown`."""
    promotion = managed(request.auth, promotion_id)
    buyers = orgs_by_codes(request.auth, payload.buyer_codes, field="buyer_codes")
    coupons = services.coupon_issue(
        actor=request.auth,
        promotion=promotion,
        buyers=buyers,
        count=payload.count,
        code=payload.code,
        total_limit=payload.total_limit,
        per_buyer_limit=payload.per_buyer_limit,
    )
    return Status(201, coupons)
