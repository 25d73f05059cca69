from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Education awards")

    def ready(self) -> None:
        from awards import kinds, services  # noqa: F401  (the award reminders; awards own their fund entries)
