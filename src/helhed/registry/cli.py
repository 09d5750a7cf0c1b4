"""``helhed registry list``, ``categorize`` and ``import`` (called by the management command).

Bad input is one line on stderr that names the file and field, with exit code 2 - never a
traceback - so that scripts can rely on the exit code. ``import`` writes each error of the file
on a line of its own before that line.

``import`` runs as the user named by ``--user``: the registry is changed by administrators and
analysts, from the command line as from the import page, and the same permission is checked
(there is no system user that may change the registry).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, OutputWrapper
from django.utils import timezone

from helhed.core.models import User
from helhed.registry import selectors, services
from helhed.registry.formats import document, sheet, tables
from helhed.registry.formats.values import format_amount

USAGE_ERROR = 2


def _fail(message: str) -> CommandError:
    return CommandError(" ".join(message.split()), returncode=USAGE_ERROR)


def list_records() -> list[dict[str, Any]]:
    """Every initiative as the export's columns, actors and funding as structured lists."""
    rows = selectors.export_rows(selectors.search(selectors.Filters()))
    _columns, records = sheet.export_records(rows)
    for record, row in zip(records, rows, strict=True):
        record["actor_list"] = [
            {"name": a.name, "org_type": a.org_type.value, "role": a.role.value}
            for a in row["actors"]
        ]
        record["funding_list"] = [
            {
                "funder": f.funder,
                "org_type": f.org_type.value,
                "inside": f.inside,
                "amount": format_amount(f.amount) or None,
                "start": f.start.isoformat() if f.start else None,
                "end": f.end.isoformat() if f.end else None,
                "counts_for_classification": f.counts_for_classification,
            }
            for f in row["funding"]
        ]
    return records


def list_command(fmt: str, stdout: OutputWrapper | TextIO) -> None:
    if fmt == "json":
        stdout.write(json.dumps(list_records(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        rows = selectors.export_rows(selectors.search(selectors.Filters()))
        columns, records = sheet.export_records(rows)
        stdout.write(tables.to_csv(columns, records, bom=False, lineterminator="\n"))
    else:
        raise _fail(f"list: ukendt format '{fmt}' (brug json eller csv)")


def _read(action: str, path: str, *, binary: bool = False) -> Any:
    """The file's text (``-`` = stdin) or bytes; a one-line CommandError for every way it can
    fail."""
    try:
        if path == "-":
            return sys.stdin.buffer.read() if binary else sys.stdin.read()
        return Path(path).read_bytes() if binary else Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _fail(f"{action}: filen '{path}' findes ikke") from None
    except IsADirectoryError:
        kind = "fil" if binary else "JSON-fil"
        raise _fail(f"{action}: '{path}' er en mappe, ikke en {kind}") from None
    except PermissionError:
        raise _fail(f"{action}: ingen adgang til at læse '{path}'") from None
    except UnicodeDecodeError:
        raise _fail(f"{action}: '{path}' er ikke UTF-8-kodet tekst") from None
    except OSError as exc:
        raise _fail(f"{action}: '{path}' kan ikke læses: {exc.strerror}") from None


def read_document(path: str) -> object:
    """The JSON in ``path`` (``-`` = stdin); a one-line CommandError for every way it can fail."""
    text = _read("categorize", path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            f"categorize: {path}: ugyldig JSON i linje {exc.lineno}, kolonne {exc.colno}: {exc.msg}"
        ) from None


def categorize_command(path: str, stdout: OutputWrapper | TextIO) -> None:
    data = read_document(path)
    try:
        result = document.categorize_document(data, today=timezone.localdate())
    except document.InputError as exc:
        raise _fail(f"categorize: {path}: {exc}") from None
    stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def _user(username: str | None) -> User:
    if not username:
        raise _fail("import: angiv brugeren, der importerer, med --user BRUGERNAVN")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _fail(f"import: brugeren '{username}' findes ikke eller er ikke aktiv")
    return user


def error_line(error: sheet.RowError) -> str:
    """One error of the file as a line: ``række 3, vive_category: …`` (row 0: the file)."""
    where = f"række {error.row}" if error.row else "filen"
    return (
        f"{where}, {error.column}: {error.message}" if error.column else f"{where}: {error.message}"
    )


def import_command(
    options: dict[str, Any], stdout: OutputWrapper | TextIO, stderr: OutputWrapper | TextIO
) -> None:
    """``helhed registry import FILE --user NAME [--format csv|xlsx] [--dry-run]``."""
    path = options["file"]
    fmt = options.get("format") or tables.format_for(path)
    if fmt not in tables.FORMATS:
        raise _fail(f"import: {path}: angiv --format csv eller xlsx (filnavnet siger det ikke)")
    user = _user(options.get("user"))
    content = _read("import", path, binary=True)
    name = "stdin" if path == "-" else Path(path).name
    try:
        result = services.import_initiatives(
            user, content=content, fmt=fmt, filename=name, dry_run=bool(options.get("dry_run"))
        )
    except PermissionDenied as exc:
        raise _fail(f"import: {exc}") from None
    for warning in result.warnings:
        stderr.write(f"advarsel: {error_line(warning)}")
    if result.errors:
        for error in result.errors:
            stderr.write(error_line(error))
        raise _fail(f"import: {path}: {len(result.errors)} fejl - intet er gemt")
    done = (
        "Filen er i orden – intet er gemt (kun kontrol)"
        if result.dry_run
        else "Importen er gennemført"
    )
    stdout.write(
        f"{done}: {result.created} oprettet, {result.updated} opdateret, "
        f"{result.unchanged} uændret."
    )


def run(
    action: str,
    options: dict[str, Any],
    stdout: OutputWrapper | TextIO,
    stderr: OutputWrapper | TextIO,
) -> None:
    if action == "list":
        list_command(options.get("format") or "json", stdout)
    elif action == "categorize":
        categorize_command(options["file"], stdout)
    elif action == "import":
        import_command(options, stdout, stderr)
    else:
        raise _fail(f"ukendt handling '{action}'")
