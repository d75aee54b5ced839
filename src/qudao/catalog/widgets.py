"""Home-page widgets and menu entries of the catalogue."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.catalog import selectors
from qudao.catalog.constants import ProductStatus
from qudao.core.audit_labels import register as register_audit_labels
from qudao.core.dashboard import Widget, register
from qudao.core.navigation import NavEntry
from qudao.core.navigation import register as register_nav


@register
def products_on_sale(actor: Any) -> Widget | None:
    """For the brand's catalogue managers: what is on sale, and the drafts still to finish."""
    if not selectors.can_manage(actor):
        return None
    products = selectors.product_count_by_status(actor=actor)
    skus = selectors.sku_count_by_status(actor=actor)
    hint = _("%(skus)s SKUs on sale · %(drafts)s draft products") % {
        "skus": skus.get(ProductStatus.ON_SALE, 0),
        "drafts": products.get(ProductStatus.DRAFT, 0),
    }
    return Widget(
        title=_("Products on sale"),
        value=products.get(ProductStatus.ON_SALE, 0),
        hint=hint,
        url=reverse("catalog:product_list") + "?status=on_sale",
        order=40,
    )


register_nav(
    NavEntry(
        label=gettext_lazy("Catalogue"),
        url_name="catalog:product_list",
        visible=selectors.can_read,
        order=20,
    )
)


register_audit_labels(
    fields={
        "pack": gettext_lazy("Pack size"),
        "fits": gettext_lazy("Fits model"),
        # a product set's members, as SKU codes and category names
        "skus": gettext_lazy("SKUs"),
        "categories": gettext_lazy("Categories"),
    }
)
