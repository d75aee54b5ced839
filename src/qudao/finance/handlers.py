"""Outbox handlers of finance: in-app notifications for statements. Idempotent by
(event, user)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from qudao.accounts.constants import MANAGE_FINANCE, VIEW_FINANCE
from qudao.core.models import OutboxEvent
from qudao.core.outbox import handles
from qudao.core.services import notification_create
from qudao.finance.models import Statement
from qudao.network.models import Membership


def _people(org_id: int, permission: str) -> list[Any]:
    """Active members of the org whose role grants the permission (a handful of rows)."""
    return [
        m.user
        for m in Membership.objects.select_related("user", "role").filter(
            org_id=org_id, is_active=True, user__is_active=True
        )
        if permission in (m.role.permissions or [])
    ]


def _notify(event: OutboxEvent, org_id: int, permission: str, title: str) -> None:
    notification_create(
        users=_people(org_id, permission),
        topic=event.topic,
        event=event,
        title=title,
        url=reverse("finance:statement_detail", args=[event.payload["statement_id"]]),
    )


def _statement(event: OutboxEvent) -> Statement | None:
    return (
        Statement.objects.select_related("position__buyer", "position__seller")
        .filter(pk=event.payload["statement_id"])
        .first()
    )


@handles("statement.sent")
def notify_buyer_of_statement(event: OutboxEvent) -> None:
    s = _statement(event)
    if s is not None:
        _notify(
            event,
            s.position.buyer_id,
            VIEW_FINANCE,
            _("Statement %(month)s from %(seller)s: please check and confirm")
            % {"month": s.period.strftime("%Y-%m"), "seller": s.position.seller.name},
        )


@handles("statement.disputed")
def notify_seller_of_dispute(event: OutboxEvent) -> None:
    s = _statement(event)
    if s is not None:
        _notify(
            event,
            s.position.seller_id,
            MANAGE_FINANCE,
            _("%(buyer)s disputes statement %(number)s")
            % {"buyer": s.position.buyer.name, "number": s.number},
        )


@handles("statement.confirmed")
def notify_seller_of_confirmation(event: OutboxEvent) -> None:
    s = _statement(event)
    if s is not None:
        _notify(
            event,
            s.position.seller_id,
            MANAGE_FINANCE,
            _("%(buyer)s confirmed statement %(number)s")
            % {"buyer": s.position.buyer.name, "number": s.number},
        )
