"""The registry's file and document formats: one initiative described as JSON (``categorize``),
filter parameters, CSV/XLSX export, and the all-or-nothing CSV/XLSX import.

Actors and funding travel through spreadsheets as one cell each, in a syntax a person can read
and edit and that the import parses back:

* actors: ``Navn [type, rolle]; …`` e.g. ``Holbæk Kommune [kommune, primær]``;
* funding: ``Kilde [type, intern|ekstern] fra–til beløb; …`` e.g.
  ``Den Sociale Investeringsfond (DSI) [stat, ekstern] 2024-01-01–2026-06-30 6900000``.
  An open period ends with ``–``; ``, indgår ikke`` inside the brackets marks money the
  categorisation does not rest on.

The import validates every row before it writes anything; if any row has an error nothing is
written and every error is reported with its spreadsheet row (the header is row 1), column and a
Danish message.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import DatabaseError, transaction

from helhed.registry import logic, selectors
from helhed.registry.models import (
    CollaborationModel,
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
    OverrideSource,
    Phase,
    TimePerspective,
)

MAX_IMPORT_BYTES: Final = 5 * 1024 * 1024
MAX_IMPORT_ROWS: Final = 10_000
MAX_NAME_LENGTH: Final = 300  # InitiativeActor.name and FundingSource.funder
MAX_AMOUNT: Final = Decimal(10) ** 12  # FundingSource.amount: 14 digits, 2 decimals
FORMATS: Final = ("csv", "xlsx")
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ORG_TYPES: Final = tuple(t.value for t in logic.OrgType)
ROLE_WORDS: Final[dict[str, logic.ActorRole]] = {
    "primary": logic.ActorRole.PRIMARY,
    "primær": logic.ActorRole.PRIMARY,
    "primaer": logic.ActorRole.PRIMARY,
    "participating": logic.ActorRole.PARTICIPATING,
    "deltagende": logic.ActorRole.PARTICIPATING,
    "context": logic.ActorRole.CONTEXT,
    "kontekst": logic.ActorRole.CONTEXT,
}
ROLE_DA: Final[dict[str, str]] = {
    "primary": "primær",
    "participating": "deltagende",
    "context": "kontekst",
}
NOT_COUNTED: Final = "indgår ikke"


# --------------------------------------------------------------------------------------------
# Small vocabulary parsers shared by the JSON document, the API and the import
# --------------------------------------------------------------------------------------------


def parse_org_type(raw: str) -> logic.OrgType:
    value = raw.strip().casefold()
    if value not in ORG_TYPES:
        raise ValueError(f"ukendt organisationstype '{raw}' (brug {', '.join(ORG_TYPES)})")
    return logic.OrgType(value)


def parse_role(raw: str) -> logic.ActorRole:
    value = raw.strip().casefold()
    if value not in ROLE_WORDS:
        raise ValueError(
            f"ukendt rolle '{raw}' (brug primær, deltagende eller kontekst - "
            "eller primary, participating, context)"
        )
    return ROLE_WORDS[value]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(raw: str) -> date:
    text = raw.strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"ugyldig dato '{raw}' (brug ÅÅÅÅ-MM-DD, fx 2025-01-01)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ugyldig dato '{raw}' (datoen findes ikke)") from None


def parse_amount(raw: object) -> Decimal | None:
    """A krone amount: a number, or text such as ``6900000``, ``6.900.000`` or ``12500,50 kr.``"""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"ugyldigt beløb '{raw}'")
    if isinstance(raw, int | float | Decimal):
        return Decimal(str(raw))
    if not isinstance(raw, str):
        raise ValueError(f"ugyldigt beløb '{raw}'")
    text = re.sub(r"\s*(kr\.?|dkk)\s*$", "", raw.strip(), flags=re.IGNORECASE).replace(" ", "")
    if not text:
        return None
    if "," in text:  # Danish: 1.234.567,50
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 6.900.000
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"ugyldigt beløb '{raw}' (skriv fx 6900000)") from None
    if not value.is_finite():
        raise ValueError(f"ugyldigt beløb '{raw}'")
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(f"beløbet '{raw}' er for stort (højst 12 cifre før kommaet)")
    return value.quantize(Decimal("0.01"))  # øre, as stored


def format_amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def welfare_area_slug(raw: str) -> str:
    """One of the 14 fagområder from a slug or any spelling logic knows; a Danish error if not."""
    try:
        return logic.normalize_welfare_area(raw)
    except ValueError:
        pass
    names = {danish: slug for slug, danish, _en in logic.WELFARE_AREAS}
    forms = {name.casefold(): name for name in names} | {slug: slug for slug in names.values()}
    candidates = difflib.get_close_matches(raw.strip().casefold(), list(forms), n=2, cutoff=0.6)
    hint = ""
    if candidates:
        hint = " Mente du " + " eller ".join(f"'{forms[c]}'" for c in candidates) + "?"
    raise ValueError(
        f"ukendt fagområde '{raw}'.{hint} Brug et af VIVE's 14 fagområder: " + ", ".join(names)
    )


# --------------------------------------------------------------------------------------------
# One initiative described as JSON: the input of `registry categorize` and POST /categorize
# --------------------------------------------------------------------------------------------

Loc = tuple[str | int, ...]


class InputError(ValueError):
    """Bad input in a JSON document, with the path of the offending field."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message

    @property
    def path(self) -> str:
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text or "(dokumentet)"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


