from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Education awards")

    def ready(self) -> None:
        from awards import kinds  # noqa: F401  (registers the award reminders)
