from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "qudao.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from qudao.catalog.services import register_product_set_check
        from qudao.core.ledgers import LedgerCheck, register
        from qudao.promotions import widgets  # noqa: F401  (registration)
        from qudao.promotions.selectors import use_mismatches
        from qudao.promotions.services import product_set_changed

        # product sets count by reference: a change to one is checked like a promotion's
        register_product_set_check(product_set_changed)

        register(
            LedgerCheck(
                "promotions",
                lambda: [str(m) for m in use_mismatches()],
                "every promotion's and coupon's used amounts equal the sum of their ledger rows",
            )
        )
