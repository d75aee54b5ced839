"""Outbox handlers of orders: in-app notifications to the people of the other side at each
step (approvers of held orders, the buyer when its order is decided or shipped, the seller's
warehouse when an order is approved, …). Idempotent by (event, user)."""

from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from qudao.core.models import OutboxEvent
from qudao.core.outbox import handles
from qudao.core.services import notification_create
from qudao.network.models import Membership, Org


def _people(org_id: int, permissions: Iterable[str]) -> list[Any]:
    """Active members of the org whose role grants one of the permissions."""
    wanted = set(permissions)
    return [
        m.user
        for m in Membership.objects.select_related("user", "role").filter(
            org_id=org_id, is_active=True, user__is_active=True
        )
        if wanted & set(m.role.permissions or [])
    ]


def _url(name: str, pk: Any) -> str:
    """The page of the object, once the pages exist (the URL conf is another change's)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _link(event: OutboxEvent) -> str:
    """The page of the document the event is about: a return, a shipment, else the order."""
    if "return_id" in event.payload:
        return _url("orders:return_detail", event.payload["return_id"])
    if "shipment_id" in event.payload:
        return _url("orders:shipment_detail", event.payload["shipment_id"])
    return _url("orders:order_detail", event.payload["order_id"])


def _notify(
    event: OutboxEvent, org_id: int, permissions: Iterable[str], title: str, body: str = ""
) -> None:
    notification_create(
        users=_people(org_id, permissions),
        topic=event.topic,
        event=event,
        title=title,
        body=body,
        url=_link(event),
    )


def _names(event: OutboxEvent) -> dict[str, str]:
    orgs = dict(
        Org.objects.filter(
            pk__in=[event.payload["buyer_id"], event.payload["seller_id"]]
        ).values_list("pk", "name")
    )
    return {
        "number": event.payload["number"],
        "buyer": orgs.get(event.payload["buyer_id"], ""),
        "seller": orgs.get(event.payload["seller_id"], ""),
        "amount": event.payload.get("amount", ""),
    }


@handles("order.held")
def notify_approvers(event: OutboxEvent) -> None:
    names = _names(event)
    _notify(
        event,
        event.payload["seller_id"],
        [APPROVE_ORDERS],
        _("Order %(number)s from %(buyer)s waits for your approval (¥%(amount)s)") % names,
    )


@handles("order.approved")
def notify_approved(event: OutboxEvent) -> None:
    names = _names(event)
    _notify(
        event, event.payload["buyer_id"], [PLACE_ORDERS], _("Order %(number)s is approved") % names
    )
    _notify(
        event,
        event.payload["seller_id"],
        [SHIP_ORDERS],
        _("Order %(number)s from %(buyer)s is ready to ship") % names,
    )


@handles("order.rejected")
def notify_rejected(event: OutboxEvent) -> None:
    _notify(
        event,
        event.payload["buyer_id"],
        [PLACE_ORDERS],
        _("Order %(number)s was rejected") % _names(event),
        event.payload.get("comment", ""),
    )


@handles("order.cancelled")
def notify_cancelled(event: OutboxEvent) -> None:
    if event.payload.get("previous") == "draft":
        return  # nobody else ever saw it
    other = "seller_id" if event.payload.get("by") == "buyer" else "buyer_id"
    _notify(
        event,
        event.payload[other],
        [PLACE_ORDERS, APPROVE_ORDERS, SHIP_ORDERS],
        _("Order %(number)s was cancelled") % _names(event),
        event.payload.get("reason", ""),
    )


@handles("order.shipped")
def notify_shipped(event: OutboxEvent) -> None:
    _notify(
        event,
        event.payload["buyer_id"],
        [PLACE_ORDERS, SHIP_ORDERS],
        _("%(seller)s shipped %(shipment)s for order %(number)s")
        % {**_names(event), "shipment": event.payload["shipment_number"]},
    )


@handles("receipt.confirmed")
def notify_received(event: OutboxEvent) -> None:
    if not event.payload.get("discrepancies"):
        return  # an ordinary receipt is on the order's timeline; a discrepancy needs someone
    _notify(
        event,
        event.payload["seller_id"],
        [APPROVE_ORDERS, SHIP_ORDERS],
        _("%(buyer)s reports discrepancies on %(shipment)s")
        % {**_names(event), "shipment": event.payload["shipment_number"]},
    )


@handles("return.requested")
def notify_return_requested(event: OutboxEvent) -> None:
    _notify(
        event,
        event.payload["seller_id"],
        [APPROVE_ORDERS],
        _("%(buyer)s asks to return goods of order %(number)s (%(return)s)")
        % {**_names(event), "return": event.payload["return_number"]},
    )


@handles("return.approved", "return.rejected", "return.completed")
def notify_return_decided(event: OutboxEvent) -> None:
    titles = {
        "return.approved": _("Return %(return)s is approved: please send the goods back"),
        "return.rejected": _("Return %(return)s was rejected"),
        "return.completed": _("Return %(return)s was received and credited"),
    }
    _notify(
        event,
        event.payload["buyer_id"],
        [PLACE_ORDERS, SHIP_ORDERS],
        titles[event.topic] % {"return": event.payload["return_number"]},
    )


@handles("return.shipped")
def notify_return_shipped(event: OutboxEvent) -> None:
    _notify(
        event,
        event.payload["seller_id"],
        [SHIP_ORDERS],
        _("%(buyer)s sent back the goods of %(return)s")
        % {**_names(event), "return": event.payload["return_number"]},
    )
