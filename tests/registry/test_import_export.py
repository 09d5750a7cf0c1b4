"""CSV/XLSX export and the all-or-nothing import (``services.import_initiatives``), as an
analyst uses them."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helhed.core.models import Unit, User
from helhed.registry import selectors, services
from helhed.registry.formats.sheet import MAX_IMPORT_BYTES, RowError
from helhed.registry.models import FundingSource, Initiative, InitiativeActor

pytestmark = pytest.mark.django_db

VIVE_COUNTS = {1: 39, 2: 20, 3: 7, 4: 10, 5: 14, 6: 1, 7: 5, 8: 14, 9: 7}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GOOD_CSV = (
    "\ufeffname;location;welfare_areas;actors;funding;phase;umbrella\n"
    'Fælles familieindsats;Testrup;"Beskæftigelse; Specialiseret børn og unge";'
    '"Testrup Kommune [kommune, primær]; Røde Kors [civilsamfund, deltagende]";'
    "Testrup Kommune [kommune, intern] 2024-01-01– 250000;afprøvning;nej\n"
    "Jobbro;Testrup;beskaeftigelse;Testrup Kommune [kommune, primær];"
    '"Fonden [privat, ekstern] 2024-01-01–2026-12-31 1.500.000; '
    'Testrup Kommune [kommune, intern] 2024-01-01–";;ja\n'
)
# Row 3 has category "11", row 4 an unknown fagområde; row 2 is fine but must not be written.
BAD_CSV = (
    "name,location,vive_category,welfare_areas\n"
    "God indsats,Testrup,2,Beskæftigelse\n"
    "Forkert kategori,Testrup,11,Beskæftigelse\n"
    "Ukendt område,Testrup,3,Beskæftigelse;Klimapolitik\n"
)


@pytest.fixture
def vive() -> None:
    services.load_vive()


@pytest.fixture
def analytiker(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit)


@pytest.fixture
def fagperson(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("fagperson", unit)


Importer = Callable[..., services.ImportResult]


@pytest.fixture
def import_initiatives(analytiker: User) -> Importer:
    """``services.import_initiatives`` as an analyst: ``import_initiatives(content, fmt)``."""

    def run(
        content: bytes, fmt: str, *, filename: str = "", dry_run: bool = False
    ) -> services.ImportResult:
        return services.import_initiatives(
            analytiker, content=content, fmt=fmt, filename=filename, dry_run=dry_run
        )

    return run


def categories() -> dict[str, int | None]:
    return {str(i.id): e.category for i, e in selectors.search(selectors.Filters())}


def upload(client: Client, name: str, content: bytes, **extra: str) -> object:
    return client.post("/register/import/", {"file": SimpleUploadedFile(name, content), **extra})


def test_good_csv_creates_initiatives_with_actors_funding_and_areas(
    import_initiatives: Importer,
) -> None:
    result = import_initiatives(GOOD_CSV.encode("utf-8"), "csv", filename="ny.csv")
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    rows = {i.name: e for i, e in selectors.search(selectors.Filters())}
    assert rows["Fælles familieindsats"].category == 2  # kommune + andre, intern
    assert rows["Jobbro"].category == 4  # kommune alone, kombineret
    familie = Initiative.objects.get(name="Fælles familieindsats")
    assert selectors.area_slugs(familie) == ["beskaeftigelse", "specialiseret-boern-unge"]
    assert familie.phase == "afprøvning"
    assert [a.role for a in familie.actors.all()] == ["primary", "participating"]
    fund = FundingSource.objects.get(funder="Fonden")
    assert (fund.amount, str(fund.period_end)) == (1500000, "2026-12-31")
    assert Initiative.objects.get(name="Jobbro").umbrella is True
    assert familie.provenance["name"] == [{"table": "Import ny.csv", "line": 2}]


def test_bad_csv_lists_every_error_and_writes_nothing(import_initiatives: Importer) -> None:
    result = import_initiatives(BAD_CSV.encode("utf-8"), "csv")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "vive_category"),
        (4, "welfare_areas"),
    ]
    assert "1 til 9" in result.errors[0].message and "'11'" in result.errors[0].message
    assert "Klimapolitik" in result.errors[1].message
    assert result.created == 0
    assert not Initiative.objects.exists()


def test_import_page_shows_errors_table_and_nothing_is_saved(
    analytiker: User, login: Callable[[User], Client]
) -> None:
    client = login(analytiker)
    response = upload(client, "fejl.csv", BAD_CSV.encode("utf-8"))
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = response.content.decode()  # type: ignore[attr-defined]
    assert "intet er gemt" in html
    assert "<caption>" in html and 'scope="col"' in html
    assert '<th scope="row">3</th>' in html and "vive_category" in html
    assert '<th scope="row">4</th>' in html and "Klimapolitik" in html
    assert not Initiative.objects.exists()


def test_import_page_creates_and_summarises(
    analytiker: User, login: Callable[[User], Client]
) -> None:
    client = login(analytiker)
    form = client.get("/register/import/")
    assert form.status_code == 200
    html = form.content.decode()
    assert '<label class="form-label" for="id_file">' in html
    assert 'enctype="multipart/form-data"' in html

    checked = upload(client, "ny.csv", GOOD_CSV.encode("utf-8"), dry_run="on")
    assert "kun kontrol" in checked.content.decode()  # type: ignore[attr-defined]
    assert not Initiative.objects.exists()

    done = upload(client, "ny.csv", GOOD_CSV.encode("utf-8"))
    html = done.content.decode()  # type: ignore[attr-defined]
    assert "Importen er gennemført" in html
    assert "2 indsatser oprettet" in html
    assert Initiative.objects.count() == 2


def test_import_refused_for_fagperson(
    fagperson: User, login: Callable[[User], Client], client: Client
) -> None:
    assert client.get("/register/import/").status_code == 302  # anonymous: to the login page
    logged_in = login(fagperson)
    assert logged_in.get("/register/import/").status_code == 403
    assert upload(logged_in, "ny.csv", GOOD_CSV.encode()).status_code == 403  # type: ignore[attr-defined]
    assert not Initiative.objects.exists()


def test_too_large_and_unreadable_files_get_clear_messages(
    analytiker: User, login: Callable[[User], Client], import_initiatives: Importer
) -> None:
    big = b"name\n" + b"x" * MAX_IMPORT_BYTES
    result = import_initiatives(big, "csv")
    assert "højst være 5 MB" in result.errors[0].message
    response = upload(login(analytiker), "stor.csv", big)
    assert "højst være 5 MB" in response.content.decode()  # type: ignore[attr-defined]

    latin1 = "name\nSkæve Ender\n".encode("latin-1")
    assert "UTF-8" in import_initiatives(latin1, "csv").errors[0].message
    assert "XLSX" in import_initiatives(b"not a zip", "xlsx").errors[0].message
    assert import_initiatives(b"location\nOdense\n", "csv").errors == [
        RowError(1, "name", "Kolonnen 'name' (indsatsens navn) mangler.")
    ]
    typo = import_initiatives(b"name,welfare_area\nX,skole\n", "csv").errors[0]
    assert (typo.row, typo.column) == (1, "welfare_area")
    assert "welfare_areas" in typo.message


def test_contradictory_rows_are_refused(import_initiatives: Importer) -> None:
    content = (
        "name,actors,funding,category_override,override_reason\n"
        'Uden primær,"Testrup Kommune [kommune, deltagende]",,,\n'
        'To primære,"A Kommune [kommune, primær]; B Kommune [kommune, primær]",,,\n'
        'Uden start,"A Kommune [kommune, primær]","Fonden [privat, ekstern] 250000",,\n'
        "Uden begrundelse,,,4,\n"
        'Forkert rolle,"A Kommune [kommune, chef]",,,\n'
    )
    result = import_initiatives(content.encode(), "csv")
    got = [(e.row, e.column) for e in result.errors]
    assert got == [
        (2, "actors"),
        (3, "actors"),
        (4, "funding"),
        (5, "override_reason"),
        (5, "override_source"),
        (6, "actors"),
    ]
    assert "primær aktør" in result.errors[0].message
    assert "Flere kommuner" in result.errors[1].message
    assert "mangler en startdato" in result.errors[2].message
    assert "ukendt rolle 'chef'" in result.errors[5].message
    assert not Initiative.objects.exists()


def test_export_csv_has_bom_header_and_filters(
    vive: None, analytiker: User, login: Callable[[User], Client]
) -> None:
    client = login(analytiker)
    response = client.get("/register/eksport.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 117
    assert list(rows[0])[:3] == ["id", "name", "location"]
    assert {"category", "vive_category", "within_definition", "actors", "funding"} <= set(rows[0])
    assert Counter(int(r["category"]) for r in rows) == VIVE_COUNTS

    only4 = client.get("/register/eksport.csv", {"category": "4"})
    assert len(list(csv.DictReader(io.StringIO(only4.content.decode("utf-8-sig"))))) == 10

    bad = client.get("/register/eksport.csv", {"category": "elleve"})
    assert bad.status_code == 400
    assert "kategorien skal være 1-9" in bad.content.decode()
    assert client.get("/register/eksport.pdf").status_code == 404


def test_export_xlsx_has_frozen_header(
    vive: None, analytiker: User, login: Callable[[User], Client]
) -> None:
    response = login(analytiker).get("/register/eksport.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["id", "name", "location"]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 118
    assert sheet.column_dimensions["B"].width > 10


def test_xlsx_round_trip_changes_nothing_and_edits_apply(
    vive: None, analytiker: User, login: Callable[[User], Client], import_initiatives: Importer
) -> None:
    client = login(analytiker)
    before = categories()
    actors_before = InitiativeActor.objects.count()
    exported = client.get("/register/eksport.xlsx").content

    result = import_initiatives(exported, "xlsx")
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 117)
    assert categories() == before
    assert InitiativeActor.objects.count() == actors_before
    assert Initiative.objects.count() == 117

    # Edit the spreadsheet: Holbæk without the kommune's conditional repayment -> VIVE's 7.
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("location")].value == "Holbæk":
            funding = row[header.index("funding")]
            funding.value = "; ".join(
                part for part in funding.value.split("; ") if "Holbæk Kommune" not in part
            )
    out = io.BytesIO()
    workbook.save(out)
    result = import_initiatives(out.getvalue(), "xlsx")
    assert (result.updated, result.unchanged) == (1, 116)
    after = categories()
    holbaek = str(Initiative.objects.get(location="Holbæk").id)
    assert (before[holbaek], after[holbaek]) == (4, 7)
    assert {k: v for k, v in after.items() if k != holbaek} == {
        k: v for k, v in before.items() if k != holbaek
    }


def test_csv_round_trip_and_formula_cells_stay_text(
    vive: None, analytiker: User, login: Callable[[User], Client], import_initiatives: Importer
) -> None:
    Initiative.objects.create(name='=HYPERLINK("http://x")', location="Testrup")
    client = login(analytiker)
    before = categories()
    exported = client.get("/register/eksport.csv").content
    assert b"'=HYPERLINK" in exported
    result = import_initiatives(exported, "csv")
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 118)
    assert categories() == before

    xlsx = client.get("/register/eksport.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    cell = next(c for c in sheet["B"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_rows_match_on_name_and_location_without_id(
    vive: None, import_initiatives: Importer
) -> None:
    content = "name;location;target_group\nFAMKO;Odense;Familier med komplekse problemer\n"
    result = import_initiatives(content.encode(), "csv")
    assert (result.created, result.updated) == (0, 1)
    famko = Initiative.objects.get(name="FAMKO")
    assert famko.target_group == "Familier med komplekse problemer"
    assert famko.actors.exists()  # columns that are absent are left alone
    duplicate = import_initiatives((content + "famko;ODENSE;x\n").encode(), "csv")
    assert [(e.row, e.column) for e in duplicate.errors] == [(3, "name")]
    assert "række 2" in duplicate.errors[0].message
