"""Promotions built the way sellers build them: through the services."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from qudao.network.models import Org
from qudao.network.tests.factories import system_actor
from qudao.promotions import services
from qudao.promotions.models import Promotion


def promo(
    seller: Org, kind: str, rules: dict[str, Any], *, actor: Any = None, **data: Any
) -> Promotion:
    """A draft, valid from yesterday, open-ended unless told otherwise."""
    payload = {
        "name": data.pop("name", f"{kind} promotion"),
        "kind": kind,
        "rules": rules,
        "starts_at": timezone.now() - timedelta(days=1),
        **data,
    }
    return services.promotion_create(actor=actor or system_actor(), seller=seller, data=payload)


def live(seller: Org, kind: str, rules: dict[str, Any], **data: Any) -> Promotion:
    """A promotion taken through submit, approve and publish."""
    actor = data.pop("actor", None) or system_actor()
    p = promo(seller, kind, rules, actor=actor, **data)
    p = services.promotion_submit(actor=actor, promotion=p)
    p = services.promotion_approve(actor=actor, promotion=p)
    return services.promotion_publish(actor=actor, promotion=p)
