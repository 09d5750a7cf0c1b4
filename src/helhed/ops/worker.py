"""The worker (``helhed worker``): django-tasks-db's worker loop, with ids that name the
machine and process, and recovery of tasks whose worker was killed.

django-tasks-db marks a task RUNNING when a worker claims it and leaves it so if the worker
dies (SIGKILL, power loss): nothing hands it back. :func:`recover_stuck_tasks` does, when a
worker starts: a RUNNING task whose worker process on this machine is gone goes back to READY at
once; one claimed on another machine (whose process cannot be seen from here) after
``HELHED_TASK_STUCK_SECONDS``. Tasks are short (an e-mail attempt is bounded by
``EMAIL_TIMEOUT``), so a task running that long has lost its worker.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def host_name() -> str:
    """The machine's whole name (web1.dc1 and web1.dc2 are two machines), as much of it as fits
    the worker id's 64 characters beside the pid and the random part."""
    return socket.gethostname()[:44] or "host"


def make_worker_id() -> str:
    """``host:pid:random`` (django-tasks-db allows 64 characters): recovery reads the first two."""
    return f"{host_name()}:{os.getpid()}:{get_random_string(8)}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def worker_gone(worker_id: str) -> bool:
    """Is the worker that claimed a task certainly gone? Only knowable on its own machine."""
    parts = worker_id.split(":")
    if len(parts) != 3 or parts[0] != host_name() or not parts[1].isdigit():
        return False
    return not process_alive(int(parts[1]))


def recover_stuck_tasks(
    *, backend_name: str = DEFAULT_TASK_BACKEND_ALIAS, now: datetime | None = None
) -> int:
    """Hand RUNNING tasks whose worker is gone back to the queue; returns how many."""
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.HELHED_TASK_STUCK_SECONDS)
    recovered = 0
    for row in DBTaskResult.objects.running().filter(backend_name=backend_name):
        last = row.worker_ids[-1] if row.worker_ids else ""
        if not (worker_gone(last) or (row.started_at and row.started_at < stuck_before)):
            continue
        # Only if it is still RUNNING (its worker may have just finished it).
        recovered += DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )
        logger.warning(
            "helhed worker: task %s (%s) was left running by worker %s; queued again",
            row.pk,
            row.task_path,
            last or "?",
        )
    return recovered


def run_pending_tasks(
    *, queues: str = "*", backend_name: str = DEFAULT_TASK_BACKEND_ALIAS, max_tasks: int = 1000
) -> int:
    """Run the tasks that are due now, in this process, with the worker's own loop (batch mode:
    it stops when none is due), and return how many ran. For tests and ``helhed worker
    --batch``; tasks queued for later (a retry's ``run_after``) wait for their time."""
    worker = Worker(
        queue_names=queues.split(","),
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=make_worker_id(),
        excluded_queue_names=[],
    )
    if connection.in_atomic_block:
        # Inside a test's transaction the loop's close_old_connections() would close the
        # connection the test's data lives in (its autocommit is off); the loop is otherwise
        # the real one.
        with _keep_connection():
            worker.run()
    else:
        worker.run()
    return worker._run_tasks


@contextmanager
def _keep_connection() -> Iterator[None]:
    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda **kwargs: None
    try:
        yield
    finally:
        db_worker.close_old_connections = original


def delete_finished_task_results(before: datetime) -> tuple[int, dict[str, int]]:
    """Retention, category *Baggrundsjob*: the task results that finished (succeeded or failed)
    before ``before``; one that waits or runs is kept. ``helhed prune_db_task_results`` does the
    same by days, by hand."""
    return DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
