"""One initiative described as JSON: the input of ``helhed registry categorize`` and
``POST /api/registry/categorize``, and their common output.

:func:`parse_document` validates the whole document and raises :class:`InputError` naming the
offending field (``actors[0].org_type``); :func:`evaluate_document` applies ``logic`` to it.
Nothing is stored: the document is evaluated as it stands (docs/registry.md describes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypeVar

from helhed.registry import logic
from helhed.registry.formats.values import (
    parse_amount,
    parse_date,
    parse_org_type,
    parse_role,
    welfare_area_slug,
)

Loc = tuple[str | int, ...]
T = TypeVar("T")


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
ACTOR_KEYS: Final = frozenset({"name", "org_type", "role", "note"})
FUNDING_KEYS: Final = frozenset({"funder", "org_type", "inside", "amount", "start", "end", "note"})
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
_TRI_WORDS: Final[dict[str, bool | None]] = {
    "ja": True,
    "nej": False,
    "ukendt": None,
    "true": True,
    "false": False,
}


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


def _parsed(parse: Callable[[str], T], raw: str, loc: Loc) -> T:
    """``parse(raw)``, its ``ValueError`` as an :class:`InputError` at ``loc``."""
    try:
        return parse(raw)
    except ValueError as exc:
        raise InputError(loc, str(exc)) from None


def _tri(value: object, loc: Loc) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in _TRI_WORDS:
        return _TRI_WORDS[value.strip().casefold()]
    raise InputError(loc, f"skal være true, false eller null (fik {value!r})")


def _keys(obj: Mapping[str, Any], allowed: frozenset[str], loc: Loc) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise InputError(
            (*loc, unknown[0]), f"ukendt felt (tilladte felter: {', '.join(sorted(allowed))})"
        )


def _as_of(obj: Mapping[str, Any], today: date) -> date:
    if obj.get("as_of") is None:
        return today
    raw = _expect(obj["as_of"], str, ("as_of",), "en dato (ÅÅÅÅ-MM-DD)")
    return _parsed(parse_date, raw, ("as_of",))


def _actor(raw: object, loc: Loc) -> logic.Actor:
    item = _expect(raw, dict, loc, "et objekt med name, org_type og role")
    _keys(item, ACTOR_KEYS, loc)
    org_type = _parsed(parse_org_type, _text(item, "org_type", loc), (*loc, "org_type"))
    role = _parsed(parse_role, _text(item, "role", loc), (*loc, "role"))
    return logic.Actor(_text(item, "name", loc), org_type, role)


def _optional_date(item: Mapping[str, Any], key: str, loc: Loc) -> date | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    raw = _expect(value, str, (*loc, key), "en dato (ÅÅÅÅ-MM-DD)")
    return _parsed(parse_date, raw, (*loc, key))


def _funding_source(raw: object, loc: Loc) -> logic.FundingSource:
    item = _expect(raw, dict, loc, "et objekt med funder, org_type, inside, start og end")
    _keys(item, FUNDING_KEYS, loc)
    org_type = _parsed(parse_org_type, _text(item, "org_type", loc), (*loc, "org_type"))
    if "inside" not in item:
        raise InputError((*loc, "inside"), "mangler (true: kilden er aktør i indsatsen)")
    inside = _expect(item["inside"], bool, (*loc, "inside"), "true eller false")
    start = _optional_date(item, "start", loc)
    end = _optional_date(item, "end", loc)
    try:
        amount = parse_amount(item.get("amount"))
    except ValueError as exc:
        raise InputError((*loc, "amount"), str(exc)) from None
    return logic.FundingSource(
        funder=_text(item, "funder", loc),
        org_type=org_type,
        inside=inside,
        amount=amount,
        start=start,
        end=end,
    )


def _areas(cond: Mapping[str, Any], loc: Loc) -> tuple[str, ...] | None:
    if cond.get("fagomraader") is None:
        return None
    raw_areas = _expect(cond["fagomraader"], list, (*loc, "fagomraader"), "en liste")
    slugs = []
    for n, raw in enumerate(raw_areas):
        where: Loc = (*loc, "fagomraader", n)
        slugs.append(_parsed(welfare_area_slug, _expect(raw, str, where, "en tekst"), where))
    return tuple(dict.fromkeys(slugs))


def _area_count(cond: Mapping[str, Any], areas: tuple[str, ...] | None, loc: Loc) -> int | None:
    if cond.get("fagomraader_count") is None:
        return len(areas) if areas else None
    where: Loc = (*loc, "fagomraader_count")
    count: int = _expect(cond["fagomraader_count"], int, where, "et heltal")
    if count < 0:
        raise InputError(where, "kan ikke være negativ")
    if areas is not None and count != len(areas):
        raise InputError(
            where, f"er {count}, men fagomraader nævner {len(areas)} forskellige fagområder"
        )
    return count


def parse_document(data: object, *, today: date) -> Document:
    """Validate a JSON initiative document; raises :class:`InputError` naming the field."""
    obj = _expect(data, dict, (), "et JSON-objekt")
    _keys(obj, DOCUMENT_KEYS, ())
    name = _text(obj, "name", (), required=False)
    as_of = _as_of(obj, today)
    raw_actors = _expect(obj.get("actors", []), list, ("actors",), "en liste")
    actors = [_actor(raw, ("actors", n)) for n, raw in enumerate(raw_actors)]
    raw_funding = _expect(obj.get("funding", []), list, ("funding",), "en liste")
    funding = [_funding_source(raw, ("funding", n)) for n, raw in enumerate(raw_funding)]

    loc: Loc = ("conditions",)
    cond = _expect(obj.get("conditions", {}), dict, loc, "et objekt")
    _keys(cond, CONDITION_KEYS, loc)
    areas = _areas(cond, loc)
    count = _area_count(cond, areas, loc)
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
        fagomraader_count=count,
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
