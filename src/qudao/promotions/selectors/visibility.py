"""Who sees which promotion: the seller's people (and those above the seller, as with its
price lists) see all of its promotions; a buyer sees the live ones that target it."""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from qudao.core.errors import NotFound
from qudao.network import scope
from qudao.network.models import Org
from qudao.promotions.constants import Status
from qudao.promotions.engine import target_miss
from qudao.promotions.models import Promotion
from qudao.promotions.selectors.cart import (
    buyer_context,
    live_promotions,
    targeted_q,
    targets_of,
)


def _targeted_for(org: Org, at: datetime) -> set[int]:
    """Live promotions of the org's sellers that target it (all target dimensions hold)."""
    from qudao.network.selectors import sellers_of

    found: set[int] = set()
    for seller in sellers_of(buyer=org):
        ctx = buyer_context(seller=seller, buyer=org, at=at)
        rows = list(
            live_promotions(seller.pk, at).filter(targeted_q(ctx)).values_list("pk", "target_kinds")
        )
        targets = targets_of([pk for pk, kinds in rows if kinds > 1])
        found |= {pk for pk, _k in rows if target_miss(targets.get(pk, ()), ctx) is None}
    return found


def visible_promotions(*, actor: Any) -> QuerySet[Promotion]:
    """Promotions of sellers in the actor's scope, in every status; and the live ones that
    target an org the actor is a member of. Everything else answers 404."""
    at = timezone.now()
    targeted: set[int] = set()
    if not getattr(actor, "is_superuser", False):
        paths = {g.path for g in scope.grants(actor)}
        for org in Org.objects.filter(path__in=paths):
            targeted |= _targeted_for(org, at)
    return Promotion.objects.filter(
        scope.scope_q(actor, "seller__path") | Q(pk__in=targeted, status=Status.LIVE)
    )


# `window` of promotion_list_for_actor: in force now, starting later, over
WINDOWS = ("now", "upcoming", "past")


def _window_q(window: str, at: datetime) -> Q:
    if window == "now":
        return Q(starts_at__lte=at) & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))
    if window == "upcoming":
        return Q(starts_at__gt=at)
    if window == "past":
        return Q(ends_at__lte=at)
    return Q()


def promotion_list_for_actor(
    *,
    actor: Any,
    status: str = "",
    kind: str = "",
    seller_id: int | None = None,
    q: str = "",
    window: str = "",
) -> QuerySet[Promotion]:
    """The promotions the actor sees, newest start first; `window` (WINDOWS) by their
    validity at this moment."""
    qs = visible_promotions(actor=actor).select_related("seller")
    if window:
        qs = qs.filter(_window_q(window, timezone.now()))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(number__icontains=q))
    return qs.order_by("-starts_at", "-id")


def promotion_get(*, actor: Any, promotion_id: int) -> Promotion:
    found = visible_promotions(actor=actor).filter(pk=promotion_id).select_related("seller").first()
    if found is None:
        raise NotFound
    return found
