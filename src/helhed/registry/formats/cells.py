"""Actors and funding as one spreadsheet cell each, in a syntax a person can read and edit and
that the import parses back:

* actors: ``Navn [type, rolle]; …`` e.g. ``Holbæk Kommune [kommune, primær]``;
* funding: ``Kilde [type, intern|ekstern] fra–til beløb; …`` e.g.
  ``Den Sociale Investeringsfond (DSI) [stat, ekstern] 2024-01-01–2026-06-30 6900000``.
  An open period ends with ``–``; ``, indgår ikke`` inside the brackets marks money the
  categorisation does not rest on.

:class:`ActorRow` and :class:`FundingRow` are also what ``services.save_initiative`` takes: an
actor or a funding source as plain values, whichever format it came from.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from helhed.registry import logic
from helhed.registry.formats.values import (
    ISO_DATE,
    MAX_NAME_LENGTH,
    ORG_TYPES,
    ROLE_DA,
    format_amount,
    parse_amount,
    parse_date,
    parse_org_type,
    parse_role,
)

NOT_COUNTED: Final = "indgår ikke"
_SIDES: Final = frozenset({"intern", "ekstern"})


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
    """A funding source to write. ``note`` ``None`` = keep the stored note."""

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


def format_actors(rows: Sequence[ActorRow]) -> str:
    return "; ".join(f"{a.name} [{a.org_type.value}, {ROLE_DA[a.role.value]}]" for a in rows)


def format_funding(rows: Sequence[FundingRow]) -> str:
    parts = []
    for f in rows:
        tags = [f.org_type.value, "intern" if f.inside else "ekstern"]
        if not f.counts_for_classification:
            tags.append(NOT_COUNTED)
        start = f.start.isoformat() if f.start else ""
        period = f"{start}–{f.end.isoformat() if f.end else ''}"
        amount = format_amount(f.amount)
        parts.append(f"{f.funder} [{', '.join(tags)}] {period}" + (f" {amount}" if amount else ""))
    return "; ".join(parts)


_PERIOD = re.compile(
    r"(?:(?P<start>\d{4}-\d{2}-\d{2})\s*(?:(?:–|—|--|-|til)\s*(?P<end>\d{4}-\d{2}-\d{2})?)?)?"
    r"\s*(?P<amount>.*?)"
)
_ITEM = re.compile(r"^(?P<name>.*?)\s*\[(?P<tags>[^\[\]]*)\]\s*(?P<rest>[^\[\]]*)$")
_FUNDING_EXAMPLE: Final = "fx 'DSI [stat, ekstern] 2024-01-01–2026-06-30 6900000'"


def split_items(cell: str) -> list[str]:
    """The ``;``-separated parts of a cell, trimmed, empty parts dropped."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def _actor(n: int, item: str) -> ActorRow:
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
    return ActorRow(name, org_type, role)


def parse_actors(cell: str) -> list[ActorRow]:
    """``Navn [type, rolle]; …`` → actors; ``ValueError`` with a Danish message."""
    return [_actor(n, item) for n, item in enumerate(split_items(cell), start=1)]


def _funding_tags(label: str, raw: str) -> tuple[logic.OrgType, bool, bool]:
    """``[type, intern|ekstern(, indgår ikke)]`` → (type, inside, counts for the category)."""
    tags = [t.strip().casefold() for t in raw.split(",") if t.strip()]
    org_types = [t for t in tags if t in ORG_TYPES]
    sides = [t for t in tags if t in _SIDES]
    other = [t for t in tags if t not in ORG_TYPES and t not in _SIDES and t != NOT_COUNTED]
    if other or len(org_types) != 1 or len(sides) != 1:
        raise ValueError(
            f"{label}: angiv type og intern eller ekstern i klammerne, fx [stat, ekstern] "
            f"(typer: {', '.join(ORG_TYPES)})"
        )
    return logic.OrgType(org_types[0]), sides[0] == "intern", NOT_COUNTED not in tags


def _funding(n: int, item: str) -> FundingRow:
    match = _ITEM.match(item)
    if not match:
        raise ValueError(
            f"finansieringskilde {n} ('{item}') skal skrives "
            f"'Kilde [type, intern|ekstern] fra–til beløb', {_FUNDING_EXAMPLE}"
        )
    funder = match["name"].strip()
    label = f"finansieringskilde {n} ('{funder or item}')"
    if not funder:
        raise ValueError(f"finansieringskilde {n} mangler navn")
    if len(funder) > MAX_NAME_LENGTH:
        raise ValueError(f"{label}: navnet er for langt (højst {MAX_NAME_LENGTH} tegn)")
    org_type, inside, counted = _funding_tags(label, match["tags"])
    period = _PERIOD.fullmatch(match["rest"].strip())
    if period is None or ISO_DATE.search(period["amount"]):
        raise ValueError(
            f"{label}: skriv perioden som 'fra–til' (ÅÅÅÅ-MM-DD–ÅÅÅÅ-MM-DD, til-datoen kan "
            f"udelades) efterfulgt af beløbet, {_FUNDING_EXAMPLE}"
        )
    try:
        start = parse_date(period["start"]) if period["start"] else None
        end = parse_date(period["end"]) if period["end"] else None
        amount = parse_amount(period["amount"]) if period["amount"] else None
    except ValueError as exc:
        raise ValueError(f"{label}: {exc}") from None
    return FundingRow(funder, org_type, inside, amount, start, end, counted)


def parse_funding(cell: str) -> list[FundingRow]:
    """``Kilde [type, intern|ekstern] fra–til beløb; …`` → funding rows."""
    return [_funding(n, item) for n, item in enumerate(split_items(cell), start=1)]
