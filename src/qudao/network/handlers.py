"""Outbox handlers of the network: in-app notifications. Idempotent by (event, user)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qudao.core.models import OutboxEvent
from qudao.core.outbox import handles
from qudao.core.services import notification_create
from qudao.network.models import Membership, Org


@handles("membership.created")
def notify_new_member(event: OutboxEvent) -> None:
    membership = (
        Membership.objects.select_related("user", "org", "role")
        .filter(pk=event.payload["membership_id"])
        .first()
    )
    if membership is None:
        return
    notification_create(
        users=[membership.user],
        topic=event.topic,
        event=event,
        title=_("You were added to %(org)s as %(role)s")
        % {"org": membership.org.name, "role": membership.role.label},
        url=reverse("network:org_detail", args=[membership.org_id]),
    )


@handles("org.created")
def notify_parent_admins(event: OutboxEvent) -> None:
    """Tell the people who manage the parent that an org appeared under it."""
    org = Org.objects.filter(pk=event.payload["org_id"]).first()
    parent = Org.objects.filter(pk=event.payload.get("parent_id")).first()
    if org is None or parent is None:
        return
    users = {
        m.user
        for m in Membership.objects.select_related("user")
        .filter(
            org=parent,
            is_active=True,
            role__code__in=["brand_admin", "region_manager", "dealer_admin"],
        )
        .exclude(user_id=event.payload.get("actor_id"))
    }
    notification_create(
        users=users,
        topic=event.topic,
        event=event,
        title=_("New org %(org)s under %(parent)s") % {"org": org.name, "parent": parent.name},
        url=reverse("network:org_detail", args=[org.pk]),
    )