DOCUMENT_KEYS: Final = frozenset(
    {
        "name",
        "location",
        "description",
        "note",
        "source",
        "as_of",
        "actors",
        "funding",
        "conditions",
    }
)
CONDITION_KEYS: Final = frozenset(
    {
        "welfare_area",
        "public_actor_involved",
        "fagomraader",
        "fagomraader_count",
        "cross_area_coordination",
        "coordinating_function",
    }
)


@dataclass(frozen=True)
class Document:
    """A parsed initiative document (everything ``logic`` needs, nothing from the database)."""

    name: str
    as_of: date
    actors: tuple[logic.Actor, ...]
    funding: tuple[logic.FundingSource, ...]
    welfare_area: bool | None
    public_actor_involved: bool | None
    fagomraader: tuple[str, ...] | None
    fagomraader_count: int | None
    cross_area_coordination: bool | None
    coordinating_function: bool | None


def _expect(value: object, kind: type | tuple[type, ...], loc: Loc, what: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InputError(loc, f"skal være {what}")
    return value


def _text(obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = True) -> str:
    if key not in obj or obj[key] is None:
        if required:
            raise InputError((*loc, key), "mangler")
        return ""
    return str(_expect(obj[key], str, (*loc, key), "en tekst"))


def _tri(value: object, loc: Loc) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().casefold()
        table = {"ja": True, "nej": False, "ukendt": None, "true": True, "false": False}
        if word in table:
            return table[word]
    raise InputError(loc, f"skal være true, false eller null (fik {value!r})")


def _keys(obj: Mapping[str, Any], allowed: frozenset[str], loc: Loc) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise InputError(
            (*loc, unknown[0]), f"ukendt felt (tilladte felter: {', '.join(sorted(allowed))})"
        )


def parse_document(data: object, *, today: date) -> Document:
    """Validate a JSON initiative document; raises :class:`InputError` naming the field."""
    obj = _expect(data, dict, (), "et JSON-objekt")
    _keys(obj, DOCUMENT_KEYS, ())
    name = _text(obj, "name", (), required=False)
    as_of = today
    if obj.get("as_of") is not None:
        try:
            as_of = parse_date(_expect(obj["as_of"], str, ("as_of",), "en dato (ÅÅÅÅ-MM-DD)"))
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(("as_of",), str(exc)) from None

    actors: list[logic.Actor] = []
    for n, raw in enumerate(_expect(obj.get("actors", []), list, ("actors",), "en liste")):
        loc: Loc = ("actors", n)
        item = _expect(raw, dict, loc, "et objekt med name, org_type og role")
        _keys(item, frozenset({"name", "org_type", "role", "note"}), loc)
        try:
            org_type = parse_org_type(_text(item, "org_type", loc))
        except InputError:
            raise
        except ValueError as exc:
            raise InputError((*loc, "org_type"), str(exc)) from None
        try:
            role = parse_role(_text(item, "role", loc))
        except InputError:
            raise
        except ValueError as exc:
            raise InputError((*loc, "role"), str(exc)) from None
        actors.append(logic.Actor(_text(item, "name", loc), org_type, role))

    funding: list[logic.FundingSource] = []
    for n, raw in enumerate(_expect(obj.get("funding", []), list, ("funding",), "en liste")):
        loc = ("funding", n)
        item = _expect(raw, dict, loc, "et objekt med funder, org_type, inside, start og end")
        _keys(
            item,
            frozenset({"funder", "org_type", "inside", "amount", "start", "end", "note"}),
            loc,
        )
        try:
            org_type = parse_org_type(_text(item, "org_type", loc))
        except InputError:
            raise
        except ValueError as exc:
            raise InputError((*loc, "org_type"), str(exc)) from None
        if "inside" not in item:
            raise InputError((*loc, "inside"), "mangler (true: kilden er aktør i indsatsen)")
        inside = _expect(item["inside"], bool, (*loc, "inside"), "true eller false")
        dates: dict[str, date | None] = {}
        for key in ("start", "end"):
            value = item.get(key)
            if value is None or value == "":
                dates[key] = None
                continue
            try:
                dates[key] = parse_date(_expect(value, str, (*loc, key), "en dato (ÅÅÅÅ-MM-DD)"))
            except InputError:
                raise
            except ValueError as exc:
                raise InputError((*loc, key), str(exc)) from None
        try:
            amount = parse_amount(item.get("amount"))
        except ValueError as exc:
            raise InputError((*loc, "amount"), str(exc)) from None
        funding.append(
            logic.FundingSource(
                funder=_text(item, "funder", loc),
                org_type=org_type,
                inside=inside,
                amount=amount,
                start=dates["start"],
                end=dates["end"],
            )
        )

    cond = _expect(obj.get("conditions", {}), dict, ("conditions",), "et objekt")
    _keys(cond, CONDITION_KEYS, ("conditions",))
    loc = ("conditions",)
    areas: tuple[str, ...] | None = None
    if cond.get("fagomraader") is not None:
        raw_areas = _expect(cond["fagomraader"], list, (*loc, "fagomraader"), "en liste")
        slugs = []
        for n, raw in enumerate(raw_areas):
            where: Loc = (*loc, "fagomraader", n)
            try:
                slugs.append(welfare_area_slug(_expect(raw, str, where, "en tekst")))
            except InputError:
                raise
            except ValueError as exc:
                raise InputError(where, str(exc)) from None
        areas = tuple(dict.fromkeys(slugs))
    count: int | None = None
    if cond.get("fagomraader_count") is not None:
        count = _expect(cond["fagomraader_count"], int, (*loc, "fagomraader_count"), "et heltal")
        if count < 0:
            raise InputError((*loc, "fagomraader_count"), "kan ikke være negativ")
        if areas is not None and count != len(areas):
            raise InputError(
                (*loc, "fagomraader_count"),
                f"er {count}, men fagomraader nævner {len(areas)} forskellige fagområder",
            )
    if "public_actor_involved" in cond:
        public = _tri(cond["public_actor_involved"], (*loc, "public_actor_involved"))
    else:
        public = logic.public_actor_involved(actors) if actors else None
    return Document(
        name=name,
        as_of=as_of,
        actors=tuple(actors),
        funding=tuple(funding),
        welfare_area=_tri(cond.get("welfare_area"), (*loc, "welfare_area")),
        public_actor_involved=public,
        fagomraader=areas,
        fagomraader_count=count if count is not None else (len(areas) if areas else None),
        cross_area_coordination=_tri(
            cond.get("cross_area_coordination"), (*loc, "cross_area_coordination")
        ),
        coordinating_function=_tri(
            cond.get("coordinating_function"), (*loc, "coordinating_function")
        ),
    )


def issue_dict(issue: logic.ValidationIssue) -> dict[str, str]:
    return {"code": issue.code, "message": issue.message, "severity": issue.severity}


def condition_dict(result: logic.ConditionResult) -> dict[str, Any]:
    return {
        "number": result.number,
        "title": result.title,
        "passed": result.passed,
        "explanation": result.explanation,
    }


def evaluate_document(doc: Document) -> dict[str, Any]:
    """Category and the four conditions of a parsed document, as a JSON-ready dict."""
    result = logic.categorize(doc.actors, doc.funding, doc.as_of)
    conditions = logic.check_conditions(
        welfare_area=doc.welfare_area,
        public_actor_involved=doc.public_actor_involved,
        fagomraader_count=doc.fagomraader_count,
        cross_area_coordination=doc.cross_area_coordination,
        coordinating_function=doc.coordinating_function,
    )
    verdict = logic.within_definition(conditions)
    return {
        "name": doc.name,
        "category": result.category,
        "actor_axis": result.actor_axis.value if result.actor_axis else None,
        "financing_axis": result.financing_axis.value if result.financing_axis else None,
        "explanation": result.explanation,
        "as_of": doc.as_of.isoformat(),
        "active_funding": [s.funder for s in result.active_sources],
        "fagomraader": list(doc.fagomraader or ()),
        "conditions": [condition_dict(c) for c in conditions],
        "within_definition": verdict.within,
        "verdict": verdict.explanation,
        "failed_conditions": list(verdict.failed),
        "unknown_conditions": list(verdict.unknown),
        "issues": [issue_dict(i) for i in result.issues],
    }


def categorize_document(data: object, *, today: date) -> dict[str, Any]:
    return evaluate_document(parse_document(data, today=today))


# --------------------------------------------------------------------------------------------
# Filters from query parameters (list page, export, API)
# --------------------------------------------------------------------------------------------


class FilterError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


FILTER_PARAMS: Final = (
    "q",
    "query",
    "category",
    "welfare_area",
    "location",
    "actor_type",
    "financing",
    "target_group",
    "phase",
    "collaboration_model",
    "within_definition",
    "as_of",
    "pr",
)
FINANCING_VALUES: Final = ("intern", "kombineret", "ekstern")
WITHIN_VALUES: Final = ("ja", "nej", "ukendt")


def filters_from_params(params: Mapping[str, Any]) -> tuple[selectors.Filters, date | None]:
    """``selectors.Filters`` (and an optional ``as_of``) from query parameters.

    Unknown parameters are ignored (paging, sorting); known ones with invalid values raise
    :class:`FilterError` with a Danish message, so a caller never passes a value that would make
    the selector fail.
    """

    def get(key: str) -> str:
        value = params.get(key)
        return "" if value is None else str(value).strip()

    category: int | None = None
    if get("category"):
        if not get("category").isdigit() or not 1 <= int(get("category")) <= 9:
            raise FilterError("category", f"kategorien skal være 1-9, ikke '{get('category')}'")
        category = int(get("category"))
    welfare_area = ""
    if get("welfare_area"):
        try:
            welfare_area = welfare_area_slug(get("welfare_area"))
        except ValueError as exc:
            raise FilterError("welfare_area", str(exc)) from None
    actor_type = get("actor_type").casefold()
    if actor_type and actor_type not in ORG_TYPES:
        raise FilterError("actor_type", f"brug en af {', '.join(ORG_TYPES)}")
    checks = (
        ("financing", FINANCING_VALUES),
        ("within_definition", WITHIN_VALUES),
        ("phase", tuple(Phase.values)),
        ("collaboration_model", tuple(CollaborationModel.values)),
    )
    for key, allowed in checks:
        if get(key) and get(key) not in allowed:
            raise FilterError(key, f"ukendt værdi '{get(key)}' (brug {', '.join(allowed)})")
    as_of = None
    for key in ("as_of", "pr"):  # "pr" is the pages' name, in Danish or ISO form
        raw = get(key)
        if raw and as_of is None:
            danish = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", raw)
            if danish:
                raw = f"{danish[3]}-{int(danish[2]):02d}-{int(danish[1]):02d}"
            try:
                as_of = parse_date(raw)
            except ValueError as exc:
                raise FilterError(key, str(exc)) from None
    for key in ("q", "query", "location", "target_group"):
        if len(get(key)) > 200:
            raise FilterError(key, "højst 200 tegn")
    filters = selectors.Filters(
        query=get("q") or get("query"),
        category=category,
        welfare_area=welfare_area,
        location=get("location"),
        actor_type=actor_type,
        financing=get("financing"),
        target_group=get("target_group"),
        phase=get("phase"),
        collaboration_model=get("collaboration_model"),
        within_definition=get("within_definition"),
    )
    return filters, as_of


# --------------------------------------------------------------------------------------------
# Actors and funding as one spreadsheet cell each
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorRow:
    """An actor to write. ``None`` for a detail means "not given: keep what is stored"."""

    name: str
    org_type: logic.OrgType
    role: logic.ActorRole
    units: str | None = None
    professions: str | None = None
    note: str | None = None
    organisation_id: uuid.UUID | None = None

    def as_logic(self) -> logic.Actor:
        return logic.Actor(self.name, self.org_type, self.role)


@dataclass(frozen=True)
class FundingRow:
    funder: str
    org_type: logic.OrgType
    inside: bool
    amount: Decimal | None
    start: date | None
    end: date | None
    counts_for_classification: bool = True
    note: str | None = None

    def as_logic(self) -> logic.FundingSource:
        return logic.FundingSource(
            self.funder, self.org_type, self.inside, self.amount, self.start, self.end
        )


def format_actors(initiative: Initiative) -> str:
    return "; ".join(
        f"{a.name} [{a.org_type_id}, {ROLE_DA.get(a.role, a.role)}]"
        for a in initiative.actors.all()
    )


def format_funding(initiative: Initiative) -> str:
    parts = []
    for f in initiative.funding_sources.all():
        tags = [f.org_type_id, "intern" if f.inside else "ekstern"]
        if not f.counts_for_classification:
            tags.append(NOT_COUNTED)
        period = f"{f.period_start.isoformat()}–{f.period_end.isoformat() if f.period_end else ''}"
        amount = format_amount(f.amount)
        parts.append(f"{f.funder} [{', '.join(tags)}] {period}" + (f" {amount}" if amount else ""))
    return "; ".join(parts)


_PERIOD = re.compile(
    r"(?:(?P<start>\d{4}-\d{2}-\d{2})\s*(?:(?:–|—|--|-|til)\s*(?P<end>\d{4}-\d{2}-\d{2})?)?)?"
    r"\s*(?P<amount>.*?)"
)
_ITEM = re.compile(r"^(?P<name>.*?)\s*\[(?P<tags>[^\[\]]*)\]\s*(?P<rest>[^\[\]]*)$")


def _split_items(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def parse_actors(cell: str) -> list[ActorRow]:
    """``Navn [type, rolle]; …`` → actors; ``ValueError`` with a Danish message."""
    actors = []
    for n, item in enumerate(_split_items(cell), start=1):
        match = _ITEM.match(item)
        if not match or match["rest"].strip():
            raise ValueError(
                f"aktør {n} ('{item}') skal skrives 'Navn [type, rolle]', "
                "fx 'Holbæk Kommune [kommune, primær]'"
            )
        tags = [t.strip() for t in match["tags"].split(",") if t.strip()]
        if len(tags) != 2:
            raise ValueError(
                f"aktør {n} ('{item}'): angiv type og rolle i klammerne, fx [kommune, primær]"
            )
        try:
            org_type, role = parse_org_type(tags[0]), parse_role(tags[1])
        except ValueError as exc:
            raise ValueError(f"aktør {n} ('{match['name']}'): {exc}") from None
        name = match["name"].strip()
        if not name:
            raise ValueError(f"aktør {n} mangler navn")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"aktør {n}: navnet er for langt (højst {MAX_NAME_LENGTH} tegn)")
        actors.append(ActorRow(name, org_type, role))
    return actors


def parse_funding(cell: str) -> list[FundingRow]:
    """``Kilde [type, intern|ekstern] fra–til beløb; …`` → funding rows."""
    rows = []
    for n, item in enumerate(_split_items(cell), start=1):
        match = _ITEM.match(item)
        example = "fx 'DSI [stat, ekstern] 2024-01-01–2026-06-30 6900000'"
        if not match:
            raise ValueError(
                f"finansieringskilde {n} ('{item}') skal skrives "
                f"'Kilde [type, intern|ekstern] fra–til beløb', {example}"
            )
        funder = match["name"].strip()
        label = f"finansieringskilde {n} ('{funder or item}')"
        if not funder:
            raise ValueError(f"finansieringskilde {n} mangler navn")
        if len(funder) > MAX_NAME_LENGTH:
            raise ValueError(f"{label}: navnet er for langt (højst {MAX_NAME_LENGTH} tegn)")
        tags = [t.strip().casefold() for t in match["tags"].split(",") if t.strip()]
        org_types = [t for t in tags if t in ORG_TYPES]
        sides = [t for t in tags if t in {"intern", "ekstern"}]
        counted = NOT_COUNTED not in tags
        other = [
            t for t in tags if t not in ORG_TYPES and t not in {"intern", "ekstern", NOT_COUNTED}
        ]
        if other or len(org_types) != 1 or len(sides) != 1:
            raise ValueError(
                f"{label}: angiv type og intern eller ekstern i klammerne, fx [stat, ekstern] "
                f"(typer: {', '.join(ORG_TYPES)})"
            )
        period = _PERIOD.fullmatch(match["rest"].strip())
        if period is None or _ISO_DATE.search(period["amount"]):
            raise ValueError(
                f"{label}: skriv perioden som 'fra–til' (ÅÅÅÅ-MM-DD–ÅÅÅÅ-MM-DD, til-datoen kan "
                f"udelades) efterfulgt af beløbet, {example}"
            )
        try:
            start = parse_date(period["start"]) if period["start"] else None
            end = parse_date(period["end"]) if period["end"] else None
            amount = parse_amount(period["amount"]) if period["amount"] else None
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
        rows.append(
            FundingRow(
                funder=funder,
                org_type=logic.OrgType(org_types[0]),
                inside=sides[0] == "intern",
                amount=amount,
                start=start,
                end=end,
                counts_for_classification=counted,
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# Writing actors, funding and fagområder (shared by the import and the API)
# --------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def apply_actors(initiative: Initiative, rows: Sequence[ActorRow]) -> bool:
    """Make the initiative's actors exactly ``rows``; ``False`` (nothing written) if they are.

    Details a row leaves as ``None`` (units, professions, note) and the provenance are carried
    over from a stored actor of the same name, so a re-import of an export loses nothing.
    """
    existing = list(InitiativeActor.objects.filter(initiative=initiative).order_by("order"))

    def same(a: InitiativeActor, r: ActorRow) -> bool:
        return (
            (a.name, a.org_type_id, a.role) == (r.name, r.org_type.value, r.role.value)
            and (r.units is None or r.units == a.units)
            and (r.professions is None or r.professions == a.professions)
            and (r.note is None or r.note == a.note)
            and (r.organisation_id is None or r.organisation_id == a.organisation_id)
        )

    if len(existing) == len(rows) and all(same(a, r) for a, r in zip(existing, rows, strict=True)):
        return False
    old = {_key(a.name): a for a in existing}
    InitiativeActor.objects.filter(initiative=initiative).delete()
    new = []
    for order, row in enumerate(rows):
        prior = old.get(_key(row.name))
        new.append(
            InitiativeActor(
                initiative=initiative,
                name=row.name,
                org_type_id=row.org_type.value,
                role=row.role.value,
                units=row.units if row.units is not None else (prior.units if prior else ""),
                professions=row.professions
                if row.professions is not None
                else (prior.professions if prior else ""),
                note=row.note if row.note is not None else (prior.note if prior else ""),
                organisation_id=row.organisation_id or (prior.organisation_id if prior else None),
                provenance=prior.provenance if prior else [],
                order=order,
            )
        )
    InitiativeActor.objects.bulk_create(new)
    return True


def apply_funding(initiative: Initiative, rows: Sequence[FundingRow]) -> bool:
    """Make the initiative's funding exactly ``rows`` (order-insensitive); ``False`` if it is."""
    existing = list(FundingSource.objects.filter(initiative=initiative))

    def signature(
        funder: str,
        org_type: str,
        inside: bool,
        amount: Decimal | None,
        start: date | None,
        end: date | None,
        counts: bool,
    ) -> tuple[Any, ...]:
        return (funder, org_type, inside, amount, start, end, counts)

    old_sigs = sorted(
        (
            signature(
                f.funder,
                f.org_type_id,
                f.inside,
                f.amount,
                f.period_start,
                f.period_end,
                f.counts_for_classification,
            ),
            f.note,
        )
        for f in existing
    )
    new_sigs = sorted(
        (
            signature(
                r.funder,
                r.org_type.value,
                r.inside,
                r.amount,
                r.start,
                r.end,
                r.counts_for_classification,
            ),
            r.note,
        )
        for r in rows
    )
    if len(old_sigs) == len(new_sigs) and all(
        o[0] == n[0] and (n[1] is None or n[1] == o[1])
        for o, n in zip(old_sigs, new_sigs, strict=True)
    ):
        return False
    old = {(_key(f.funder), f.period_start): f for f in existing}
    FundingSource.objects.filter(initiative=initiative).delete()
    new = []
    for row in rows:
        if row.start is None:  # validated before; a stored source always has a start
            raise ValueError(f"Finansieringskilden '{row.funder}' mangler en startdato.")
        prior = old.get((_key(row.funder), row.start))
        new.append(
            FundingSource(
                initiative=initiative,
                funder=row.funder,
                org_type_id=row.org_type.value,
                inside=row.inside,
                amount=row.amount,
                period_start=row.start,
                period_end=row.end,
                counts_for_classification=row.counts_for_classification,
                note=row.note if row.note is not None else (prior.note if prior else ""),
                provenance=prior.provenance if prior else [],
            )
        )
    FundingSource.objects.bulk_create(new)
    return True


def apply_welfare_areas(initiative: Initiative, areas: Sequence[tuple[str, str]]) -> bool:
    """Make the fagområder exactly the slugs in ``areas`` ((slug, raw term) pairs)."""
    existing = {
        link.welfare_area_id: link
        for link in InitiativeWelfareArea.objects.filter(initiative=initiative)
    }
    wanted: dict[str, str] = {}
    for slug, raw in areas:
        wanted.setdefault(slug, raw)  # the first raw term wins
    if set(existing) == set(wanted):
        return False
    InitiativeWelfareArea.objects.filter(
        initiative=initiative, welfare_area_id__in=set(existing) - set(wanted)
    ).delete()
    InitiativeWelfareArea.objects.bulk_create(
        InitiativeWelfareArea(initiative=initiative, welfare_area_id=slug, raw_term=raw[:120])
        for slug, raw in wanted.items()
        if slug not in existing
    )
    return True


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

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


def export_records(
    rows: Sequence[tuple[Initiative, selectors.Evaluation]],
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and one dict per initiative: ``selectors.export_rows`` plus actors, funding and
    the manual category, so that the export can be imported again."""
    records = selectors.export_rows(rows)
    for record, (initiative, _evaluation) in zip(records, rows, strict=True):
        record["actors"] = format_actors(initiative)
        record["funding"] = format_funding(initiative)
        record["category_override"] = initiative.category_override
        record["override_reason"] = initiative.override_reason
        record["override_source"] = initiative.override_source
    columns = list(EXPORT_COLUMNS)
    for record in records[:1]:
        columns += [key for key in record if key not in columns]
    return columns, records


def _text_value(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "ja"
    if value is False:
        return "nej"
    return str(value)


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def to_csv(
    columns: Sequence[str],
    records: Iterable[Mapping[str, Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> str:
    """CSV text (``;``-free: comma-separated, quoted as needed). Text cells that a spreadsheet
    would run as a formula get a leading apostrophe, which the import removes again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow(columns)
    for record in records:
        cells = []
        for column in columns:
            value = record.get(column)
            text = _text_value(value)
            if isinstance(value, str) and text.startswith(_FORMULA_START):
                text = "'" + text
            cells.append(text)
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
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(8, min(width + 2, 60))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem in the file: spreadsheet row (header = 1), column name, Danish message."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


class UnreadableFileError(ValueError):
    pass


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
_TEXT_FIELDS: Final = ("name", "location", "description", "target_group", "override_reason")
_CATEGORY_FIELDS: Final = ("vive_category", "alternative_category", "category_override")
_CHOICE_FIELDS: Final[dict[str, type[Any]]] = {
    "time_perspective": TimePerspective,
    "phase": Phase,
    "collaboration_model": CollaborationModel,
    "override_source": OverrideSource,
}
_BOOL_WORDS: Final[dict[str, bool]] = {
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


def read_table(file_bytes: bytes, fmt: str) -> list[list[str]]:
    """All rows of the first sheet as text cells (row 0 is the header)."""
    if fmt == "csv":
        try:
            text = file_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFileError(
                "Filen er ikke gemt som UTF-8. Vælg 'CSV UTF-8' når du gemmer i Excel."
            ) from None
        first = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=first.count)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise UnreadableFileError(f"Filen kan ikke læses som CSV: {exc}.") from None
        return [[cell.strip() for cell in row] for row in rows]
    if fmt == "xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell(v).strip() for v in values])
                if len(rows) > MAX_IMPORT_ROWS + 1:
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
            raise UnreadableFileError(
                "Filen kan ikke læses som et Excel-regneark (XLSX)."
            ) from None
        return rows
    raise ValueError(f"unknown import format {fmt!r}; expected one of {FORMATS}")


@dataclass
class _Plan:
    row: int
    target: Initiative | None
    values: dict[str, Any]
    areas: list[tuple[str, str]] | None
    actors: list[ActorRow] | None
    funding: list[FundingRow] | None


def _choice(enum: type[Any], raw: str) -> str:
    for value, label in enum.choices:
        if raw.casefold() in {str(value).casefold(), str(label).casefold()}:
            return str(value)
    raise ValueError(f"ukendt værdi '{raw}'. Brug en af: {', '.join(str(v) for v in enum.values)}")


def _unquote(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def import_initiatives(
    file_bytes: bytes, fmt: str, *, filename: str = "", dry_run: bool = False
) -> ImportResult:
    """Validate every row of a CSV/XLSX file, then create/update initiatives in one transaction.

    Rows are matched on the ``id`` column when it holds a known id, else on name + location
    (case-insensitive). If any row has an error nothing is written and ``result.errors`` lists
    them all. With ``dry_run`` everything is validated and counted but rolled back.
    """
    result = ImportResult(dry_run=dry_run)
    if len(file_bytes) > MAX_IMPORT_BYTES:
        result.errors.append(
            RowError(
                0,
                "",
                (
                    f"Filen er for stor ({len(file_bytes) / 1024 / 1024:.1f} MB). "
                    f"Den må højst være {MAX_IMPORT_BYTES // 1024 // 1024} MB."
                ),
            )
        )
        return result
    try:
        table = read_table(file_bytes, fmt)
    except UnreadableFileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    while table and not any(table[-1]):
        table.pop()
    if not table:
        result.errors.append(RowError(1, "", "Filen er tom: der mangler en overskriftsrække."))
        return result
    if len(table) > MAX_IMPORT_ROWS + 1:
        result.errors.append(RowError(0, "", f"Filen har mere end {MAX_IMPORT_ROWS} rækker."))
        return result

    header = [h.lstrip("\ufeff").strip().casefold() for h in table[0]]
    for n, column in enumerate(header):
        if column and column not in IMPORT_COLUMNS | IGNORED_COLUMNS:
            close = difflib.get_close_matches(column, sorted(IMPORT_COLUMNS), n=1)
            hint = f" Mente du '{close[0]}'?" if close else ""
            result.errors.append(RowError(1, column, f"Ukendt kolonne '{table[0][n]}'.{hint}"))
        if column and header.index(column) != n:
            result.errors.append(RowError(1, column, f"Kolonnen '{column}' findes to gange."))
    if "name" not in header:
        result.errors.append(RowError(1, "name", "Kolonnen 'name' (indsatsens navn) mangler."))
    if result.errors:
        return result
    present = {c for c in header if c in IMPORT_COLUMNS}

    existing = list(selectors.initiatives())
    by_id = {i.id: i for i in existing}
    by_key: dict[tuple[str, str], list[Initiative]] = {}
    for initiative in existing:
        by_key.setdefault((_key(initiative.name), _key(initiative.location)), []).append(initiative)
    seen: dict[object, int] = {}
    plans: list[_Plan] = []

    for index, raw_row in enumerate(table[1:], start=2):
        if not any(raw_row):
            continue
        errors: list[RowError] = []

        def err(
            column: str, message: str, *, row: int = index, out: list[RowError] = errors
        ) -> None:
            out.append(RowError(row, column, message[:1].upper() + message[1:]))

        if len(raw_row) > len(header) and any(raw_row[len(header) :]):
            err("", f"Rækken har {len(raw_row)} celler, men overskriften kun {len(header)}.")
        cells = {
            column: _unquote(raw_row[n]) if n < len(raw_row) else ""
            for n, column in enumerate(header)
            if column in present
        }
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            if name in cells:
                values[name] = cells[name]
                limit = getattr(Initiative._meta.get_field(name), "max_length", None)
                if limit and len(cells[name]) > limit:
                    err(name, f"Teksten er for lang ({len(cells[name])} tegn, højst {limit}).")
        if not cells["name"]:
            err("name", "Navn skal udfyldes.")
        for name in _CATEGORY_FIELDS:
            if name in cells:
                raw = cells[name]
                if not raw:
                    values[name] = None
                elif raw.isdigit() and 1 <= int(raw) <= 9:
                    values[name] = int(raw)
                else:
                    err(name, f"Kategorien skal være et tal fra 1 til 9, ikke '{raw}'.")
        if "umbrella" in cells:
            word = cells["umbrella"].casefold()
            if word in _BOOL_WORDS:
                values["umbrella"] = _BOOL_WORDS[word]
            else:
                err("umbrella", f"Skriv ja eller nej, ikke '{cells['umbrella']}'.")
        for name, enum in _CHOICE_FIELDS.items():
            if name in cells:
                if not cells[name]:
                    values[name] = "" if name == "override_source" else "ukendt"
                    continue
                try:
                    values[name] = _choice(enum, cells[name])
                except ValueError as exc:
                    err(name, str(exc))
        areas = None
        if "welfare_areas" in cells:
            areas = []
            for raw in _split_items(cells["welfare_areas"]):
                try:
                    areas.append((welfare_area_slug(raw), raw))
                except ValueError as exc:
                    err("welfare_areas", str(exc))
        actors = None
        if "actors" in cells:
            try:
                actors = parse_actors(cells["actors"])
            except ValueError as exc:
                err("actors", str(exc))
        funding = None
        if "funding" in cells:
            try:
                funding = parse_funding(cells["funding"])
            except ValueError as exc:
                err("funding", str(exc))

        # Which initiative the row is about.
        target: Initiative | None = None
        if cells.get("id"):
            try:
                target = by_id.get(uuid.UUID(cells["id"]))
            except ValueError:
                err("id", f"'{cells['id']}' er ikke et gyldigt id. Lad feltet stå tomt for nye.")
        if target is None and cells["name"]:
            matches = by_key.get((_key(cells["name"]), _key(cells.get("location", ""))), [])
            if len(matches) > 1:
                err("name", "Flere indsatser har dette navn og sted. Angiv id-kolonnen.")
            elif matches:
                target = matches[0]
        identity: object = (
            target.id if target else (_key(cells["name"]), _key(cells.get("location", "")))
        )
        if identity in seen:
            err("name", f"Samme indsats som række {seen[identity]}.")
        else:
            seen[identity] = index

        # Rules across columns, on the values the initiative will have after the import.
        def after(
            name: str,
            default: Any,
            values: dict[str, Any] = values,
            target: Initiative | None = target,
        ) -> Any:
            if name in values:
                return values[name]
            return getattr(target, name) if target is not None else default

        if after("category_override", None) is not None:
            if not str(after("override_reason", "")).strip():
                err("override_reason", "En manuel kategori kræver en begrundelse.")
            if after("override_source", "") not in OverrideSource.values:
                err(
                    "override_source",
                    f"Angiv kilden til den manuelle kategori ({', '.join(OverrideSource.values)}).",
                )
        else:
            if "override_reason" in values:
                values["override_reason"] = ""
            if "override_source" in values:
                values["override_source"] = ""
        logic_actors = (
            [a.as_logic() for a in actors]
            if actors is not None
            else (selectors.logic_actors(target) if target is not None else [])
        )
        if actors:
            for issue in logic.validate_actors(logic_actors):
                (errors if issue.severity == "error" else result.warnings).append(
                    RowError(index, "actors", issue.message)
                )
        if funding:
            for issue in logic.validate_funding([f.as_logic() for f in funding], logic_actors):
                (errors if issue.severity == "error" else result.warnings).append(
                    RowError(index, "funding", issue.message)
                )
        result.errors += errors
        if not errors:
            plans.append(_Plan(index, target, values, areas, actors, funding))

    if result.errors:
        return result

    table_name = f"Import {filename}".strip()
    try:
        with transaction.atomic():
            for plan in plans:
                _write(plan, table_name, result)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:  # a database rule the checks above did not anticipate
        result.created = result.updated = result.unchanged = 0
        result.errors.append(RowError(0, "", f"Databasen afviste importen: {exc}"))
    return result


def _write(plan: _Plan, table_name: str, result: ImportResult) -> None:
    reference = [{"table": table_name, "line": plan.row}]
    initiative = plan.target
    if initiative is None:
        initiative = Initiative(source=table_name, **plan.values)
        initiative.save()
        changed = set(plan.values)
        created = True
    else:
        changed = set()
        for name, value in plan.values.items():
            if getattr(initiative, name) != value:
                setattr(initiative, name, value)
                changed.add(name)
        created = False
    if plan.areas is not None and apply_welfare_areas(initiative, plan.areas):
        changed.add("fagomraader")
    if plan.actors is not None and apply_actors(initiative, plan.actors):
        changed.add("actors")
    if plan.funding is not None and apply_funding(initiative, plan.funding):
        changed.add("funding_sources")
    if created:
        initiative.provenance = {name: reference for name in sorted(changed)}
        initiative.save(update_fields=["provenance"])
        result.created += 1
    elif changed:
        provenance = dict(initiative.provenance or {})
        provenance.update({name: reference for name in changed})
        initiative.provenance = provenance
        initiative.save()
        result.updated += 1
    else:
        result.unchanged += 1
