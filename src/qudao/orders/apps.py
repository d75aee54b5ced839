from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "qudao.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from qudao.core.ledgers import LedgerCheck, register
        from qudao.orders import handlers, widgets  # noqa: F401  (registration)
        from qudao.orders.selectors import order_mismatches

        register(
            LedgerCheck(
                "orders",
                lambda: [str(m) for m in order_mismatches()],
                "every order line's shipped, received and returned quantities equal its documents",
            )
        )
