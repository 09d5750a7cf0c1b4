"""``helhed openapi [--write]``: the API's OpenAPI document as committed in
``docs/api/openapi.json`` (its ``info.version`` is ``helhed.api.API_VERSION``). Without
``--write`` it prints the document; with it, it writes the file. A test compares the two and
says to run ``helhed openapi --write`` when the API changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation


def document_path() -> Path:
    return Path(settings.PROJECT_DIR) / "docs" / "api" / "openapi.json"


def render_document() -> str:
    """The document as text: Danish descriptions, stable key order, a final newline."""
    from ninja.responses import NinjaJSONEncoder

    from helhed.api import api

    with translation.override("da"):
        schema = api.get_openapi_schema(path_prefix="/api/")
        text = json.dumps(schema, cls=NinjaJSONEncoder, indent=2, ensure_ascii=False)
    return text + "\n"


class Command(BaseCommand):
    help = "Skriv API'ets OpenAPI-dokument (docs/api/openapi.json med --write)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--write", action="store_true", help="Skriv docs/api/openapi.json i stedet for stdout."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = render_document()
        if not options["write"]:
            self.stdout.write(text, ending="")
            return
        path = document_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Skrev {path}")
