from datetime import datetime

from ninja import Field, Schema

from qudao.core.schemas import InputSchema


class MembershipBrief(Schema):
    org_id: int
    org_name: str = Field(alias="org.name")
    role: str = Field(alias="role.code")


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    mobile: str | None
    language: str


class TokenIn(InputSchema):
    name: str = Field(min_length=1, max_length=60)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str
