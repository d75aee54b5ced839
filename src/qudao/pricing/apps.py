from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "qudao.pricing"
    label = "pricing"
    verbose_name = _("Pricing")

    def ready(self) -> None:
        from qudao.pricing import widgets  # noqa: F401  (registration)
