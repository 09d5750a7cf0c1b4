"""Numbers as the reader writes them: ``3,5`` in Danish, ``3.5`` in English.

Figures that reach the reader as text (a suppressed table cell is ``<5`` or ``–``, so the cell is
a string, not a number the template could localise) are formatted here, with the active
language's decimal mark from ``helhed.core.formats``.
"""

from __future__ import annotations

from django.utils.formats import number_format


def decimal(value: float, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` decimals, with the reader's decimal mark."""
    return number_format(round(value, digits), decimal_pos=digits, use_l10n=True)
