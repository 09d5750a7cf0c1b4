"""``helhed backup PATH [--force]``: a verified point-in-time copy of the configured database
(docs/operations.md, "Sikkerhedskopi / Backups"; the mechanics are ``helhed.ops.backup``)."""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from helhed.ops import backup

CHECKED = {
    "sqlite": "integrity_check, migreringer, kontrolsummer fra kopien",
    "postgresql": "kontrolsummer i pg_dumps snapshot, dumpets SHA-256",
}


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def table_lines(manifest: backup.Manifest, limit: int = 12) -> list[str]:
    """The largest tables by rows, then the total."""
    largest = sorted(manifest.tables.items(), key=lambda item: (-int(item[1]["rows"]), item[0]))
    lines = [f"  {name:<40} {_n(int(t['rows'])):>12} rækker" for name, t in largest[:limit]]
    lines.append(
        f"  i alt {len(manifest.tables)} tabeller, {_n(manifest.total_rows)} rækker"
        f" (adgangsloggens hoved: sekvens {manifest.audit_head.get('seq', 0)})"
    )
    return lines


class Command(BaseCommand):
    help = "Tag en kontrolleret sikkerhedskopi af databasen (SQLite eller PostgreSQL) til PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Filen, kopien skrives til (findes den, kræves --force).")
        parser.add_argument("--force", action="store_true", help="Overskriv en eksisterende fil.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup.create(
                options["path"],
                database=connections["default"].settings_dict,
                force=options["force"],
            )
        except backup.BackupError as exc:
            raise CommandError(f"Sikkerhedskopi afvist: {exc}") from None
        # The database refused or went away midway: said in one line, not a traceback.
        except psycopg.Error as exc:
            raise CommandError(
                f"Sikkerhedskopi stoppet: PostgreSQL svarede: {str(exc).strip()}"
            ) from None
        manifest = result.manifest
        self.stdout.write(
            f"Sikkerhedskopi gemt i {result.path}: {result.bytes / 1e6:.1f} MB på "
            f"{result.seconds:.1f} s (kopien selv {result.copy_seconds:.1f} s), "
            f"{manifest.backend}, kontrolleret ({CHECKED[manifest.backend]})."
        )
        for line in table_lines(manifest):
            self.stdout.write(line)
        self.stdout.write(
            "Kopien indeholder personoplysninger: kryptér den, før den forlader serveren, og "
            "opbevar den adskilt fra adgangsloggens nøgle."
        )
