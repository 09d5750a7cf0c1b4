"""``helhed alerts``: the daily job. Runs every registered alert producer (idempotent), then
appends the access log's head to ``HELHED_AUDIT_CHECKPOINT_FILE`` when set.

One run at a time (``notifications.locks.job_lock``): a second run started while one is in
progress does nothing and exits with code 75 (EX_TEMPFAIL, "try again later")."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from helhed.notifications.locks import JobLockedError, job_lock
from helhed.notifications.services import run_alerts

# sysexits.h EX_TEMPFAIL: another run holds the lock; nothing was done, try again later.
EXIT_LOCKED = 75


class Command(BaseCommand):
    help = "Find transitions, overdue tasks, unanswered handovers etc. and notify (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="run as of this date (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: not a date (YYYY-MM-DD): {options['date']}") from exc
        if connection.vendor == "postgresql":
            # The statement timeout (HELHED_DB_STATEMENT_TIMEOUT_MS) is for web requests: on a
            # grown database retention and the checkpoint take longer. None for this job.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        try:
            with job_lock("alerts"):
                self._run(today)
        except JobLockedError as exc:
            raise CommandError(f"{exc}; nothing done", returncode=EXIT_LOCKED) from None

    def _run(self, today: date) -> None:
        total_found = total_new = 0
        for run in run_alerts(today):
            self.stdout.write(f"{run.key}: {run.found} found, {run.new} new")
            total_found += run.found
            total_new += run.new
        self.stdout.write(f"alerts {today.isoformat()}: {total_found} found, {total_new} new")
        if settings.HELHED_AUDIT_CHECKPOINT_FILE:
            # The access log's head, kept outside the database (docs/security.md). By name: the
            # audit app is a base service beside this one, not below it.
            call_command(
                "audit",
                "checkpoint",
                file=settings.HELHED_AUDIT_CHECKPOINT_FILE,
                stdout=self.stdout,
            )
