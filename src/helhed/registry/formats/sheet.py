"""The registry as a spreadsheet: the export's columns, and the import's rows read into plain
values.

:func:`read_sheet` does everything that needs only the file: its size, its format, the header
(required, unknown and repeated columns), and each row's cells (categories 1-9, ja/nej, known
values, fagområder, actors and funding in their cell syntax). Which initiative a row is about,
and the rules that need the stored initiative, are ``services.import_initiatives``'s.

Row numbers are the spreadsheet's (the header is row 1); row 0 is the file as a whole.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from helhed.registry.formats.cells import (
    ActorRow,
    FundingRow,
    format_actors,
    format_funding,
    parse_actors,
    parse_funding,
    split_items,
)
from helhed.registry.formats.tables import UnreadableFileError, read_table, unquote
from helhed.registry.formats.values import capitalised, welfare_area_slug

MAX_IMPORT_BYTES: Final = 5 * 1024 * 1024
MAX_IMPORT_ROWS: Final = 10_000

EXPORT_COLUMNS: Final = (
    "id",
    "name",
    "location",
    "category",
    "category_basis",
    "computed_category",
    "vive_category",
    "alternative_category",
    "within_definition",
    "umbrella",
    "welfare_areas",
    "target_group",
    "time_perspective",
    "phase",
    "collaboration_model",
    "description",
    "source",
    "actors",
    "funding",
    "category_override",
    "override_reason",
    "override_source",
)
IMPORT_COLUMNS: Final = frozenset(
    {
        "id",
        "name",
        "location",
        "description",
        "vive_category",
        "alternative_category",
        "umbrella",
        "target_group",
        "time_perspective",
        "phase",
        "collaboration_model",
        "welfare_areas",
        "actors",
        "funding",
        "category_override",
        "override_reason",
        "override_source",
    }
)
# Computed columns of the export: accepted and ignored, so an export imports as it is.
IGNORED_COLUMNS: Final = frozenset(
    {"category", "category_basis", "computed_category", "within_definition", "source"}
)
TEXT_COLUMNS: Final = ("name", "location", "description", "target_group", "override_reason")
CATEGORY_COLUMNS: Final = ("vive_category", "alternative_category", "category_override")
CHOICE_COLUMNS: Final = ("time_perspective", "phase", "collaboration_model", "override_source")
BOOL_WORDS: Final[dict[str, bool]] = {
    "": False,
    "ja": True,
    "nej": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "x": True,
    "*": True,
    "sand": True,
    "falsk": False,
}


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def export_records(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and one dict per initiative from ``selectors.export_rows`` (actors and funding as
    rows), with actors and funding written in their cell syntax so the export imports again."""
    records = []
    for row in rows:
        record = dict(row)
        record["actors"] = format_actors(row["actors"])
        record["funding"] = format_funding(row["funding"])
        records.append(record)
    columns = list(EXPORT_COLUMNS)
    for record in records[:1]:
        columns += [key for key in record if key not in columns]
    return columns, records


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem in the file: spreadsheet row (header = 1), column name, Danish message."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Vocabulary:
    """What the model allows, given by the caller (the service reads it off the model):
    the (value, label) choices of each choice column and the longest text of each column."""

    choices: Mapping[str, Sequence[tuple[str, str]]]
    max_lengths: Mapping[str, int]


@dataclass
class ParsedRow:
    """One row's cells as plain values. A column absent from the file is absent from ``values``
    (and ``areas``/``actors``/``funding`` are ``None``): the import leaves that field alone."""

    row: int
    id: uuid.UUID | None
    name: str
    location: str
    values: dict[str, Any] = field(default_factory=dict)
    areas: list[tuple[str, str]] | None = None
    actors: list[ActorRow] | None = None
    funding: list[FundingRow] | None = None
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, capitalised(message)))


@dataclass
class Sheet:
    """The file's rows, or why it cannot be read (``errors``: the file or header as a whole)."""

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _choice(choices: Sequence[tuple[str, str]], raw: str) -> str:
    for value, label in choices:
        if raw.casefold() in {str(value).casefold(), str(label).casefold()}:
            return str(value)
    values = ", ".join(str(v) for v, _label in choices)
    raise ValueError(f"ukendt værdi '{raw}'. Brug en af: {values}")


def _table(content: bytes, fmt: str) -> tuple[list[list[str]], list[RowError]]:
    """The file's rows without trailing empty ones, or the one error that stops the import."""
    if len(content) > MAX_IMPORT_BYTES:
        size = len(content) / 1024 / 1024
        limit = MAX_IMPORT_BYTES // 1024 // 1024
        message = f"Filen er for stor ({size:.1f} MB). Den må højst være {limit} MB."
        return [], [RowError(0, "", message)]
    try:
        table = read_table(content, fmt, max_rows=MAX_IMPORT_ROWS + 1)
    except UnreadableFileError as exc:
        return [], [RowError(0, "", str(exc))]
    while table and not any(table[-1]):
        table.pop()
    if not table:
        return [], [RowError(1, "", "Filen er tom: der mangler en overskriftsrække.")]
    if len(table) > MAX_IMPORT_ROWS + 1:
        return [], [RowError(0, "", f"Filen har mere end {MAX_IMPORT_ROWS} rækker.")]
    return table, []


