from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GdprConfig(AppConfig):
    name = "helhed.gdpr"
    label = "gdpr"
    verbose_name = _("Registreredes rettigheder")
    default_auto_field = "django.db.models.BigAutoField"
