"""``helhed registry list`` and ``helhed registry categorize`` (called by the management command).

Bad input is one line on stderr that names the file and field, with exit code 2 - never a
traceback - so that scripts can rely on the exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, OutputWrapper
from django.utils import timezone

from helhed.registry import io, selectors

USAGE_ERROR = 2


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(message.split()), returncode=USAGE_ERROR)


def list_records() -> list[dict[str, Any]]:
    """Every initiative as the export's columns, actors and funding as structured lists."""
    rows = selectors.search(selectors.Filters())
    _columns, records = io.export_records(rows)
    for record, (initiative, _evaluation) in zip(records, rows, strict=True):
        record["actor_list"] = [
            {"name": a.name, "org_type": a.org_type_id, "role": a.role}
            for a in initiative.actors.all()
        ]
        record["funding_list"] = [
            {
                "funder": f.funder,
                "org_type": f.org_type_id,
                "inside": f.inside,
                "amount": io.format_amount(f.amount) or None,
                "start": f.period_start.isoformat(),
                "end": f.period_end.isoformat() if f.period_end else None,
                "counts_for_classification": f.counts_for_classification,
            }
            for f in initiative.funding_sources.all()
        ]
    return records


def list_command(fmt: str, stdout: OutputWrapper | TextIO) -> None:
    if fmt == "json":
        stdout.write(json.dumps(list_records(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        columns, records = io.export_records(selectors.search(selectors.Filters()))
        stdout.write(io.to_csv(columns, records, bom=False, lineterminator="\n"))
    else:
        raise _fail(f"list: ukendt format '{fmt}' (brug json eller csv)")


def read_document(path: str) -> object:
    """The JSON in ``path`` (``-`` = stdin); a one-line CommandError for every way it can fail."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _fail(f"categorize: filen '{path}' findes ikke") from None
    except IsADirectoryError:
        raise _fail(f"categorize: '{path}' er en mappe, ikke en JSON-fil") from None
    except PermissionError:
        raise _fail(f"categorize: ingen adgang til at læse '{path}'") from None
    except UnicodeDecodeError:
        raise _fail(f"categorize: '{path}' er ikke UTF-8-kodet tekst") from None
    except OSError as exc:
        raise _fail(f"categorize: '{path}' kan ikke læses: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            f"categorize: {path}: ugyldig JSON i linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"
        ) from None


def categorize_command(path: str, stdout: OutputWrapper | TextIO) -> None:
    data = read_document(path)
    try:
        result = io.categorize_document(data, today=timezone.localdate())
    except io.InputError as exc:
        raise _fail(f"categorize: {path}: {exc}") from None
    stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def run(action: str, options: dict[str, Any], stdout: OutputWrapper | TextIO) -> None:
    if action == "list":
        list_command(options.get("format") or "json", stdout)
    elif action == "categorize":
        categorize_command(options["file"], stdout)
    else:
        raise _fail(f"ukendt handling '{action}'")
