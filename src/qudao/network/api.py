from typing import Any

from ninja import Query, Router, Status
from ninja.pagination import paginate

from qudao.accounts.models import User
from qudao.core.errors import NotFound
from qudao.core.pagination import PageNumberPagination
from qudao.core.types import ApiRequest
from qudao.network import selectors, services
from qudao.network.models import Membership, Org, SupplyLink
from qudao.network.schemas import (
    DivisionOut,
    MembershipCreateIn,
    MembershipFilters,
    MembershipOut,
    MembershipUpdateIn,
    OrgCreateIn,
    OrgFilters,
    OrgMoveIn,
    OrgOut,
    OrgUpdateIn,
    SupplyLinkCreateIn,
    SupplyLinkFilters,
    SupplyLinkOut,
    SupplyLinkUpdateIn,
)

router = Router(tags=["network"])


@router.get("/divisions", response=list[DivisionOut], auth=None)
def division_list(request: ApiRequest, parent: str = ""):  # type: ignore[no-untyped-def]
    return selectors.division_children(parent_code=parent or None)


@router.get("/orgs", response=list[OrgOut])
@paginate(PageNumberPagination)
def org_list(request: ApiRequest, filters: Query[OrgFilters]):  # type: ignore[no-untyped-def]
    return selectors.org_list_for_actor(
        actor=request.auth,
        q=filters.q,
        kind=filters.kind or "",
        status=filters.status or "",
        grade=filters.grade or "",
        parent_id=filters.parent,
        city=filters.city,
    )


@router.post("/orgs", response={201: OrgOut})
def org_create(request: ApiRequest, payload: OrgCreateIn) -> Status[Org]:
    parent = selectors.org_get(actor=request.auth, org_id=payload.parent_id)
    data = payload.dict(exclude={"parent_id"})
    data["grade"] = data["grade"] or ""
    org = services.org_create(actor=request.auth, parent=parent, data=data)
    return Status(201, selectors.org_get(actor=request.auth, org_id=org.pk))


@router.get("/orgs/{org_id}", response=OrgOut)
def org_detail(request: ApiRequest, org_id: int) -> Org:
    return selectors.org_get(actor=request.auth, org_id=org_id)


@router.patch("/orgs/{org_id}", response=OrgOut)
def org_update(request: ApiRequest, org_id: int, payload: OrgUpdateIn) -> Org:
    org = selectors.org_get(actor=request.auth, org_id=org_id)
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    if "grade" in data:
        data["grade"] = data["grade"] or ""
    services.org_update(actor=request.auth, org=org, data=data)
    return selectors.org_get(actor=request.auth, org_id=org_id)


@router.post("/orgs/{org_id}/move", response=OrgOut)
def org_move(request: ApiRequest, org_id: int, payload: OrgMoveIn) -> Org:
    org = selectors.org_get(actor=request.auth, org_id=org_id)
    parent = selectors.org_get(actor=request.auth, org_id=payload.parent_id)
    services.org_move(actor=request.auth, org=org, new_parent=parent)
    return selectors.org_get(actor=request.auth, org_id=org_id)


@router.get("/memberships", response=list[MembershipOut])
@paginate(PageNumberPagination)
def membership_list(request: ApiRequest, filters: Query[MembershipFilters]):  # type: ignore[no-untyped-def]
    return selectors.membership_list_for_actor(
        actor=request.auth,
        org_id=filters.org,
        user_id=filters.user,
        role=filters.role,
        active=filters.active,
    )


@router.post("/memberships", response={201: MembershipOut})
def membership_create(request: ApiRequest, payload: MembershipCreateIn) -> Status[Membership]:
    org = selectors.org_get(actor=request.auth, org_id=payload.org_id)
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id).first()
        if user is None:
            raise NotFound
    new_user = payload.new_user.dict() if payload.new_user else None
    membership = services.membership_add(
        actor=request.auth, org=org, role_code=payload.role, user=user, new_user=new_user
    )
    return Status(201, membership)


@router.get("/memberships/{membership_id}", response=MembershipOut)
def membership_detail(request: ApiRequest, membership_id: int) -> Membership:
    return selectors.membership_get(actor=request.auth, membership_id=membership_id)


@router.patch("/memberships/{membership_id}", response=MembershipOut)
def membership_update(
    request: ApiRequest, membership_id: int, payload: MembershipUpdateIn
) -> Membership:
    membership = selectors.membership_get(actor=request.auth, membership_id=membership_id)
    return services.membership_update(
        actor=request.auth, membership=membership, is_active=payload.is_active
    )


@router.get("/supply-links", response=list[SupplyLinkOut])
@paginate(PageNumberPagination)
def supply_link_list(request: ApiRequest, filters: Query[SupplyLinkFilters]):  # type: ignore[no-untyped-def]
    return selectors.supply_link_list_for_actor(
        actor=request.auth, org_id=filters.org, kind=filters.kind or "", active=filters.active
    )


@router.post("/supply-links", response={201: SupplyLinkOut})
def supply_link_create(request: ApiRequest, payload: SupplyLinkCreateIn) -> Status[SupplyLink]:
    buyer = selectors.org_get(actor=request.auth, org_id=payload.buyer_id)
    seller = Org.objects.filter(pk=payload.seller_id).first()
    if seller is None:
        raise NotFound
    link = services.supply_link_create(
        actor=request.auth, buyer=buyer, seller=seller, kind=payload.kind
    )
    return Status(201, link)


@router.get("/supply-links/{link_id}", response=SupplyLinkOut)
def supply_link_detail(request: ApiRequest, link_id: int) -> SupplyLink:
    return selectors.supply_link_get(actor=request.auth, link_id=link_id)


@router.patch("/supply-links/{link_id}", response=SupplyLinkOut)
def supply_link_update(
    request: ApiRequest, link_id: int, payload: SupplyLinkUpdateIn
) -> SupplyLink:
    link = selectors.supply_link_get(actor=request.auth, link_id=link_id)
    return services.supply_link_update(actor=request.auth, link=link, is_active=payload.is_active)
