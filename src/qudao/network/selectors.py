"""Reads of the network, always through the actor's scope. Shaped for the pages and API."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr

from qudao.core.errors import NotFound
from qudao.core.models import AuditEvent
from qudao.core.selectors import audit_list_for_objects
from qudao.core.text import normalize_query
from qudao.network import scope
from qudao.network.constants import SELLING_KINDS, OrgKind, SupplyKind
from qudao.network.models import Division, Membership, Org, SupplyLink

ORG_LIST_RELATED = ("province", "city", "district")


def _with_parent_pk(qs: QuerySet[Org]) -> QuerySet[Org]:
    """Annotate each org with its parent's id and name in the same query (the parent's path is
    the org's path less one step)."""
    parent = Org.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Org.steplen)
    )
    return qs.annotate(
        parent_pk=Subquery(parent.values("pk")[:1]),
        parent_name=Subquery(parent.values("name")[:1]),
    )


def org_list_for_actor(
    *,
    actor: Any,
    q: str = "",
    kind: str = "",
    status: str = "",
    grade: str = "",
    parent_id: int | None = None,
    city: str = "",
) -> QuerySet[Org]:
    """Orgs in the actor's scope, filtered. Search matches name, code, pinyin and initials."""
    qs = _with_parent_pk(scope.visible_orgs(actor).select_related(*ORG_LIST_RELATED))
    if q:
        qs = qs.filter(search_text__contains=normalize_query(q))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    if city:
        qs = qs.filter(Q(city_id=city) | Q(province_id=city) | Q(district_id=city))
    if parent_id is not None:
        parent = org_get(actor=actor, org_id=parent_id)
        qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1)
    return qs.order_by("path")


def org_get(*, actor: Any, org_id: int) -> Org:
    """One org in scope, or NotFound (also for orgs that exist outside the scope)."""
    org = (
        _with_parent_pk(scope.visible_orgs(actor).select_related(*ORG_LIST_RELATED))
        .filter(pk=org_id)
        .first()
    )
    if org is None:
        raise NotFound
    return org


def org_ancestors(*, actor: Any, org: Org) -> list[Org]:
    """Breadcrumb: the ancestors the actor may see, root first."""
    steps = [org.path[: i * Org.steplen] for i in range(1, org.depth)]
    return list(scope.visible_orgs(actor).filter(path__in=steps).order_by("depth"))


@dataclass
class TreeNode:
    org: Org
    descendants: int
    by_kind: dict[str, int]


def org_tree_children(*, actor: Any, parent: Org | None) -> list[TreeNode]:
    """One level of the tree with the number of orgs under each node, in two queries."""
    if parent is None:
        paths = scope.root_paths(actor)
        nodes = list(Org.objects.filter(path__in=paths).order_by("path"))
    else:
        nodes = list(
            Org.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by(
                "path"
            )
        )
    if not nodes:
        return []
    prefix_len = nodes[0].depth * Org.steplen if parent is not None else None
    counts: dict[str, dict[str, int]] = {n.path: {} for n in nodes}
    if prefix_len is not None:
        rows = (
            Org.objects.filter(path__startswith=parent.path, depth__gt=nodes[0].depth)  # type: ignore[union-attr]
            .annotate(top=Substr("path", 1, prefix_len))
            .order_by()  # MP_Node orders by path, which would split the groups
            .values("top", "kind")
            .annotate(n=Count("id"))
        )
        for row in rows:
            counts.setdefault(row["top"], {})[row["kind"]] = row["n"]
    else:  # roots may sit at different depths: count each subtree
        for n in nodes:
            rows = (
                Org.objects.filter(path__startswith=n.path, depth__gt=n.depth)
                .order_by()
                .values("kind")
                .annotate(n=Count("id"))
            )
            counts[n.path] = {r["kind"]: r["n"] for r in rows}
    return [
        TreeNode(org=n, descendants=sum(counts[n.path].values()), by_kind=counts[n.path])
        for n in nodes
    ]


