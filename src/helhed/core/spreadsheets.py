"""Cells for CSV and XLSX exports that a spreadsheet will not run.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (``=HYPERLINK("http://evil", "Klik")``, ``=cmd|' /C calc'!A0``):
a name or a free text typed by one user would run on the computer of the one who opens the
export (OWASP "CSV injection"). Every export passes each cell through ``safe_cell``: such a text
gets a leading apostrophe, which the spreadsheet shows as text (and our own imports remove again,
``restore_cell``). Only text is touched: numbers, dates and booleans stay what they are, so the
file can still be calculated with.
"""

from __future__ import annotations

from typing import Any, Final

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would take for a formula: then with a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The text ``safe_cell`` was given (for importing our own exports)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
