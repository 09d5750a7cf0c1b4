"""Liveness and readiness (docs/operations.md, "Sundhed, logning og målinger").

- live: the process answers; no database, nothing that can block.
- ready: a database round trip (with a short statement timeout on PostgreSQL), no unapplied
  migrations, and the task queue drains — the oldest task that may run now has waited less than
  ``HELHED_READY_QUEUE_MAX_AGE_SECONDS`` (0: reported, never failing).

Each check answers ``{"status": "ok" | "fail", …}`` with figures only: no personal data, no
error text (a connection error can name hosts and users), just the error's class.

Also the scrape-time queries ``ops.metrics`` reports (cheap: index lookups and a grouped count
of the unfinished tasks).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, Count, F, Min, When
from django.utils import timezone

# How long the readiness database check may take on PostgreSQL.
READY_DB_TIMEOUT_MS = 2000
UNFINISHED = ("READY", "RUNNING", "FAILED")
_migrations_applied = False  # once seen applied, a process does not load the graph again


def _uses_database_queue() -> bool:
    return bool(settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend")


def queue_depth() -> dict[tuple[str, str], int]:
    """Unfinished tasks by (queue, status); every configured queue appears, with 0s."""
    from django_tasks_db.models import DBTaskResult

    depth = {
        (queue, status): 0
        for queue in settings.TASKS["default"].get("QUEUES", ["default"])
        for status in UNFINISHED
    }
    if not _uses_database_queue():
        return depth
    rows = (
        DBTaskResult.objects.filter(status__in=UNFINISHED)
        .order_by()
        .values_list("queue_name", "status")
        .annotate(n=Count("id"))
    )
    for queue, status, count in rows:
        depth[(queue, status)] = count
    return depth


def oldest_ready_age_seconds_by_queue() -> dict[str, float]:
    """For each queue, how long the oldest task that may run now has waited to be picked up:
    since it was enqueued, or since its ``run_after`` passed (0 when none waits)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    ages = dict.fromkeys(settings.TASKS["default"].get("QUEUES", ["default"]), 0.0)
    if not _uses_database_queue():
        return ages
    never = get_date_max()
    waiting_since = Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after"))
    rows = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(since=Min(waiting_since))
        .values_list("queue_name", "since")
    )
    now = timezone.now()
    for queue, since in rows:
        if since is not None:
            ages[queue] = max(0.0, round((now - since).total_seconds(), 1))
    return ages


def access_log_entries() -> int:
    """Entries the access log has written since it began: its hash chain's last sequence number
    (gapless, never reused, kept across prunes)."""
    from helhed.audit import chain

    return chain.head(connection.alias)[0]


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {READY_DB_TIMEOUT_MS}")
                cursor.execute("SELECT 1")
                cursor.fetchone()
        else:
            # SQLite: no transaction (Helhed's begin IMMEDIATE, i.e. take the write lock)
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "fail", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_migrations() -> dict[str, Any]:
    global _migrations_applied
    if _migrations_applied:
        return {"status": "ok", "unapplied": 0}
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return {"status": "fail", "error": type(exc).__name__}
    if plan:
        return {"status": "fail", "unapplied": len(plan)}
    _migrations_applied = True
    return {"status": "ok", "unapplied": 0}


def check_queue() -> dict[str, Any]:
    threshold = settings.HELHED_READY_QUEUE_MAX_AGE_SECONDS
    if not _uses_database_queue():
        return {"status": "ok", "backend": "other"}
    try:
        ages = oldest_ready_age_seconds_by_queue()
    except DatabaseError as exc:
        return {"status": "fail", "error": type(exc).__name__}
    oldest = max(ages.values(), default=0.0)
    failing = bool(threshold) and oldest > threshold
    return {
        "status": "fail" if failing else "ok",
        "oldest_ready_age_seconds": oldest,
        "threshold_seconds": threshold,
    }


def readiness() -> tuple[bool, dict[str, Any]]:
    checks = {"database": check_database()}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = check_migrations()
        checks["queue"] = check_queue()
    ready = all(check["status"] == "ok" for check in checks.values())
    return ready, {"status": "ok" if ready else "fail", "checks": checks}


def reset_for_tests() -> None:
    global _migrations_applied
    _migrations_applied = False
