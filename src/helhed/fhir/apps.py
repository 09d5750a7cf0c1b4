from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirConfig(AppConfig):
    name = "helhed.fhir"
    label = "fhir"
    verbose_name = _("FHIR")
    default_auto_field = "django.db.models.BigAutoField"
