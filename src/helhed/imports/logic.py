"""Reading and checking a case system's extract: pure functions over bytes and plain values (no
ORM). ``decode`` finds the encoding, ``read_table`` the header and rows (CSV or XLSX),
``check_rows`` turns mapped rows into citizens with their course items, or row-level errors.

The flat format (docs/integration.md, "Import af forløb"): one row per measure, appointment or
outcome state (``type``), the citizen's columns repeated on each of their rows; a row with an
empty ``type`` carries the citizen and course only. One course per citizen per file."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from helhed.courses import logic as course_logic

MAX_REPORTED = 1000  # errors kept on the job; the count says how many there were
ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
DELIMITERS = {";": "semikolon (;)", ",": "komma (,)", "\t": "tabulator"}

# field key → (Danish label, which row types need it: "*" = every row)
FIELDS: dict[str, tuple[str, str]] = {
    "cpr": ("CPR-nummer", "*"),
    "fornavn": ("Fornavn", "*"),
    "efternavn": ("Efternavn", "*"),
    "henvist": ("Henvist (dato)", "*"),
    "type": ("Rækketype (indsats, aftale, resultat eller tom)", ""),
    "initiativ": ("Indsats i registret (id; tom = den valgte)", ""),
    "titel": ("Titel (indsats eller aftale)", "indsats aftale"),
    "hjemmel": ("Hjemmel (kode, fx sel-85)", "indsats"),
    "fagomraade": ("Fagområde (kode, fx beskaeftigelse)", "indsats"),
    "betaler": ("Hvem betaler (kode; tom = andet)", ""),
    "start": ("Dato (indsatsens start, aftalens dag, resultatets dato)", "aftale resultat"),
    "slut": ("Slutdato (indsats)", ""),
    "klokken": ("Klokkeslæt (aftale, tt:mm; tom = 09:00)", ""),
    "sted": ("Sted (aftale)", ""),
    "resultattype": ("Resultattype (kode, fx beskaeftigelse)", "resultat"),
    "resultat": ("Resultat (kode eller procent)", "resultat"),
}
ROW_TYPES = {"": "forloeb", "forloeb": "forloeb", "forløb": "forloeb", "indsats": "indsats"}
ROW_TYPES |= {"aftale": "aftale", "resultat": "resultat"}


class FileError(ValueError):
    """The file as a whole cannot be read (the message is Danish)."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the user counts it, cells)
    encoding: str = ""  # "" for XLSX
    delimiter: str = ""


@dataclass(frozen=True)
class Refs:
    """What the rows are checked against, fetched once per run."""

    legal_bases: Mapping[str, str | None]  # id → data category (or None)
    areas: frozenset[str]
    budget_areas: frozenset[str]
    initiatives: frozenset[str]  # ids as strings
    outcome_kinds: Mapping[str, frozenset[str] | None]  # kind → values, None = a percentage
    default_initiative: str
    today: date


@dataclass
class Person:
    row: int
    cpr: str
    first_name: str
    last_name: str
    referred_on: date
    initiative: str
    measures: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Checked:
    people: list[Person]
    errors: list[tuple[int, str, str]]
    error_count: int
    rows: int

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "citizens": len(self.people),
            "measures": sum(len(p.measures) for p in self.people),
            "appointments": sum(len(p.appointments) for p in self.people),
            "outcomes": sum(len(p.outcomes) for p in self.people),
        }


