from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from qudao.core.schemas import Id, InputSchema
from qudao.network.constants import Channel, Grade, OrgKind, OrgStatus, SupplyKind


class DivisionOut(Schema):
    code: str
    name: str
    level: int
    parent_id: str | None


class OrgOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: OrgKind
    status: OrgStatus
    grade: str
    channel: Channel
    uscc: str
    parent_id: int | None = Field(None, alias="parent_pk")
    depth: int
    province: str | None = Field(None, alias="province_id")
    city: str | None = Field(None, alias="city_id")
    district: str | None = Field(None, alias="district_id")
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    contact_name: str
    contact_phone: str
    created_at: datetime
    updated_at: datetime


class OrgFilters(Schema):
    q: str = ""
    kind: OrgKind | None = None
    status: OrgStatus | None = None
    grade: Grade | None = None
    parent: Id | None = None
    city: str = ""


class OrgCreateIn(InputSchema):
    parent_id: Id
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: OrgKind
    status: OrgStatus = OrgStatus.ACTIVE
    short_name: str = Field("", max_length=40)
    grade: Grade | None = None
    channel: Channel = Channel.TRADITIONAL
    uscc: str = Field("", max_length=18)
    province: str | None = None
    city: str | None = None
    district: str | None = None
    address: str = Field("", max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str = Field("", max_length=40)
    contact_phone: str = Field("", max_length=20)


class OrgUpdateIn(InputSchema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    status: OrgStatus | None = None
    short_name: str | None = Field(None, max_length=40)
    grade: Grade | None = None
    channel: Channel | None = None
    uscc: str | None = Field(None, max_length=18)
    province: str | None = None
    city: str | None = None
    district: str | None = None
    address: str | None = Field(None, max_length=200)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    contact_name: str | None = Field(None, max_length=40)
    contact_phone: str | None = Field(None, max_length=20)


class OrgMoveIn(InputSchema):
    parent_id: Id


class NewUserIn(InputSchema):
    username: str = Field(min_length=1, max_length=150)
    display_name: str = Field("", max_length=60)
    mobile: str | None = Field(None, max_length=20)
    email: str = Field("", max_length=254)
    # the password policy (settings.AUTH_PASSWORD_VALIDATORS) is the service's to check
    password: str | None = Field(None, max_length=128)


class MembershipOut(Schema):
    id: int
    user_id: int
    username: str = Field(alias="user.username")
    user_name: str = Field(alias="user.display_name")
    org_id: int
    org_name: str = Field(alias="org.name")
    role: str = Field(alias="role.code")
    is_active: bool
    created_at: datetime


class MembershipFilters(Schema):
    org: Id | None = None
    user: Id | None = None
    role: str = ""
    active: bool | None = None


class MembershipCreateIn(InputSchema):
    org_id: Id
    role: str
    user_id: Id | None = None
    new_user: NewUserIn | None = None


class MembershipUpdateIn(InputSchema):
    is_active: bool


class SupplyLinkOut(Schema):
    id: int
    buyer_id: int
    buyer_name: str = Field(alias="buyer.name")
    seller_id: int
    seller_name: str = Field(alias="seller.name")
    kind: SupplyKind
    is_active: bool
    created_at: datetime


class SupplyLinkFilters(Schema):
    org: Id | None = None
    kind: SupplyKind | None = None
    active: bool | None = None


class SupplyLinkCreateIn(InputSchema):
    buyer_id: Id
    seller_id: Id
    kind: SupplyKind = SupplyKind.GOODS


class SupplyLinkUpdateIn(InputSchema):
    is_active: bool
