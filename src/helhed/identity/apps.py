from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "helhed.identity"
    label = "identity"
    verbose_name = _("Log ind med OpenID Connect")
    default_auto_field = "django.db.models.BigAutoField"
