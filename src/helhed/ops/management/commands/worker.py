"""``helhed worker``: run the background tasks (e-mail, …) until stopped.

django-tasks-db's ``db_worker`` with Helhed's defaults: every configured queue, a one-second
poll, no autoreload, ids naming machine and process; first it hands back tasks a killed worker
left RUNNING (``helhed.ops.worker.recover_stuck_tasks``). SIGTERM or Ctrl+C: the task in hand is
finished, then the worker exits 0 (a second signal stops it at once; that task is handed back
at the next start).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS

from helhed.ops.worker import make_worker_id, recover_stuck_tasks
from helhed.webhooks.tasks import sweep as sweep_events


def configured_queues() -> str:
    return ",".join(settings.TASKS[DEFAULT_TASK_BACKEND_ALIAS].get("QUEUES") or ["default"])


class Command(BaseCommand):
    help = "Run background tasks (e-mail) until stopped; SIGTERM finishes the task in hand."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues", default="", help="comma-separated queues (default: all configured)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument("--batch", action="store_true", help="run the tasks due now, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after N tasks")
        parser.add_argument(
            "--reload", action="store_true", help="restart on code changes (development)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = recover_stuck_tasks()
        if recovered:
            self.stderr.write(f"helhed worker: {recovered} task(s) left running queued again")
        sweep_events()  # events whose dispatch never ran (a crash after their commit)
        kwargs: dict[str, Any] = {
            "queue_name": options["queues"] or configured_queues(),
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": options["reload"],
            "worker_id": make_worker_id(),
            "verbosity": options["verbosity"],
            "startup_delay": not options["batch"],
        }
        if options["max_tasks"]:
            kwargs["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **kwargs)
