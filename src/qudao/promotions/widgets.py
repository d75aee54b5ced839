"""Home-page widget, menu entry and timeline labels of promotions."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.accounts.constants import BROWSE_CATALOG, MANAGE_PROMOTIONS, PLACE_ORDERS
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav
from qudao.network import scope
from qudao.promotions.constants import Status
from qudao.promotions.selectors import promotion_list_for_actor


def sees_promotions(actor: Any) -> bool:
    """The seller's marketing people, and buyers (who see the promotions meant for them)."""
    return any(scope.has_any(actor, p) for p in (MANAGE_PROMOTIONS, BROWSE_CATALOG, PLACE_ORDERS))


@register
def promotions_to_approve(actor: Any) -> Widget | None:
    """Submitted promotions of the sellers whose promotions the actor manages."""
    if not scope.has_any(actor, MANAGE_PROMOTIONS):
        return None
    count = promotion_list_for_actor(actor=actor, status=Status.SUBMITTED).count()
    return Widget(
        title=_("Promotions to approve"),
        value=count,
        url=reverse("promotions:promotion_list") + "?status=submitted",
        order=42,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Promotions"),
        url_name="promotions:promotion_list",
        visible=sees_promotions,
        order=42,
    )
)


register_audit_labels(
    fields={
        "targets": gettext_lazy("Whom it is for"),
        "sku_ids": gettext_lazy("SKUs"),
        "category_ids": gettext_lazy("Categories"),
        "product_sets": gettext_lazy("Product sets"),
        "copied_from": gettext_lazy("Copied from"),
        "coupons": gettext_lazy("Coupons"),
        "quantity": gettext_lazy("Units ordered in all"),
    },
    actions={
        "promotion.created": gettext_lazy("Promotion drafted"),
        "promotion.updated": gettext_lazy("Draft changed"),
        "promotion.copied": gettext_lazy("Drafted as a copy"),
        "promotion.submitted": gettext_lazy("Submitted for approval"),
        "promotion.approved": gettext_lazy("Promotion approved"),
        "promotion.rejected": gettext_lazy("Sent back to draft"),
        "promotion.published": gettext_lazy("Published"),
        "promotion.paused": gettext_lazy("Paused"),
        "promotion.resumed": gettext_lazy("Resumed"),
        "promotion.ended": gettext_lazy("Ended"),
        "promotion.settled": gettext_lazy("Group-buy settled at its final tier"),
        "coupon.issued": gettext_lazy("Coupon codes issued"),
    },
)
