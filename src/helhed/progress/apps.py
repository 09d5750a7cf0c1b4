from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "helhed.progress"
    label = "progress"
    verbose_name = _("Progression og resultater")
    default_auto_field = "django.db.models.BigAutoField"
