"""Writes of the network: orgs, memberships, supply links. Each is one transaction with its
audit row and outbox event; scope and permission are checked here, not in the views."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from qudao.accounts.constants import MANAGE_MEMBERS, MANAGE_ORGS, MANAGE_SUPPLY, ROLES
from qudao.accounts.models import Role, User
from qudao.accounts.services import user_create
from qudao.core.errors import Conflict, NotFound, ValidationFailed, check_transition
from qudao.core.services import audit_record, changes_between, event_record, snapshot
from qudao.core.text import search_text
from qudao.network import scope
from qudao.network.constants import (
    ALLOWED_CHILDREN,
    ORG_STATUS_PIPELINE,
    SELLING_KINDS,
    Channel,
    DivisionLevel,
    Hold,
    OrgKind,
    OrgStatus,
)
from qudao.network.models import Division, Membership, Org, SupplyLink

ORG_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "status",
    "grade",
    "channel",
    "uscc",
    "province",
    "city",
    "district",
    "address",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
)
ORG_EDITABLE = tuple(f for f in ORG_FIELDS if f not in {"kind", "status"})


def _label(field: str) -> str:
    return str(Org._meta.get_field(field).verbose_name)


def _field_error(field_name: str, message: Any, code: str, **params: Any) -> ValidationFailed:
    text = str(message) % params if params else str(message)
    return ValidationFailed(text, code=code, fields={field_name: [text]})


def clean_uscc(value: str) -> str:
    """Unified social credit code with its checksum verified (python-stdnum)."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    try:
        return str(stdnum_uscc.validate(value))
    except StdnumError as exc:
        raise _field_error(
            "uscc",
            _("%(value)s is not a valid unified social credit code."),
            "invalid_uscc",
            value=value,
        ) from exc


def _division(code: Any, level: int, parent: Division | None, field: str) -> Division | None:
    if code in (None, ""):
        return None
    code = getattr(code, "code", code)
    division = Division.objects.filter(code=str(code), level=level).first()
    if division is None or (parent is not None and division.parent_id != parent.code):
        raise _field_error(
            field,
            _("%(value)s is not a valid %(field)s here."),
            "invalid_division",
            value=code,
            field=_label(field),
        )
    return division


def _clean_address(data: dict[str, Any]) -> None:
    """Province, city and district must nest; missing upper levels are filled in."""
    province = _division(data.get("province"), DivisionLevel.PROVINCE, None, "province")
    city = _division(data.get("city"), DivisionLevel.CITY, province, "city")
    district = _division(data.get("district"), DivisionLevel.DISTRICT, city, "district")
    if district and not city:
        city = district.parent
    if city and not province:
        province = city.parent
    data.update(province=province, city=city, district=district)


def _clean_geo(data: dict[str, Any]) -> None:
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = data.get(field)
        if value in (None, ""):
            data[field] = None
            continue
        value = Decimal(str(value))
        if not -bound <= value <= bound:
            raise _field_error(
                field,
                _("%(field)s must be between -%(bound)s and %(bound)s."),
                "invalid_geo",
                field=_label(field),
                bound=bound,
            )
        data[field] = value


def _taken(field: str, value: str, instance: Org | None) -> bool:
    clash = Org.objects.filter(**{field: value})
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    return clash.exists()


def _clean_identity(data: dict[str, Any], instance: Org | None) -> None:
    """Code and name present, code and USCC unique, USCC checksum valid."""
    for key in ("code", "name"):
        if key in data and not data[key]:
            raise _field_error(key, _("This field is required."), "required")
    if "code" in data and _taken("code", data["code"], instance):
        raise Conflict(
            _("The org code %(org_code)s is already used."),
            code="org_code_taken",
            fields={"code": [str(_("Already used."))]},
            org_code=data["code"],
        )
    if "uscc" in data:
        data["uscc"] = clean_uscc(data["uscc"])
        if data["uscc"] and _taken("uscc", data["uscc"], instance):
            raise Conflict(
                _("The unified social credit code %(uscc)s is already used."),
                code="org_uscc_taken",
                uscc=data["uscc"],
            )


