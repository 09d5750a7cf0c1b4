"""``helhed restore PATH [--yes]``: restore a backup made by ``helhed backup`` into the configured
database, check it against the backup's manifest, and verify the access log's chain
(docs/operations.md, "Sikkerhedskopi / Backups")."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from helhed.audit import selectors
from helhed.ops import backup
from helhed.ops.management.commands.backup import table_lines


class Command(BaseCommand):
    help = "Gendan en sikkerhedskopi fra helhed backup i den konfigurerede database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Sikkerhedskopien (fra helhed backup).")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Erstat en database, der allerede indeholder data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = dict(connections["default"].settings_dict)
        connections.close_all()
        try:
            result = backup.restore(options["path"], database=database, yes=options["yes"])
        except backup.BackupError as exc:
            raise CommandError(f"Gendannelse afvist: {exc}") from None
        # The database refused or went away midway: said in one line, not a traceback.
        except psycopg.Error as exc:
            raise CommandError(
                f"Gendannelse stoppet: PostgreSQL svarede: {str(exc).strip()}"
            ) from None
        connections.close_all()
        manifest = result.manifest
        self.stdout.write(
            f"Gendannet fra {result.path} ({result.bytes / 1e6:.1f} MB, taget "
            f"{manifest.created_at}, Helhed {manifest.helhed_version}) på {result.seconds:.1f} s; "
            f"alle {len(manifest.tables)} tabeller svarer til manifestets kontrolsummer."
        )
        for line in table_lines(manifest):
            self.stdout.write(line)
        for note in result.notes:
            self.stdout.write(f"  {note}")
        self._migrations(manifest)
        self._chain(manifest)

    def _migrations(self, manifest: backup.Manifest) -> None:
        on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        applied = {(app, name) for app, name in manifest.migrations}
        newer = sorted(applied - on_disk)
        pending = sorted(on_disk - applied)
        if newer:
            self.stdout.write(
                f"Advarsel: kopien har {len(newer)} migreringer, denne version af Helhed ikke "
                f"kender (fx {newer[0][0]}.{newer[0][1]}): kopien er fra en nyere version."
            )
        if pending:
            self.stdout.write(
                f"{len(pending)} migreringer mangler i kopien: kør `helhed migrate` før start."
            )

    def _chain(self, manifest: backup.Manifest) -> None:
        started = time.perf_counter()
        result = selectors.verify_chain()
        seconds = time.perf_counter() - started
        expected = int(manifest.audit_head.get("seq", 0))
        if result.ok and result.head_seq == expected:
            self.stdout.write(
                f"Adgangsloggen er i orden: {result.checked} poster kontrolleret på "
                f"{seconds:.1f} s; hoved: sekvens {result.head_seq}."
            )
            return
        self.stdout.write(
            f"Adgangsloggen er IKKE i orden efter gendannelsen: hoved sekvens {result.head_seq} "
            f"(kopien: {expected}); kør `helhed audit verify` for detaljer."
        )
        for problem in result.problems[:5]:
            self.stdout.write(f"  {problem.line()}")
        raise SystemExit(1)
