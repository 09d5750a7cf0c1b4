"""Tests for the VIVE data files: the Bilag 2 parser and the 11 hand-curated examples.

They run against the real report. Without it the tests fail (not skip): the committed data
files claim to be derived from that exact file, and that claim must stay checkable.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from helhed.registry import logic

REPO = Path(__file__).parents[2]
REPORT = Path(__file__).parents[3] / "shared/research/003_f36fb28a01cf5c8b.txt"
SCRIPT = REPO / "scripts" / "parse_vive_report.py"
DATA = REPO / "src" / "helhed" / "registry" / "data"
BILAG2_JSON = DATA / "vive_bilag2.json"
INDEPTH_JSON = DATA / "vive_indepth.json"

COUNTS = {1: 39, 2: 20, 3: 7, 4: 10, 5: 14, 6: 1, 7: 5, 8: 14, 9: 7}


@pytest.fixture(scope="module")
def report() -> Path:
    if not REPORT.is_file():
        pytest.fail(
            f"VIVE's report is missing at {REPORT}. The registry's data files are generated "
            "from it and these tests verify them against it; put the research folder next to "
            "the repository (../shared/research/) to run them.",
            pytrace=False,
        )
    return REPORT


@cache
def parser_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parse_vive_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def document(report: Path) -> dict[str, Any]:
    result: dict[str, Any] = parser_module().build_document(report)
    return result


@pytest.fixture(scope="module")
def report_lines(report: Path) -> list[str]:
    return report.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def indepth() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(INDEPTH_JSON.read_text(encoding="utf-8"))
    return result


# ---------------------------------------------------------------------------------------------
# Bilag 2
# ---------------------------------------------------------------------------------------------


def test_117_rows_with_vives_counts(document: dict[str, Any]) -> None:
    rows = document["initiatives"]
    assert len(rows) == 117
    assert Counter(r["vive_category"] for r in rows) == COUNTS
    assert document["counts_by_category"] == {str(k): v for k, v in COUNTS.items()}


def test_name_plus_location_is_the_key(document: dict[str, Any]) -> None:
    rows = document["initiatives"]
    assert len({(r["name"], r["location"]) for r in rows}) == 117
    assert len({r["key"] for r in rows}) == 117
    # ... while names alone are not unique.
    names = Counter(r["name"] for r in rows)
    assert names["Sammenhængende Borgerforløb"] == 3
    assert {r["location"] for r in rows if r["name"] == "Sammenhængende Borgerforløb"} == {
        "Ballerup",
        "Helsingør",
        "Odense",
    }


def test_location_is_the_last_parenthesis(document: dict[str, Any]) -> None:
    by_line = {r["provenance"]["line"]: r for r in document["initiatives"]}
    assert (by_line[2390]["name"], by_line[2390]["location"]) == (
        "Koordineret Indsats på Tværs (KIT)",
        "Hovedstaden",
    )
    assert (by_line[2461]["name"], by_line[2461]["location"]) == (
        "Assertive Community Treatment (ACT)",
        "hele landet",
    )
    assert by_line[2454]["location"] == "København, Odense, Aarhus"
    assert by_line[2479]["name"] == "Sammen om Fritidsjob"  # unbalanced quote in the report
    assert by_line[2361]["name"] == "Tidlig Indsats og Tværgående Samarbejde/Familieplanen"


def test_umbrella_flag(document: dict[str, Any]) -> None:
    umbrella = {r["key"] for r in document["initiatives"] if r["umbrella"]}
    assert umbrella == {
        "Unge i Uddannelse og Kompetencecenter (Tønder)",
        "Ungecenter (Køge)",
        "Ungegarantien (Hjørring)",
        "Ungeindsatsen (Lolland)",
        "Den Sociale Sygeplejeklinik (Aabenraa)",
        "Samarbejdsaftale for borgere med psykisk lidelse og samtidig rusmiddelproblematik "
        "(Syddanmark)",
        "Beboerprojekt Nordvest (København)",
    }
    assert not any("*" in r["name"] for r in document["initiatives"])


def test_provenance_points_at_the_row(document: dict[str, Any], report_lines: list[str]) -> None:
    for row in document["initiatives"]:
        prov = row["provenance"]
        assert prov["source"] == REPORT.name
        assert prov["table"] == f"Bilagstabel 2.{row['vive_category'] + 1}"
        line = report_lines[prov["line"] - 1]
        assert line.startswith(row["name_cell"] + "\t")
        assert line.endswith(row["description"])


def test_header_rows_are_not_rows_and_anomalies_are_recorded(document: dict[str, Any]) -> None:
    assert not any(r["name_cell"].startswith("Navn på indsats") for r in document["initiatives"])
    assert [(a["line"], a["table"]) for a in document["anomalies"]] == [
        (2453, "Bilagstabel 2.7"),  # header says "Kategori 26"
        (2479, "Bilagstabel 2.9"),  # unbalanced quote
    ]


def test_committed_json_equals_parser_output(document: dict[str, Any]) -> None:
    expected = parser_module().render(document)
    assert BILAG2_JSON.read_text(encoding="utf-8") == expected, (
        "vive_bilag2.json is out of date: run `python scripts/parse_vive_report.py`"
    )
    committed = json.loads(BILAG2_JSON.read_text(encoding="utf-8"))
    assert {"version", "source", "generated_by", "initiatives"} <= committed.keys()


def test_parser_fails_loudly_on_a_damaged_report(report_lines: list[str], tmp_path: Path) -> None:
    module = parser_module()
    damaged = [line for i, line in enumerate(report_lines, 1) if i != 2418]  # drop Holbæk
    with pytest.raises(module.ParseError, match="category 4: expected 10 rows, found 9"):
        module.check_rows(module.parse_bilag2(damaged)[0])
    broken = tmp_path / "report.txt"
    broken.write_text("\n".join(damaged), encoding="utf-8")
    assert module.main([str(broken), "--output", str(tmp_path / "out.json")]) == 1
    assert not (tmp_path / "out.json").exists()


# ---------------------------------------------------------------------------------------------
# The 11 in-depth examples
# ---------------------------------------------------------------------------------------------


def actors_of(example: dict[str, Any]) -> list[logic.Actor]:
    return [
        logic.Actor(a["name"], logic.OrgType(a["org_type"]), logic.ActorRole(a["role"]))
        for a in example["actors"]
    ]


def funding_of(example: dict[str, Any], ids: set[str] | None = None) -> list[logic.FundingSource]:
    return [
        logic.FundingSource(
            funder=s["funder"],
            org_type=logic.OrgType(s["org_type"]),
            inside=s["inside"],
            amount=None if s["amount"] is None else Decimal(s["amount"]),
            start=date.fromisoformat(s["period_start"]),
            end=None if s["period_end"] is None else date.fromisoformat(s["period_end"]),
        )
        for s in example["funding_sources"]
        if ids is None or s["id"] in ids
    ]


def vive_basis(example: dict[str, Any]) -> set[str]:
    return {s["id"] for s in example["funding_sources"] if s["counts_for_vive_placement"]}


def examples() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(INDEPTH_JSON.read_text(encoding="utf-8"))["examples"]
    return data


def test_eleven_examples_covering_all_nine_categories(indepth: dict[str, Any]) -> None:
    items = indepth["examples"]
    assert [e["example_number"] for e in items] == list(range(1, 12))
    assert Counter(e["vive_category"] for e in items) == {
        1: 2,
        2: 2,
        **{k: 1 for k in range(3, 10)},
    }
    assert {"version", "source", "generated_by", "examples"} <= indepth.keys()


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["id"])
def test_example_joins_a_bilag2_row_with_the_same_category(
    example: dict[str, Any], document: dict[str, Any]
) -> None:
    rows = {(r["name"], r["location"]): r for r in document["initiatives"]}
    row = rows.get((example["name"], example["location"]))
    assert row is not None, f"{example['name']} ({example['location']}) is not in Bilag 2"
    assert row["vive_category"] == example["vive_category"]
    assert {"table": row["provenance"]["table"], "line": row["provenance"]["line"]} in example[
        "provenance"
    ]["location"]


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["id"])
def test_computed_category_equals_vives_placement(example: dict[str, Any]) -> None:
    actors = actors_of(example)
    funding = funding_of(example, vive_basis(example))
    as_of = date.fromisoformat(example["classification_date"])
    assert [i for i in logic.validate_actors(actors) if i.severity == "error"] == []
    assert [i for i in logic.validate_funding(funding, actors) if i.severity == "error"] == []
    result = logic.categorize(actors, funding, as_of)
    assert result.category == example["vive_category"], result.explanation
    assert result.active_sources, "the placement must rest on money active on that date"


def test_holbaek_is_4_with_alternative_7_both_reproduced(indepth: dict[str, Any]) -> None:
    """VIVE: placed in 4, 'formentlig ... mere korrekt placeret i kategori 7' (003:L697, L706)."""
    (holbaek,) = [e for e in indepth["examples"] if e["location"] == "Holbæk"]
    as_of = date.fromisoformat(holbaek["classification_date"])
    actors = actors_of(holbaek)
    placed = logic.categorize(actors, funding_of(holbaek, vive_basis(holbaek)), as_of)
    assert (placed.category, holbaek["vive_category"]) == (4, 4)
    alt_ids = set(holbaek["alternative_basis"]["funding_source_ids"])
    alternative = logic.categorize(actors, funding_of(holbaek, alt_ids), as_of)
    assert (alternative.category, holbaek["alternative_category"]) == (7, 7)
    lines = {p["line"] for p in holbaek["provenance"]["alternative_category"]}
    assert {697, 706, 720} <= lines
    others = [e for e in indepth["examples"] if e is not holbaek]
    assert all(e["alternative_category"] is None for e in others)


def test_documented_deviations_when_every_source_counts(indepth: dict[str, Any]) -> None:
    """Where VIVE's placement ignores money the report mentions, say so and say what it gives."""
    deviations = {}
    for example in indepth["examples"]:
        excluded = [s for s in example["funding_sources"] if not s["counts_for_vive_placement"]]
        for s in excluded:
            assert "category" in s["note"], "say what counting it would give"
        if excluded:
            as_of = date.fromisoformat(example["classification_date"])
            result = logic.categorize(actors_of(example), funding_of(example), as_of)
            deviations[example["id"]] = result.category
    assert deviations == {
        "famko-odense": 5,
        "enhed-sammenhaengende-patientforlob-hovedstaden": 6,
        "sammen-om-solsiden-aalborg": 5,
    }


