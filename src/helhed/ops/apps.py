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

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from helhed.ops import checks
        from helhed.ops.scale import create_cache_table
        from helhed.ops.task_admin import replace_task_admin
        from helhed.ops.worker import delete_finished_task_results
        from helhed.retention.logic import TASK_RESULTS
        from helhed.retention.services import register_sweep

        checks.register()
        # The daily job's retention step deletes finished task results (docs/operations.md).
        register_sweep(TASK_RESULTS, delete_finished_task_results)

        # After the admin's autodiscovery (the admin app's ready() runs first): the queue's page
        # without the tasks' arguments (helhed.ops.task_admin).
        replace_task_admin()

        # `helhed migrate` creates the shared cache's table (docs/operations.md, "Flere servere")
        # beside the sessions' table. post_migrate is sent once per app that has models, so it
        # hangs on the sessions app (ops has no models).
        post_migrate.connect(
            create_cache_table,
            sender=apps.get_app_config("sessions"),
            dispatch_uid="ops:cache-table",
        )
