"""The dealer records an actor manages: those whose anchor (own org, else the parent chosen at
review, else the brand) lies under an org where the actor holds MANAGE_DEALERS."""

from typing import Any

from django.db.models import Q, QuerySet

from qudao.accounts.constants import MANAGE_DEALERS
from qudao.dealers.models import Dealer
from qudao.network import scope


def managed_q(actor: Any) -> Q:
    if getattr(actor, "is_superuser", False):
        return Q()
    paths = [g.path for g in scope.grants(actor) if MANAGE_DEALERS in g.permissions]
    q = Q(pk__in=[])
    for path in paths:
        q |= (
            Q(org__path__startswith=path)
            | Q(org__isnull=True, parent__path__startswith=path)
            | Q(org__isnull=True, parent__isnull=True, brand__path__startswith=path)
        )
    return q


def managed_dealers(actor: Any) -> QuerySet[Dealer]:
    return Dealer.objects.filter(managed_q(actor))


def manages_dealers(actor: Any) -> bool:
    return scope.has_any(actor, MANAGE_DEALERS)
