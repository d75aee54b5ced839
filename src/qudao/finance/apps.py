from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "qudao.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from qudao.core.ledgers import LedgerCheck, register
        from qudao.finance import handlers, widgets  # noqa: F401  (registration)
        from qudao.finance.selectors import ledger_mismatches

        register(
            LedgerCheck(
                "finance",
                lambda: [str(m) for m in ledger_mismatches()],
                "every balance equals the sum of its entries",
            )
        )
