"""A named lock for jobs that must not overlap (the daily ``helhed alerts``).

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on the job's connection, released
at the end or, if the process dies, when its connection closes. SQLite: a row in
``notifications_joblock`` inserted in a write transaction (SQLite serialises those), naming the
holder ``host:pid``; a row whose process is gone on this machine, or older than
``HELHED_ALERTS_LOCK_STALE_SECONDS``, is taken over.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from helhed.notifications.models import JobLock


class JobLockedError(Exception):
    """Another run of the job holds the lock."""

    def __init__(self, name: str, holder: str = "", since: datetime | None = None) -> None:
        self.name, self.holder, self.since = name, holder, since
        detail = f" (held by {holder} since {since:%Y-%m-%d %H:%M:%S %Z})" if since else ""
        super().__init__(f"another run of {name} is in progress{detail}")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock``."""
    return int.from_bytes(
        hashlib.sha256(f"helhed:{name}".encode()).digest()[:8], "big", signed=True
    )


def _holder() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _holder_gone(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname()[:80] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def job_lock(name: str) -> Iterator[None]:
    """Hold the lock named ``name`` for the block, or raise :class:`JobLockedError` at once."""
    if connection.vendor == "postgresql":
        key = advisory_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                raise JobLockedError(name)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    holder = _holder()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.HELHED_ALERTS_LOCK_STALE_SECONDS)
    with transaction.atomic():  # BEGIN IMMEDIATE on SQLite: one writer at a time
        current = JobLock.objects.filter(job=name).first()
        if current and not (current.acquired_at < stale or _holder_gone(current.holder)):
            raise JobLockedError(name, current.holder, current.acquired_at)
        JobLock.objects.update_or_create(job=name, defaults={"holder": holder, "acquired_at": now})
    try:
        yield
    finally:
        JobLock.objects.filter(job=name, holder=holder).delete()
