"""``helhed retention run [--dry-run] [--today YYYY-MM-DD]`` and ``helhed retention erase <id>``.

``run`` is also part of the daily job (``helhed alerts``, through this app's extensions)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from helhed.retention import services


def _day(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today: ikke en dato (ÅÅÅÅ-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Opbevaring og sletning: kør reglerne (run) eller slet en borger på anmodning (erase)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="anonymisér eller slet det, hvis periode er gået")
        run.add_argument("--dry-run", action="store_true", help="vis hvad der ville ske")
        run.add_argument("--today", help="kør pr. denne dato (ÅÅÅÅ-MM-DD); standard i dag")
        erase = sub.add_parser("erase", help="slet (anonymisér) en borger efter art. 17")
        erase.add_argument("citizen", help="borgerens id (UUID, ikke CPR-nummer)")
        erase.add_argument("--requested-by", default="borgeren", help="hvem anmodede")
        erase.add_argument("--today", help="afgør pr. denne dato (ÅÅÅÅ-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options.get("today"))
        if options["action"] == "run":
            report = services.run(today=today, dry_run=options["dry_run"])
            for line in report.lines():
                self.stdout.write(line)
            return
        try:
            citizen_id = uuid.UUID(options["citizen"])
        except ValueError as exc:
            raise CommandError(f"Ikke et gyldigt borger-id: {options['citizen']}") from exc
        result = services.erase(
            citizen_id=citizen_id, requested_by=options["requested_by"], today=today
        )
        if not result.granted:
            raise CommandError(f"Sletning afvist: {result.reason}")
        self.stdout.write(result.reason)
        if result.report is not None:
            for line in result.report.lines()[1:]:
                self.stdout.write(line)
