"""Dealer lifecycle API: grading — the brand's weights, runs that score every dealer and
propose a grade, and the confirmation that sets the grades."""

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.catalog.selectors import brand_org
from qudao.core.errors import NotFound, PermissionDenied
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.dealers.models import GradingRun
from qudao.dealers.schemas_grading import (
    ConfirmIn,
    RunDetailOut,
    RunIn,
    RunOut,
    WeightsIn,
    WeightsOut,
)
from qudao.dealers.selectors import grading as selectors
from qudao.dealers.services import grading as services
from qudao.network import scope
from qudao.network.models import Org

router = Router()


class ResultSort(Schema):
    sort: str = "total"


def _brand(actor: Any) -> Org:
    """The brand graded: its dealer managers only (403 for everyone else — these routes
    name no object to hide)."""
    brand = brand_org()
    if brand is None:
        raise NotFound
    if not scope.can(actor, MANAGE_DEALERS, brand):
        raise PermissionDenied
    return brand


def _detail(actor: Any, run_id: int, sort: str = "total") -> dict[str, Any]:
    run = selectors.run_get(actor=actor, run_id=run_id)
    results = list(selectors.run_results(run=run, sort=sort))
    return {
        **{f: getattr(run, f) for f in RunOut.model_fields if f not in ("dealers", "confirmed")},
        "dealers": len(results),
        "confirmed": sum(1 for r in results if r.grade),
        "results": results,
    }


@router.get("/dealers/grading/weights", response=WeightsOut)
def weights_get(request: ApiRequest) -> dict[str, Any]:
    return selectors.weights_for(_brand(request.auth))


@router.put("/dealers/grading/weights", response=WeightsOut)
def weights_set(request: ApiRequest, payload: WeightsIn) -> dict[str, Any]:
    """Each 0–100, together 100: `weight_invalid`, `weights_sum_invalid`."""
    return services.grading_weights_set(
        actor=request.auth, brand=_brand(request.auth), weights=payload.dict()
    )


@router.get("/dealers/grading/runs", response=list[RunOut])
@paginate(PageNumberPagination)
def run_list(request: ApiRequest) -> QuerySet[GradingRun]:
    return selectors.run_list_for_actor(actor=request.auth, brand=_brand(request.auth))


@router.post("/dealers/grading/runs", response={201: RunDetailOut})
def run_create(request: ApiRequest, payload: RunIn) -> Status[dict[str, Any]]:
    """Score every active or suspended dealer of the brand over the period (default: the
    last 12 months) and propose grades; nothing changes until confirmed."""
    run = services.grading_run_create(
        actor=request.auth,
        brand=_brand(request.auth),
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, _detail(request.auth, run.pk))


@router.get("/dealers/grading/runs/{run_id}", response=RunDetailOut)
def run_get(request: ApiRequest, run_id: int, params: Query[ResultSort]) -> dict[str, Any]:
    """The run with every dealer's scores, figures, current and proposed grade."""
    return _detail(request.auth, run_id, params.sort)


@router.post("/dealers/grading/runs/{run_id}/confirm", response=RunDetailOut)
def run_confirm(request: ApiRequest, run_id: int, payload: ConfirmIn) -> dict[str, Any]:
    """Confirm and set the grades (all open proposals, or the given org ids with their
    grades) in one transaction."""
    run = selectors.run_get(actor=request.auth, run_id=run_id)
    services.grading_confirm(actor=request.auth, run=run, grades=payload.grades)
    return _detail(request.auth, run_id)
