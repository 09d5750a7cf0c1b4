"""The registry API: reads for every logged-in user, writes for administrators/analysts only,
and precise 422 problem bodies for contradictory input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from helhed.core.models import Unit, User
from helhed.registry import services
from helhed.registry.models import FundingSource, Initiative, InitiativeActor

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PROBLEM = "application/problem+json"
VIVE_COUNTS = [39, 20, 7, 10, 14, 1, 5, 14, 7]


@pytest.fixture
def vive() -> None:
    services.load_vive()


@pytest.fixture
def fagperson(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("fagperson", unit)


@pytest.fixture
def analytiker(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit)


def post(client: Client, url: str, data: Any, method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def holbaek_id() -> str:
    return str(Initiative.objects.get(name__startswith="Helhedsorienteret jobindsats").id)


def good_initiative(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Fælles familieindsats",
        "location": "Testrup",
        "welfare_areas": ["Beskæftigelse", "specialiseret-boern-unge"],
        "cond_welfare_area": "ja",
        "cond_cross_area_coordination": "ja",
        "cond_coordinating_function": "ja",
        "actors": [
            {"name": "Testrup Kommune", "org_type": "kommune", "role": "primary"},
            {"name": "Røde Kors", "org_type": "civilsamfund", "role": "participating"},
        ],
        "funding": [
            {
                "funder": "Testrup Kommune",
                "org_type": "kommune",
                "inside": True,
                "amount": "250000",
                "start": "2024-01-01",
            },
        ],
    }
    data.update(changes)
    return data


def test_anonymous_gets_401_problem(client: Client) -> None:
    response = client.get("/api/registry/initiatives")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_fagperson_reads_list_filters_and_detail(
    vive: None, fagperson: User, login: Callable[[User], Client]
) -> None:
    client = login(fagperson)
    page = client.get("/api/registry/initiatives", {"limit": 200}).json()
    assert page["count"] == 117
    assert len(page["items"]) == 117
    assert client.get("/api/registry/initiatives", {"category": 4}).json()["count"] == 10
    assert client.get("/api/registry/initiatives", {"financing": "ekstern"}).json()["count"] == (
        5 + 14 + 7
    )
    psykiatri = client.get("/api/registry/initiatives", {"welfare_area": "Psykiatri"}).json()
    assert {i["name"] for i in psykiatri["items"]} >= {"Koordineret Indsats på Tværs (KIT)"}

    detail = client.get(f"/api/registry/initiatives/{holbaek_id()}").json()
    assert detail["location"] == "Holbæk"
    assert detail["actors"][0]["name"] == "Holbæk Kommune"
    assert {f["funder"] for f in detail["funding"]} == {
        "Den Sociale Investeringsfond (DSI)",
        "Holbæk Kommune",
    }
    assert set(detail["welfare_areas"]) == {
        "beskaeftigelse",
        "specialiseret-voksen",
        "specialiseret-boern-unge",
    }
    evaluation = detail["evaluation"]
    assert (evaluation["category"], evaluation["basis"], evaluation["alternative_category"]) == (
        4,
        "computed",
        7,
    )
    assert evaluation["financing_axis"] == "kombineret"
    assert [c["passed"] for c in detail["conditions"]] == [True, True, True, True]
    assert {"table", "line"} <= set(detail["provenance"]["name"][0])
    assert detail["actors"][0]["provenance"]

    # The category as of another date: after the fund's period only the kommune pays.
    later = client.get(f"/api/registry/initiatives/{holbaek_id()}", {"as_of": "2026-07-01"})
    assert later.json()["evaluation"]["category"] == 1


def test_bad_query_and_unknown_id_are_problems_not_500(
    vive: None, fagperson: User, login: Callable[[User], Client]
) -> None:
    client = login(fagperson)
    for params, param in [
        ({"category": "11"}, "category"),
        ({"financing": "privat"}, "financing"),
        ({"as_of": "2025-13-01"}, "as_of"),
        ({"welfare_area": "Klima"}, "welfare_area"),
    ]:
        response = client.get("/api/registry/initiatives", params)
        assert response.status_code == 422, params
        assert response["Content-Type"] == PROBLEM
        assert response.json()["errors"][0]["loc"][-1] == param
    response = client.get("/api/registry/initiatives/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["detail"] == "Indsatsen findes ikke."


def test_matrix_counts_and_as_of(
    vive: None, fagperson: User, login: Callable[[User], Client]
) -> None:
    client = login(fagperson)
    body = client.get("/api/registry/matrix").json()
    assert [c["count"] for c in body["cells"]] == VIVE_COUNTS
    assert [c["category"] for c in body["cells"]] == list(range(1, 10))
    assert body["cells"][3]["actor_axis"] == "A"
    assert body["cells"][3]["financing_axis"] == "kombineret"
    assert all(len(c["ids"]) == c["count"] for c in body["cells"])
    assert holbaek_id() in body["cells"][3]["ids"]
    assert body["total"] == 117

    # KIT started on a state pool (Satspuljen 2018-2021) next to the kommuner's own money:
    # in 2019 it is kombineret (5), not intern (2).
    kit = str(Initiative.objects.get(name__startswith="Koordineret Indsats").id)
    early = client.get("/api/registry/matrix", {"as_of": "2019-06-01"}).json()
    assert kit in early["cells"][4]["ids"]
    assert kit not in early["cells"][1]["ids"]
    assert client.get("/api/registry/matrix", {"as_of": "juni"}).status_code == 422


def test_categorize_endpoint_answers_like_the_cli(
    fagperson: User, login: Callable[[User], Client]
) -> None:
    from django.core.management import call_command

    client = login(fagperson)
    for name in ("holbaek.json", "den-groenne-trepart.json"):
        document = json.loads((EXAMPLES / name).read_text("utf-8"))
        response = post(client, "/api/registry/categorize", document)
        assert response.status_code == 200
        import io

        out = io.StringIO()
        call_command("registry", "categorize", str(EXAMPLES / name), stdout=out)
        assert response.json() == json.loads(out.getvalue())
    trepart = post(
        client,
        "/api/registry/categorize",
        json.loads((EXAMPLES / "den-groenne-trepart.json").read_text("utf-8")),
    )
    assert trepart.json()["within_definition"] is False
    assert trepart.json()["failed_conditions"] == [1]


def test_categorize_endpoint_bad_input_is_422_with_field(
    fagperson: User, login: Callable[[User], Client]
) -> None:
    client = login(fagperson)
    response = post(
        client,
        "/api/registry/categorize",
        {"actors": [{"name": "X", "org_type": "kommunen", "role": "primary"}]},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "actors", "0", "org_type"]
    assert "kommunen" in error["msg"]
    response = client.post("/api/registry/categorize", "{oops", content_type="application/json")
    assert response.status_code == 422


def test_fagperson_cannot_write(
    vive: None, fagperson: User, login: Callable[[User], Client]
) -> None:
    client = login(fagperson)
    before = Initiative.objects.count()
    url = f"/api/registry/initiatives/{holbaek_id()}"
    for response in (
        post(client, "/api/registry/initiatives", good_initiative()),
        post(client, url, good_initiative(), method="put"),
        post(client, url, {"name": "Nyt navn"}, method="patch"),
        client.delete(url),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 403
        assert "administratorer og analytikere" in response.json()["detail"]
    assert Initiative.objects.count() == before
    assert Initiative.objects.get(pk=holbaek_id()).name.startswith("Helhedsorienteret")


def test_analytiker_creates_updates_and_deletes(
    analytiker: User, login: Callable[[User], Client]
) -> None:
    client = login(analytiker)
    response = post(client, "/api/registry/initiatives", good_initiative())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["evaluation"]["category"] == 2  # kommune + andre, intern
    assert created["evaluation"]["within_definition"] is True
    assert created["welfare_areas"] == ["beskaeftigelse", "specialiseret-boern-unge"]
    url = f"/api/registry/initiatives/{created['id']}"

    # Same name and place again: a conflict, not a duplicate.
    assert post(client, "/api/registry/initiatives", good_initiative()).status_code == 409

    patched = post(
        client,
        url,
        {"category_override": 7, "override_reason": "Fondsmidler", "override_source": "analytiker"},
        method="patch",
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["evaluation"]["category"] == 7
    assert body["evaluation"]["basis"] == "override"
    assert len(body["actors"]) == 2  # untouched by the PATCH

    replaced = post(
        client,
        url,
        good_initiative(
            actors=[{"name": "Testrup Kommune", "org_type": "kommune", "role": "primary"}]
        ),
        method="put",
    )
    assert replaced.status_code == 200
    assert replaced.json()["evaluation"]["category"] == 1
    assert replaced.json()["category_override"] is None

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert not InitiativeActor.objects.filter(initiative_id=created["id"]).exists()


CONTRADICTIONS = [
    (
        "no primary actor",
        {
            "actors": [
                {"name": "Testrup Kommune", "org_type": "kommune", "role": "participating"},
                {"name": "Røde Kors", "org_type": "civilsamfund", "role": "participating"},
            ]
        },
        "actors.0.role",
        "Ingen aktør er angivet som primær aktør",
    ),
    (
        "two kommuner both primary",
        {
            "actors": [
                {"name": "Testrup Kommune", "org_type": "kommune", "role": "primary"},
                {"name": "Nabo Kommune", "org_type": "kommune", "role": "primary"},
            ]
        },
        "actors.1.role",
        "Flere kommuner",
    ),
    (
        "funder without start",
        {"funding": [{"funder": "Fonden", "org_type": "privat", "inside": False, "amount": 100}]},
        "funding.0.start",
        "Finansieringskilden 'Fonden' mangler en startdato",
    ),
    (
        "override without reason",
        {"category_override": 4, "override_source": "analytiker"},
        "override_reason",
        "En manuel kategori kræver en begrundelse.",
    ),
    (
        "unknown fagområde",
        {"welfare_areas": ["Beskæftigelse", "Klimapolitik"]},
        "welfare_areas.1",
        "Ukendt fagområde 'Klimapolitik'",
    ),
    (
        "period ends before it starts",
        {
            "funding": [
                {
                    "funder": "Fonden",
                    "org_type": "privat",
                    "inside": False,
                    "start": "2025-01-01",
                    "end": "2024-01-01",
                }
            ]
        },
        "funding.0.end",
        "slutter",
    ),
]


def field_path(loc: list[str]) -> str:
    """A 422 error's field as a path (``funding.0.start``), after ``body`` (and ninja's
    ``payload``, the parameter's name, in errors from the schema itself)."""
    parts = [str(part) for part in loc[1:]]
    return ".".join(parts[1:] if parts[:1] == ["payload"] else parts)


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [c[1:] for c in CONTRADICTIONS],
    ids=[c[0] for c in CONTRADICTIONS],
)
def test_contradictions_are_422_problems_and_nothing_is_written(
    analytiker: User,
    login: Callable[[User], Client],
    changes: dict[str, Any],
    path: str,
    message: str,
) -> None:
    client = login(analytiker)
    response = post(client, "/api/registry/initiatives", good_initiative(**changes))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert all(e["loc"][0] == "body" for e in body["errors"]), body["errors"]
    assert any(field_path(e["loc"]) == path and message in e["msg"] for e in body["errors"]), body[
        "errors"
    ]
    assert not Initiative.objects.exists()
    assert not FundingSource.objects.exists()


