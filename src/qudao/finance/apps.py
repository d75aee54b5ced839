from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "qudao.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from qudao.finance import widgets  # noqa: F401  (registration)