def _clean_org(data: dict[str, Any], *, instance: Org | None) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in ORG_FIELDS}
    for key in ("code", "name", "short_name", "address", "contact_name", "contact_phone"):
        if key in data:
            data[key] = (data[key] or "").strip()
    _clean_identity(data, instance)
    if "channel" in data and data["channel"] not in Channel.values:
        raise _field_error("channel", _("Choose a valid channel."), "invalid_channel")
    if {"province", "city", "district"} & data.keys():
        merged = {
            k: data.get(k, getattr(instance, f"{k}_id", None))
            for k in ("province", "city", "district")
        }
        _clean_address(merged)
        data.update(merged)
    if {"latitude", "longitude"} & data.keys():
        _clean_geo(data)
    return data


def _check_child_kind(parent: Org, kind: str) -> None:
    if kind not in ALLOWED_CHILDREN.get(parent.kind, set()):
        raise ValidationFailed(
            _("A %(kind)s cannot be placed under a %(parent_kind)s."),
            code="org_kind_not_allowed",
            fields={"kind": [str(_("Not allowed here."))]},
            kind=OrgKind(kind).label,
            parent_kind=OrgKind(parent.kind).label,
        )


def _search_text(org: Org) -> str:
    return search_text(org.name, org.short_name, org.code)


@transaction.atomic
def org_create(*, actor: Any, parent: Org, data: Mapping[str, Any]) -> Org:
    """Create an org under a parent the actor manages; the kind must fit under the parent's."""
    scope.require(actor, MANAGE_ORGS, parent)
    kind = data.get("kind")
    if kind not in OrgKind.values or kind == OrgKind.HQ:
        raise _field_error("kind", _("Choose a valid kind."), "invalid_kind")
    _check_child_kind(parent, kind)
    status = data.get("status") or OrgStatus.ACTIVE
    if status not in (OrgStatus.PROSPECT, OrgStatus.ACTIVE):
        raise _field_error("status", _("A new org is a prospect or active."), "invalid_status")
    clean = _clean_org(
        {**data, "code": data.get("code", ""), "name": data.get("name", "")}, instance=None
    )
    clean.update(kind=kind, status=status)
    parent = Org.objects.select_for_update().get(pk=parent.pk)  # serialise sibling paths
    org = Org(**clean)
    org.search_text = _search_text(org)
    try:
        with transaction.atomic():
            org = Org.objects.add_child(parent, instance=org)
    except IntegrityError as exc:
        raise Conflict(
            _("The org code %(org_code)s is already used."),
            code="org_code_taken",
            org_code=clean["code"],
        ) from exc
    audit_record(
        actor=actor,
        action="org.created",
        instance=org,
        changes=changes_between({}, snapshot(org, ORG_FIELDS)),
    )
    event_record(
        "org.created",
        {"org_id": org.pk, "parent_id": parent.pk, "actor_id": getattr(actor, "pk", None)},
    )
    return org


@transaction.atomic
def org_update(*, actor: Any, org: Org, data: Mapping[str, Any]) -> Org:
    """Edit profile fields. Kind is fixed; status moves follow ORG_STATUS_PIPELINE."""
    scope.require(actor, MANAGE_ORGS, org)
    org = Org.objects.select_for_update().get(pk=org.pk)
    before = snapshot(org, ORG_FIELDS)
    if "kind" in data and data["kind"] != org.kind:
        raise _field_error("kind", _("The kind of an org cannot change."), "kind_fixed")
    clean = _clean_org({k: v for k, v in data.items() if k in ORG_EDITABLE}, instance=org)
    if "status" in data and data["status"] != org.status:
        check_transition(ORG_STATUS_PIPELINE, org.status, data["status"])
        clean["status"] = data["status"]
    for key, value in clean.items():
        setattr(org, key, value)
    org.search_text = _search_text(org)
    changes = changes_between(before, snapshot(org, ORG_FIELDS))
    if not changes:
        return org
    org.save(update_fields=[*clean.keys(), "search_text", "updated_at"])
    audit_record(actor=actor, action="org.updated", instance=org, changes=changes)
    event_record("org.updated", {"org_id": org.pk, "fields": sorted(changes)})
    return org