def test_time_stamped_financing_changes_the_computed_category(indepth: dict[str, Any]) -> None:
    by_id = {e["id"]: e for e in indepth["examples"]}

    def at(example_id: str, when: date) -> int | None:
        e = by_id[example_id]
        return logic.categorize(actors_of(e), funding_of(e, vive_basis(e)), when).category

    assert at("kit-hovedstaden", date(2019, 6, 1)) == 5  # satspulje + kommuner
    assert at("kit-hovedstaden", date(2022, 1, 1)) == 2
    assert at("en-fremstrakt-haand-svendborg", date(2021, 7, 1)) == 7
    assert at("en-fremstrakt-haand-svendborg", date(2024, 1, 1)) == 1  # kommune pays from 2023
    assert at("famko-odense", date(2020, 1, 1)) == 5  # fund + region's maternity care


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["id"])
def test_fagomraader_are_canonical(example: dict[str, Any]) -> None:
    slugs = [area["slug"] for area in example["fagomraader"]]
    assert [logic.normalize_welfare_area(a["raw"]) for a in example["fagomraader"]] == slugs
    assert len(set(slugs)) == len(slugs) >= 2  # condition 3: at least two fagområder


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["id"])
def test_provenance_is_complete_and_points_into_the_report(
    example: dict[str, Any], report_lines: list[str]
) -> None:
    fields = {"name", "location", "geography", "target_group", "vive_category", "fagomraader"}
    assert fields | {"classification_date"} <= example["provenance"].keys()
    entries = [p for refs in example["provenance"].values() for p in refs]
    for item in example["actors"] + example["funding_sources"]:
        assert item["provenance"], item
        entries += item["provenance"]
    for p in entries:
        assert set(p) == {"table", "line"}
        assert 1 <= p["line"] <= len(report_lines)
        assert report_lines[p["line"] - 1].strip(), p
    # The Tabel 3.2 row cited for the name really is that example's row.
    (row_ref,) = [p for p in example["provenance"]["name"] if p["table"] == "Tabel 3.2"]
    row = report_lines[row_ref["line"] - 1].replace("'", "").lower()
    assert row.startswith(example["name"].split(" (")[0].lower())
    assert example["target_group"] in report_lines[row_ref["line"] - 1]
    assert f"\t{example['geography']}\t" in report_lines[row_ref["line"] - 1]


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["id"])
def test_dates_and_types_are_well_formed(example: dict[str, Any]) -> None:
    as_of = date.fromisoformat(example["classification_date"])
    assert date(2017, 1, 1) <= as_of <= date(2026, 12, 31)
    ids = [s["id"] for s in example["funding_sources"]]
    assert len(set(ids)) == len(ids)
    for s in example["funding_sources"]:
        assert s["period_note"], "every period says where it comes from"
        start = date.fromisoformat(s["period_start"])
        if s["period_end"] is not None:
            assert date.fromisoformat(s["period_end"]) >= start
        assert isinstance(s["inside"], bool)
    assert any(a["role"] == "primary" for a in example["actors"])
