"""Dealer lifecycle API: the dealers an actor manages and one dealer's 360° summary."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.dealers.models import Dealer
from qudao.dealers.selectors import profile as selectors

router = Router()


class DealerOut(Schema):
    id: int
    number: str
    stage: str
    org_id: int | None
    org_code: str | None = Field(None, alias="org.code")
    name: str = Field(..., alias="company_name")
    grade: str | None = Field(None, alias="org.grade")
    holds: list[str] = Field(default_factory=list, alias="org.holds")


class DealerFilters(Schema):
    stage: str = ""
    grade: str = ""
    q: str = ""


class ProfilePositionOut(Schema):
    seller_id: int
    seller_code: str = Field(..., alias="seller.code")
    prepaid_balance: Decimal
    rebate_balance: Decimal
    receivable_balance: Decimal
    credit_limit: Decimal


class ProfileTargetOut(Schema):
    quarter: int
    category_code: str | None = Field(None, alias="category.code")
    amount: Decimal | None
    units: int | None


class ProfileContractOut(Schema):
    id: int
    number: str
    year: int
    starts_on: date
    ends_on: date
    grade: str
    deposit: Decimal


class GradeOut(Schema):
    run_number: str = Field(..., alias="run.number")
    period_end: date = Field(..., alias="run.period_end")
    total: Decimal
    previous_grade: str
    grade: str


class ProfileDocumentOut(Schema):
    id: int
    kind: str
    title: str
    expires_on: date | None


class ProfileItemOut(Schema):
    code: str
    done: bool
    done_by: str | None = None


class Dealer360Out(Schema):
    dealer: DealerOut
    contract: ProfileContractOut | None
    targets: list[ProfileTargetOut]
    grades: list[GradeOut]
    positions: list[ProfilePositionOut]
    order_counts: dict[str, int]
    order_total: Decimal
    stock_on_hand: int
    documents: list[ProfileDocumentOut]
    onboarding: list[ProfileItemOut]


@router.get("/dealers", response=list[DealerOut])
@paginate(PageNumberPagination)
def dealer_list(request: ApiRequest, filters: Query[DealerFilters]) -> QuerySet[Dealer]:
    """The dealers (with an org: onboarding to closed) in the actor's part of the network."""
    return selectors.dealer_list(
        actor=request.auth, stage=filters.stage, grade=filters.grade, q=filters.q.strip()
    )


@router.get("/dealers/{dealer_id}", response=Dealer360Out)
def dealer_get(request: ApiRequest, dealer_id: int) -> dict[str, Any]:
    """One dealer's 360° summary: contract and targets, grade history, balances, orders,
    stock, documents and onboarding."""
    view = selectors.dealer_360(actor=request.auth, dealer_id=dealer_id)
    return {
        "dealer": view.dealer,
        "contract": view.contract,
        "targets": view.targets,
        "grades": view.grades,
        "positions": view.positions,
        "order_counts": view.order_counts,
        "order_total": Decimal(str(view.order_total)),
        "stock_on_hand": sum(row["on_hand"] or 0 for row in view.stock),
        "documents": view.documents,
        "onboarding": [
            {"code": i.code, "done": i.done_at is not None, "done_by": str(i.done_by or "")}
            for i in view.onboarding
        ],
    }
