from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "helhed.retention"
    label = "retention"
    verbose_name = _("Opbevaring og sletning")
    default_auto_field = "django.db.models.BigAutoField"
