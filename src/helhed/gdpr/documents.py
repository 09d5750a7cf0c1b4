"""The export's two renderings: JSON (machine-readable) and the readable HTML document."""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string

from helhed.gdpr.selectors import Export

CONTENT_TYPES = {"json": "application/json", "html": "text/html"}


def render(export: Export, fmt: str, css_urls: Sequence[str] = ()) -> str:
    if fmt == "json":
        return export.as_json() + "\n"
    return render_to_string("gdpr/export.html", {"export": export, "css_urls": list(css_urls)})
