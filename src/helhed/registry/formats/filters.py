"""The list's filters from query parameters: one parser for the list page's links, the export
and the API, so a query string means the same everywhere.

Unknown parameters are ignored (paging, sorting); a known one with an invalid value raises
:class:`FilterError` with a Danish message, so a caller never hands the selector a value that
would make it fail. The vocabularies that belong to the model (phases, collaboration models)
are given by the caller (``selectors.filters_from_params``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from helhed.registry.formats.values import ORG_TYPES, parse_date, welfare_area_slug

FINANCING_CATEGORIES: Final[dict[str, frozenset[int]]] = {
    "intern": frozenset({1, 2, 3}),
    "kombineret": frozenset({4, 5, 6}),
    "ekstern": frozenset({7, 8, 9}),
}
WITHIN_VALUES: Final[dict[str, bool | None]] = {"ja": True, "nej": False, "ukendt": None}
MAX_TEXT: Final = 200


@dataclass(frozen=True)
class Filters:
    """What ``selectors.search`` filters on; every field empty = everything."""

    query: str = ""
    category: int | None = None
    welfare_area: str = ""
    location: str = ""
    actor_type: str = ""
    financing: str = ""  # intern / kombineret / ekstern (of the effective category)
    target_group: str = ""
    phase: str = ""
    collaboration_model: str = ""
    within_definition: str = ""  # "ja", "nej", "ukendt"

    def __post_init__(self) -> None:
        if self.financing not in ("", *FINANCING_CATEGORIES):
            raise ValueError(f"Ukendt finansieringstype {self.financing!r}")
        if self.within_definition not in ("", *WITHIN_VALUES):
            raise ValueError(f"Ukendt værdi for definitionen {self.within_definition!r}")
        if self.category is not None and not 1 <= self.category <= 9:
            raise ValueError(f"Kategorien skal være 1-9, ikke {self.category}")


class FilterError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def _category(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 9:
        raise FilterError("category", f"kategorien skal være 1-9, ikke '{raw}'")
    return int(raw)


def _welfare_area(raw: str) -> str:
    try:
        return welfare_area_slug(raw) if raw else ""
    except ValueError as exc:
        raise FilterError("welfare_area", str(exc)) from None


def _as_of(get: Mapping[str, str]) -> date | None:
    """``as_of`` (ISO) or ``pr`` (the pages' name, Danish ``d.m.åååå`` or ISO); the first given."""
    for key in ("as_of", "pr"):
        raw = get[key]
        if not raw:
            continue
        danish = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", raw)
        if danish:
            raw = f"{danish[3]}-{int(danish[2]):02d}-{int(danish[1]):02d}"
        try:
            return parse_date(raw)
        except ValueError as exc:
            raise FilterError(key, str(exc)) from None
    return None


PARAMS: Final = (
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


def filters_from_params(
    params: Mapping[str, Any], choices: Mapping[str, Collection[str]]
) -> tuple[Filters, date | None]:
    """:class:`Filters` (and an optional ``as_of``) from query parameters; ``choices`` holds the
    allowed values of ``phase`` and ``collaboration_model``."""
    get = {key: "" if params.get(key) is None else str(params.get(key)).strip() for key in PARAMS}
    category, welfare_area = _category(get["category"]), _welfare_area(get["welfare_area"])
    actor_type = get["actor_type"].casefold()
    if actor_type and actor_type not in ORG_TYPES:
        raise FilterError("actor_type", f"brug en af {', '.join(ORG_TYPES)}")
    allowed = {
        "financing": tuple(FINANCING_CATEGORIES),
        "within_definition": tuple(WITHIN_VALUES),
        **{key: tuple(choices[key]) for key in ("phase", "collaboration_model")},
    }
    for key, values in allowed.items():
        if get[key] and get[key] not in values:
            raise FilterError(key, f"ukendt værdi '{get[key]}' (brug {', '.join(values)})")
    as_of = _as_of(get)
    for key in ("q", "query", "location", "target_group"):
        if len(get[key]) > MAX_TEXT:
            raise FilterError(key, f"højst {MAX_TEXT} tegn")
    filters = Filters(
        query=get["q"] or get["query"],
        category=category,
        welfare_area=welfare_area,
        location=get["location"],
        actor_type=actor_type,
        financing=get["financing"],
        target_group=get["target_group"],
        phase=get["phase"],
        collaboration_model=get["collaboration_model"],
        within_definition=get["within_definition"],
    )
    return filters, as_of
