from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "helhed.notifications"
    label = "notifications"
    verbose_name = _("Notifikationer")
    default_auto_field = "django.db.models.BigAutoField"
