"""Dealer lifecycle API: admission. Applications under review (list, one with its scorecard
and approval chain, start the review, scores, parent, questions and notes, decisions) and the
brand's scorecard settings. Out-of-scope applications answer 404; refusals carry the service's
code (`score_below_pass_mark`, `step_out_of_turn`, `wrong_approver`, `weights_not_100`, …)
and write nothing. The public application is a page (/dealers/apply/), not an endpoint: it
takes files as a multipart form behind a per-address rate limit and a honeypot."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.catalog.selectors import brand_org
from qudao.core.errors import NotFound
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.dealers.models import Dealer
from qudao.dealers.schemas_admission import (
    ApplicationDetailOut,
    ApplicationFilters,
    ApplicationOut,
    DecideIn,
    MessageIn,
    MessageOut,
    ParentIn,
    ReviewSettingsIO,
    ScoresIn,
)
from qudao.dealers.selectors import admission as selectors
from qudao.dealers.services import admission as services

router = Router()


def _detail(actor: Any, application_id: Any) -> dict[str, Any]:
    d = selectors.application_detail(actor=actor, application_id=application_id)
    dealer = d.dealer
    return {
        **{
            f: getattr(dealer, f)
            for f in (
                "number",
                "stage",
                "company_name",
                "uscc",
                "contact_name",
                "contact_phone",
                "province_id",
                "city_id",
                "district_id",
                "parent_id",
                "score",
                "awaiting_applicant",
                "created_at",
                "legal_rep",
                "email",
                "address",
                "intended_territory",
                "registered_capital",
                "store_area",
                "years_in_business",
                "brands_carried",
                "note",
                "reason",
                "approval_step",
            )
        },
        "id": dealer.pk,
        "category_ids": [c.pk for c in d.categories],
        "pass_mark": d.pass_mark,
        "actions": sorted(d.actions),
        "scorecard": [
            {
                "criterion": r.criterion.code,
                "name": r.criterion.name,
                "weight": r.criterion.weight,
                "source": r.criterion.source,
                "figure": r.figure,
                "score": r.score.value if r.score else None,
                "note": r.score.note if r.score else "",
                "scored_by": str(r.score.scored_by) if r.score and r.score.scored_by else None,
            }
            for r in d.rows
        ],
        "chain": [
            {
                "step": s.index,
                "role": s.role,
                "waiting": s.waiting,
                "mine": s.mine,
                "decision": s.decision.decision if s.decision else None,
                "comment": s.decision.comment if s.decision else "",
                "decided_by": str(s.decision.decided_by) if s.decision else None,
                "decided_at": s.decision.decided_at if s.decision else None,
            }
            for s in d.chain
        ],
        "files": [
            {
                "id": f.pk,
                "kind": f.kind,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "url": reverse("dealers:dealer_file", args=[f.pk]),
            }
            for f in d.files
        ],
        "messages": [_message(m) for m in d.messages],
    }


def _message(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "from_applicant": m.from_applicant,
        "internal": m.internal,
        "author": str(m.author) if m.author else None,
        "text": m.text,
        "created_at": m.created_at,
    }


def _dealer(request: ApiRequest, application_id: int) -> Dealer:
    return selectors.application_get(actor=request.auth, application_id=application_id)


@router.get("/dealers/applications", response=list[ApplicationOut])
@paginate(PageNumberPagination)
def application_list(request: ApiRequest, filters: Query[ApplicationFilters]) -> QuerySet[Dealer]:
    """The applications the caller reviews, newest first (one query per page plus the
    count)."""
    return selectors.application_list(actor=request.auth, stage=filters.stage, q=filters.q.strip())


@router.get("/dealers/applications/{application_id}", response=ApplicationDetailOut)
def application_get(request: ApiRequest, application_id: int) -> dict[str, Any]:
    """One application: its data, files, messages (with internal notes), the scorecard, the
    approval chain and what the caller may do now."""
    return _detail(request.auth, application_id)


@router.post("/dealers/applications/{application_id}/start-review", response=ApplicationDetailOut)
def application_start_review(request: ApiRequest, application_id: int) -> dict[str, Any]:
    """prospect → under_review; figure-based criteria are scored at once."""
    services.application_review_start(actor=request.auth, dealer=_dealer(request, application_id))
    return _detail(request.auth, application_id)


@router.post("/dealers/applications/{application_id}/scores", response=ApplicationDetailOut)
def application_scores(
    request: ApiRequest, application_id: int, payload: ScoresIn
) -> dict[str, Any]:
    """Scores (0–100) of manual criteria by code; the total is stored once all are scored."""
    services.application_scores_set(
        actor=request.auth,
        dealer=_dealer(request, application_id),
        scores=[s.model_dump() for s in payload.scores],
    )
    return _detail(request.auth, application_id)


@router.post("/dealers/applications/{application_id}/parent", response=ApplicationDetailOut)
def application_parent(
    request: ApiRequest, application_id: int, payload: ParentIn
) -> dict[str, Any]:
    """The region or distributor the dealer will sit under."""
    services.application_parent_set(
        actor=request.auth, dealer=_dealer(request, application_id), parent_id=payload.parent_id
    )
    return _detail(request.auth, application_id)


@router.post("/dealers/applications/{application_id}/messages", response={201: MessageOut})
def application_message(
    request: ApiRequest, application_id: int, payload: MessageIn
) -> Status[dict[str, Any]]:
    """A question to the applicant (shown on its tracking page; the application waits for the
    answer) or, with `internal`, a reviewers' note."""
    dealer = _dealer(request, application_id)
    service = (
        services.application_note_add if payload.internal else services.application_info_request
    )
    message = service(actor=request.auth, dealer=dealer, text=payload.text)
    return Status(201, _message(message))


@router.post("/dealers/applications/{application_id}/decide", response=ApplicationDetailOut)
def application_decide(
    request: ApiRequest, application_id: int, payload: DecideIn
) -> dict[str, Any]:
    """Decide the waiting step of the approval chain (approve or reject with a reason)."""
    services.application_decide(
        actor=request.auth,
        dealer=_dealer(request, application_id),
        step=payload.step,
        decision=payload.decision,
        comment=payload.comment,
    )
    return _detail(request.auth, application_id)


def _settings_out(brand: Any) -> dict[str, Any]:
    view = selectors.review_settings_get(brand=brand, include_inactive=True)
    return {
        "pass_mark": view.pass_mark,
        "approval_chain": view.approval_chain,
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "weight": c.weight,
                "source": c.source,
                "bands": c.bands,
                "active": c.is_active,
            }
            for c in view.criteria
        ],
    }


def _brand(request: ApiRequest) -> Any:
    brand = brand_org()
    if brand is None:
        raise NotFound
    services.require_settings_manager(request.auth, brand)
    return brand


@router.get("/dealers/review-settings", response=ReviewSettingsIO)
def review_settings_get(request: ApiRequest) -> dict[str, Any]:
    """The brand's scorecard: criteria (with inactive ones), pass mark, approval chain."""
    return _settings_out(_brand(request))


@router.put("/dealers/review-settings", response=ReviewSettingsIO)
def review_settings_put(request: ApiRequest, payload: ReviewSettingsIO) -> dict[str, Any]:
    """Replace the scorecard: active weights must add up to 100 (`weights_not_100`);
    criteria left out are deactivated."""
    brand = _brand(request)
    services.review_settings_update(
        actor=request.auth,
        brand=brand,
        pass_mark=payload.pass_mark,
        approval_chain=payload.approval_chain,
        criteria=[c.model_dump() for c in payload.criteria],
    )
    return _settings_out(brand)
