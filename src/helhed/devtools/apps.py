from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools: ``helhed demo`` (synthetic demo data) and ``helhed bench`` (the
    benchmarks) with their data builders. The product apps never import this app (an
    import-linter contract); Faker and tqdm, which only these tools use, are the ``demo`` extra."""

    name = "helhed.devtools"
    label = "devtools"
    verbose_name = "Udviklingsværktøjer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helhed.devtools import checks

        checks.register()
