"""Request and response shapes of the grading API."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema

from qudao.core.schemas import DateIn, InputSchema
from qudao.dealers.schemas_contracts import OrgRef


class WeightsIn(InputSchema):
    attainment: Decimal = Decimal("0")
    sell_through: Decimal = Decimal("0")
    payment: Decimal = Decimal("0")
    inventory: Decimal = Decimal("0")
    service: Decimal = Decimal("0")


class WeightsOut(Schema):
    attainment: Decimal
    sell_through: Decimal
    payment: Decimal
    inventory: Decimal
    service: Decimal


class RunIn(InputSchema):
    period_start: DateIn | None = None
    period_end: DateIn | None = None


class RunOut(Schema):
    id: int
    number: str
    period_start: date
    period_end: date
    status: str
    weights: dict[str, Any]
    created_at: datetime
    confirmed_at: datetime | None
    dealers: int = 0
    confirmed: int = 0


class ResultOut(Schema):
    org: OrgRef
    attainment: Decimal | None
    sell_through: Decimal | None
    payment: Decimal | None
    inventory: Decimal | None
    service: Decimal | None
    total: Decimal
    previous_grade: str
    proposed_grade: str
    grade: str
    figures: dict[str, Any]


class RunDetailOut(RunOut):
    results: list[ResultOut]


class ConfirmIn(InputSchema):
    """`grades` null: every open result as proposed; else org id → grade (the proposal, or
    another grade: an override)."""

    grades: dict[int, str] | None = None
