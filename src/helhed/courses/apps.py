from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "helhed.courses"
    label = "courses"
    verbose_name = _("Forløb og planer")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from helhed.courses import restriction
        from helhed.courses.checks import section_checks

        restriction.connect()

        checks.register(section_checks, checks.Tags.urls, checks.Tags.templates)