# -- the file -----------------------------------------------------------------------------------


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The text and the encoding used: strict UTF-8 first (a BOM is dropped), else Windows-1252;
    ``encoding`` forces one."""
    tried = [encoding] if encoding else ["utf-8", "cp1252"]
    for name in tried:
        try:
            return data.decode("utf-8-sig" if name == "utf-8" else name), name
        except UnicodeDecodeError:
            continue
    if encoding:
        raise FileError(f"Filen kan ikke læses som {ENCODINGS.get(encoding, encoding)}.")
    raise FileError("Filen kan hverken læses som UTF-8 eller Windows-1252.")


def sniff_delimiter(text: str) -> str:
    """``;`` (what Danish Excel writes), ``,`` or tab: the one the header line holds most of."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_table(data: bytes, *, encoding: str = "", delimiter: str = "") -> Table:
    if not data:
        raise FileError("Filen er tom.")
    if is_xlsx(data):
        return _read_xlsx(data)
    text, used = decode(data, encoding)
    if "\x00" in text:
        raise FileError(
            "Filen indeholder NUL-tegn og kan ikke læses som CSV. Gem den igen som CSV."
        )
    delim = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines are skipped (still counted in the row numbers)
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            rows.append((number, cells))
    except csv.Error as exc:  # a NUL byte, a field over the size limit: said, never a 500
        raise FileError(
            f"Filen kan ikke læses som CSV (linje {reader.line_num}). Gem den igen som CSV."
        ) from exc
    if not headers:
        raise FileError("Filen har ingen overskriftsrække.")
    return Table(headers, rows, used, delim)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip: said plainly, never a 500
        raise FileError("Filen kan ikke læses som et Excel-regneark (XLSX).") from exc
    try:
        sheet = book.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            rows.append((number, cells))
    finally:
        book.close()
    if not headers:
        raise FileError("Regnearket har ingen overskriftsrække.")
    return Table(headers, rows)


# -- mapping ------------------------------------------------------------------------------------


def _simple(text: str) -> str:
    text = text.strip().casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", text)


def guess_mapping(headers: list[str], saved: Mapping[str, str] | None = None) -> dict[str, str]:
    """field → column: the saved mapping where its columns are in the file, else a column named
    like the field (``CPR``, ``Fornavn``, …)."""
    by_simple = {_simple(h): h for h in headers if h}
    mapping: dict[str, str] = {}
    for key, (label, _need) in FIELDS.items():
        if saved and saved.get(key) in headers:
            mapping[key] = saved[key]
        elif _simple(key) in by_simple:
            mapping[key] = by_simple[_simple(key)]
        elif _simple(label.split(" (")[0]) in by_simple:
            mapping[key] = by_simple[_simple(label.split(" (")[0])]
    return mapping


