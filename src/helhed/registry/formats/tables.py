"""CSV and XLSX files as rows of text cells, and rows of values as CSV or XLSX.

A text cell that a spreadsheet would run as a formula (``=…``) is written as text: CSV gives it
a leading apostrophe (which :func:`unquote` removes again on import), XLSX marks the cell as a
string.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from helhed.core.spreadsheets import FORMULA_START, restore_cell, safe_cell

FORMATS: Final = ("csv", "xlsx")
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DELIMITERS: Final = (";", ",", "\t")


class UnreadableFileError(ValueError):
    """The file is not the CSV (UTF-8) or XLSX it claims to be; the message says so in Danish."""


def format_for(filename: str) -> str:
    """``csv`` or ``xlsx`` from the file name's extension; ``""`` if it is neither."""
    name = filename.lower()
    return next((fmt for fmt in FORMATS if name.endswith("." + fmt)), "")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError(
            "Filen er ikke gemt som UTF-8. Vælg 'CSV UTF-8' når du gemmer i Excel."
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFileError(f"Filen kan ikke læses som CSV: {exc}.") from None
    return [[cell.strip() for cell in row] for row in rows]


def _read_xlsx(content: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(v).strip() for v in values])
            if len(rows) > max_rows:
                break
        workbook.close()
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        OSError,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
    ):
        raise UnreadableFileError("Filen kan ikke læses som et Excel-regneark (XLSX).") from None
    return rows


def read_table(content: bytes, fmt: str, *, max_rows: int) -> list[list[str]]:
    """All rows of the file (XLSX: of its first sheet) as text cells; row 0 is the header.

    An XLSX file is read no further than ``max_rows`` rows plus one (enough to tell it is too
    long); a CSV file is read whole (its size is bounded by the caller)."""
    if fmt == "csv":
        return _read_csv(content)
    if fmt == "xlsx":
        return _read_xlsx(content, max_rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


def unquote(text: str) -> str:
    """A CSV cell as written: without the apostrophe :func:`to_csv` put before a formula."""
    return restore_cell(text)


def _text_value(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    return str(value)


def to_csv(
    columns: Sequence[str],
    records: Iterable[Mapping[str, Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> str:
    """CSV text (comma-separated, quoted as needed). Text cells that a spreadsheet would run as
    a formula get a leading apostrophe, which the import removes again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow(columns)
    for record in records:
        cells = []
        for column in columns:
            value = record.get(column)
            text = _text_value(value)
            cells.append(safe_cell(text) if isinstance(value, str) else text)
        writer.writerow(cells)
    return ("\ufeff" if bom else "") + out.getvalue()


def to_xlsx(columns: Sequence[str], records: Sequence[Mapping[str, Any]]) -> bytes:
    """An XLSX workbook: bold frozen header, auto-filter, column widths from the content."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Indsatser"
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in columns]
    for record in records:
        values: list[Any] = []
        for n, column in enumerate(columns):
            value = record.get(column)
            if isinstance(value, bool) or value is None:
                value = _text_value(value)
            elif isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            values.append(value)
            widths[n] = max(widths[n], min(len(str(value)), 200))
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = (
                    "s"  # text, never a formula (kept as typed: this file is re-imported)
                )
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(8, min(width + 2, 60))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
