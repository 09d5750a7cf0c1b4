from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Helhed: the production server, the worker, backups, health, metrics and logs.

    Holds no personal data; it reads the other apps only to report on them (docs/operations.md).
    """

    name = "helhed.ops"
    label = "ops"
    verbose_name = _("Drift")
    default_auto_field = "django.db.models.BigAutoField"
