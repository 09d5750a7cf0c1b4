from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomicsConfig(AppConfig):
    name = "helhed.economics"
    label = "economics"
    verbose_name = _("Økonomi")
    default_auto_field = "django.db.models.BigAutoField"
