"""One write path per use case: the same input through every adapter gives the same outcome,
the same Danish messages on the same fields and the same rows (``services.save_initiative``
through the page form and the API; ``services.import_initiatives`` through the import page and
``helhed registry import``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.registry import services
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.logic import ActorRole, OrgType
from helhed.registry.models import FundingSource, Initiative, InitiativeActor
from tests.registry.adapters import (
    api_errors,
    command,
    forget,
    page_errors,
    post_api,
    post_page,
    stored,
    upload,
)

pytestmark = pytest.mark.django_db

KOMMUNE = {"name": "Roskilde Kommune", "org_type": "kommune", "role": "primary"}
RODE_KORS = {"name": "Røde Kors", "org_type": "civilsamfund", "role": "participating"}
INSIDE = {
    "funder": "Roskilde Kommune",
    "org_type": "kommune",
    "inside": True,
    "amount": "1500000",
    "start": "2024-01-01",
}
FUND = {
    "funder": "Den Sociale Investeringsfond",
    "org_type": "stat",
    "inside": False,
    "amount": "250000",
    "start": "2024-01-01",
    "end": "2026-12-31",
}


class StartsWith(str):
    """A message compared by its beginning (the rest names every kommune, every source)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(str(self))

    __hash__ = str.__hash__


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Sammen om Roskilde",
        "location": "Roskilde",
        "target_group": "Unge med komplekse problemer",
        "cond_welfare_area": "ja",
        "cond_cross_area_coordination": "ja",
        "cond_coordinating_function": "ja",
        "classification_date": "2025-01-01",
        "welfare_areas": ["beskaeftigelse", "specialiseret-voksen"],
        "actors": [KOMMUNE],
        "funding": [INSIDE],
    }
    data.update(changes)
    return data


@pytest.fixture
def analyst(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit)


@pytest.fixture
def analyst_client(client: Client, analyst: User) -> Client:
    client.force_login(analyst)
    return client


