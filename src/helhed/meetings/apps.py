from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "helhed.meetings"
    label = "meetings"
    verbose_name = _("Netværksmøder")
    default_auto_field = "django.db.models.BigAutoField"
