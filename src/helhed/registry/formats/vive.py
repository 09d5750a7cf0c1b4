"""VIVE's published dataset as plain values: the 117 practice examples of Bilag 2
(``data/vive_bilag2.json``, generated from the report by ``scripts/parse_vive_report.py``) and
the 11 in-depth examples of chapter 3 with actors, funding and fagområder
(``data/vive_indepth.json``, curated by hand with provenance for every value).

``services.load_vive`` writes them; this module only reads and joins the two files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any, Final

VIVE_SOURCE: Final = (
    "VIVE 2026: Helhedsorienterede indsatser – Begrebsafklaring og praksiseksempler"
)
# Fields of the initiative a Bilag 2 row gives, with the table row as provenance.
_BILAG_FIELDS: Final = ("name", "location", "description", "vive_category", "umbrella")


def vive_key(name: str, location: str) -> str:
    """The stable source key a VIVE example is stored under (name + location)."""
    return f"vive:{name} ({location})"


@dataclass(frozen=True)
class VIVEActor:
    name: str
    org_type: str
    role: str
    note: str
    provenance: list[Any]


@dataclass(frozen=True)
class VIVEFunding:
    funder: str
    org_type: str
    inside: bool
    amount: Decimal | None
    start: date
    end: date | None
    counts_for_classification: bool
    note: str
    provenance: list[Any]


@dataclass(frozen=True)
class VIVEArea:
    slug: str
    raw_term: str
    provenance: list[Any]


@dataclass(frozen=True)
class InDepth:
    """What chapter 3 adds to a Bilag 2 row: the initiative's fields, provenance to merge, and
    its actors, funding and fagområder (which replace the stored ones)."""

    fields: dict[str, Any]
    provenance: dict[str, Any]
    actors: tuple[VIVEActor, ...]
    funding: tuple[VIVEFunding, ...]
    areas: tuple[VIVEArea, ...]


@dataclass(frozen=True)
class Example:
    """One Bilag 2 row: the key it is stored under, the fields VIVE gives (every example meets
    the four conditions: that is why VIVE included it), and the in-depth part if it has one."""

    key: str
    fields: dict[str, Any]
    in_depth: InDepth | None


def _data(name: str) -> dict[str, Any]:
    text = resources.files("helhed.registry").joinpath("data", name).read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def _bilag_fields(row: dict[str, Any]) -> dict[str, Any]:
    prov = row["provenance"]
    reference = [{"table": prov["table"], "line": prov["line"]}]
    return {
        **{name: row[name] for name in _BILAG_FIELDS},
        "source": VIVE_SOURCE,
        # VIVE included every example because it meets the four conditions (Bilag 2, intro;
        # chapter 2): recorded as such, with the table row as provenance.
        "cond_welfare_area": "ja",
        "cond_cross_area_coordination": "ja",
        "cond_coordinating_function": "ja",
        "cond_public_actor": "ja",
        "provenance": {field: reference for field in (*_BILAG_FIELDS, "conditions")},
    }


def _target_unit(target_group: str) -> str:
    lowered = target_group.lower()
    if lowered.startswith("famil"):
        return "familie"
    if lowered.startswith(("enkelt", "unge", "borger")):
        return "individ"
    return "ukendt"


def _funding(source: dict[str, Any]) -> VIVEFunding:
    notes = (source.get("amount_note"), source.get("period_note"), source.get("note"))
    return VIVEFunding(
        funder=source["funder"],
        org_type=source["org_type"],
        inside=source["inside"],
        amount=Decimal(source["amount"]) if source.get("amount") is not None else None,
        start=date.fromisoformat(source["period_start"]),
        end=date.fromisoformat(source["period_end"]) if source.get("period_end") else None,
        counts_for_classification=source.get("counts_for_vive_placement", True),
        note="\n".join(n for n in notes if n),
        provenance=source.get("provenance", []),
    )


def _in_depth(example: dict[str, Any], base_provenance: dict[str, Any]) -> InDepth:
    provenance = {**base_provenance, **example.get("provenance", {})}
    target_group = example["target_group"] or ""
    areas: dict[str, VIVEArea] = {}
    for area in example["fagomraader"]:
        areas.setdefault(
            area["slug"],
            VIVEArea(
                area["slug"],
                area["raw"],
                area.get("provenance", provenance.get("fagomraader", [])),
            ),
        )
    return InDepth(
        fields={
            "target_group": target_group,
            "target_unit": _target_unit(target_group),
            "classification_date": date.fromisoformat(example["classification_date"]),
            "alternative_category": example.get("alternative_category"),
            "alternative_note": example.get("alternative_category_note") or "",
        },
        provenance=provenance,
        actors=tuple(
            VIVEActor(
                a["name"], a["org_type"], a["role"], a.get("note") or "", a.get("provenance", [])
            )
            for a in example["actors"]
        ),
        funding=tuple(_funding(source) for source in example["funding_sources"]),
        areas=tuple(areas.values()),
    )


def examples() -> list[Example]:
    """Bilag 2's 117 examples in the report's order, the 11 in-depth ones enriched."""
    bilag = [
        (vive_key(row["name"], row["location"]), _bilag_fields(row))
        for row in _data("vive_bilag2.json")["initiatives"]
    ]
    keys = {key for key, _fields in bilag}
    in_depth: dict[str, InDepth] = {}
    by_key = dict(bilag)
    for example in _data("vive_indepth.json")["examples"]:
        key = vive_key(example["name"], example["location"])
        if key not in keys:
            raise ValueError(f"In-depth example {key!r} has no Bilag 2 row to join")
        in_depth[key] = _in_depth(example, by_key[key]["provenance"])
    return [Example(key, fields, in_depth.get(key)) for key, fields in bilag]
