from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Welfare index surveys")

    def ready(self) -> None:
        from surveys import kinds  # noqa: F401  (registers the survey reminders)
