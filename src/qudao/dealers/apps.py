from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealersConfig(AppConfig):
    name = "qudao.dealers"
    label = "dealers"
    verbose_name = _("Dealer lifecycle")

    def ready(self) -> None:
        from qudao.dealers import (
            handlers,  # noqa: F401  (onboarding: first order, labels)
            widgets,  # noqa: F401  (menu, home widgets, audit labels)
        )
        from qudao.dealers.services import records  # noqa: F401  (outbox handlers)
