"""Menu entry, home widgets and timeline labels of the dealer lifecycle."""

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.dealers.constants import Stage
from qudao.dealers.models import Document
from qudao.dealers.selectors._common import managed_dealers, manages_dealers


@register
def applications_to_review(actor: Any) -> Widget | None:
    if not manages_dealers(actor):
        return None
    count = managed_dealers(actor).filter(stage__in=(Stage.PROSPECT, Stage.UNDER_REVIEW)).count()
    return Widget(
        title=_("Dealer applications to review"),
        value=count,
        url=reverse("dealers:application_list"),
        order=44,
    )


@register
def documents_expiring(actor: Any) -> Widget | None:
    """Licences and authorisations of managed dealers that expire within 30 days or have."""
    if not manages_dealers(actor):
        return None
    soon = timezone.localdate() + timedelta(days=30)
    orgs = managed_dealers(actor).filter(org__isnull=False).values("org_id")
    count = Document.objects.filter(
        org__in=orgs, expires_on__lte=soon, replaced_by__isnull=True
    ).count()
    return Widget(
        title=_("Dealer documents expiring in 30 days"),
        value=count,
        url=reverse("dealers:document_list") + "?state=expiring",
        order=45,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Dealers"),
        url_name="dealers:dealer_list",
        visible=manages_dealers,
        order=12,
    )
)

register_audit_labels(
    actions={
        "dealer.submitted": gettext_lazy("Application submitted"),
        "org.hold_set": gettext_lazy("Ordering put on hold"),
        "org.hold_lifted": gettext_lazy("Ordering hold lifted"),
        "org.status_changed": gettext_lazy("Status changed"),
    }
)
