"""`helhed registry list`, `categorize` and `import`: what a script sees."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.registry import services
from helhed.registry.models import Initiative

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
VIVE_COUNTS = {1: 39, 2: 20, 3: 7, 4: 10, 5: 14, 6: 1, 7: 5, 8: 14, 9: 7}


@pytest.fixture
def vive(db: None) -> None:
    services.load_vive()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("registry", *args, stdout=out)
    return out.getvalue()


def categorize(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run("categorize", str(path)))
    return result


def test_list_json_reproduces_vive_counts_and_in_depth_categories(vive: None) -> None:
    rows = json.loads(run("list", "--format", "json"))
    assert len(rows) == 117
    for key in ("name", "location", "category", "vive_category", "within_definition"):
        assert key in rows[0]
    assert Counter(r["vive_category"] for r in rows) == VIVE_COUNTS
    assert Counter(r["category"] for r in rows) == VIVE_COUNTS
    in_depth = [r for r in rows if r["computed_category"] is not None]
    assert len(in_depth) == 11
    assert [(r["name"], r["computed_category"]) for r in in_depth] == [
        (r["name"], r["vive_category"]) for r in in_depth
    ]
    assert all(r["within_definition"] is True for r in rows)
    holbaek = next(r for r in rows if r["location"] == "Holbæk")
    assert holbaek["alternative_category"] == 7
    assert holbaek["actor_list"][0] == {
        "name": "Holbæk Kommune",
        "org_type": "kommune",
        "role": "primary",
    }


def test_list_json_is_utf8_not_escaped(vive: None) -> None:
    text = run("list", "--format", "json")
    assert "Holbæk" in text
    assert "\\u00e6" not in text


def test_list_csv_parses_with_header(vive: None) -> None:
    rows = list(csv.DictReader(io.StringIO(run("list", "--format", "csv"))))
    assert len(rows) == 117
    assert Counter(int(r["category"]) for r in rows) == VIVE_COUNTS
    holbaek = next(r for r in rows if r["location"] == "Holbæk")
    assert holbaek["category"] == "4"
    assert holbaek["within_definition"] == "ja"
    assert holbaek["actors"].startswith("Holbæk Kommune [kommune, primær]")
    assert (
        "Den Sociale Investeringsfond (DSI) [stat, ekstern] 2024-01-01–2026-06-30 6900000"
        in (holbaek["funding"])
    )


def test_categorize_den_groenne_trepart_fails_condition_one_only(db: None) -> None:
    result = categorize(EXAMPLES / "den-groenne-trepart.json")
    assert result["within_definition"] is False
    assert [(c["number"], c["passed"]) for c in result["conditions"]] == [
        (1, False),
        (2, True),
        (3, True),
        (4, True),
    ]
    assert result["failed_conditions"] == [1]
    assert "3 af 4" in result["verdict"]
    assert "velfærdsområderne" in result["conditions"][0]["explanation"]
    assert set(result) >= {
        "category",
        "actor_axis",
        "financing_axis",
        "explanation",
        "as_of",
        "conditions",
        "within_definition",
        "verdict",
        "issues",
    }


def test_categorize_holbaek_gives_4_and_7_without_the_kommunes_money(
    db: None, tmp_path: Path
) -> None:
    result = categorize(EXAMPLES / "holbaek.json")
    assert (result["category"], result["actor_axis"], result["financing_axis"]) == (
        4,
        "A",
        "kombineret",
    )
    assert result["as_of"] == "2025-01-01"
    assert result["within_definition"] is True
    assert result["fagomraader"] == [
        "beskaeftigelse",
        "specialiseret-voksen",
        "specialiseret-boern-unge",
    ]
    assert result["issues"] == []

    # VIVE's alternative: only the fund's money counts -> ren ekstern -> 7.
    doc = json.loads((EXAMPLES / "holbaek.json").read_text("utf-8"))
    doc["funding"] = [f for f in doc["funding"] if not f["inside"]]
    path = tmp_path / "holbaek-7.json"
    path.write_text(json.dumps(doc), "utf-8")
    assert categorize(path)["category"] == 7

    # After the fund's period only the kommune pays: ren intern -> 1.
    doc = json.loads((EXAMPLES / "holbaek.json").read_text("utf-8"))
    doc["as_of"] = "2026-07-01"
    path.write_text(json.dumps(doc), "utf-8")
    assert categorize(path)["category"] == 1


def test_categorize_defaults_to_today_and_reports_domain_issues(db: None, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(
        json.dumps(
            {
                "name": "Uden primær",
                "actors": [
                    {"name": "Odense Kommune", "org_type": "kommune", "role": "participating"}
                ],
                "funding": [{"funder": "Fond", "org_type": "privat", "inside": False}],
            }
        ),
        "utf-8",
    )
    result = categorize(path)
    assert result["as_of"] == timezone.localdate().isoformat()
    assert result["category"] is None
    codes = {i["code"] for i in result["issues"]}
    assert {"no_primary_actor", "missing_start"} <= codes
    assert result["within_definition"] is None  # unknown conditions are not a "no"


BAD_INPUT = [
    ("{not json", "ugyldig JSON i linje 1"),
    ("[]", "(dokumentet): skal være et JSON-objekt"),
    (
        '{"actors": [{"name": "X", "org_type": "kommunen", "role": "primary"}]}',
        "actors[0].org_type: ukendt organisationstype 'kommunen'",
    ),
    (
        '{"actors": [{"name": "X", "org_type": "kommune", "role": "boss"}]}',
        "actors[0].role: ukendt rolle 'boss'",
    ),
    ('{"as_of": "2025-02-30"}', "as_of: ugyldig dato '2025-02-30'"),
    ('{"as_of": "1. januar"}', "as_of: ugyldig dato '1. januar'"),
    (
        '{"funding": [{"funder": "F", "org_type": "stat", "inside": true, "start": "2025/01/01"}]}',
        "funding[0].start: ugyldig dato",
    ),
    (
        '{"funding": [{"funder": "F", "org_type": "stat", "start": "2025-01-01"}]}',
        "funding[0].inside: mangler",
    ),
    (
        '{"conditions": {"fagomraader": ["Beskæftigelse", "Klimapolitik"]}}',
        "conditions.fagomraader[1]: ukendt fagområde 'Klimapolitik'",
    ),
    ('{"conditions": {"welfare_area": "måske"}}', "conditions.welfare_area: skal være true"),
    ('{"fundings": []}', "fundings: ukendt felt"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_INPUT)
def test_categorize_bad_input_is_one_line_exit_2(
    db: None, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    with pytest.raises(CommandError) as caught:
        run("categorize", str(path))
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_categorize_missing_file(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        run("categorize", str(tmp_path / "missing.json"))
    assert caught.value.returncode == 2
    assert "findes ikke" in str(caught.value)


def test_console_command_exits_2_with_one_line_on_stderr(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "helhed", "registry", "categorize", "missing.json"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "missing.json" in lines[0]
    assert "findes ikke" in lines[0]
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


# --------------------------------------------------------------------------------------------
# helhed registry import (the same use case as the import page: tests/registry/
# test_one_write_path.py runs the same files through both)
# --------------------------------------------------------------------------------------------


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("registry", "import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def analyst(db: None, unit: Unit, make_user: Callable[..., User]) -> User:
    return make_user("analytiker", unit, username="anna")


def test_import_runs_as_the_user_it_names(analyst: User, tmp_path: Path) -> None:
    path = tmp_path / "ny.csv"
    path.write_text("name;location\nJobbro;Testrup\n", "utf-8")
    out, err = run_import(str(path), "--user", "anna", "--dry-run")
    assert (
        out.strip()
        == "Filen er i orden – intet er gemt (kun kontrol): 1 oprettet, 0 opdateret, 0 uændret."
    )
    assert not Initiative.objects.exists()
    out, err = run_import(str(path), "--user", "anna")
    assert out.strip() == "Importen er gennemført: 1 oprettet, 0 opdateret, 0 uændret."
    assert err == ""
    assert Initiative.objects.get().provenance["name"] == [{"table": "Import ny.csv", "line": 2}]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--user", "ingen"], "import: brugeren 'ingen' findes ikke eller er ikke aktiv"),
        (
            ["--user", "fagperson"],
            "import: Kun administratorer og analytikere kan ændre registret.",
        ),
        (["--user", "anna", "--format", "xlsx"], "import: 1 fejl - intet er gemt"),
    ],
)
def test_import_refusals_are_one_line_exit_2(
    analyst: User,
    unit: Unit,
    make_user: Callable[..., User],
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    make_user("fagperson", unit, username="fagperson")
    path = tmp_path / "ny.csv"
    path.write_text("name\nJobbro\n", "utf-8")
    with pytest.raises(CommandError) as caught:
        run_import(str(path), *args)
    assert caught.value.returncode == 2
    assert expected.removeprefix("import: ") in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not Initiative.objects.exists()


def test_import_names_the_format_it_cannot_guess_and_the_file_it_cannot_read(
    analyst: User, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="angiv --format csv eller xlsx"):
        run_import(str(tmp_path / "registret.ods"), "--user", "anna")
    with pytest.raises(CommandError, match="findes ikke") as caught:
        run_import(str(tmp_path / "mangler.csv"), "--user", "anna")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError):  # argparse: --user is required
        run_import(str(tmp_path / "mangler.csv"))
