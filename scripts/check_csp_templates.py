"""Finds what the Content-Security-Policy would block in Helhed's templates (docs/security.md,
"Content Security Policy and headers").

Every ``*.html`` under ``src/helhed`` is read and each of these is reported as ``file:line: what``:

- an inline ``<script>`` (no ``src=``) without ``nonce=`` — JSON data (``type="application/json"``,
  what ``json_script`` writes) is not executed and is allowed;
- a ``<style>`` block (styles come only from static files; the policy has no style nonce);
- a ``style="…"`` attribute;
- an inline event handler (``onclick="…"`` and every other ``on…=``), htmx's ``hx-on`` (htmx runs
  it through eval, which the policy refuses) and a ``javascript:`` URL.

Django comments (``{# … #}`` and ``{% comment %}…{% endcomment %}``) are skipped, keeping line
numbers. Run by ``tests/core/test_csp.py``; on its own: ``python scripts/check_csp_templates.py``
(exit status 1 and one line per finding).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "helhed"

_COMMENTS = re.compile(r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_JSON_TYPE = re.compile(r"""\btype\s*=\s*["']?application/(?:ld\+)?json\b""", re.I)
RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<style\b", re.I), "<style> block (move the rules to static/helhed/helhed.css)"),
    (
        re.compile(r"""[\s"'](style)\s*=""", re.I),
        "style attribute (use a class in static/helhed/helhed.css)",
    ),
    (
        re.compile(r"""<[a-z][^>]*?\s(on[a-z]+)\s*=""", re.I | re.S),
        "inline event handler (attach it in a static JS file)",
    ),
    (re.compile(r"""\s(hx-on[:\-\w]*)\s*=""", re.I), "hx-on handler (htmx evaluates it)"),
    (re.compile(r"""=\s*["']?\s*(javascript:)""", re.I), "javascript: URL"),
]


def _blank_comments(text: str) -> str:
    """The text with Django comments replaced by blanks of the same lines."""
    return _COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def findings_in(text: str, name: str) -> list[str]:
    """``name:line: what`` for each thing in one template that the policy would block."""
    text = _blank_comments(text)
    found: list[tuple[int, str]] = []

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    for match in _SCRIPT.finditer(text):
        attrs = match.group(1)
        if re.search(r"\b(src|nonce)\s*=", attrs, re.I) or _JSON_TYPE.search(attrs):
            continue
        found.append((line_of(match.start()), "inline <script> without nonce (use a static file)"))
    for pattern, what in RULES:
        for match in pattern.finditer(text):
            start = match.start(1) if match.groups() else match.start()
            found.append((line_of(start), what))
    return [f"{name}:{line}: {what}" for line, what in sorted(found)]


def templates(root: Path = SRC) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "static" not in p.relative_to(root).parts)


def findings(paths: Iterable[Path], root: Path = ROOT) -> list[str]:
    result: list[str] = []
    for path in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        result += findings_in(path.read_text(encoding="utf-8"), name)
    return result


def main() -> int:
    paths = templates()
    found = findings(paths)
    for line in found:
        print(line)
    print(f"{len(paths)} templates scanned, {len(found)} findings", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