# --------------------------------------------------------------------------------------------
# Saving an initiative: the page form and the API
# --------------------------------------------------------------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    (
        "no name",
        body(name=""),
        {"name": [services.NAME_REQUIRED]},
    ),
    (
        "no primary actor",
        body(actors=[{**KOMMUNE, "role": "participating"}, RODE_KORS]),
        {
            "actors.0.role": [
                "Ingen aktør er angivet som primær aktør. Angiv hvem der ejer eller driver "
                "indsatsen."
            ]
        },
    ),
    (
        "two kommuner both primary",
        body(actors=[KOMMUNE, {**KOMMUNE, "name": "Lejre Kommune"}]),
        {
            "actors.0.role": [StartsWith("Flere kommuner ('Roskilde Kommune', 'Lejre")],
            "actors.1.role": [StartsWith("Flere kommuner ('Roskilde Kommune', 'Lejre")],
        },
    ),
    (
        "the same actor twice",
        body(actors=[KOMMUNE, dict(KOMMUNE)]),
        {"actors.1.name": ["Aktøren 'Roskilde Kommune' er angivet mere end én gang."]},
    ),
    (
        "a source without a start",
        body(funding=[{**INSIDE, "start": None}]),
        {
            "funding.0.start": [
                "Finansieringskilden 'Roskilde Kommune' mangler en startdato. Angiv hvornår "
                "midlerne begynder (kendes kun året, brug 1. januar)."
            ]
        },
    ),
    (
        "a period ending before it starts",
        body(funding=[INSIDE, {**FUND, "start": "2025-01-01", "end": "2024-12-31"}]),
        {
            "funding.1.end": [
                "Finansieringskilden 'Den Sociale Investeringsfond' slutter (31.12.2024) før "
                "den begynder (01.01.2025)."
            ]
        },
    ),
    (
        "a negative amount",
        body(funding=[{**INSIDE, "amount": "-5"}]),
        {
            "funding.0.amount": [
                "Finansieringskilden 'Roskilde Kommune' har et negativt beløb (-5)."
            ]
        },
    ),
    (
        "a manual category without reason and source",
        body(category_override=7),
        {
            "override_reason": [services.OVERRIDE_NEEDS_REASON],
            "override_source": [services.OVERRIDE_NEEDS_SOURCE],
        },
    ),
    (
        "a reason and source without a manual category",
        body(override_reason="Fondsmidler", override_source="analytiker"),
        {"category_override": [services.REASON_NEEDS_OVERRIDE]},
    ),
    (
        "an age band upside down",
        body(age_min=25, age_max=18),
        {"age_max": ["Alder til (18) skal være mindst alder fra (25)."]},
    ),
    (
        "a note on no alternative category",
        body(alternative_note="VIVE nævner 7"),
        {"alternative_category": [services.NOTE_NEEDS_ALTERNATIVE]},
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_the_page_and_the_api_refuse_the_same_input_with_the_same_messages(
    analyst_client: Client, data: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    page = post_page(analyst_client, data)
    assert page.status_code == 200
    assert "Der er fejl i formularen – intet er gemt" in page.content.decode()
    on_page = page_errors(page)

    api = post_api(analyst_client, data)
    assert api.status_code == 422
    assert api["Content-Type"] == "application/problem+json"
    in_api = api_errors(api)

    assert on_page == in_api
    assert in_api == expected
    assert stored() == [{"access_log_entries": 0}]  # nothing written by either
    assert not InitiativeActor.objects.exists()
    assert not FundingSource.objects.exists()


SAVES = [
    ("a kommune paying itself", body(), 1),
    ("a kommune and a fund", body(funding=[INSIDE, FUND]), 4),
    (
        "a kommune and a civil society actor, a manual category",
        body(
            actors=[KOMMUNE, {**RODE_KORS, "note": "Frivillige mentorer"}],
            category_override=5,
            override_reason="Fondsmidler bærer indsatsen",
            override_source="analytiker",
            age_min=15,
            age_max=25,
            umbrella=True,
        ),
        5,
    ),
    (
        "no actors and no money (as VIVE's Bilag 2 rows)",
        body(actors=[], funding=[], vive_category=3, welfare_areas=[]),
        3,
    ),
]


@pytest.mark.parametrize(("data", "category"), [c[1:] for c in SAVES], ids=[c[0] for c in SAVES])
def test_the_page_and_the_api_save_the_same_initiative(
    analyst_client: Client, data: dict[str, Any], category: int
) -> None:
    page = post_page(analyst_client, data)
    assert page.status_code == 302, page_errors(page) if page.status_code == 200 else page
    by_page = stored()
    forget()

    api = post_api(analyst_client, data)
    assert api.status_code == 201, api.content
    assert api.json()["evaluation"]["category"] == category
    assert stored() == by_page
    saved = Initiative.objects.get()
    assert set(saved.provenance) >= {"name", "location"}
    assert saved.provenance["name"][0]["table"] == services.BY_HAND
    assert AccessLogEntry.objects.count() == 0


# The page shows an actor's and a source's details and posts them back; the API keeps a stored
# detail it is not given (None). Both are given every detail here, so both mean the same.
EDITED_KOMMUNE = {**KOMMUNE, "units": "Jobcentret", "professions": "", "note": "ny note"}
EDITED_FUND = {**FUND, "note": ""}
EDITS = [
    (
        "a fund joins and the fagområder change",
        body(
            actors=[EDITED_KOMMUNE],
            funding=[{**INSIDE, "note": ""}, EDITED_FUND],
            welfare_areas=["skole"],
        ),
    ),
    (
        "the actors are replaced",
        body(
            actors=[{**EDITED_KOMMUNE, "name": "Lejre Kommune"}, {**RODE_KORS, "note": ""}],
            funding=[],
        ),
    ),
    ("everything is taken away", body(actors=[], funding=[], welfare_areas=[])),
]


@pytest.mark.parametrize("data", [c[1] for c in EDITS], ids=[c[0] for c in EDITS])
def test_the_page_and_the_api_replace_an_initiative_the_same_way(
    analyst_client: Client, analyst: User, data: dict[str, Any]
) -> None:
    def existing() -> Initiative:
        return services.save_initiative(
            analyst,
            values=services.InitiativeValues(name="Sammen om Roskilde", location="Roskilde"),
            welfare_areas=["beskaeftigelse"],
            actors=[ActorRow("Roskilde Kommune", OrgType.KOMMUNE, ActorRole.PRIMARY, note="x")],
            funding=[
                FundingRow("Roskilde Kommune", OrgType.KOMMUNE, True, None, date(2024, 1, 1), None)
            ],
        )

    page = post_page(analyst_client, data, existing())
    assert page.status_code == 302, page_errors(page) if page.status_code == 200 else page
    by_page = stored()
    forget()

    api = post_api(analyst_client, data, existing())
    assert api.status_code == 200, api.content
    assert stored() == by_page
    assert Initiative.objects.count() == 1


def test_the_page_and_the_api_refuse_a_second_initiative_with_the_same_name_and_place(
    analyst_client: Client,
) -> None:
    assert post_api(analyst_client, body()).status_code == 201
    before = stored()
    message = "Der findes allerede en indsats med navnet 'Sammen om Roskilde' og stedet 'Roskilde'."

    page = post_page(analyst_client, body(name="SAMMEN om Roskilde"))
    assert page.status_code == 200
    assert page_errors(page) == {"name": [message.replace("'Sammen", "'SAMMEN")]}

    api = post_api(analyst_client, body(name="SAMMEN om Roskilde"))
    assert api.status_code == 409
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["detail"] == message.replace("'Sammen", "'SAMMEN")
    assert stored() == before


def test_the_page_and_the_api_refuse_a_fagperson_with_the_same_message(
    client: Client, make_user: Callable[..., User], unit: Unit
) -> None:
    client.force_login(make_user("fagperson", unit))
    page = post_page(client, body())
    assert page.status_code == 403
    assert services.MAY_NOT_CHANGE in page.content.decode()
    api = post_api(client, body())
    assert api.status_code == 403
    assert api.json()["detail"] == services.MAY_NOT_CHANGE
    assert stored() == [{"access_log_entries": 0}]


# --------------------------------------------------------------------------------------------
# Bad input is never a 500
# --------------------------------------------------------------------------------------------

NUL = "\x00"
BAD_BODIES = [
    ("NUL in the name", body(name=f"Sammen{NUL}"), "name"),
    ("NUL in a text", body(description=f"a{NUL}b"), "description"),
    ("NUL in an actor", body(actors=[{**KOMMUNE, "note": NUL}]), "actors.0.note"),
    ("NUL in a fagområde", body(welfare_areas=[NUL]), "welfare_areas.0"),
    ("a place too long", body(location="x" * 201), "location"),
    ("an age out of range", body(age_min=2**63), "age_min"),
    ("a year out of range", body(since_year=3000), "since_year"),
    (
        "a category 1-9",
        body(category_override=10, override_reason="x", override_source="vive"),
        "category_override",
    ),
    ("an unknown choice", body(phase="færdig"), "phase"),
    (
        "an unknown organisation",
        body(actors=[{**KOMMUNE, "organisation_id": "00000000-0000-0000-0000-000000000001"}]),
        "actors.0.organisation_id",
    ),
]


@pytest.mark.parametrize(
    ("data", "field"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_input_to_the_api_is_a_422_naming_the_field(
    analyst_client: Client, data: dict[str, Any], field: str
) -> None:
    response = post_api(analyst_client, data)
    assert response.status_code == 422, response.content
    assert field in api_errors(response), api_errors(response)
    assert not Initiative.objects.exists()


def test_bad_input_to_the_page_is_shown_on_the_form(analyst_client: Client) -> None:
    for data in (body(name=f"Sammen{NUL}"), body(description=f"a{NUL}b"), body(age_min=-1)):
        response = post_page(analyst_client, data)
        assert response.status_code == 200
        assert page_errors(response)
    assert not Initiative.objects.exists()


# --------------------------------------------------------------------------------------------
# Importing: the import page and `helhed registry import`
# --------------------------------------------------------------------------------------------

GOOD_CSV = (
    "\ufeffname;location;welfare_areas;actors;funding;phase;umbrella\n"
    'Fælles familieindsats;Testrup;"Beskæftigelse; Specialiseret børn og unge";'
    '"Testrup Kommune [kommune, primær]; Røde Kors [civilsamfund, deltagende]";'
    "Testrup Kommune [kommune, intern] 2024-01-01– 250000;afprøvning;nej\n"
    "Jobbro;Testrup;beskaeftigelse;Testrup Kommune [kommune, primær];"
    '"Fonden [privat, ekstern] 2024-01-01–2026-12-31 1.500.000; '
    'Testrup Kommune [kommune, intern] 2024-01-01–";;ja\n'
    # Only kommuner: read as B, with a warning.
    'Kommunerne sammen;Testrup;;"Testrup Kommune [kommune, primær]; Nabo Kommune '
    '[kommune, deltagende]";;;\n'
).encode()
CONTRADICTIONS_CSV = (
    "name,actors,funding,category_override,override_reason\n"
    'Uden primær,"Testrup Kommune [kommune, deltagende]",,,\n'
    'To primære,"A Kommune [kommune, primær]; B Kommune [kommune, primær]",,,\n'
    'Uden start,"A Kommune [kommune, primær]","Fonden [privat, ekstern] 250000",,\n'
    "Uden begrundelse,,,4,\n"
    'Forkert rolle,"A Kommune [kommune, chef]",,,\n'
    "Begrundelse uden kategori,,,,Fondsmidler\n"
).encode()
BAD_HEADER_CSV = b"name,welfare_area,vive_kategori\nX,skole,2\n"
NUL_CSV = b"name\nSammen\x00om\n"


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "location", "vive_category", "umbrella", "collaboration_model"])
    sheet.append(
        ["Sammen", "Testrup", 2, True, "Model 2: Parallelt (arbejdsdeling, løbende koordinering)"]
    )
    sheet.append(["Forkert", "Testrup", 11, "måske", "kaos"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


IMPORTS = [
    ("a good file", "ny.csv", GOOD_CSV, False, (3, 0, 0)),
    ("a good file, checked only", "ny.csv", GOOD_CSV, True, (3, 0, 0)),
    ("contradictory rows", "fejl.csv", CONTRADICTIONS_CSV, False, None),
    ("an unknown column", "fejl.csv", BAD_HEADER_CSV, False, None),
    ("a NUL character", "fejl.csv", NUL_CSV, False, None),
    ("not a spreadsheet", "fejl.xlsx", b"not a zip", False, None),
    ("a spreadsheet with a bad row", "ark.xlsx", _xlsx(), False, None),
]


@pytest.mark.parametrize(
    ("filename", "content", "dry_run", "counts"),
    [c[1:] for c in IMPORTS],
    ids=[c[0] for c in IMPORTS],
)
def test_the_import_page_and_the_command_import_the_same_way(
    analyst_client: Client,
    analyst: User,
    tmp_path: Path,
    filename: str,
    content: bytes,
    dry_run: bool,
    counts: tuple[int, int, int] | None,
) -> None:
    page = upload(analyst_client, filename, content, dry_run=dry_run)
    by_page = stored()
    forget()
    by_command = command(tmp_path, analyst.username, filename, content, dry_run=dry_run)

    assert page["status"] == 200
    assert by_command["status"] == (0 if counts else 2)
    for key in ("counts", "errors", "warnings"):
        assert page[key] == by_command[key], key
    assert page["counts"] == counts
    assert stored() == by_page
    if counts and not dry_run:
        assert Initiative.objects.count() == counts[0]
        assert all(
            i.provenance["name"] == [{"table": f"Import {filename}", "line": n}]
            for n, i in enumerate(Initiative.objects.order_by("created_at"), start=2)
        )
        assert page["warnings"] == [
            "række 4, actors: Indsatsen har kun kommuner som aktører ('Testrup Kommune', "
            "'Nabo Kommune'). Den læses som B (kommune og andre aktører), fordi kommunen ikke er "
            "eneste aktør."
        ]
    else:
        assert not Initiative.objects.exists()
    if counts is None:
        assert page["errors"], "an error is reported"
        assert f"{len(page['errors'])} fejl - intet er gemt" in by_command["message"]


def test_the_contradictions_are_named_by_row_and_column_in_both(
    analyst_client: Client, analyst: User, tmp_path: Path
) -> None:
    page = upload(analyst_client, "fejl.csv", CONTRADICTIONS_CSV, dry_run=False)
    assert page["errors"] == [
        "række 2, actors: Ingen aktør er angivet som primær aktør. Angiv hvem der ejer eller "
        "driver indsatsen.",
        StartsWith("række 3, actors: Flere kommuner ('A Kommune', 'B Kommune')"),
        StartsWith("række 4, funding: Finansieringskilden 'Fonden' mangler en startdato"),
        f"række 5, override_reason: {services.OVERRIDE_NEEDS_REASON}",
        f"række 5, override_source: {services.OVERRIDE_NEEDS_SOURCE}",
        StartsWith("række 6, actors: Aktør 1 ('A Kommune'): ukendt rolle 'chef'"),
        f"række 7, category_override: {services.REASON_NEEDS_OVERRIDE}",
    ]
    assert (
        command(tmp_path, analyst.username, "fejl.csv", CONTRADICTIONS_CSV, dry_run=False)["errors"]
        == page["errors"]
    )


def test_the_import_page_and_the_command_refuse_a_fagperson(
    client: Client, make_user: Callable[..., User], unit: Unit, tmp_path: Path
) -> None:
    fagperson = make_user("fagperson", unit)
    client.force_login(fagperson)
    assert upload(client, "ny.csv", GOOD_CSV, dry_run=False) == {"status": 403}
    refused = command(tmp_path, fagperson.username, "ny.csv", GOOD_CSV, dry_run=False)
    assert refused["status"] == 2
    assert services.MAY_NOT_CHANGE in refused["message"]
    assert stored() == [{"access_log_entries": 0}]
