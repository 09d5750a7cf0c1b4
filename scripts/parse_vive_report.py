#!/usr/bin/env python3
"""Parse Bilag 2 of VIVE's report on holistic interventions into the registry's data file.

Bilag 2 of "Helhedsorienterede indsatser - Begrebsafklaring og praksiseksempler" (VIVE 2026)
lists the 117 interventions VIVE identified, one per line as ``name (location)<TAB>short
description``, in nine tables: Bilagstabel 2.(k+1) holds category k (Bilagstabel 2.1, L2310-2315
of the text file, is the key). The layout has traps this parser handles explicitly:

* the column header row repeats at every page break (and once reads "Kategori 26" for 6);
* names are not unique - 'Sammenhængende Borgerforløb' exists in Ballerup, Helsingør and
  Odense - so the key is name + location;
* the location is the *last* parenthesis of the name cell: "'Koordineret Indsats på Tværs'
  (KIT) (Hovedstaden)" is KIT in Hovedstaden;
* a ``*`` after the name marks an intervention belonging to a broader umbrella (boligsociale
  helhedsplaner, udskrivningsaftaler, KUI, ...; L2306);
* quoting is inconsistent (some names unquoted, one with an unbalanced quote).

Every row keeps its provenance (source file, table id, line number) and the verbatim name cell,
so the registry can show where a value came from. The script fails loudly unless it finds
exactly 117 rows with VIVE's counts per category (39, 20, 7, 10, 14, 1, 5, 14, 7).

Usage (from the repository root)::

    python scripts/parse_vive_report.py [REPORT] [--output PATH] [--check]

``--check`` compares with the committed file instead of writing it (non-zero exit on drift).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = REPO_ROOT / ".." / "shared" / "research" / "003_f36fb28a01cf5c8b.txt"
DEFAULT_OUTPUT = REPO_ROOT / "src" / "helhed" / "registry" / "data" / "vive_bilag2.json"

FORMAT_VERSION = 1
EXPECTED_TOTAL = 117
EXPECTED_COUNTS = {1: 39, 2: 20, 3: 7, 4: 10, 5: 14, 6: 1, 7: 5, 8: 14, 9: 7}

REPORT_TITLE = "Helhedsorienterede indsatser – Begrebsafklaring og praksiseksempler"
REPORT_PUBLISHER = "VIVE – Det Nationale Forsknings- og Analysecenter for Velfærd"
REPORT_YEAR = 2026
REPORT_ISBN = "978-87-7582-516-5"

APPENDIX_START = re.compile(r"^Bilag 2 Oversigt over samtlige")
APPENDIX_END = re.compile(r"^Deklaration om brug af AI")
TABLE_HEADING = re.compile(r"^Bilagstabel 2\.(\d+)\b")
COLUMN_HEADER = re.compile(r"^Navn på indsats \(sted i parentes\)\t(.*)$")
HEADER_CATEGORY = re.compile(r"Kategori (\d+)")
SOURCE_LINE = re.compile(r"^Kilde:")
NAME_CELL = re.compile(r"^(?P<name>.*?)\s*(?P<star>\*)?\s*\((?P<location>[^()]*)\)\s*$")


class ParseError(RuntimeError):
    """The report does not look the way this parser expects; never silently continue."""


@dataclass(frozen=True)
class Row:
    """One intervention of Bilag 2."""

    name: str
    location: str
    description: str
    vive_category: int
    umbrella: bool
    name_cell: str
    table: str
    line: int

    @property
    def key(self) -> str:
        return f"{self.name} ({self.location})"


def clean_name(raw: str) -> str:
    """Drop the typographic quotes VIVE puts around names, keep everything else verbatim.

    A quote counts as typographic at either end of the name or next to '/', which joins two
    quoted names ("'Tidlig Indsats ...'/'Familieplanen'"). An unbalanced leading quote
    ("'Sammen om Fritidsjob (Viborg)") is dropped too.
    """
    name = raw.strip()
    name = re.sub(r"'\s*/\s*'", "/", name)
    name = re.sub(r"^'|'(?=\s*\(|$)", "", name)
    return name.strip()


def parse_bilag2(lines: list[str]) -> tuple[list[Row], list[dict[str, Any]]]:
    """Rows of Bilagstabel 2.2-2.10 and a list of layout anomalies met on the way."""
    rows: list[Row] = []
    anomalies: list[dict[str, Any]] = []
    in_appendix = False
    table: int | None = None  # the k of "Bilagstabel 2.k" we are inside, None between tables
    for number, line in enumerate(lines, start=1):
        text = line.rstrip("\n")
        if not in_appendix:
            in_appendix = bool(APPENDIX_START.match(text))
            continue
        if APPENDIX_END.match(text):
            break
        heading = TABLE_HEADING.match(text)
        if heading:
            k = int(heading.group(1))
            if not 1 <= k <= 10:
                raise ParseError(f"line {number}: unexpected table Bilagstabel 2.{k}")
            table = k if k >= 2 else None  # 2.1 is the key to the other tables, not data
            continue
        if table is None or not text.strip():
            continue
        if SOURCE_LINE.match(text):
            table = None
            continue
        header = COLUMN_HEADER.match(text)
        if header:
            found = HEADER_CATEGORY.search(header.group(1))
            if not found or int(found.group(1)) != table - 1:
                anomalies.append(
                    {
                        "line": number,
                        "table": f"Bilagstabel 2.{table}",
                        "note": f"column header reads {header.group(1).split(':')[0]!r}; the "
                        f"table is category {table - 1}, which is used",
                    }
                )
            continue
        if "\t" not in text:
            raise ParseError(f"line {number}: row without a tab in Bilagstabel 2.{table}: {text!r}")
        name_cell, description = text.split("\t", 1)
        if "\t" in description:
            raise ParseError(f"line {number}: more than two cells: {text!r}")
        match = NAME_CELL.match(name_cell)
        if not match:
            raise ParseError(f"line {number}: no '(location)' at the end of {name_cell!r}")
        name = clean_name(match.group("name"))
        if name.count("'") % 2 or match.group("name").count("'") % 2:
            anomalies.append(
                {
                    "line": number,
                    "table": f"Bilagstabel 2.{table}",
                    "note": f"unbalanced quote in name cell {name_cell!r}",
                }
            )
        rows.append(
            Row(
                name=name,
                location=match.group("location").strip(),
                description=description.strip(),
                vive_category=table - 1,
                umbrella=match.group("star") is not None,
                name_cell=name_cell,
                table=f"Bilagstabel 2.{table}",
                line=number,
            )
        )
    if not in_appendix:
        raise ParseError("'Bilag 2 Oversigt over samtlige ...' heading not found")
    return rows, anomalies


def check_rows(rows: list[Row]) -> Counter[int]:
    """Raise ParseError unless the rows are VIVE's 117 with the published category counts."""
    counts = Counter(row.vive_category for row in rows)
    problems = []
    if len(rows) != EXPECTED_TOTAL:
        problems.append(f"expected {EXPECTED_TOTAL} rows, found {len(rows)}")
    for category, expected in EXPECTED_COUNTS.items():
        if counts.get(category, 0) != expected:
            problems.append(
                f"category {category}: expected {expected} rows, found {counts.get(category, 0)}"
            )
    duplicates = [key for key, n in Counter(row.key for row in rows).items() if n > 1]
    if duplicates:
        problems.append(f"name + location is not unique: {duplicates}")
    empty = [row.line for row in rows if not (row.name and row.location and row.description)]
    if empty:
        problems.append(f"rows with an empty name, location or description at lines {empty}")
    if problems:
        raise ParseError("Bilag 2 does not match VIVE's published figures: " + "; ".join(problems))
    return counts


