"""Who sees what: the one place that turns an actor into the orgs they may see.

A user's scope is the union of the subtrees of the orgs where they hold an active membership
(an HQ membership therefore sees everything). Every selector filters through `visible_orgs`;
objects outside it answer 404, never 403.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from qudao.core.errors import NotFound, PermissionDenied
from qudao.network.models import Membership, Org

_CACHE_ATTR = "_qudao_scope"


@dataclass(frozen=True)
class Grant:
    path: str
    role: str
    permissions: frozenset[str]


def grants(actor: Any) -> list[Grant]:
    """The actor's active memberships as (org path, role, permissions); one query per request."""
    if not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user=actor, is_active=True).values_list(
        "org__path", "role__code", "role__permissions"
    )
    result = [Grant(path, role, frozenset(perms or [])) for path, role, perms in rows]
    setattr(actor, _CACHE_ATTR, result)
    return result


def forget(actor: Any) -> None:
    """Drop the cached grants (after the actor's own memberships change)."""
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def _top_paths(paths: list[str]) -> list[str]:
    """Drop paths inside other paths: the roots of the union of subtrees."""
    tops: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tops


def root_paths(actor: Any) -> list[str]:
    if getattr(actor, "is_superuser", False):
        return list(Org.get_root_nodes().values_list("path", flat=True))
    return _top_paths([g.path for g in grants(actor)])


def scope_q(actor: Any, field: str = "path") -> Q:
    """A filter on an org path column (or `<fk>__path`) limiting rows to the actor's scope."""
    if getattr(actor, "is_superuser", False):
        return Q()
    tops = root_paths(actor)
    if not tops:
        return Q(pk__in=[])
    q = Q()
    for top in tops:
        q |= Q(**{f"{field}__startswith": top})
    return q


def visible_orgs(actor: Any) -> QuerySet[Org]:
    return Org.objects.filter(scope_q(actor))


def in_scope(actor: Any, org: Org) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    return any(org.path.startswith(top) for top in root_paths(actor))


def can(actor: Any, permission: str, org: Org) -> bool:
    """Does a membership at the org or one of its ancestors grant the permission?"""
    if getattr(actor, "is_superuser", False):
        return True
    return any(org.path.startswith(g.path) and permission in g.permissions for g in grants(actor))


def require(actor: Any, permission: str, org: Org) -> None:
    """Out of scope → 404 (don't confirm it exists); in scope without the right → 403."""
    if not in_scope(actor, org):
        raise NotFound
    if not can(actor, permission, org):
        raise PermissionDenied


def has_any(actor: Any, permission: str) -> bool:
    return getattr(actor, "is_superuser", False) or any(
        permission in g.permissions for g in grants(actor)
    )


def role_codes(actor: Any) -> set[str]:
    return {g.role for g in grants(actor)}
