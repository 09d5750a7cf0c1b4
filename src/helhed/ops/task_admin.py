"""The task queue in the admin without what a task carries.

django-tasks-db's own admin shows every field of a task result. A queued e-mail's arguments hold
the whole message — recipient, and for a password reset the reset link, a credential until it is
used — and a traceback can quote an address (``SMTPRecipientsRefused``). The technical admin reads
no personal data (docs/security.md), so the queue is shown by its state only: which task, which
queue, status, times, worker and the exception's class.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

# What the queue's page shows: never args_kwargs, return_value or traceback.
SHOWN = (
    "id",
    "task_path",
    "queue_name",
    "status",
    "priority",
    "enqueued_at",
    "run_after",
    "started_at",
    "finished_at",
    "worker_ids",
    "exception_class_path",
    "backend_name",
)


def replace_task_admin() -> None:
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    class TaskStateAdmin(DBTaskResultAdmin):
        list_display = (
            "id",
            "task_path",
            "status",
            "queue_name",
            "enqueued_at",
            "started_at",
            "finished_at",
            "priority",
        )
        search_fields = ()

        def get_readonly_fields(self, request: HttpRequest, obj: Any | None = None) -> list[str]:
            return list(SHOWN)

    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskStateAdmin)
