"""Request and response shapes of the onboarding, suspension and grade-terms API."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from qudao.core.schemas import Id, InputSchema, Int32


class ItemOut(Schema):
    code: str
    label: str
    required: bool = Field(description="Needed before ordering opens (the first order is not).")
    done: bool
    done_at: datetime | None
    done_by: str | None = Field(description="Who did it; null for the system (first order).")
    note: str
    waiting_for: list[str] = Field(description="Codes of the items to do first.")
    may: bool = Field(description="Whether the caller may do this item now.")


class OnboardingOut(Schema):
    dealer_id: int
    number: str
    stage: str
    org_id: int | None
    org_code: str | None
    seller_id: int | None
    holds: list[str]
    ordering_open: bool
    deposit_balance: Decimal | None
    credit_limit: Decimal | None
    payment_term_days: int | None
    territories: list[dict[str, object]] = Field(
        description="Active rights: [{district, category_id, exclusive}]."
    )
    items: list[ItemOut]


class OrgItemIn(InputSchema):
    code: str = Field("", max_length=32, description="Empty: DL-<dealer number>.")


class DepositItemIn(InputSchema):
    amount: Decimal
    memo: str = Field("", max_length=200)


class UsersItemIn(InputSchema):
    username: str = Field(max_length=150)
    display_name: str = Field("", max_length=60)
    mobile: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class InvitationOut(Schema):
    user_id: int
    username: str
    password: str = Field(description="One-time password: returned once, never stored in clear.")
    checklist: OnboardingOut


class PriceGradeItemIn(InputSchema):
    grade: str = Field(max_length=2)


class CreditItemIn(InputSchema):
    credit_limit: Decimal
    payment_term_days: Int32 = 0
    overdue_days: Int32 = 30
    overdue_mode: str = "hold"


class TerritoryItemIn(InputSchema):
    districts: list[str] = Field(description="District division codes (6 digits).")
    category_id: Id | None = None
    exclusive: bool = True


class ReasonIn(InputSchema):
    reason: str = Field("", max_length=200)


class DealerStatusOut(Schema):
    dealer_id: int
    stage: str
    reason: str
    org_status: str | None
    holds: list[str]


class GradeTermsRow(Schema):
    grade: str
    min_score: Decimal
    credit_limit: Decimal
    payment_term_days: int


class GradeTermsIn(InputSchema):
    rows: list[GradeTermsRow] = Field(
        description="The brand's terms, one row per grade; a grade left out has none."
    )


class GradeTermsOut(Schema):
    brand_id: int
    rows: list[GradeTermsRow]
