from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoversConfig(AppConfig):
    name = "helhed.handovers"
    label = "handovers"
    verbose_name = _("Overdragelser og overgange")
    default_auto_field = "django.db.models.BigAutoField"
