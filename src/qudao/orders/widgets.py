"""Home-page widgets and menu entry of orders."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import APPROVE_ORDERS, PLACE_ORDERS, SHIP_ORDERS
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.network import scope
from qudao.orders.constants import ShipmentStatus
from qudao.orders.selectors import approval_inbox, shipment_list_for_actor


@register
def orders_to_approve(actor: Any) -> Widget | None:
    """Held orders waiting for the actor's approval."""
    if not scope.has_any(actor, APPROVE_ORDERS):
        return None
    return Widget(
        title=_("Orders waiting for my approval"),
        value=approval_inbox(actor=actor).count(),
        url=reverse("orders:approval_inbox"),
        order=20,
    )


@register
def shipments_to_receive(actor: Any) -> Widget | None:
    """Shipments on their way to the actor's orgs, to confirm on arrival."""
    if not scope.has_any(actor, PLACE_ORDERS):
        return None
    count = shipment_list_for_actor(
        actor=actor, status=ShipmentStatus.POSTED, side="buying"
    ).count()
    return Widget(
        title=_("Shipments to receive"),
        value=count,
        url=reverse("orders:shipment_list") + "?side=buying&status=posted",
        order=21,
    )


def _sees_orders(actor: Any) -> bool:
    return any(scope.has_any(actor, p) for p in (PLACE_ORDERS, APPROVE_ORDERS, SHIP_ORDERS))


register_nav(
    NavEntry(
        label=gettext_lazy("Orders"),
        url_name="orders:order_list",
        visible=_sees_orders,
        order=30,
    )
)


register_audit_labels(
    fields={
        "lines": gettext_lazy("Lines"),
        "comment": gettext_lazy("Comment"),
        "automatic": gettext_lazy("Confirmed automatically"),
        "discrepancies": gettext_lazy("Discrepancies"),
        "skipped": gettext_lazy("Skipped"),
        "replaces": gettext_lazy("Replaces"),
        "holds": gettext_lazy("Why it waits"),
        "total": gettext_lazy("Total"),
        "by": gettext_lazy("By"),
        "credit": gettext_lazy("On credit"),
        "credit_note": gettext_lazy("Credit note"),
        "invoice": gettext_lazy("Invoice"),
        "on_behalf": gettext_lazy("On behalf of the buyer"),
        "prepaid": gettext_lazy("From prepaid"),
        "rebate": gettext_lazy("From rebate"),
        "reasons": gettext_lazy("Why it waits"),
        "shipment": gettext_lazy("Shipment"),
        "kind": gettext_lazy("Kind"),
    },
    actions={
        "order.created": gettext_lazy("Order drafted"),
        "order.updated": gettext_lazy("Draft changed"),
        "order.submitted": gettext_lazy("Order submitted"),
        "order.held": gettext_lazy("Order waits for approval"),
        "order.approved": gettext_lazy("Order approved"),
        "order.rejected": gettext_lazy("Order rejected"),
        "order.cancelled": gettext_lazy("Order cancelled"),
        "order.completed": gettext_lazy("Order completed"),
        "order.reordered": gettext_lazy("Reordered"),
        "order.shipped": gettext_lazy("Goods shipped"),
        "receipt.confirmed": gettext_lazy("Receipt confirmed"),
        "return.requested": gettext_lazy("Return requested"),
        "return.approved": gettext_lazy("Return approved"),
        "return.rejected": gettext_lazy("Return rejected"),
        "return.cancelled": gettext_lazy("Return cancelled"),
        "return.shipped": gettext_lazy("Return goods sent"),
        "return.completed": gettext_lazy("Return received and credited"),
        "approval_rule.updated": gettext_lazy("Approval rules changed"),
    },
)
