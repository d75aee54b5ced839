"""Promotions: the list, drafts, the moves along the pipeline, the conflict check, usage."""

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network.selectors import org_get
from qudao.promotions import selectors, services
from qudao.promotions.api._common import (
    DetailView,
    detail_of,
    managed,
    seller_side,
    simulation_out,
)
from qudao.promotions.models import Promotion
from qudao.promotions.schemas import (
    ConflictCheckOut,
    PromotionCommentIn,
    PromotionCreateIn,
    PromotionDetailOut,
    PromotionFilters,
    PromotionOut,
    PromotionUpdateIn,
    RejectIn,
    UsageOut,
    category_ids_by_codes,
    rules_with_ids,
    sku_ids_by_codes,
    targets_from,
)

router = Router()

# fields whose null means "keep" in a change (the others' null clears them)
_KEEP_ON_NULL = {"name", "kind", "rules", "starts_at", "exclusive", "floor_exempt", "description"}
_ROWS = {"seller_id", "targets", "sku_codes", "category_codes", "product_set_ids"}


def _data(actor: Any, payload: PromotionUpdateIn, *, partial: bool) -> dict[str, Any]:
    """The services' data from a body: rules, targets and products named by code turned
    into ids (unknown codes refused with their field)."""
    given = payload.model_fields_set if partial else set(type(payload).model_fields)
    data = {
        key: getattr(payload, key)
        for key in given - _ROWS
        if not (partial and key in _KEEP_ON_NULL and getattr(payload, key) is None)
    }
    if data.get("rules") is not None:
        data["rules"] = rules_with_ids(data["rules"])
    if "targets" in given and payload.targets is not None:
        data["targets"] = targets_from(
            actor, [(t.kind, t.value) for t in payload.targets], field="targets"
        )
    if "sku_codes" in given and payload.sku_codes is not None:
        data["sku_ids"] = sorted(sku_ids_by_codes(payload.sku_codes, field="sku_codes").values())
    if "category_codes" in given and payload.category_codes is not None:
        found = category_ids_by_codes(actor, payload.category_codes, field="category_codes")
        data["category_ids"] = sorted(found.values())
    if "product_set_ids" in given and payload.product_set_ids is not None:
        data["product_set_ids"] = sorted(set(payload.product_set_ids))
    return data


@router.get("/promotions", response=list[PromotionOut])
@paginate(PageNumberPagination)
def promotion_list(request: ApiRequest, filters: Query[PromotionFilters]) -> QuerySet[Promotion]:
    """The promotions the actor sees: its sellers' in every status, and the live ones that
    target its orgs; newest start first. One query per page whatever its length (plus the
    count)."""
    return selectors.promotion_list_for_actor(
        actor=request.auth,
        status=filters.status or "",
        kind=filters.kind or "",
        window=filters.window or "",
        seller_id=filters.seller,
        q=filters.q.strip(),
    )


@router.post("/promotions", response={201: PromotionDetailOut})
def promotion_create(request: ApiRequest, payload: PromotionCreateIn) -> Status[DetailView]:
    """A draft of the seller's promotion, validated whole (rules of its kind, window,
    budgets, targets, products, gifts, exclusive overlaps): refused with a stable code and
    nothing written."""
    seller = org_get(actor=request.auth, org_id=payload.seller_id)
    promotion = services.promotion_create(
        actor=request.auth, seller=seller, data=_data(request.auth, payload, partial=False)
    )
    return Status(201, detail_of(request.auth, promotion.pk))


@router.get("/promotions/{promotion_id}", response=PromotionDetailOut)
def promotion_get(request: ApiRequest, promotion_id: int) -> DetailView:
    """The promotion with its rules, targets and products, what the actor may do next and
    its timeline (a targeted buyer gets the offer only)."""
    return detail_of(request.auth, promotion_id)


@router.patch("/promotions/{promotion_id}", response=PromotionDetailOut)
def promotion_update(
    request: ApiRequest, promotion_id: int, payload: PromotionUpdateIn
) -> DetailView:
    """Change a draft; any other status: `promotion_not_editable` (copy it instead)."""
    promotion = managed(request.auth, promotion_id)
    services.promotion_update(
        actor=request.auth, promotion=promotion, data=_data(request.auth, payload, partial=True)
    )
    return detail_of(request.auth, promotion_id)


