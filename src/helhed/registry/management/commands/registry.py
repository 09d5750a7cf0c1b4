"""``helhed registry load-vive | list | matrix | categorize FILE | import FILE --user NAME``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helhed.registry import selectors, services


class Command(BaseCommand):
    help = "Registret over helhedsorienterede indsatser."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-vive", help="Indlæs VIVE's 117 praksiseksempler (idempotent).")
        list_parser = sub.add_parser("list", help="Alle indsatser som JSON eller CSV.")
        list_parser.add_argument("--format", choices=["json", "csv"], default="json")
        sub.add_parser("matrix", help="De ni kategorier som 3×3-tabel.")
        categorize = sub.add_parser("categorize", help="Kategorisér én indsats beskrevet i JSON.")
        categorize.add_argument("file")
        importer = sub.add_parser(
            "import",
            help="Importér indsatser fra en CSV- eller XLSX-fil (alt eller intet).",
        )
        importer.add_argument("file", help="Filen (- = stdin, kræver --format).")
        importer.add_argument(
            "--user",
            required=True,
            help="Brugernavnet på den administrator eller analytiker, der importerer.",
        )
        importer.add_argument(
            "--format", choices=["csv", "xlsx"], help="Standard: ud fra filnavnet."
        )
        importer.add_argument(
            "--dry-run", action="store_true", help="Kontrollér kun filen (gem intet)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load-vive":
            result = services.load_vive()
            self.stdout.write(
                f"VIVE: {result.created} oprettet, {result.updated} opdateret, "
                f"{result.enriched} uddybede eksempler beriget."
            )
        elif action == "matrix":
            rows = selectors.search(selectors.Filters())
            self.stdout.write(selectors.matrix_text(selectors.matrix(rows)))
        else:  # filled in by the CLI module
            from helhed.registry import cli

            cli.run(action, options, self.stdout, self.stderr)
