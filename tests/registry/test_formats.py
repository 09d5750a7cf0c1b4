"""``registry.formats``: pure parsing and writing of the registry's formats — no Django, no
database (these tests run without one), round trips that lose nothing."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from helhed.registry import logic
from helhed.registry.formats import cells, document, filters, sheet, tables, values, vive

FORMATS = Path(sheet.__file__).resolve().parent
ALLOWED = (
    "helhed.registry.logic",
    "helhed.registry.formats",
    "helhed.core.reference_data",
    "helhed.core.spreadsheets",  # the shared formula-injection rule: plain values, no Django
)

VOCABULARY = sheet.Vocabulary(
    choices={
        "time_perspective": [("etaarig", "Etårig"), ("ukendt", "Ukendt")],
        "phase": [("afprøvning", "Afprøvning"), ("ukendt", "Ukendt")],
        "collaboration_model": [("parallelt", "Model 2: Parallelt"), ("ukendt", "Ukendt")],
        "override_source": [("vive", "VIVE's placering"), ("analytiker", "Analytikerens")],
    },
    max_lengths={"name": 300, "location": 200},
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(FORMATS.glob("*.py")), ids=lambda p: p.name)
def test_a_format_module_imports_no_django_and_no_database_code(path: Path) -> None:
    """Plain values in, plain values out: models, selectors and services are the callers'."""
    for name in _imports(path):
        if name.startswith(("django", "ninja", "helhed")):
            assert name.startswith(ALLOWED), f"{path.name} imports {name}"


def test_the_sheet_is_read_without_a_database() -> None:
    content = (
        "name;location;welfare_areas;actors;funding;phase;umbrella;collaboration_model\n"
        'Jobbro;Testrup;"Beskæftigelse; psykiatri";"Testrup Kommune [kommune, primær]";'
        '"Fonden [privat, ekstern, indgår ikke] 2024-01-01–2026-12-31 1.500.000";'
        "Afprøvning;ja;model 2: parallelt\n"
        ";;;;;;;\n"
        "Uden navn;Testrup;Klimapolitik;X [kommune];;færdig;måske;\n"
    ).encode()
    result = sheet.read_sheet(content, "csv", VOCABULARY)
    assert result.errors == []
    first, second = result.rows  # the empty row is skipped
    assert (first.row, first.name, first.location) == (2, "Jobbro", "Testrup")
    assert first.values == {
        "name": "Jobbro",
        "location": "Testrup",
        "umbrella": True,
        "phase": "afprøvning",
        "collaboration_model": "parallelt",
    }
    assert first.areas == [("beskaeftigelse", "Beskæftigelse"), ("psykiatri", "psykiatri")]
    assert first.actors == [
        cells.ActorRow("Testrup Kommune", logic.OrgType.KOMMUNE, logic.ActorRole.PRIMARY)
    ]
    assert first.funding == [
        cells.FundingRow(
            "Fonden",
            logic.OrgType.PRIVAT,
            False,
            Decimal("1500000.00"),
            date(2024, 1, 1),
            date(2026, 12, 31),
            counts_for_classification=False,
        )
    ]
    assert first.errors == []
    assert [(e.row, e.column) for e in second.errors] == [
        (4, "umbrella"),
        (4, "phase"),
        (4, "welfare_areas"),
        (4, "actors"),
    ]
    assert all(e.message[:1].isupper() for e in second.errors)


def test_the_sheet_refuses_the_file_as_a_whole() -> None:
    assert sheet.read_sheet(b"", "csv", VOCABULARY).errors == [
        sheet.RowError(1, "", "Filen er tom: der mangler en overskriftsrække.")
    ]
    header = sheet.read_sheet(b"welfare_area,name,name\nX,Y,Z\n", "csv", VOCABULARY)
    assert [(e.row, e.column) for e in header.errors] == [(1, "welfare_area"), (1, "name")]
    assert "Mente du 'welfare_areas'?" in header.errors[0].message
    assert header.rows == []
    too_long = ("name\n" + "x\n" * (sheet.MAX_IMPORT_ROWS + 1)).encode()
    assert (
        "mere end 10000 rækker" in sheet.read_sheet(too_long, "csv", VOCABULARY).errors[0].message
    )


ACTORS = [
    cells.ActorRow("Holbæk Kommune", logic.OrgType.KOMMUNE, logic.ActorRole.PRIMARY),
    cells.ActorRow("DSI", logic.OrgType.STAT, logic.ActorRole.CONTEXT),
]
FUNDING = [
    cells.FundingRow(
        "Den Sociale Investeringsfond (DSI)",
        logic.OrgType.STAT,
        False,
        Decimal("6900000.00"),
        date(2024, 1, 1),
        date(2026, 6, 30),
    ),
    cells.FundingRow(
        "Holbæk Kommune", logic.OrgType.KOMMUNE, True, None, date(2024, 1, 1), None, False
    ),
]


