"""Outbox handlers of the dealer lifecycle's onboarding: the first approved order of a dealer
being onboarded completes its checklist and makes it active. Idempotent (a redelivered event
finds the item done and the dealer active)."""

from django.utils.translation import gettext_lazy

from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.models import OutboxEvent
from qudao.core.outbox import handles
from qudao.dealers.services.onboarding import onboarding_first_order


@handles("order.approved")
def first_order_completes_onboarding(event: OutboxEvent) -> None:
    buyer_id = event.payload.get("buyer_id")
    if not buyer_id:
        return
    onboarding_first_order(org_id=int(buyer_id), order_number=str(event.payload.get("number", "")))


register_audit_labels(
    actions={
        "dealer.onboarding_started": gettext_lazy("Onboarding started"),
        "dealer.onboarding_item_done": gettext_lazy("Onboarding item done"),
        "dealer.activated": gettext_lazy("Onboarding complete: dealer active"),
        "dealer.suspended": gettext_lazy("Dealer suspended"),
        "dealer.reinstated": gettext_lazy("Dealer reinstated"),
        "grade_terms.updated": gettext_lazy("Grade terms changed"),
    },
    fields={"item": gettext_lazy("Item"), "districts": gettext_lazy("Districts")},
)
