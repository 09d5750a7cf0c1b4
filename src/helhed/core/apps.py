from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helhed.core"
    label = "core"
    verbose_name = _("Grunddata")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helhed.core import checks, extension_points

        checks.register()
        extension_points.discover()
