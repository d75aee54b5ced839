"""Who sees stock: the subtrees of the actor's memberships that grant the stock right (a
parent sees its subtree's stock and sell-out). Outside the actor's scope an object answers
404; in scope without the right, 403."""

from typing import Any

from django.db.models import Q

from qudao.accounts.constants import VIEW_STOCK
from qudao.network import scope
from qudao.network.models import Org


def stock_q(actor: Any, field: str) -> Q:
    """Rows whose org (`field`, an org path column) sits under a membership granting
    VIEW_STOCK."""
    if getattr(actor, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    for grant in scope.grants(actor):
        if VIEW_STOCK in grant.permissions:
            q |= Q(**{f"{field}__startswith": grant.path})
    return q


def require_view(actor: Any, org: Org) -> None:
    scope.require(actor, VIEW_STOCK, org)
