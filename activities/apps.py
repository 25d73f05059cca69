from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Family activities")

    def ready(self) -> None:
        from activities import kinds  # noqa: F401  (registers the activity reminders)
