from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "helhed.coordination"
    label = "coordination"
    verbose_name = _("Relationel koordinering")
    default_auto_field = "django.db.models.BigAutoField"
