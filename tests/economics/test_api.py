"""The economics API: the same rules as the pages, problem bodies for bad input (field-level 422,
rows as ``costs.0.amount``), 403 for anything forbidden or unknown, 409 for a stale version."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from helhed.economics.models import BusinessCase, IndicatorResult
from tests.courses.builders import today
from tests.economics.conftest import World

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: Any, method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def case_body(world: World, **over: Any) -> dict[str, Any]:
    body = {
        "initiative_id": str(world.initiative.pk),
        "name": "Gladsaxe via API",
        "target_group": "Familier",
        "success_label": "en anbringelse undgås",
        "cohort_size": 100,
        "horizon_years": 4,
        "price_year": world.placement_price.year,
        "rate_cautious": "1",
        "rate_expected": "2",
        "rate_optimistic": "3",
        "costs": [
            {
                "year": t,
                "label": "Familiekonsulenter",
                "budget_area": "boern-familie",
                "payer": "kommune",
                "amount": "600000",
            }
            for t in range(1, 5)
        ],
        "consequences": [
            {
                "unit_price_id": str(world.placement_price.pk),
                "budget_area": "boern-familie",
                "payer": "kommune",
                "changes": ["0", "-0.5", "-1", "-1"],
            }
        ],
    }
    body.update(over)
    return body


def test_create_and_read_a_business_case(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    response = post(client, "/api/economics/business-cases", case_body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["break_even_year"] == 4
    assert data["needed"][0]["successes_needed"] == 2
    assert [y["cumulative"] for y in data["years"]] == ["-600000", "-680000", "-240000", "200000"]
    assert data["scenarios"] == {"forsigtigt": None, "forventet": 4, "optimistisk": 3}
    assert "ikke et bevis" in data["caution"]
    got = client.get(f"/api/economics/business-cases/{data['id']}?scenario=forsigtigt&within=3")
    assert got.status_code == 200
    assert got.json()["break_even_year"] is None
    assert got.json()["needed"][0] == {
        "label": "en anbringelse undgås",
        "within_years": 3,
        "successes_needed": 3,
        "success_rate_needed": "3.00",
    }


def test_bad_input_is_a_field_level_problem_and_nothing_is_saved(
    world: World, client: Client
) -> None:
    client.force_login(world.analyst)
    body = case_body(world, horizon_years=12, discount_rate="25")
    body["costs"][0]["amount"] = "-1"
    response = post(client, "/api/economics/business-cases", body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    locs = {tuple(e["loc"]): e["msg"] for e in problem["errors"]}
    assert locs[("body", "horizon_years")].startswith("Tidshorisonten skal være 1-10 år")
    assert locs[("body", "discount_rate")] == "Diskonteringsrenten skal ligge mellem 0 og 20 %."
    assert locs[("body", "costs.0.amount")] == "Tallet kan ikke være negativt."
    assert not BusinessCase.objects.exists()
    # not a number at all: pydantic refuses it before the service (still a 422 problem)
    bad = post(client, "/api/economics/business-cases", case_body(world, cohort_size="mange"))
    assert bad.status_code == 422
    nan = case_body(world)
    nan["costs"][0]["amount"] = "NaN"
    assert post(client, "/api/economics/business-cases", nan).status_code == 422


def test_a_stale_version_is_409_and_another_organisation_403(world: World, client: Client) -> None:
    client.force_login(world.analyst)
    created = post(client, "/api/economics/business-cases", case_body(world)).json()
    url = f"/api/economics/business-cases/{created['id']}"
    assert post(client, url, case_body(world, version=1), "put").status_code == 200
    stale = post(client, url, case_body(world, version=1), "put")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    client.force_login(world.other_leader)
    for response in (
        client.get(url),
        post(client, url, case_body(world), "put"),
        client.get(f"/api/economics/business-cases/{uuid.uuid4()}"),
        client.get(f"/api/economics/initiatives/{world.initiative.pk}/costs"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"] == "Du har ikke adgang."
    # a course's costs: the course guard's one 403, the same as in the other apps' APIs
    response = client.get(f"/api/economics/courses/{world.course.pk}/costs")
    assert response.status_code == 403
    guard = client.get(f"/api/progress/courses/{world.course.pk}/measurements")
    assert guard.status_code == 403
    assert response.json()["detail"] == guard.json()["detail"]


def contract_body(world: World, **over: Any) -> dict[str, Any]:
    start = today() - timedelta(days=400)
    body = {
        "initiative_id": str(world.initiative.pk),
        "name": "Jobindsats",
        "owner_id": str(world.org.pk),
        "investor_name": "DSI",
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=900)).isoformat(),
        "cutoff": (start + timedelta(days=1200)).isoformat(),
        "budget": "6900000",
        "indicators": [
            {
                "name": "Beskæftigelse",
                "priority": "primaer",
                "source": "beskaeftigelse",
                "price": "45000",
                "expected_rate": "40",
                "months_after": 12,
                "accepted": ["ordinaert-job", "uddannelse"],
            },
        ],
        "phases": [
            {"name": "Indsats", "start_week": 0, "end_week": 26},
            {"name": "Efterværn", "start_week": 26, "end_week": 39},
        ],
        "points": [{"week": 26, "instrument": "who5"}],
    }
    body.update(over)
    return body


def test_contract_validation_and_report(world: World, client: Client) -> None:
    client.force_login(world.leader)
    bad = contract_body(
        world,
        phases=[
            {"name": "A", "start_week": 0, "end_week": 26},
            {"name": "B", "start_week": 10, "end_week": 39},
        ],
    )
    bad["indicators"][0]["source"] = ""
    response = post(client, "/api/economics/contracts", bad)
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "phases.1.start_week") in locs
    assert ("body", "indicators.0.source") in locs
    created = post(client, "/api/economics/contracts", contract_body(world))
    assert created.status_code == 201, created.content
    contract_id = created.json()["id"]
    # a course joins; its employment is decided 12 months after its start
    client.force_login(world.coordinator)
    start = (today() - timedelta(days=380)).isoformat()
    joined = post(
        client,
        f"/api/economics/courses/{world.course.pk}/enrolments",
        {"contract_id": contract_id, "start_date": start},
    )
    assert joined.status_code == 201, joined.content
    [result] = joined.json()["results"]
    assert result["status"] == "kan-ikke-maales"
    overridden = post(
        client,
        f"/api/economics/results/{result['id']}/override",
        {"status": "opfyldt", "reason": "Lønseddel viser ordinært job."},
    )
    assert overridden.status_code == 200 and overridden.json()["status"] == "opfyldt"
    assert IndicatorResult.objects.get().override_reason == "Lønseddel viser ordinært job."
    client.force_login(world.leader)
    report = client.get(f"/api/economics/contracts/{contract_id}/report")
    assert report.status_code == 200
    data = report.json()
    assert data["indicators"][0]["counts"]["opfyldt"] == "<5"
    assert data["amount_due"] == "45000.00"  # the settlement is shown (see docs/economics.md)


def test_course_costs_through_the_api(world: World, client: Client) -> None:
    client.force_login(world.jobcenter)
    body = {
        "measure_id": str(world.mentor.pk),
        "unit_price_id": str(world.mentor_price.pk),
        "quantity": "8",
        "year": today().year,
        "month": 1,
        "months": 2,
    }
    created = post(client, f"/api/economics/courses/{world.course.pk}/costs", body)
    assert created.status_code == 201, created.content
    assert [c["amount"] for c in created.json()] == ["3600.00", "3600.00"]
    negative = post(
        client, f"/api/economics/courses/{world.course.pk}/costs", {**body, "quantity": "-2"}
    )
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["loc"] == ["body", "quantity"]
    listed = client.get(f"/api/economics/courses/{world.course.pk}/costs").json()
    assert listed["total"] == "7200.00" and len(listed["costs"]) == 2
    client.force_login(world.health)  # no consent for economy data: the rows are hidden
    hidden = client.get(f"/api/economics/courses/{world.course.pk}/costs").json()
    assert hidden["costs"] == [] and hidden["hidden_rows"] == 2
    gone = client.delete(f"/api/economics/costs/{created.json()[0]['id']}")
    assert gone.status_code == 403
    client.force_login(world.citizen)
    assert client.get(f"/api/economics/courses/{world.course.pk}/costs").status_code == 403


def test_prices_and_initiative_costs(world: World, client: Client) -> None:
    client.force_login(world.leader)
    body = {
        "organisation_id": str(world.org.pk),
        "name": "Nat på forsorgshjem",
        "unit": "nat",
        "payer": "kommune",
        "budget_area": "voksne",
        "source": "Egen takst",
        "amount": "1150",
    }
    missing_year = post(client, "/api/economics/prices", body)
    assert missing_year.status_code == 422
    assert missing_year.json()["errors"] == [
        {
            "loc": ["body", "year"],
            "msg": "En pris skal have det år, prisen gælder for.",
            "type": "value_error",
        }
    ]
    created = post(client, "/api/economics/prices", {**body, "year": 2025})
    assert created.status_code == 201
    listed = client.get("/api/economics/prices").json()
    assert "Nat på forsorgshjem" in {p["name"] for p in listed}
    costs = client.get(f"/api/economics/initiatives/{world.initiative.pk}/costs")
    assert costs.status_code == 200
    assert costs.json()["courses_counted"] == 1
    client.force_login(world.citizen)
    assert client.get("/api/economics/prices").status_code == 403


def test_a_repeated_cost_submission_is_409_with_the_rows(world: World, client: Client) -> None:
    client.force_login(world.jobcenter)
    body = {
        "measure_id": str(world.mentor.pk),
        "unit_price_id": str(world.mentor_price.pk),
        "quantity": "2",
        "year": today().year,
        "month": 3,
        "idempotency_key": "forsoeg-1",
    }
    url = f"/api/economics/courses/{world.course.pk}/costs"
    first = post(client, url, body)
    assert first.status_code == 201
    again = post(client, url, body)
    assert again.status_code == 409
    assert again.json()["existing_ids"] == [first.json()[0]["id"]]
    assert len(first.json()) == 1
