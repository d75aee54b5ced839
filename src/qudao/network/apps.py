from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "qudao.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from qudao.network import handlers, widgets  # noqa: F401  (registration)
