"""Helhed's date and number formats per language (``FORMAT_MODULE_PATH``), on top of Django's.

Danish: "6. dec. 2026" (``N``: Danish abbreviations with their full stop — "marts", "maj" and
"juni" are written out), "06.12.2026" in tables, decimal commas and a full stop between
thousands. English (a reader who chose it): "6 Dec 2026", a decimal point.
"""
