"""Menu entry and home-page widget of inventory."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import VIEW_STOCK
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.inventory.selectors import stock_below_safety
from qudao.network import scope


@register
def below_safety(actor: Any) -> Widget | None:
    """SKUs whose available stock is under the safety level: what to reorder."""
    if not scope.has_any(actor, VIEW_STOCK):
        return None
    n = stock_below_safety(actor=actor).count()
    return Widget(
        title=_("Below safety stock"),
        value=str(n),
        hint=_("SKU × warehouse to reorder"),
        url=reverse("inventory:stock_list") + "?below_safety=on",
        order=55,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Inventory"),
        url_name="inventory:stock_list",
        visible=lambda actor: scope.has_any(actor, VIEW_STOCK),
        order=55,
    )
)


register_audit_labels(
    fields={
        "lines": gettext_lazy("Lines"),
        "document": gettext_lazy("Document"),
        "reason": gettext_lazy("Reason"),
        "safety_stock": gettext_lazy("Safety stock"),
    },
    actions={
        "stock.received": gettext_lazy("Goods received"),
        "stock.adjusted": gettext_lazy("Stock adjusted"),
        "stock.consumed": gettext_lazy("Stock consumed"),
        "stock.returned_in": gettext_lazy("Customer return received"),
        "stock_move.reversed": gettext_lazy("Stock move reversed"),
        "transfer.sent": gettext_lazy("Transfer sent"),
        "transfer.received": gettext_lazy("Transfer received"),
        "shipment.sent": gettext_lazy("Shipment sent"),
        "shipment.posted": gettext_lazy("Shipment sent"),
        "shipment.received": gettext_lazy("Shipment received"),
        "return.sent": gettext_lazy("Return sent"),
        "return.received": gettext_lazy("Return received"),
        "transit.closed": gettext_lazy("Transit closed with a shortfall"),
        "stock_count.created": gettext_lazy("Stock count created"),
        "stock_count.started": gettext_lazy("Stock count started"),
        "stock_count.entered": gettext_lazy("Counted quantities entered"),
        "stock_count.posted": gettext_lazy("Stock count posted"),
        "stock_count.cancelled": gettext_lazy("Stock count cancelled"),
        "sellout.recorded": gettext_lazy("Sell-out recorded"),
        "safety_stock.set": gettext_lazy("Safety stock set"),
    },
)
