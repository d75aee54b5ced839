from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data commands, above every domain app (they call each app's seed)."""

    name = "qudao.demo"
    label = "demo"
    verbose_name = _("Demo data")
