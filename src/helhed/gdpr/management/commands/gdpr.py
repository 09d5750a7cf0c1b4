"""``helhed gdpr export <citizen id or CPR> [--format json|html] [--output PATH]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helhed.gdpr import documents, selectors, services


class Command(BaseCommand):
    help = "Den registreredes rettigheder (databeskyttelsesforordningen)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser(
            "export",
            help="Alle oplysninger om en borger (art. 15) som JSON eller et læsbart HTML-dokument.",
        )
        export.add_argument("citizen", help="Borgerens id (UUID) eller CPR-nummer.")
        export.add_argument("--format", choices=["json", "html"], default="json")
        export.add_argument("--output", help="Filen (standard: standard-output).")

    def handle(self, *args: Any, **options: Any) -> None:
        citizen = selectors.find_citizen(options["citizen"])
        if citizen is None:
            raise CommandError("Ingen borger med det id eller CPR-nummer.")
        request = services.record_system_request(citizen)
        export = services.export_by_system(citizen, request)
        text = documents.render(export, options["format"])
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Skrevet til {options['output']} (anmodning {request.pk}).")
        else:
            self.stdout.write(text, ending="")
