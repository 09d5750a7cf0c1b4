from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "helhed.audit"
    label = "audit"
    verbose_name = _("Adgangslog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helhed.audit import checks

        checks.register()
