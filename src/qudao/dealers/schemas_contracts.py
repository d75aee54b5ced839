"""Request and response shapes of the documents and contracts API."""

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from qudao.core.schemas import DateIn, Id, InputSchema, Int32
from qudao.finance.schemas import Money


class OrgRef(Schema):
    id: int
    code: str
    name: str


class DocumentFilters(Schema):
    kind: str = ""
    state: str = Field("", description="expired, expiring (within 30 days) or valid")
    q: str = ""
    org: Id | None = None


class DocumentOut(Schema):
    id: int
    org: OrgRef
    kind: str
    title: str
    number: str
    issued_on: date | None
    expires_on: date | None
    days_left: int | None
    replaces_id: int | None
    has_file: bool
    file_url: str | None
    reminded_days: list[int]

    @staticmethod
    def resolve_has_file(obj: Any) -> bool:
        return bool(obj.file_id)

    @staticmethod
    def resolve_file_url(obj: Any) -> str | None:
        from django.urls import reverse

        return reverse("dealers:document_file", args=[obj.pk]) if obj.file_id else None


class ContractTargetIn(InputSchema):
    quarter: Int32
    category_id: Id | None = None
    amount: Decimal | None = None
    units: Int32 | None = None


class ContractTargetOut(Schema):
    id: int
    quarter: int
    category_id: int | None
    category_code: str | None
    amount: Money | None
    units: int | None
    achieved_amount: Money
    achieved_units: int
    amount_pct: Decimal | None
    units_pct: Decimal | None

    @staticmethod
    def resolve_category_code(obj: Any) -> str | None:
        return obj.category.code if obj.category_id else None


class ContractFilters(Schema):
    year: int | None = None
    status: str = ""
    q: str = ""
    org: Id | None = None


class ContractOut(Schema):
    id: int
    number: str
    org: OrgRef
    seller: OrgRef
    year: int
    starts_on: date
    ends_on: date
    status: str
    grade: str
    deposit: Money
    policies: str
    renews_id: int | None
    targets: list[ContractTargetOut]


class ContractDetailOut(ContractOut):
    actions: list[str]
    renewed_by_id: int | None


class ContractIn(InputSchema):
    org_id: Id
    seller_id: Id | None = None
    year: Int32 | None = None
    starts_on: DateIn | None = None
    ends_on: DateIn | None = None
    grade: str = ""
    deposit: Decimal = Decimal("0")
    policies: str = ""
    targets: list[ContractTargetIn] = []


class ContractUpdateIn(InputSchema):
    seller_id: Id | None = None
    year: Int32 | None = None
    starts_on: DateIn | None = None
    ends_on: DateIn | None = None
    grade: str | None = None
    deposit: Decimal | None = None
    policies: str | None = None
    targets: list[ContractTargetIn] | None = None


class EndIn(InputSchema):
    reason: str = ""
