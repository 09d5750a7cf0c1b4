"""``helhed coordination load-instrument FILE.json | instruments | classify``.

``load-instrument`` stores an item set (e.g. the licensed RC Survey's items, which Helhed does
not ship) as a new instrument version: each item's dimension, its answer options and the
recoding of every option to a 1-5 score. See docs/coordination.md for the format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helhed.coordination import logic, selectors, services


class Command(BaseCommand):
    help = "Relationel koordinering: spørgerammer og faggrupper."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-instrument", help="Indlæs en spørgeramme fra en JSON-fil.")
        load.add_argument("file")
        load.add_argument(
            "--inactive", action="store_true", help="Kan ikke vælges til nye målinger endnu."
        )
        sub.add_parser("instruments", help="Vis spørgerammerne.")
        sub.add_parser("classify", help="Placér nye kontaktpersoner i faggrupper efter reglerne.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load-instrument":
            path = Path(options["file"])
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CommandError(f"{path}: kan ikke læses som JSON ({exc}).") from None
            try:
                row = services.load_instrument(data, activate=not options["inactive"])
            except logic.InstrumentError as exc:
                raise CommandError(
                    "Spørgerammen kan ikke bruges:\n" + "\n".join(f"  - {p}" for p in exc.problems)
                ) from None
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            parsed = row.parsed()
            self.stdout.write(
                f"Indlæst: {row.name} ({row.key} v{row.version}), {len(parsed.items)} spørgsmål, "
                f"dimensioner: {', '.join(parsed.dimensions)}; et bånd tæller med mindst "
                f"{parsed.min_items} besvarede spørgsmål."
            )
        elif action == "instruments":
            services.ensure_builtin_instrument()
            for row in selectors.instruments():
                self.stdout.write(f"{row.key} v{row.version}\t{row.name}\t{row.source}")
        else:
            n = services.classify_pending()
            self.stdout.write(f"{n} kontaktpersoner placeret.")