def test_actors_and_funding_survive_their_cells() -> None:
    assert cells.format_actors(ACTORS) == ("Holbæk Kommune [kommune, primær]; DSI [stat, kontekst]")
    assert cells.format_funding(FUNDING) == (
        "Den Sociale Investeringsfond (DSI) [stat, ekstern] 2024-01-01–2026-06-30 6900000; "
        "Holbæk Kommune [kommune, intern, indgår ikke] 2024-01-01–"
    )
    assert cells.parse_actors(cells.format_actors(ACTORS)) == ACTORS
    assert cells.parse_funding(cells.format_funding(FUNDING)) == FUNDING


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Holbæk Kommune", "skal skrives 'Navn [type, rolle]'"),
        ("Holbæk Kommune [kommune]", "angiv type og rolle i klammerne"),
        ("Holbæk Kommune [kommunen, primær]", "ukendt organisationstype 'kommunen'"),
        (" [kommune, primær]", "aktør 1 mangler navn"),
        ("X" * 301 + " [kommune, primær]", "navnet er for langt"),
    ],
)
def test_an_actor_cell_that_cannot_be_read_says_why(cell: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        cells.parse_actors(cell)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Fonden 2024-01-01", "skal skrives 'Kilde [type, intern|ekstern] fra–til beløb'"),
        ("Fonden [privat] 2024-01-01", "angiv type og intern eller ekstern"),
        ("Fonden [privat, ekstern] 2024-01-01 2025-01-01", "skriv perioden som 'fra–til'"),
        ("Fonden [privat, ekstern] 2024-02-30–", "datoen findes ikke"),
        ("Fonden [privat, ekstern] 2024-01-01– mange", "ugyldigt beløb 'mange'"),
    ],
)
def test_a_funding_cell_that_cannot_be_read_says_why(cell: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        cells.parse_funding(cell)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("6900000", Decimal("6900000.00")),
        ("6.900.000", Decimal("6900000.00")),
        ("1.234.567,50 kr.", Decimal("1234567.50")),
        ("12500,5 DKK", Decimal("12500.50")),
        (250000, Decimal("250000")),
        ("", None),
        (None, None),
    ],
)
def test_amounts_in_danish_and_plain_notation(raw: object, amount: Decimal | None) -> None:
    assert values.parse_amount(raw) == amount


@pytest.mark.parametrize("raw", ["mange", "1e400", "NaN", True, [], "1" * 13])
def test_amounts_that_are_not_amounts(raw: object) -> None:
    with pytest.raises(ValueError):
        values.parse_amount(raw)


def test_a_table_round_trips_through_csv_with_formulas_kept_as_text() -> None:
    records = [{"name": '=HYPERLINK("x")', "umbrella": True, "vive_category": None}]
    text = tables.to_csv(["name", "umbrella", "vive_category"], records)
    assert text.startswith("\ufeff")
    rows = tables.read_table(text.encode("utf-8"), "csv", max_rows=10)
    assert rows == [["name", "umbrella", "vive_category"], ['\'=HYPERLINK("x")', "ja", ""]]
    assert tables.unquote(rows[1][0]) == '=HYPERLINK("x")'
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1][1] == "ja"
    assert tables.format_for("Registret.XLSX") == "xlsx"
    assert tables.format_for("registret.ods") == ""


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"category": "0"}, "category"),
        ({"welfare_area": "Klima"}, "welfare_area"),
        ({"actor_type": "firma"}, "actor_type"),
        ({"financing": "privat"}, "financing"),
        ({"phase": "færdig"}, "phase"),
        ({"pr": "31.02.2024"}, "pr"),
        ({"query": "x" * 201}, "query"),
    ],
)
def test_a_bad_filter_names_its_parameter(params: dict[str, str], param: str) -> None:
    choices = {"phase": ("ukendt",), "collaboration_model": ("ukendt",)}
    with pytest.raises(filters.FilterError) as caught:
        filters.filters_from_params(params, choices)
    assert caught.value.param == param


def test_filters_from_the_pages_and_the_api_mean_the_same() -> None:
    choices = {"phase": ("afprøvning",), "collaboration_model": ("ukendt",)}
    found, as_of = filters.filters_from_params(
        {"q": " famko ", "category": "4", "welfare_area": "Psykiatri", "pr": "1.6.2019"}, choices
    )
    assert found == filters.Filters(query="famko", category=4, welfare_area="psykiatri")
    assert as_of == date(2019, 6, 1)
    assert filters.filters_from_params({}, choices) == (filters.Filters(), None)


def test_a_document_names_the_field_it_stops_at() -> None:
    with pytest.raises(document.InputError) as caught:
        document.parse_document(
            {"funding": [{"funder": "F", "org_type": "stat", "inside": True, "end": "2025"}]},
            today=date(2025, 1, 1),
        )
    assert caught.value.path == "funding[0].end"
    parsed = document.parse_document(
        {"actors": [{"name": "K", "org_type": "kommune", "role": "primær"}]},
        today=date(2025, 1, 1),
    )
    assert parsed.public_actor_involved is True
    assert parsed.as_of == date(2025, 1, 1)


def test_vives_dataset_joins_the_in_depth_examples_to_their_rows() -> None:
    examples = vive.examples()
    assert len(examples) == 117
    in_depth = [e for e in examples if e.in_depth is not None]
    assert len(in_depth) == 11
    holbaek = next(e for e in in_depth if e.fields["location"] == "Holbæk")
    assert holbaek.key == vive.vive_key(holbaek.fields["name"], "Holbæk")
    assert holbaek.in_depth is not None
    assert holbaek.in_depth.fields["alternative_category"] == 7
    assert {f.funder for f in holbaek.in_depth.funding} == {
        "Den Sociale Investeringsfond (DSI)",
        "Holbæk Kommune",
    }
    assert all(e.fields["cond_welfare_area"] == "ja" for e in examples)