@router.post("/promotions/{promotion_id}/copy", response={201: PromotionDetailOut})
def promotion_copy(request: ApiRequest, promotion_id: int) -> Status[DetailView]:
    """A new draft version with the same settings, targets and products."""
    promotion = managed(request.auth, promotion_id)
    copy = services.promotion_copy(actor=request.auth, promotion=promotion)
    return Status(201, detail_of(request.auth, copy.pk))


def _move(request: ApiRequest, promotion_id: int, service: Any, **kwargs: Any) -> DetailView:
    promotion = managed(request.auth, promotion_id)
    service(actor=request.auth, promotion=promotion, **kwargs)
    return detail_of(request.auth, promotion_id)


@router.post("/promotions/{promotion_id}/submit", response=PromotionDetailOut)
def promotion_submit(request: ApiRequest, promotion_id: int) -> DetailView:
    """Draft → submitted; the rules and exclusivity are checked again."""
    return _move(request, promotion_id, services.promotion_submit)


@router.post("/promotions/{promotion_id}/approve", response=PromotionDetailOut)
def promotion_approve(
    request: ApiRequest, promotion_id: int, payload: PromotionCommentIn
) -> DetailView:
    return _move(request, promotion_id, services.promotion_approve, comment=payload.comment)


@router.post("/promotions/{promotion_id}/reject", response=PromotionDetailOut)
def promotion_reject(request: ApiRequest, promotion_id: int, payload: RejectIn) -> DetailView:
    """Submitted or approved → draft, with the reason (required)."""
    return _move(request, promotion_id, services.promotion_reject, comment=payload.comment)


@router.post("/promotions/{promotion_id}/publish", response=PromotionDetailOut)
def promotion_publish(request: ApiRequest, promotion_id: int) -> DetailView:
    """Approved → live (it applies from its start)."""
    return _move(request, promotion_id, services.promotion_publish)


@router.post("/promotions/{promotion_id}/pause", response=PromotionDetailOut)
def promotion_pause(request: ApiRequest, promotion_id: int) -> DetailView:
    return _move(request, promotion_id, services.promotion_pause)


@router.post("/promotions/{promotion_id}/resume", response=PromotionDetailOut)
def promotion_resume(request: ApiRequest, promotion_id: int) -> DetailView:
    return _move(request, promotion_id, services.promotion_resume)


@router.post("/promotions/{promotion_id}/end", response=PromotionDetailOut)
def promotion_end(request: ApiRequest, promotion_id: int) -> DetailView:
    return _move(request, promotion_id, services.promotion_end)


@router.get("/promotions/{promotion_id}/conflicts", response=ConflictCheckOut)
def promotion_conflicts(request: ApiRequest, promotion_id: int) -> dict[str, Any]:
    """Live and scheduled promotions of the seller overlapping this one on products, buyers
    and time (`blocking` ones would be refused at submit or publish), and what a sample
    order of its products would get with all of them under the stacking rules, this one
    included even as a draft."""
    promotion = seller_side(request.auth, promotion_id)
    check = selectors.promotion_conflict_check(actor=request.auth, promotion=promotion)
    sample = check.sample
    buyer = sample.buyer
    return {
        "overlaps": check.overlaps,
        "sample": {
            "at": sample.at,
            "buyer_id": buyer.pk if buyer else None,
            "buyer_code": buyer.code if buyer else "",
            "buyer_name": buyer.name if buyer else "",
            "unpriced_sku_codes": list(sample.unpriced),
            "problem": sample.problem,
            "problem_message": sample.problem_message,
            "result": simulation_out(sample.simulation) if sample.simulation else None,
        },
    }


@router.get("/promotions/{promotion_id}/usage", response=UsageOut)
def promotion_usage(request: ApiRequest, promotion_id: int) -> dict[str, Any]:
    """Orders and buyers holding a use, the discount and units granted, budget left."""
    promotion = seller_side(request.auth, promotion_id)
    usage = selectors.promotion_usage(promotion=promotion)
    return {
        "orders": usage.orders,
        "buyers": usage.buyers,
        "amount": usage.amount,
        "qty": usage.qty,
        "budget_amount": promotion.budget_amount,
        "budget_left": usage.budget_left,
        "budget_qty": promotion.budget_qty,
        "qty_left": usage.qty_left,
    }
