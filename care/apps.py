from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care and the love-police fund")

    def ready(self) -> None:
        from care import kinds, services  # noqa: F401  (the care reminders; care grants own their commitments)
