"""Request and response shapes of the admission API (applications under review and the
brand's scorecard settings). The public application itself is a page only (multipart form
with files, rate limit and honeypot)."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from qudao.core.schemas import Id, InputSchema, Int32


class ApplicationFilters(Schema):
    stage: str = Field("", description="prospect, under_review, approved or rejected.")
    q: str = Field("", max_length=60, description="Name, pinyin or initials, USCC or number.")


class ApplicationOut(Schema):
    id: int
    number: str
    stage: str
    company_name: str
    uscc: str
    contact_name: str
    contact_phone: str
    province: str | None = Field(description="Division code.")
    city: str | None
    district: str | None
    parent_id: int | None
    score: Decimal | None
    awaiting_applicant: bool
    created_at: datetime

    @staticmethod
    def resolve_province(obj: Any) -> str | None:
        return _get(obj, "province_id")

    @staticmethod
    def resolve_city(obj: Any) -> str | None:
        return _get(obj, "city_id")

    @staticmethod
    def resolve_district(obj: Any) -> str | None:
        return _get(obj, "district_id")


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name)


class FileOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    url: str = Field(description="The page that serves it to managers of the dealer.")


class MessageOut(Schema):
    id: int
    from_applicant: bool
    internal: bool
    author: str | None
    text: str
    created_at: datetime


class ScoreRowOut(Schema):
    criterion: str = Field(description="The criterion's code.")
    name: str
    weight: Decimal
    source: str
    figure: Decimal | None = Field(description="The application's figure (figure-based only).")
    score: Decimal | None
    note: str
    scored_by: str | None


class StepOut(Schema):
    step: int = Field(description="0-based index in the chain.")
    role: str
    waiting: bool
    mine: bool = Field(description="Whether the caller may decide it now.")
    decision: str | None
    comment: str
    decided_by: str | None
    decided_at: datetime | None


class ApplicationDetailOut(ApplicationOut):
    legal_rep: str
    email: str
    address: str
    category_ids: list[int]
    intended_territory: list[str]
    registered_capital: Decimal
    store_area: Decimal
    years_in_business: int
    brands_carried: list[str]
    note: str
    reason: str
    pass_mark: Decimal
    approval_step: int
    actions: list[str]
    scorecard: list[ScoreRowOut]
    chain: list[StepOut]
    files: list[FileOut]
    messages: list[MessageOut]


class ScoreIn(InputSchema):
    criterion: str = Field(max_length=32, description="A manual criterion's code.")
    value: Decimal = Field(ge=0, le=100)
    note: str = Field("", max_length=200)


class ScoresIn(InputSchema):
    scores: list[ScoreIn]


class ParentIn(InputSchema):
    parent_id: Id


class MessageIn(InputSchema):
    text: str = Field(max_length=2000)
    internal: bool = Field(
        False, description="true: a reviewers' note; false: a question to the applicant."
    )


class DecideIn(InputSchema):
    step: Int32 = Field(description="The step being decided (0-based); must be the waiting one.")
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=200)


class CriterionIO(InputSchema):
    code: str = Field("", max_length=32, description="Empty for a new criterion.")
    name: str = Field(max_length=60)
    weight: Decimal
    source: str = "manual"
    bands: list[list[Decimal]] = Field(
        default_factory=list, description="[[minimum, score], …] for figure-based criteria."
    )
    active: bool = True


class ReviewSettingsIO(InputSchema):
    pass_mark: Decimal
    approval_chain: list[str] = Field(description="Role codes, in order.")
    criteria: list[CriterionIO]
