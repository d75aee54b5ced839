"""Dealer lifecycle API: onboarding (the checklist and one action per item), suspension and
reinstatement, and the brand's grade terms. Out-of-scope dealers answer 404; refusals carry
the service's code (`onboarding_out_of_order` naming the missing item, `territory_conflict`
naming the dealer holding the right, …) and write nothing."""

from typing import Any

from ninja import File, Form, Router, Schema, UploadedFile

from qudao.core.types import ApiRequest
from qudao.dealers.schemas_onboarding import (
    CreditItemIn,
    DealerStatusOut,
    DepositItemIn,
    GradeTermsIn,
    GradeTermsOut,
    InvitationOut,
    OnboardingOut,
    OrgItemIn,
    PriceGradeItemIn,
    ReasonIn,
    TerritoryItemIn,
    UsersItemIn,
)
from qudao.dealers.selectors import onboarding as selectors
from qudao.dealers.services import onboarding as services
from qudao.dealers.services import suspension
from qudao.dealers.services._common import dealer_for
from qudao.network.constants import Grade

router = Router()


class ContractItemIn(Schema):
    note: str = ""


def _checklist(actor: Any, dealer_id: int) -> dict[str, Any]:
    v = selectors.onboarding_view(actor=actor, dealer_id=dealer_id)
    dealer, org, position = v.dealer, v.dealer.org, v.position
    return {
        "dealer_id": dealer.pk,
        "number": dealer.number,
        "stage": dealer.stage,
        "org_id": dealer.org_id,
        "org_code": org.code if org else None,
        "seller_id": v.seller.pk if v.seller else None,
        "holds": list(org.holds) if org else [],
        "ordering_open": v.ordering_open,
        "deposit_balance": position.deposit_balance if position else None,
        "credit_limit": position.credit_limit if position else None,
        "payment_term_days": position.payment_term_days if position else None,
        "territories": [
            {"district": t.district_id, "category_id": t.category_id, "exclusive": t.exclusive}
            for t in v.territories
        ],
        "items": [
            {
                "code": i.code,
                "label": i.label,
                "required": i.required,
                "done": i.done,
                "done_at": i.done_at,
                "done_by": str(i.done_by) if i.done_by else None,
                "note": i.note,
                "waiting_for": i.waiting_for,
                "may": i.may and i.ready,
            }
            for i in v.items
        ],
    }


def _dealer(request: ApiRequest, dealer_id: int) -> Any:
    return selectors.onboarding_dealer_for(request.auth, dealer_id)


