from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "helhed.outbox"
    label = "outbox"
    verbose_name = _("Hændelser")
    default_auto_field = "django.db.models.BigAutoField"