def check_mapping(headers: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Errors per field: a column not in the file, a column chosen twice, a required field."""
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, column in mapping.items():
        if not column:
            continue
        if key not in FIELDS or column not in headers:
            errors[key] = "Kolonnen findes ikke i filen."
        elif column in seen:
            errors[key] = f"Kolonnen er allerede valgt til »{FIELDS[seen[column]][0]}«."
        else:
            seen[column] = key
    for key, (_label, need) in FIELDS.items():
        if need and not mapping.get(key) and key not in errors:
            errors[key] = "Vælg den kolonne, der indeholder feltet."
    return errors


# -- values -------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$|^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(raw: str) -> date:
    """``dd-mm-yyyy`` (also with ``.`` or ``/``) or ``yyyy-mm-dd``."""
    m = _DATE.match(raw.strip().split(" ")[0])
    if not m:
        raise ValueError
    if m.group(1):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date(int(m.group(4)), int(m.group(5)), int(m.group(6)))


def parse_time(raw: str) -> time:
    m = re.match(r"^(\d{1,2})[:.](\d{2})$", raw.strip())
    if not m:
        raise ValueError
    return time(int(m.group(1)), int(m.group(2)))


BAD_DATE = "Ugyldig dato »{}«. Skriv dd-mm-åååå eller åååå-mm-dd."
MISSING = "Feltet skal udfyldes."


# -- rows ---------------------------------------------------------------------------------------


class _Row:
    """One mapped row: values by field, and its errors collected as (column, message)."""

    def __init__(self, number: int, cells: list[str], columns: Mapping[str, tuple[int, str]]):
        self.number = number
        self.columns = columns
        self.values = {
            key: (cells[i].strip() if i < len(cells) else "") for key, (i, _c) in columns.items()
        }
        self.errors: list[tuple[str, str]] = []

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def err(self, key: str, message: str) -> None:
        column = self.columns[key][1] if key in self.columns else FIELDS[key][0]
        self.errors.append((column, message))

    def required(self, key: str) -> str:
        value = self.get(key)
        if not value:
            self.err(key, MISSING)
        return value

    def day(self, key: str, *, required: bool = False) -> date | None:
        raw = self.required(key) if required else self.get(key)
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError:
            self.err(key, BAD_DATE.format(raw[:20]))
            return None

    def code(self, key: str, known: Any, what: str, *, required: bool = True) -> str:
        raw = self.required(key) if required else self.get(key)
        value = raw.casefold()
        if raw and value not in known:
            self.err(key, f"Ukendt {what} »{raw[:40]}«.")
        return value


def _columns(headers: list[str], mapping: Mapping[str, str]) -> dict[str, tuple[int, str]]:
    index = {h: i for i, h in enumerate(headers)}
    return {k: (index[c], c) for k, c in mapping.items() if c in index and k in FIELDS}


def check_rows(
    table: Table,
    mapping: Mapping[str, str],
    refs: Refs,
    existing_cprs: Callable[[list[str]], set[str]],
    progress: Callable[[int], None] | None = None,
) -> Checked:
    """Every row checked; the citizens with their items when no row errs. ``existing_cprs``
    answers, for a list of CPR numbers, which are already registered (called once, after the
    rows); ``progress`` is told the rows done every 2,000 rows."""
    columns = _columns(table.headers, mapping)
    people: dict[str, Person] = {}
    seen: dict[tuple[str, ...], int] = {}
    errors: list[tuple[int, str, str]] = []
    count = 0
    for done, (number, cells) in enumerate(table.rows, start=1):
        row = _Row(number, cells, columns)
        _check_row(row, refs, people, seen)
        count += len(row.errors)
        errors.extend((number, c, m) for c, m in row.errors if len(errors) < MAX_REPORTED)
        if progress and done % 2000 == 0:
            progress(done)
    known = existing_cprs(list(people)) if people else set()
    for cpr in sorted(known, key=lambda c: people[c].row):
        count += 1
        if len(errors) < MAX_REPORTED:
            errors.append(
                (
                    people[cpr].row,
                    mapping.get("cpr", "cpr"),
                    "Borgeren er allerede registreret i Helhed. Opret forløbet ved visitation.",
                )
            )
    errors.sort(key=lambda e: e[0])
    return Checked(list(people.values()) if not count else [], errors, count, len(table.rows))


def _check_row(
    row: _Row, refs: Refs, people: dict[str, Person], seen: dict[tuple[str, ...], int]
) -> None:
    cpr = _cpr(row, refs.today)
    first, last = row.required("fornavn"), row.required("efternavn")
    referred = row.day("henvist", required=True)
    if referred and referred > refs.today:
        row.err("henvist", "Henvisningsdatoen ligger i fremtiden.")
    initiative = row.get("initiativ").casefold() or refs.default_initiative
    if initiative not in refs.initiatives:
        row.err("initiativ", f"Ukendt indsats i registret »{row.get('initiativ')[:40]}«.")
    kind = ROW_TYPES.get(row.get("type").casefold())
    if kind is None:
        row.err(
            "type",
            f"Ukendt rækketype »{row.get('type')[:20]}«. Brug indsats, aftale, resultat eller tom.",
        )
    item = _item(row, kind, refs) if kind and kind != "forloeb" else None
    if not cpr or row.errors:
        return
    key = tuple(row.values.get(k, "") for k in sorted(row.values))
    if key in seen:
        row.err("cpr", f"Rækken gentager række {seen[key]} (samme CPR-nummer og indhold).")
        return
    seen[key] = row.number
    person = people.get(cpr)
    assert referred is not None
    if person is None:
        people[cpr] = person = Person(row.number, cpr, first, last, referred, initiative)
    elif (person.first_name, person.last_name) != (first, last):
        row.err("cpr", f"CPR-nummeret står i række {person.row} med et andet navn.")
    elif (person.referred_on, person.initiative) != (referred, initiative):
        row.err(
            "cpr",
            f"CPR-nummeret står i række {person.row} med en anden henvisning "
            "(dato eller indsats); en borger har ét forløb pr. fil.",
        )
    if row.errors or item is None:
        return
    if kind == "resultat" and any(
        (o["kind"], o["on"]) == (item["kind"], item["on"]) for o in person.outcomes
    ):
        row.err("start", "Borgeren har allerede et resultat af samme type på datoen.")
        return
    getattr(
        person, {"indsats": "measures", "aftale": "appointments"}.get(kind or "", "outcomes")
    ).append(item)


def _cpr(row: _Row, today: date) -> str:
    raw = row.required("cpr")
    if not raw:
        return ""
    try:
        return course_logic.validate_cpr(raw, today)
    except course_logic.CprError as exc:
        row.err("cpr", f"Ugyldigt CPR-nummer: {exc}")
        return ""


def _item(row: _Row, kind: str, refs: Refs) -> dict[str, Any] | None:
    if kind == "indsats":
        return _measure(row, refs)
    if kind == "aftale":
        return _appointment(row, refs)
    return _outcome(row, refs)


def _measure(row: _Row, refs: Refs) -> dict[str, Any]:
    title = row.required("titel")
    basis = row.code("hjemmel", refs.legal_bases, "hjemmel")
    area = row.code("fagomraade", refs.areas, "fagområde")
    payer = row.code("betaler", refs.budget_areas, "betaler", required=False) or "andet"
    start, end = row.day("start"), row.day("slut")
    if start and end and end < start:
        row.err("slut", "Slutdatoen ligger før startdatoen.")
    if len(title) > 200:
        row.err("titel", "Titlen må højst være 200 tegn.")
    status = "aktiv" if start and start <= refs.today else "planlagt"
    status = "afsluttet" if end else status
    return {
        "id": uuid.uuid4(),
        "title": title,
        "legal_basis": basis,
        "area": area,
        "budget_area": payer,
        "start": start,
        "end": end,
        "status": status,
        "category": course_logic.item_category(refs.legal_bases.get(basis), area),
    }


def _appointment(row: _Row, refs: Refs) -> dict[str, Any]:
    title = row.required("titel")
    on = row.day("start", required=True)
    at = time(9, 0)
    if row.get("klokken"):
        try:
            at = parse_time(row.get("klokken"))
        except ValueError:
            row.err("klokken", f"Ugyldigt klokkeslæt »{row.get('klokken')[:10]}«. Skriv tt:mm.")
    area = row.code("fagomraade", refs.areas, "fagområde", required=False) or None
    if len(title) > 200:
        row.err("titel", "Titlen må højst være 200 tegn.")
    return {
        "id": uuid.uuid4(),
        "title": title,
        "on": on,
        "at": at,
        "place": row.get("sted")[:200],
        "area": area,
        "category": course_logic.item_category(None, area),
    }


def _outcome(row: _Row, refs: Refs) -> dict[str, Any]:
    kind = row.code("resultattype", refs.outcome_kinds, "resultattype")
    raw = row.required("resultat")
    on = row.day("start", required=True)
    values = refs.outcome_kinds.get(kind, frozenset())
    value, percent = raw.casefold(), None
    if kind in refs.outcome_kinds and raw:
        if values is None:
            try:
                percent = float(raw.replace(",", ".").rstrip("%").strip())
                if not 0 <= percent <= 100:
                    raise ValueError
            except ValueError:
                row.err("resultat", f"Ugyldig procent »{raw[:20]}«. Skriv et tal fra 0 til 100.")
            value = ""
        elif value not in values:
            row.err("resultat", f"Ukendt resultat »{raw[:40]}« for resultattypen.")
    return {"id": uuid.uuid4(), "kind": kind, "value": value, "percent": percent, "on": on}


def iter_errors(checked: Checked) -> Iterator[list[Any]]:
    for number, column, message in checked.errors:
        yield [number, column, message]
