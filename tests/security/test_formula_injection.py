"""Formula injection: no CSV or XLSX export lets a typed text run as a spreadsheet formula.

Every export passes its cells through ``helhed.core.spreadsheets.safe_cell`` (a text starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe; numbers
stay numbers). The tests plant ``=HYPERLINK("http://evil")`` and its siblings in names that the
exports carry and open the files the way a spreadsheet would (openpyxl, csv)."""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

import helhed
from helhed.core.models import Unit, User
from helhed.core.spreadsheets import FORMULA_START, restore_cell, safe_cell
from helhed.economics import services
from helhed.registry import services as registry_services
from helhed.registry.models import Initiative
from tests.economics.conftest import World as EconomicsWorld
from tests.economics.conftest import gladsaxe_values
from tests.economics.conftest import world as economics_world  # noqa: F401 - the fixture

EVIL = '=HYPERLINK("http://evil.example","Klik")'
PLANTED = [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
SRC = Path(helhed.__file__).parent


def test_safe_cell_neutralises_every_formula_start_and_leaves_other_values() -> None:
    for text in PLANTED:
        assert safe_cell(text) == "'" + text
        assert restore_cell(safe_cell(text)) == text
    assert {text[0] for text in PLANTED} == set(FORMULA_START)
    for value in (42, -3, 2.5, Decimal("-1.5"), date(2026, 1, 2), True, None, "Odense", ""):
        assert safe_cell(value) == value
    assert restore_cell("'Odense") == "'Odense"  # an apostrophe the user typed stays


def _writes_spreadsheets(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("csv.writer", "csv.DictWriter", "Workbook"):
                return True
    return False


def test_every_module_that_writes_csv_or_xlsx_uses_the_shared_helper() -> None:
    """A new export (``csv.writer``, ``csv.DictWriter``, openpyxl's ``Workbook``) fails this
    test until it passes its cells through ``helhed.core.spreadsheets``."""
    writers = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.name == "spreadsheets.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _writes_spreadsheets(tree):
            continue
        writers.append(path.relative_to(SRC).as_posix())
        imports = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "helhed.core.spreadsheets"
            for alias in node.names
        }
        assert imports & {"safe_cell", "FORMULA_START"}, f"{path} writes CSV/XLSX without it"
    assert len(writers) >= 4, writers  # registry, economics, progress, coordination


def _no_formulas(workbook: Any) -> list[Any]:
    """Every cell of every sheet; none of them is a formula."""
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert not formulas, formulas
    return cells


@pytest.mark.django_db
def test_the_registry_exports_keep_planted_formulas_inert(
    make_user: Callable[..., User], unit: Unit, client: Client
) -> None:
    registry_services.load_vive()
    for n, text in enumerate(PLANTED):
        Initiative.objects.create(name=text, location=f"Testrup {n}")
    client.force_login(make_user("analytiker", unit))

    exported = client.get("/register/eksport.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    cells = [cell for row in rows for cell in row]
    for text in PLANTED:
        assert "'" + text in cells, text
    assert not [c for c in cells if c.startswith(FORMULA_START)]

    workbook = load_workbook(io.BytesIO(client.get("/register/eksport.xlsx").content))
    cells = _no_formulas(workbook)
    names = {c.value for c in cells if isinstance(c.value, str)}
    assert EVIL in names  # a string cell: shown as typed, never run (the file is re-imported)


@pytest.mark.django_db
def test_the_business_case_xlsx_shows_a_planted_name_as_text_and_keeps_amounts_numbers(
    economics_world: EconomicsWorld,  # noqa: F811 - the fixture imported above
    client: Client,
) -> None:
    world = economics_world
    case = services.save_case(
        world.leader, **gladsaxe_values(world, name=EVIL, target_group="@SUM(1+1)")
    )
    client.force_login(world.analyst)
    response = client.get(f"/oekonomi/business-case/{case.pk}/xlsx/")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = _no_formulas(workbook)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + EVIL in texts and "'@SUM(1+1)" in texts
    assert not [t for t in texts if t.startswith(FORMULA_START)]
    years = workbook["Resultat pr. år"]
    amounts = [row[4].value for row in years.iter_rows(min_row=2)]
    assert amounts == [-600000, -680000, -240000, 200000]  # negative numbers stay numbers
