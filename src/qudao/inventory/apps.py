from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "qudao.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from qudao.core.ledgers import LedgerCheck, register
        from qudao.inventory import widgets  # noqa: F401  (registration)
        from qudao.inventory.selectors import stock_mismatches

        register(
            LedgerCheck(
                "inventory",
                lambda: [str(m) for m in stock_mismatches()],
                "every stock balance equals the sum of its moves, reservations, transits "
                "and serials",
            )
        )