@router.get("/dealers/{dealer_id}/onboarding", response=OnboardingOut)
def onboarding_get(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """The checklist: each item done or not, by whom and when, what it waits for."""
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/start", response=OnboardingOut)
def onboarding_start(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """Approved → onboarding, with the checklist."""
    dealer = dealer_for(request.auth, dealer_id)
    services.onboarding_start(actor=request.auth, dealer=dealer)
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/contract", response=OnboardingOut)
def onboarding_contract(
    request: ApiRequest,
    dealer_id: int,
    payload: Form[ContractItemIn],
    file: UploadedFile | None = File(None),  # noqa: B008 — ninja's optional upload
) -> dict[str, Any]:
    """The signed contract's scan (multipart/form-data `file`: JPG, PNG or PDF, ≤ 5 MB)."""
    services.onboarding_contract(
        actor=request.auth, dealer=_dealer(request, dealer_id), upload=file, note=payload.note
    )
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/org", response=OnboardingOut)
def onboarding_org(request: ApiRequest, dealer_id: int, payload: OrgItemIn) -> dict[str, Any]:
    """The dealer's org, on the onboarding hold, with its supply links."""
    services.onboarding_org(
        actor=request.auth, dealer=_dealer(request, dealer_id), code=payload.code
    )
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/deposit", response=OnboardingOut)
def onboarding_deposit(
    request: ApiRequest, dealer_id: int, payload: DepositItemIn
) -> dict[str, Any]:
    """The deposit received, posted to finance (the seller's finance)."""
    services.onboarding_deposit(
        actor=request.auth,
        dealer=_dealer(request, dealer_id),
        amount=payload.amount,
        memo=payload.memo,
    )
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/users", response=InvitationOut)
def onboarding_users(request: ApiRequest, dealer_id: int, payload: UsersItemIn) -> dict[str, Any]:
    """The dealer admin invited; its one-time password is in this answer only."""
    invitation = services.onboarding_users(
        actor=request.auth, dealer=_dealer(request, dealer_id), **payload.dict()
    )
    return {
        "user_id": invitation.user.pk,
        "username": invitation.user.username,
        "password": invitation.password,
        "checklist": _checklist(request.auth, dealer_id),
    }


@router.post("/dealers/{dealer_id}/onboarding/price-grade", response=OnboardingOut)
def onboarding_price_grade(
    request: ApiRequest, dealer_id: int, payload: PriceGradeItemIn
) -> dict[str, Any]:
    """The price grade, with the brand's terms of that grade applied."""
    services.onboarding_price_grade(
        actor=request.auth, dealer=_dealer(request, dealer_id), grade=payload.grade
    )
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/credit", response=OnboardingOut)
def onboarding_credit(request: ApiRequest, dealer_id: int, payload: CreditItemIn) -> dict[str, Any]:
    """The credit profile with the seller (the seller's finance)."""
    services.onboarding_credit(
        actor=request.auth, dealer=_dealer(request, dealer_id), data=payload.dict()
    )
    return _checklist(request.auth, dealer_id)


@router.post("/dealers/{dealer_id}/onboarding/territory", response=OnboardingOut)
def onboarding_territory(
    request: ApiRequest, dealer_id: int, payload: TerritoryItemIn
) -> dict[str, Any]:
    """District rights; an exclusive clash is refused with the dealer holding it named."""
    services.onboarding_territory(
        actor=request.auth,
        dealer=_dealer(request, dealer_id),
        districts=payload.districts,
        category=payload.category_id,
        exclusive=payload.exclusive,
    )
    return _checklist(request.auth, dealer_id)


# --- suspension ---------------------------------------------------------------------------


def _status(dealer: Any) -> dict[str, Any]:
    return {
        "dealer_id": dealer.pk,
        "stage": dealer.stage,
        "reason": dealer.reason,
        "org_status": dealer.org.status if dealer.org else None,
        "holds": list(dealer.org.holds) if dealer.org else [],
    }


@router.post("/dealers/{dealer_id}/suspend", response=DealerStatusOut)
def dealer_suspend(request: ApiRequest, dealer_id: int, payload: ReasonIn) -> dict[str, Any]:
    """Active → suspended (reason required): ordering stops."""
    dealer = dealer_for(request.auth, dealer_id)
    suspension.dealer_suspend(actor=request.auth, dealer=dealer, reason=payload.reason)
    return _status(dealer_for(request.auth, dealer_id))


@router.post("/dealers/{dealer_id}/reinstate", response=DealerStatusOut)
def dealer_reinstate(request: ApiRequest, dealer_id: int, payload: ReasonIn) -> dict[str, Any]:
    """Suspended → active: ordering opens again."""
    dealer = dealer_for(request.auth, dealer_id)
    suspension.dealer_reinstate(actor=request.auth, dealer=dealer, reason=payload.reason)
    return _status(dealer_for(request.auth, dealer_id))


# --- grade terms ----------------------------------------------------------------------------


def _terms(actor: Any) -> dict[str, Any]:
    brand, current = selectors.grade_terms_list(actor=actor)
    return {
        "brand_id": brand.pk,
        "rows": [
            {
                "grade": t.grade,
                "min_score": t.min_score,
                "credit_limit": t.credit_limit,
                "payment_term_days": t.payment_term_days,
            }
            for t in current.values()
            if t is not None
        ],
    }


@router.get("/dealers/grade-terms", response=GradeTermsOut)
def grade_terms_get(request: ApiRequest) -> dict[str, Any]:
    """The brand's terms per grade: minimum score, credit limit, payment term."""
    return _terms(request.auth)


@router.put("/dealers/grade-terms", response=GradeTermsOut)
def grade_terms_put(request: ApiRequest, payload: GradeTermsIn) -> dict[str, Any]:
    """Replace the brand's terms: grades left out have none."""
    brand, _current = selectors.grade_terms_list(actor=request.auth)
    given = {row.grade: row.dict(exclude={"grade"}) for row in payload.rows}
    rows: dict[str, Any] = {g: given.get(g) for g in Grade.values}
    rows.update({g: r for g, r in given.items() if g not in rows})  # unknown: refused
    services.grade_terms_set(actor=request.auth, brand=brand, rows=rows)
    return _terms(request.auth)
