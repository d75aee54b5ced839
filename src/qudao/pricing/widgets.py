"""Home-page widgets and menu entries of pricing."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import BROWSE_CATALOG, MANAGE_CATALOG, MANAGE_PRICES
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.network import scope
from qudao.pricing.selectors import price_list_list_for_actor


@register
def active_price_lists(actor: Any) -> Widget | None:
    if not scope.has_any(actor, MANAGE_PRICES):
        return None
    n = price_list_list_for_actor(actor=actor, active=True).count()
    return Widget(
        title=_("Active price lists"), value=n, url=reverse("pricing:price_list_list"), order=40
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Order catalogues"),
        url_name="pricing:shop_sellers",
        visible=lambda actor: scope.has_any(actor, BROWSE_CATALOG),
        order=30,
    )
)
register_nav(
    NavEntry(
        label=gettext_lazy("Price lists"),
        url_name="pricing:price_list_list",
        visible=lambda actor: scope.has_any(actor, MANAGE_PRICES),
        order=40,
    )
)
register_nav(
    NavEntry(
        label=gettext_lazy("Price control"),
        url_name="pricing:price_control_list",
        visible=lambda actor: scope.has_any(actor, MANAGE_CATALOG),
        order=41,
    )
)


register_audit_labels(
    fields={
        "price": gettext_lazy("Price"),
        "price_list": gettext_lazy("Price list"),
        "min_qty": gettext_lazy("From quantity"),
    },
    actions={
        "price.created": gettext_lazy("Price added"),
        "price.changed": gettext_lazy("Price changed"),
        "price.removed": gettext_lazy("Price removed"),
        "price_control.updated": gettext_lazy("Price control changed"),
    },
)