def org_kind_counts_for_actor(*, actor: Any) -> dict[str, int]:
    rows = scope.visible_orgs(actor).order_by().values("kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}


def default_seller(*, org: Org) -> Org | None:
    """The nearest ancestor that sells (DESIGN.md §4)."""
    steps = [org.path[: i * Org.steplen] for i in range(1, org.depth)]
    return Org.objects.filter(path__in=steps, kind__in=SELLING_KINDS).order_by("-depth").first()


def membership_list_for_actor(
    *,
    actor: Any,
    org_id: int | None = None,
    user_id: int | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[Membership]:
    qs = Membership.objects.filter(scope.scope_q(actor, "org__path")).select_related(
        "user", "org", "role"
    )
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if role:
        qs = qs.filter(role__code=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("org__path", "id")


def membership_get(*, actor: Any, membership_id: int) -> Membership:
    found = membership_list_for_actor(actor=actor).filter(pk=membership_id).first()
    if found is None:
        raise NotFound
    return found


def supply_link_list_for_actor(
    *, actor: Any, org_id: int | None = None, kind: str = "", active: bool | None = None
) -> QuerySet[SupplyLink]:
    """Links whose buyer is in scope (the seller may be above it, e.g. HQ)."""
    qs = SupplyLink.objects.filter(scope.scope_q(actor, "buyer__path")).select_related(
        "buyer", "seller"
    )
    if org_id is not None:
        qs = qs.filter(Q(buyer_id=org_id) | Q(seller_id=org_id))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("buyer__path", "seller__path", "kind")


def supply_link_get(*, actor: Any, link_id: int) -> SupplyLink:
    found = supply_link_list_for_actor(actor=actor).filter(pk=link_id).first()
    if found is None:
        raise NotFound
    return found


def seller_candidates(*, actor: Any, buyer: Org) -> QuerySet[Org]:
    """Orgs the buyer could be linked to: selling orgs in scope, or the buyer's ancestors."""
    steps = [buyer.path[: i * Org.steplen] for i in range(1, buyer.depth)]
    return (
        Org.objects.filter(scope.scope_q(actor) | Q(path__in=steps), kind__in=SELLING_KINDS)
        .exclude(pk=buyer.pk)
        .order_by("path")
    )


def division_children(*, parent_code: str | None) -> QuerySet[Division]:
    if parent_code:
        return Division.objects.filter(parent_id=parent_code)
    return Division.objects.filter(level=1)


def org_timeline(*, org: Org, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes to the org, its memberships and the supply links it buys through."""
    return audit_list_for_objects(
        objects={
            "network.org": [org.pk],
            "network.membership": Membership.objects.filter(org=org).values_list("pk", flat=True),
            "network.supplylink": SupplyLink.objects.filter(buyer=org).values_list("pk", flat=True),
        },
        limit=limit,
    )


def org_kinds() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in OrgKind]


def sells_to(*, seller: Org, buyer: Org, kind: str | None = None) -> bool:
    """May `buyer` order from `seller`? Through an active supply link, or because the seller
    is the buyer's nearest selling ancestor (the default seller)."""
    links = SupplyLink.objects.filter(buyer=buyer, seller=seller, is_active=True)
    if kind:
        links = links.filter(kind=kind)
    if links.exists():
        return True
    default = default_seller(org=buyer)
    return default is not None and default.pk == seller.pk


def supply_kinds(*, seller: Org, buyer: Org) -> set[str]:
    """What the buyer may order from the seller: the kinds of its active links, and every
    kind from its default seller (its nearest selling ancestor)."""
    kinds = set(
        SupplyLink.objects.filter(buyer=buyer, seller=seller, is_active=True).values_list(
            "kind", flat=True
        )
    )
    default = default_seller(org=buyer)
    if default is not None and default.pk == seller.pk:
        kinds |= set(SupplyKind.values)
    return kinds


def sellers_of(*, buyer: Org) -> list[Org]:
    """Everyone the buyer may order from: its linked sellers and its default seller."""
    sellers = list(
        Org.objects.filter(
            supply_links_as_seller__buyer=buyer, supply_links_as_seller__is_active=True
        )
        .distinct()
        .order_by("path")
    )
    default = default_seller(org=buyer)
    if default is not None and default.pk not in {s.pk for s in sellers}:
        sellers.insert(0, default)
    return sellers


def org_get_by_code(*, actor: Any, code: str) -> Org:
    org = scope.visible_orgs(actor).filter(code=code.strip()).first()
    if org is None:
        raise NotFound
    return org