@transaction.atomic
def org_hold(*, actor: Any, org: Org, reason: str, on: bool, note: str = "") -> Org:
    """Put an ordering hold on an org or lift it (idempotent). Called by the services that own
    the reason (the dealers app); they check their own permissions."""
    if reason not in Hold.values:
        raise ValidationFailed(_("Unknown hold reason."), code="invalid_hold")
    org = Org.objects.select_for_update().get(pk=org.pk)
    holds = [h for h in org.holds if h != reason] + ([reason] if on else [])
    if holds == org.holds:
        return org
    before = list(org.holds)
    org.holds = holds
    org.save(update_fields=["holds", "updated_at"])
    audit_record(
        actor=actor,
        action="org.hold_set" if on else "org.hold_lifted",
        instance=org,
        changes={"holds": [before, holds], **({"note": [None, note]} if note else {})},
    )
    event_record("org.hold_changed", {"org_id": org.pk, "reason": reason, "on": on})
    return org


@transaction.atomic
def org_status_set(*, actor: Any, org: Org, status: str, reason: str = "") -> Org:
    """Move an org's status along ORG_STATUS_PIPELINE on behalf of a lifecycle service (which
    checks its own permission): suspension, reinstatement, activation, closing."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.status == status:
        return org
    check_transition(ORG_STATUS_PIPELINE, org.status, status)
    before = org.status
    org.status = status
    org.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="org.status_changed",
        instance=org,
        changes={"status": [before, status], **({"reason": [None, reason]} if reason else {})},
    )
    event_record("org.status_changed", {"org_id": org.pk, "from": before, "to": status})
    return org


@transaction.atomic
def org_move(*, actor: Any, org: Org, new_parent: Org) -> Org:
    """Move an org (with its subtree) under another parent the actor manages."""
    scope.require(actor, MANAGE_ORGS, org)
    scope.require(actor, MANAGE_ORGS, new_parent)
    org = Org.objects.select_for_update().get(pk=org.pk)
    new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationFailed(
            _("An org cannot move under itself or its own descendant."),
            code="org_move_into_descendant",
            fields={"parent": [str(_("Choose another parent."))]},
        )
    if org.depth == 1:
        raise ValidationFailed(_("The brand HQ cannot move."), code="org_move_root")
    old_parent = Org.objects.get_parent(org)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return org
    _check_child_kind(new_parent, org.kind)
    Org.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    audit_record(
        actor=actor,
        action="org.moved",
        instance=org,
        changes={"parent": [old_parent.name if old_parent else None, new_parent.name]},
    )
    event_record("org.moved", {"org_id": org.pk, "new_parent_id": new_parent.pk})
    return org


def _role(code: str) -> Role:
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise _field_error("role", _("Unknown role %(role)s."), "unknown_role", role=code)
    return role


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    org: Org,
    role_code: str,
    user: User | None = None,
    new_user: Mapping[str, Any] | None = None,
) -> Membership:
    """Give a user (existing, or created here) a role in an org the actor manages."""
    scope.require(actor, MANAGE_MEMBERS, org)
    role = _role(role_code)
    kinds = ROLES[role.code][1] if role.code in ROLES else tuple(role.org_kinds)
    if org.kind not in kinds:
        raise _field_error(
            "role",
            _("The role %(role)s does not exist in a %(kind)s."),
            "role_not_for_org_kind",
            role=role.label,
            kind=OrgKind(org.kind).label,
        )
    if user is None:
        if not new_user:
            raise _field_error("user", _("This field is required."), "required")
        user = user_create(actor=actor, **new_user)
    elif not (
        getattr(actor, "is_superuser", False)
        or Membership.objects.filter(user=user).filter(scope.scope_q(actor, "org__path")).exists()
    ):
        raise NotFound  # people outside the actor's network are not theirs to see
    if Membership.objects.filter(user=user, org=org, role=role).exists():
        raise Conflict(
            _("%(user)s already has this role here."), code="membership_exists", user=str(user)
        )
    membership = Membership.objects.create(user=user, org=org, role=role)
    audit_record(
        actor=actor,
        action="membership.created",
        instance=membership,
        changes={"user": [None, str(user)], "org": [None, org.name], "role": [None, role.label]},
    )
    event_record(
        "membership.created",
        {"membership_id": membership.pk, "user_id": user.pk, "org_id": org.pk, "role": role.code},
    )
    scope.forget(user)
    return membership


@transaction.atomic
def membership_update(*, actor: Any, membership: Membership, is_active: bool) -> Membership:
    scope.require(actor, MANAGE_MEMBERS, membership.org)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_active == is_active:
        return membership
    before = membership.is_active
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="membership.updated",
        instance=membership,
        changes={"is_active": [before, is_active]},
    )
    event_record("membership.updated", {"membership_id": membership.pk, "is_active": is_active})
    scope.forget(membership.user)
    return membership


def _reachable_sellers(start: Org) -> set[int]:
    """Orgs that `start` buys from, directly or through its sellers (breadth first, in SQL)."""
    seen: set[int] = set()
    frontier = {start.pk}
    while frontier:
        nxt = (
            set(
                SupplyLink.objects.filter(buyer_id__in=frontier, is_active=True).values_list(
                    "seller_id", flat=True
                )
            )
            - seen
        )
        seen |= nxt
        frontier = nxt
    return seen


@transaction.atomic
def supply_link_create(*, actor: Any, buyer: Org, seller: Org, kind: str) -> SupplyLink:
    """Let `buyer` order from `seller`. The actor manages the buyer; the seller is a selling
    org the actor can see or one of the buyer's ancestors; no cycles."""
    scope.require(actor, MANAGE_SUPPLY, buyer)
    if not (scope.in_scope(actor, seller) or buyer.path.startswith(seller.path)):
        raise NotFound
    if seller.kind not in SELLING_KINDS:
        raise _field_error(
            "seller",
            _("A %(kind)s does not sell to other orgs."),
            "seller_not_selling",
            kind=OrgKind(seller.kind).label,
        )
    if buyer.pk == seller.pk or buyer.pk in _reachable_sellers(seller):
        raise ValidationFailed(
            _(
                "%(seller)s already buys from %(buyer)s, directly or through others: this link "
                "would make a cycle."
            ),
            code="supply_link_cycle",
            fields={"seller": [str(_("Would make a cycle."))]},
            seller=seller.name,
            buyer=buyer.name,
        )
    if SupplyLink.objects.filter(buyer=buyer, seller=seller, kind=kind).exists():
        raise Conflict(_("This supply link already exists."), code="supply_link_exists")
    link = SupplyLink.objects.create(buyer=buyer, seller=seller, kind=kind)
    audit_record(
        actor=actor,
        action="supply_link.created",
        instance=link,
        changes={"buyer": [None, buyer.name], "seller": [None, seller.name], "kind": [None, kind]},
    )
    event_record(
        "supply_link.created", {"link_id": link.pk, "buyer_id": buyer.pk, "seller_id": seller.pk}
    )
    return link


@transaction.atomic
def supply_link_update(*, actor: Any, link: SupplyLink, is_active: bool) -> SupplyLink:
    scope.require(actor, MANAGE_SUPPLY, link.buyer)
    link = SupplyLink.objects.select_for_update().get(pk=link.pk)
    if link.is_active == is_active:
        return link
    if is_active and link.buyer_id in _reachable_sellers(link.seller):
        raise ValidationFailed(
            _("Turning this link on would make a cycle."), code="supply_link_cycle"
        )
    link.is_active = is_active
    link.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="supply_link.updated",
        instance=link,
        changes={"is_active": [not is_active, is_active]},
    )
    event_record("supply_link.updated", {"link_id": link.pk, "is_active": is_active})
    return link
