from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "helhed.registry"
    label = "registry"
    verbose_name = _("Register over helhedsorienterede indsatser")
    default_auto_field = "django.db.models.BigAutoField"