def test_patch_with_a_contradiction_changes_nothing(
    vive: None, analytiker: User, login: Callable[[User], Client]
) -> None:
    client = login(analytiker)
    url = f"/api/registry/initiatives/{holbaek_id()}"
    response = post(
        client,
        url,
        {
            "description": "Ny tekst",
            "actors": [{"name": "Holbæk Kommune", "org_type": "kommune", "role": "context"}],
        },
        method="patch",
    )
    assert response.status_code == 422
    initiative = Initiative.objects.get(pk=holbaek_id())
    assert initiative.description != "Ny tekst"
    assert initiative.actors.count() == 3
    assert post(client, url, {"colour": "blå"}, method="patch").status_code == 422
    wrong_type = post(
        client,
        url,
        {"actors": [{"name": "X", "org_type": "firma", "role": "primary"}]},
        method="patch",
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["loc"][:5] == [
        "body",
        "payload",
        "actors",
        "0",
        "org_type",
    ]


def test_openapi_document_lists_the_registry_endpoints(
    fagperson: User, login: Callable[[User], Client]
) -> None:
    schema = login(fagperson).get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/registry/initiatives"])
    assert {"get", "put", "patch", "delete"} <= set(
        paths["/api/registry/initiatives/{initiative_id}"]
    )
    assert "post" in paths["/api/registry/categorize"]
    assert "get" in paths["/api/registry/matrix"]