def build_document(report: Path) -> dict[str, Any]:
    """The JSON document for ``report``; deterministic, so it can be compared in tests."""
    raw = report.read_bytes()
    lines = raw.decode("utf-8").splitlines()
    rows, anomalies = parse_bilag2(lines)
    counts = check_rows(rows)
    return {
        "version": FORMAT_VERSION,
        "source": {
            "file": report.name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "title": REPORT_TITLE,
            "publisher": REPORT_PUBLISHER,
            "year": REPORT_YEAR,
            "isbn": REPORT_ISBN,
            "section": "Bilag 2 Oversigt over samtlige identificerede praksiseksempler",
            "note": "VIVE: not an exhaustive list; based mostly on literature and web pages that "
            "may be neither current nor complete (Bilag 2, intro).",
        },
        "generated_by": "scripts/parse_vive_report.py",
        "counts_by_category": {str(k): counts[k] for k in sorted(EXPECTED_COUNTS)},
        "anomalies": anomalies,
        "initiatives": [
            {
                "key": row.key,
                "name": row.name,
                "location": row.location,
                "description": row.description,
                "vive_category": row.vive_category,
                "umbrella": row.umbrella,
                "name_cell": row.name_cell,
                "provenance": {"source": report.name, "table": row.table, "line": row.line},
            }
            for row in rows
        ],
    }


def render(document: dict[str, Any]) -> str:
    """The exact text written to disk (stable key order, UTF-8, trailing newline)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"error: report not found: {args.report}", file=sys.stderr)
        return 2
    try:
        text = render(build_document(args.report))
    except ParseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is out of date; re-run without --check", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({EXPECTED_TOTAL} initiatives)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