def _header(raw: Sequence[str]) -> tuple[list[str], list[RowError]]:
    header = [h.lstrip("\ufeff").strip().casefold() for h in raw]
    errors = []
    for n, column in enumerate(header):
        if column and column not in IMPORT_COLUMNS | IGNORED_COLUMNS:
            close = difflib.get_close_matches(column, sorted(IMPORT_COLUMNS), n=1)
            hint = f" Mente du '{close[0]}'?" if close else ""
            errors.append(RowError(1, column, f"Ukendt kolonne '{raw[n]}'.{hint}"))
        if column and header.index(column) != n:
            errors.append(RowError(1, column, f"Kolonnen '{column}' findes to gange."))
    if "name" not in header:
        errors.append(RowError(1, "name", "Kolonnen 'name' (indsatsens navn) mangler."))
    return header, errors


def _texts(row: ParsedRow, cells: Mapping[str, str], vocabulary: Vocabulary) -> None:
    for name in TEXT_COLUMNS:
        if name in cells:
            row.values[name] = cells[name]
            limit = vocabulary.max_lengths.get(name)
            if limit and len(cells[name]) > limit:
                row.error(name, f"Teksten er for lang ({len(cells[name])} tegn, højst {limit}).")
    if not cells["name"]:
        row.error("name", "Navn skal udfyldes.")


def _categories(row: ParsedRow, cells: Mapping[str, str]) -> None:
    for name in CATEGORY_COLUMNS:
        raw = cells.get(name)
        if raw is None:
            continue
        if not raw:
            row.values[name] = None
        elif raw.isdigit() and 1 <= int(raw) <= 9:
            row.values[name] = int(raw)
        else:
            row.error(name, f"Kategorien skal være et tal fra 1 til 9, ikke '{raw}'.")


def _umbrella(row: ParsedRow, cells: Mapping[str, str]) -> None:
    if "umbrella" not in cells:
        return
    word = cells["umbrella"].casefold()
    if word in BOOL_WORDS:
        row.values["umbrella"] = BOOL_WORDS[word]
    else:
        row.error("umbrella", f"Skriv ja eller nej, ikke '{cells['umbrella']}'.")


def _choices(row: ParsedRow, cells: Mapping[str, str], vocabulary: Vocabulary) -> None:
    for name in CHOICE_COLUMNS:
        if name not in cells:
            continue
        if not cells[name]:
            row.values[name] = "" if name == "override_source" else "ukendt"
            continue
        try:
            row.values[name] = _choice(vocabulary.choices[name], cells[name])
        except ValueError as exc:
            row.error(name, str(exc))


def _parsed_cell(row: ParsedRow, column: str, parse: Callable[[str], Any], cell: str) -> Any:
    try:
        return parse(cell)
    except ValueError as exc:
        row.error(column, str(exc))
        return None


def _lists(row: ParsedRow, cells: Mapping[str, str]) -> None:
    if "welfare_areas" in cells:
        row.areas = []
        for raw in split_items(cells["welfare_areas"]):
            slug = _parsed_cell(row, "welfare_areas", welfare_area_slug, raw)
            if slug is not None:
                row.areas.append((slug, raw))
    if "actors" in cells:
        row.actors = _parsed_cell(row, "actors", parse_actors, cells["actors"])
    if "funding" in cells:
        row.funding = _parsed_cell(row, "funding", parse_funding, cells["funding"])


def _id(row: ParsedRow, raw: str) -> None:
    if not raw:
        return
    try:
        row.id = uuid.UUID(raw)
    except ValueError:
        row.error("id", f"'{raw}' er ikke et gyldigt id. Lad feltet stå tomt for nye.")


def _row(
    index: int, raw: Sequence[str], header: Sequence[str], vocabulary: Vocabulary
) -> ParsedRow:
    cells = {
        column: unquote(raw[n]) if n < len(raw) else ""
        for n, column in enumerate(header)
        if column in IMPORT_COLUMNS
    }
    row = ParsedRow(index, None, cells["name"], cells.get("location", ""))
    if len(raw) > len(header) and any(raw[len(header) :]):
        row.error("", f"Rækken har {len(raw)} celler, men overskriften kun {len(header)}.")
    for column, cell in cells.items():
        if "\x00" in cell:  # a database refuses it; nothing else can mean it
            row.error(column, "Teksten indeholder et ugyldigt tegn.")
            cells[column] = cell.replace("\x00", "")
    _texts(row, cells, vocabulary)
    _categories(row, cells)
    _umbrella(row, cells)
    _choices(row, cells, vocabulary)
    _lists(row, cells)
    _id(row, cells.get("id", ""))
    return row


def read_sheet(content: bytes, fmt: str, vocabulary: Vocabulary) -> Sheet:
    """The file's rows as plain values with each row's own errors; or the errors of the file
    as a whole (too large, unreadable, empty, too long, a bad header), and then no rows."""
    table, errors = _table(content, fmt)
    if errors:
        return Sheet(errors=errors)
    header, errors = _header(table[0])
    if errors:
        return Sheet(errors=errors)
    rows = [
        _row(index, raw, header, vocabulary)
        for index, raw in enumerate(table[1:], start=2)
        if any(raw)
    ]
    return Sheet(rows=rows)
