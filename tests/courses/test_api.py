"""The courses API: the same access rules as the pages, logged reads, masked CPR numbers only,
and problem bodies for every refusal (403 without access, 409 for a stale plan, 422 for bad
input — never a 500)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Unit, User
from helhed.courses import selectors, services
from helhed.courses.models import Citizen, Consent, Course, Goal, Plan, PlanVersion
from helhed.registry.models import Initiative
from tests.courses import builders as b

pytestmark = pytest.mark.django_db

BASE = "/api/courses/courses"
PROBLEM = "application/problem+json"
CPR = "1503851234"


@dataclass
class World:
    initiative: Initiative
    coordinator_unit: Unit
    jobcenter: Unit
    outsider_unit: Unit
    coordinator: User
    caseworker: User
    outsider: User
    course: Course


@pytest.fixture
def world(db: None) -> World:
    odense, holbaek = b.organisation("461"), b.organisation("316")
    coordinator_unit = b.make_unit(odense, "Koordinerende team")
    jobcenter = b.make_unit(odense, "Jobcenter Odense")
    outsider_unit = b.make_unit(holbaek, "Socialafdelingen", "specialiseret-voksen")
    coordinator = b.make_staff(coordinator_unit, "koordinator", first_name="Karen")
    caseworker = b.make_staff(jobcenter, "fagperson", first_name="Jonas")
    initiative = b.make_initiative()
    course = b.open_course(coordinator, coordinator_unit, initiative=initiative, cpr=CPR)
    b.join_team(course, coordinator, jobcenter, member_user=caseworker)
    b.give_consent(
        course, coordinator, units=[coordinator_unit, jobcenter], categories=["plan", "economy"]
    )
    return World(
        initiative=initiative,
        coordinator_unit=coordinator_unit,
        jobcenter=jobcenter,
        outsider_unit=outsider_unit,
        coordinator=coordinator,
        caseworker=caseworker,
        outsider=b.make_staff(outsider_unit, "fagperson", first_name="Olga"),
        course=course,
    )


@pytest.fixture
def as_user(db: None) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def no_full_cpr(response: Any) -> None:
    text = response.content.decode()
    assert CPR not in text
    assert "150385-1234" not in text


def log_entries(user: User) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(actor=user).order_by("at"))


# --------------------------------------------------------------------------------------------
# Reads respect access and are logged
# --------------------------------------------------------------------------------------------


def test_list_shows_visible_courses_masked_and_logged(
    world: World, as_user: Callable[[User], Client]
) -> None:
    other = b.open_course(
        world.coordinator,
        world.coordinator_unit,
        initiative=world.initiative,
        cpr="0101901111",
        first_name="Anders",
        last_name="And",
    )
    response = as_user(world.coordinator).get(BASE)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    ids = {item["id"] for item in page["items"]}
    assert ids == {str(world.course.id), str(other.id)}
    item = next(i for i in page["items"] if i["id"] == str(world.course.id))
    assert item["cpr_masked"] == "150385-xxxx"
    assert item["citizen_name"] == "Mette Hansen"
    assert item["initiative"] == "FAMKO"
    assert item["coordinator"] == world.coordinator.get_full_name()
    assert item["status"] == "henvist"
    no_full_cpr(response)
    entries = [e for e in log_entries(world.coordinator) if e.what == "forløbsliste"]
    assert sorted(str(e.citizen_id) for e in entries) == sorted(
        [str(world.course.citizen_id), str(other.citizen_id)]
    )
    assert all(e.purpose == Purpose.CASEWORK and not e.without_consent for e in entries)

    # pagination: one per page, one entry per citizen shown
    before = AccessLogEntry.objects.count()
    page = as_user(world.coordinator).get(BASE, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    assert AccessLogEntry.objects.count() == before + 1


def test_list_for_caseworker_outsider_and_citizen(
    world: World, as_user: Callable[[User], Client]
) -> None:
    items = as_user(world.caseworker).get(BASE).json()["items"]
    assert [i["id"] for i in items] == [str(world.course.id)]
    assert as_user(world.outsider).get(BASE).json() == {"count": 0, "items": []}
    assert log_entries(world.outsider) == []
    citizen_user = b.make_citizen_user()
    Citizen.objects.filter(pk=world.course.citizen_id).update(user=citizen_user)
    assert as_user(citizen_user).get(BASE).json()["count"] == 0


def test_list_rejects_bad_parameters(world: World, as_user: Callable[[User], Client]) -> None:
    client = as_user(world.coordinator)
    for params in (
        {"limit": 0},
        {"limit": 1000},
        {"offset": -1},
        {"limit": "mange"},
        {"status": "ukendt"},
    ):
        assert_problem(client.get(BASE, params), 422)
    assert client.get(BASE, {"status": "henvist"}).json()["count"] == 1
    assert client.get(BASE, {"status": "aktiv"}).json()["count"] == 0


def test_anonymous_gets_401(world: World, client: Client) -> None:
    assert_problem(client.get(BASE), 401)
    assert_problem(client.get(f"{BASE}/{world.course.id}"), 401)


def test_detail_for_team_member_is_filtered_by_consent_and_logged(
    world: World, as_user: Callable[[User], Client]
) -> None:
    plan = Plan.objects.get(course=world.course)
    services.save_measure(
        world.coordinator,
        plan.pk,
        1,
        title="Misbrugsbehandling",
        welfare_area_id="psykiatri",
        legal_basis_id="sel-101",
        organisation=world.jobcenter.organisation,
        budget_area="voksne",
    )
    services.save_measure(
        world.coordinator,
        plan.pk,
        2,
        title="Mentor",
        welfare_area_id="beskaeftigelse",
        legal_basis_id="lab-187",
        organisation=world.jobcenter.organisation,
        unit=world.jobcenter,
        budget_area="beskaeftigelse",
    )
    response = as_user(world.caseworker).get(f"{BASE}/{world.course.id}")
    assert response.status_code == 200
    body = response.json()
    no_full_cpr(response)
    assert body["citizen"]["cpr_masked"] == "150385-xxxx"
    assert "cpr" not in body["citizen"]
    assert body["categories"] == ["plan", "economy"]
    # drug treatment is health data, whichever act it is given under
    assert body["hidden_categories"] == ["Helbred (sundhed, psykiatri og rusmiddelbehandling)"]
    assert body["plan"]["version"] == 3
    # the health measure is not counted for them; the jobcenter's own employment measure is,
    # although the consent does not cover employment (a unit sees its own contribution)
    assert body["plan"]["measures"] == 1
    assert body["without_consent"] is False
    assert {m["name"] for m in body["team"]} >= {"Sagsbehandler"}
    assert body["team_stats"]["current"] == 2
    assert body["consents"][0]["categories"] == ["economy", "plan"]
    assert body["consents"][0]["valid_today"] is True
    assert body["coordinator"]["name"] == world.coordinator.get_full_name()
    [entry] = log_entries(world.caseworker)
    assert entry.citizen_id == world.course.citizen_id
    assert entry.what == "forløb og plan"

    plan_body = as_user(world.caseworker).get(f"{BASE}/{world.course.id}/plan").json()
    assert [m["title"] for m in plan_body["measures"]] == ["Mentor"]
    assert plan_body["measures"][0]["legal_basis"]["paragraph"] == "§ 187"
    coordinator_plan = as_user(world.coordinator).get(f"{BASE}/{world.course.id}/plan").json()
    assert sorted(m["title"] for m in coordinator_plan["measures"]) == [
        "Mentor",
        "Misbrugsbehandling",
    ]
    assert coordinator_plan["hidden_categories"] == []


def test_outsider_gets_the_same_403_for_existing_and_missing_courses(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.outsider)
    missing = "00000000-0000-0000-0000-000000000000"
    for course_id in (world.course.id, missing):
        for suffix in ("", "/plan", "/team", "/consents"):
            body = assert_problem(client.get(f"{BASE}/{course_id}{suffix}"), 403)
            assert body["detail"] == "Du har ikke adgang til dette forløb."
        body = assert_problem(
            send(client, "patch", f"{BASE}/{course_id}/plan", {"version": 1, "summary": "x"}),
            403,
        )
        assert body["detail"] == "Du har ikke adgang til dette forløb."
        assert_problem(
            send(client, "post", f"{BASE}/{course_id}/plan/goals", {"version": 1, "text": "Mål"}),
            403,
        )
    assert log_entries(world.outsider) == []
    assert Plan.objects.get(course=world.course).version == 1


def test_consent_withdrawal_removes_access_at_once(
    world: World, as_user: Callable[[User], Client]
) -> None:
    caseworker = as_user(world.caseworker)
    assert caseworker.get(f"{BASE}/{world.course.id}").status_code == 200
    consent = Consent.objects.get(course=world.course)

    # only the coordinator may withdraw (or the citizen, on their own pages)
    assert_problem(
        send(caseworker, "post", f"{BASE}/{world.course.id}/consents/{consent.id}/withdraw", {}),
        403,
    )
    coordinator = as_user(world.coordinator)
    response = send(
        coordinator,
        "post",
        f"{BASE}/{world.course.id}/consents/{consent.id}/withdraw",
        {"by_name": "Mette Hansen"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["withdrawn_on"] == b.today().isoformat()
    assert body["valid_today"] is False

    assert_problem(caseworker.get(f"{BASE}/{world.course.id}"), 403)
    assert caseworker.get(BASE).json()["count"] == 0
    # the coordinator still sees it; withdrawing twice is a 422, an unknown consent a 403 (the
    # same answer as for one the reader may not see)
    assert coordinator.get(f"{BASE}/{world.course.id}").status_code == 200
    # (the body is optional: a bare POST is enough)
    withdraw = f"{BASE}/{world.course.id}/consents/{consent.id}/withdraw"
    assert_problem(coordinator.post(withdraw, content_type="application/json"), 422)
    assert_problem(coordinator.post(withdraw, "{not json", content_type="application/json"), 400)
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(
        coordinator.post(
            f"{BASE}/{world.course.id}/consents/{missing}/withdraw", content_type="application/json"
        ),
        403,
    )


def test_access_without_consent_is_flagged_in_the_log(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.outsider)
    url = f"{BASE}/{world.course.id}/without-consent"
    body = {"unit_id": str(world.outsider_unit.id), "basis_id": "rsl-11c", "note": "Underretning"}
    # not a casework authority unit: refused, nothing opened
    assert_problem(send(client, "post", url, body), 403)
    world.outsider_unit.may_open_without_consent = True
    world.outsider_unit.save()
    bad = assert_problem(send(client, "post", url, {**body, "basis_id": "eget-skøn"}), 422)
    assert bad["errors"][0]["loc"][-1] == "basis_id"
    opened = send(client, "post", url, body)
    assert opened.status_code == 201
    assert set(opened.json()["categories"]) == {"plan", "health", "social", "employment", "economy"}
    assert client.get(BASE).json()["count"] == 1
    detail = client.get(f"{BASE}/{world.course.id}").json()
    assert detail["without_consent"] is True
    reads = [e for e in log_entries(world.outsider) if e.what in ("forløbsliste", "forløb og plan")]
    assert len(reads) == 2
    assert all(e.without_consent and "Retssikkerhedsloven § 11 c" in e.legal_basis for e in reads)
    assert all(e.purpose == Purpose.LEGAL_OBLIGATION for e in reads)
    assert {e.actor_unit_id for e in reads} == {world.outsider_unit.id}


def test_team_and_consents_reads_are_logged(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.caseworker)
    team = client.get(f"{BASE}/{world.course.id}/team").json()
    assert team["stats"]["current"] == 2
    assert {m["role"] for m in team["members"]} == {"Koordinator", "Kontaktperson"}
    consents = client.get(f"{BASE}/{world.course.id}/consents").json()
    assert len(consents) == 1
    assert {u["name"] for u in consents[0]["units"]} == {"Koordinerende team", "Jobcenter Odense"}
    assert [e.what for e in log_entries(world.caseworker)] == ["team", "samtykker"]


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def intake_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "initiative_id": str(world.initiative.id),
        "coordinator_unit_id": str(world.coordinator_unit.id),
        "cpr": "010203-4123",
        "first_name": "Lise",
        "last_name": "Lund",
        "referred_on": b.today().isoformat(),
    }
    body.update(overrides)
    return body


def test_intake_creates_a_course_and_never_returns_the_cpr(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.coordinator)
    response = send(
        client,
        "post",
        BASE,
        intake_body(
            world,
            contact={"contact_channel": "sms", "phone": "12345678", "no_fixed_address": True},
            checklist={"Mindst to sager": "ja"},
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cpr_masked"] == "010203-xxxx"
    assert body["plan_version"] == 1
    assert "0102034123" not in response.content.decode()
    course = Course.objects.get(pk=body["id"])
    assert course.citizen.contact_channel == "sms"
    assert course.citizen.no_fixed_address is True
    assert course.intake_checklist == {"Mindst to sager": "ja"}
    assert course.coordinator == world.coordinator
    detail = client.get(f"{BASE}/{course.id}")
    assert detail.json()["citizen"]["cpr_masked"] == "010203-xxxx"
    assert "0102034123" not in detail.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cpr": "3102851234"}, "cpr"),  # 31 February
        ({"cpr": "12345"}, "cpr"),
        ({"cpr": "0101364123"}, "cpr"),  # born in 2036
        ({"cpr": "150385²234"}, "cpr"),
        ({"cpr": "1" * 50}, "cpr"),  # too long for the schema
        ({"first_name": ""}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "Lund\x00"}, "last_name"),
        ({"referred_on": "2999-01-01"}, "referred_on"),
        ({"referred_on": "i går"}, "referred_on"),
        ({"initiative_id": "00000000-0000-0000-0000-000000000000"}, "initiative_id"),
        ({"initiative_id": "ikke-et-id"}, "initiative_id"),
        ({"contact": {"contact_channel": "brevdue"}}, "contact_channel"),
    ],
)
def test_intake_with_bad_input_is_a_422_problem_and_writes_nothing(
    world: World, as_user: Callable[[User], Client], overrides: dict[str, Any], field: str
) -> None:
    before = (Citizen.objects.count(), Course.objects.count())
    response = send(as_user(world.coordinator), "post", BASE, intake_body(world, **overrides))
    body = assert_problem(response, 422)
    assert body["title"] == "Ugyldige data"
    assert any(e["loc"][-1] == field for e in body["errors"]), body["errors"]
    assert all(e["msg"] for e in body["errors"])
    no_full_cpr(response)
    assert "3102851234" not in response.content.decode()
    assert (Citizen.objects.count(), Course.objects.count()) == before


def test_intake_in_a_foreign_unit_and_by_a_citizen(
    world: World, as_user: Callable[[User], Client]
) -> None:
    body = assert_problem(
        send(
            as_user(world.coordinator),
            "post",
            BASE,
            intake_body(world, coordinator_unit_id=str(world.jobcenter.id)),
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "coordinator_unit_id"]
    assert_problem(send(as_user(b.make_citizen_user()), "post", BASE, intake_body(world)), 403)


def test_intake_of_a_citizen_with_an_open_course_says_only_that_it_exists(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.caseworker)
    same = {"cpr": "150385-1234", "first_name": "Mette", "last_name": "Hansen"}
    unit = {"coordinator_unit_id": str(world.jobcenter.id)}
    response = send(client, "post", BASE, intake_body(world, **same, **unit))
    body = assert_problem(response, 409)
    assert body["join_request"] == "/api/courses/join-requests"
    text = response.content.decode()
    for secret in (str(world.course.id), "FAMKO", world.coordinator.get_full_name()):
        assert secret not in text
    # the lookup of the registered citizen is logged, attributed to the unit
    [lookup] = [e for e in log_entries(world.caseworker) if e.purpose == Purpose.SEARCH]
    assert lookup.citizen_id == world.course.citizen_id
    assert lookup.actor_unit_id == world.jobcenter.id
    # another name for the CPR number: refused, and the registered name is not returned
    wrong = send(client, "post", BASE, intake_body(world, cpr="150385-1234", **unit))
    assert_problem(wrong, 422)
    assert "Mette" not in wrong.content.decode()
    # a second course needs a reason and the koordinator role: the caseworker is a fagperson
    reason = {"parallel_reason": "Et særskilt forløb"}
    refused = assert_problem(
        send(client, "post", BASE, intake_body(world, **same, **unit, **reason)), 422
    )
    assert refused["errors"][0]["loc"][-1] == "parallel_reason"
    assert Course.objects.count() == 1
    # ask the coordinator instead: a join request, answered by the coordinator
    asked = send(
        client,
        "post",
        "/api/courses/join-requests",
        {"cpr": "150385-1234", "unit_id": str(world.jobcenter.id), "message": "Jobafklaring"},
    )
    assert asked.status_code == 201 and asked.json() == {"sent": 0}  # already on the team
    outsider = as_user(world.outsider)
    asked = send(
        outsider,
        "post",
        "/api/courses/join-requests",
        {"cpr": "150385-1234", "unit_id": str(world.outsider_unit.id)},
    )
    assert asked.json() == {"sent": 1}
    koordinator = b.make_staff(world.jobcenter, "koordinator", first_name="Kim")
    created = send(as_user(koordinator), "post", BASE, intake_body(world, **same, **unit, **reason))
    assert created.status_code == 201
    assert Course.objects.filter(citizen__cpr=CPR).count() == 2


# --------------------------------------------------------------------------------------------
# The plan: edits with optimistic concurrency
# --------------------------------------------------------------------------------------------


def test_stale_save_is_a_409_problem_listing_the_changes(
    world: World, as_user: Callable[[User], Client]
) -> None:
    coordinator, caseworker = as_user(world.coordinator), as_user(world.caseworker)
    url = f"{BASE}/{world.course.id}/plan"
    version = coordinator.get(url).json()["version"]
    assert caseworker.get(url).json()["version"] == version == 1

    first = send(
        coordinator,
        "post",
        f"{url}/goals",
        {"version": version, "text": "Få et job", "importance": 5},
    )
    assert first.status_code == 201
    assert first.json()["version"] == 2
    assert first.json()["changes"] == ["Nyt mål: Få et job"]

    second = send(caseworker, "patch", url, {"version": version, "summary": "Mit resumé"})
    body = assert_problem(second, 409)
    assert body["current_version"] == 2
    assert len(body["changes"]) == 1
    assert "Nyt mål: Få et job" in body["changes"][0]
    assert "ændret af en anden" in body["detail"]
    assert Plan.objects.get(course=world.course).summary == ""

    retry = send(caseworker, "patch", url, {"version": 2, "summary": "Mit resumé"})
    assert retry.status_code == 200
    assert retry.json()["version"] == 3
    plan = caseworker.get(url).json()
    assert (plan["summary"], plan["version"]) == ("Mit resumé", 3)
    assert plan["goals"][0]["text"] == "Få et job"


def test_a_save_answers_the_version_it_wrote_even_when_another_save_follows_at_once(
    world: World, as_user: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the answer used to re-read the plan's version after the save committed, so a
    save by another user in between handed this client *their* newer version — and this client's
    next PATCH with it overwrote their change without a 409. Force that interleaving: the other
    user's save runs after this save commits and before its answer is built."""
    coordinator, caseworker = as_user(world.coordinator), as_user(world.caseworker)
    url = f"{BASE}/{world.course.id}/plan"
    real_changes = selectors.version_changes
    interleaved: list[int] = []

    def other_save_first(plan_id: Any, version: int) -> list[str]:
        if not interleaved:  # once: the caseworker saves between our commit and our answer
            interleaved.append(0)  # (the caseworker's own answer passes through here too)
            response = send(caseworker, "patch", url, {"version": 2, "summary": "Hans"})
            interleaved[0] = response.status_code
        return real_changes(plan_id, version)

    monkeypatch.setattr(selectors, "version_changes", other_save_first)
    mine = send(coordinator, "post", f"{url}/goals", {"version": 1, "text": "Få et job"})
    assert interleaved == [200]
    assert mine.status_code == 201 and mine.json()["version"] == 2  # not 3: the caseworker's
    assert mine.json()["changes"] == ["Nyt mål: Få et job"]
    monkeypatch.setattr(selectors, "version_changes", real_changes)
    # carrying on with the version it was given, the coordinator is stopped, not overwriting
    stale = send(coordinator, "patch", url, {"version": 2, "summary": "Koordinatorens"})
    assert assert_problem(stale, 409)["current_version"] == 3
    assert Plan.objects.get(course=world.course).summary == "Hans"


def test_goal_update_and_delete(world: World, as_user: Callable[[User], Client]) -> None:
    client = as_user(world.coordinator)
    url = f"{BASE}/{world.course.id}/plan/goals"
    goal_id = send(client, "post", url, {"version": 1, "text": "Bolig"}).json()["id"]
    response = send(
        client,
        "put",
        f"{url}/{goal_id}",
        {"version": 2, "text": "Egen bolig", "horizon": "lang", "priority": 2},
    )
    assert response.status_code == 200
    assert response.json()["version"] == 3
    goal = Goal.objects.get(pk=goal_id)
    assert (goal.text, goal.horizon, goal.priority) == ("Egen bolig", "lang", 2)
    sub = send(
        client,
        "post",
        f"{url}/{goal_id}/subgoals",
        {"version": 3, "text": "Skriv op til bolig", "welfare_area": "boligsocial"},
    )
    assert sub.status_code == 201
    plan = client.get(f"{BASE}/{world.course.id}/plan").json()
    assert plan["goals"][0]["subgoals"][0]["text"] == "Skriv op til bolig"

    assert_problem(
        send(
            client,
            "put",
            f"{url}/{goal_id}",
            {"version": 4, "text": "Egen bolig", "horizon": "evig"},
        ),
        422,
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(send(client, "put", f"{url}/{missing}", {"version": 4, "text": "x"}), 403)
    assert_problem(client.delete(f"{url}/{goal_id}?version=1"), 409)
    assert_problem(client.delete(f"{url}/{goal_id}"), 422)  # the version is required
    assert_problem(client.delete(f"{url}/{missing}?version=4"), 403)
    response = client.delete(f"{url}/{goal_id}?version=4")
    assert response.status_code == 200
    assert response.json()["version"] == 5
    assert not Goal.objects.filter(pk=goal_id).exists()
    assert Plan.objects.get(course=world.course).version == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "Mål", "importance": 6}, "importance"),
        ({"text": "Mål", "priority": 0}, "priority"),
        ({"text": "Mål", "version": 0}, "version"),
        ({"text": "Mål", "target_date": "snart"}, "target_date"),
    ],
)
def test_goal_validation_is_field_level(
    world: World, as_user: Callable[[User], Client], body: dict[str, Any], field: str
) -> None:
    response = send(
        as_user(world.coordinator),
        "post",
        f"{BASE}/{world.course.id}/plan/goals",
        {"version": 1, **body},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][-1] == field
    assert PlanVersion.objects.filter(plan__course=world.course).count() == 1


def test_measure_demand_and_appointment(world: World, as_user: Callable[[User], Client]) -> None:
    client = as_user(world.coordinator)
    url = f"{BASE}/{world.course.id}/plan"
    org = str(world.jobcenter.organisation_id)
    measure = {
        "version": 1,
        "title": "Mentor",
        "welfare_area": "beskaeftigelse",
        "organisation_id": org,
        "budget_area": "beskaeftigelse",
    }
    body = assert_problem(send(client, "post", f"{url}/measures", measure), 422)
    assert body["errors"][0]["loc"] == ["body", "legal_basis"]
    assert "hjemmel" in body["errors"][0]["msg"]
    for bad, field in (
        ({"legal_basis": "ingen-lov"}, "legal_basis"),
        ({"legal_basis": "lab-187", "unit_id": str(world.outsider_unit.id)}, "unit_id"),
        ({"legal_basis": "lab-187", "goal_ids": [str(world.course.id)]}, "goal_ids"),
        ({"legal_basis": "lab-187", "budget_area": "lommepenge"}, "budget_area"),
        (
            {"legal_basis": "lab-187", "start_date": "2026-05-01", "end_date": "2026-04-01"},
            "end_date",
        ),
    ):
        body = assert_problem(send(client, "post", f"{url}/measures", {**measure, **bad}), 422)
        assert body["errors"][0]["loc"][-1] == field, body
    created = send(client, "post", f"{url}/measures", {**measure, "legal_basis": "lab-187"})
    assert created.status_code == 201
    assert created.json()["version"] == 2

    demand = {
        "version": 2,
        "organisation_id": org,
        "welfare_area": "kriminalitet",
        "kind": "afholdenhed",
        "title": "Nultolerance",
    }
    demand_id = send(client, "post", f"{url}/demands", demand).json()["id"]
    assert_problem(
        send(client, "post", f"{url}/demands", {**demand, "version": 3, "kind": "ukendt"}), 422
    )

    slot = {
        "version": 3,
        "title": "Møde",
        "organisation_id": org,
        "starts_at": "2026-09-01T09:00:00",
        "ends_at": "2026-09-01T10:00:00",
        "demand_id": demand_id,
    }
    assert send(client, "post", f"{url}/appointments", slot).status_code == 201
    overlapping = {
        **slot,
        "version": 4,
        "title": "Lægebesøg",
        "starts_at": "2026-09-01T09:30:00+02:00",
        "ends_at": "2026-09-01T11:00:00+02:00",
    }
    assert send(client, "post", f"{url}/appointments", overlapping).status_code == 201
    body = assert_problem(
        send(
            client,
            "post",
            f"{url}/appointments",
            {**slot, "version": 5, "ends_at": "2026-09-01T08:00:00"},
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "ends_at"]
    assert_problem(
        send(
            client,
            "post",
            f"{url}/appointments",
            {**slot, "version": 5, "with_member_id": str(world.course.id)},
        ),
        422,
    )

    plan = client.get(url).json()
    assert plan["version"] == 5
    assert plan["measures"][0]["legal_basis"]["law"] == "LAB"
    assert plan["demands"][0]["sector"]
    assert len(plan["appointments"]) == 2
    assert len(plan["overlapping"]) == 1
    assert plan["open_conflicts"] == []


# --------------------------------------------------------------------------------------------
# Team and consents
# --------------------------------------------------------------------------------------------


def test_team_add_links_only_a_current_member_of_the_unit(
    world: World, as_user: Callable[[User], Client]
) -> None:
    """Linking a user tells them about the citizen: the API, like the form's choices, links
    only a current member of the unit named (here a jobcenter caseworker named as a member of
    another organisation's unit is refused, and nothing is added)."""
    client = as_user(world.coordinator)
    url = f"{BASE}/{world.course.id}/team"
    before = world.course.team.count()
    body = assert_problem(
        send(
            client,
            "post",
            url,
            {
                "organisation_id": str(world.outsider_unit.organisation_id),
                "unit_id": str(world.outsider_unit.id),
                "name": "Jonas",
                "role": "Sagsbehandler",
                "valid_from": b.today().isoformat(),
                "user_id": str(world.caseworker.id),
            },
        ),
        422,
    )
    assert body["errors"][0]["loc"][-1] == "user_id"
    assert world.course.team.count() == before


def test_team_add_and_end(world: World, as_user: Callable[[User], Client]) -> None:
    client = as_user(world.coordinator)
    url = f"{BASE}/{world.course.id}/team"
    member = {
        "organisation_id": str(world.outsider_unit.organisation_id),
        "unit_id": str(world.outsider_unit.id),
        "name": "Olga",
        "role": "Socialrådgiver",
        "valid_from": b.today().isoformat(),
        "user_id": str(world.outsider.id),
    }
    assert_problem(send(as_user(world.caseworker), "post", url, member), 403)
    for bad, field in (
        ({"unit_id": str(world.jobcenter.id)}, "unit_id"),
        ({"email": "ikke-en-adresse"}, "email"),
        ({"name": " "}, "name"),
        ({"valid_to": "2000-01-01"}, "valid_to"),
        ({"welfare_area": "astrologi"}, "welfare_area"),
    ):
        body = assert_problem(send(client, "post", url, {**member, **bad}), 422)
        assert body["errors"][0]["loc"][-1] == field
    response = send(client, "post", url, member)
    assert response.status_code == 201
    created = response.json()
    assert created["current"] is True
    assert created["unit"] == "Socialafdelingen"

    end_url = f"{url}/{created['id']}/end"
    body = assert_problem(send(client, "post", end_url, {"on": "2000-01-01"}), 422)
    assert body["errors"][0]["loc"] == ["body", "on"]
    ended = send(client, "post", end_url, {"on": b.today().isoformat()})
    assert ended.json()["valid_to"] == b.today().isoformat()
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(send(client, "post", f"{url}/{missing}/end", {"on": "2026-01-01"}), 403)


def test_consent_create_validation_and_access(
    world: World, as_user: Callable[[User], Client]
) -> None:
    client = as_user(world.coordinator)
    url = f"{BASE}/{world.course.id}/consents"
    consent = {
        "given_by": "borger",
        "given_by_name": "Mette Hansen",
        "categories": ["plan"],
        "valid_from": b.today().isoformat(),
    }
    body = assert_problem(send(client, "post", url, consent), 422)
    assert body["errors"][0]["loc"] == ["body", "unit_ids"]
    for bad, field in (
        ({"unit_ids": [str(world.course.id)]}, "unit_ids"),
        ({"organisation_ids": [str(world.course.id)]}, "organisation_ids"),
        ({"unit_ids": [str(world.outsider_unit.id)], "categories": []}, "categories"),
        ({"unit_ids": [str(world.outsider_unit.id)], "given_by": "forældremyndighed"}, "given_by"),
        ({"unit_ids": [str(world.outsider_unit.id)], "valid_to": "2000-01-01"}, "valid_to"),
    ):
        body = assert_problem(send(client, "post", url, {**consent, **bad}), 422)
        assert body["errors"][0]["loc"][-1] == field

    # the outsider's unit joins the team and is covered: now they see the course
    outsider = as_user(world.outsider)
    assert_problem(outsider.get(f"{BASE}/{world.course.id}"), 403)
    send(
        client,
        "post",
        f"{BASE}/{world.course.id}/team",
        {
            "organisation_id": str(world.outsider_unit.organisation_id),
            "unit_id": str(world.outsider_unit.id),
            "name": "Olga",
            "role": "Socialrådgiver",
            "valid_from": b.today().isoformat(),
        },
    )
    assert_problem(outsider.get(f"{BASE}/{world.course.id}"), 403)  # team alone is not enough
    response = send(
        client,
        "post",
        url,
        {
            **consent,
            "organisation_ids": [str(world.outsider_unit.organisation_id)],
            "categories": ["plan", "social"],
        },
    )
    assert response.status_code == 201
    assert response.json()["organisations"][0]["name"] == "Holbæk Kommune"
    detail = outsider.get(f"{BASE}/{world.course.id}").json()
    assert detail["categories"] == ["plan", "social"]


# --------------------------------------------------------------------------------------------
# Never a 500 for user input
# --------------------------------------------------------------------------------------------

FUZZ_ENDPOINTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "intake": (
        "post",
        "",
        (
            "initiative_id",
            "coordinator_unit_id",
            "cpr",
            "first_name",
            "last_name",
            "referred_on",
            "referral_note",
            "checklist",
            "contact",
            "allow_duplicate",
        ),
    ),
    "plan": ("patch", "/plan", ("version", "citizen_statement", "summary")),
    "goal": (
        "post",
        "/plan/goals",
        (
            "version",
            "text",
            "horizon",
            "priority",
            "importance",
            "status",
            "target_date",
        ),
    ),
    "subgoal": (
        "post",
        "/plan/goals/{goal}/subgoals",
        (
            "version",
            "text",
            "owner_id",
            "welfare_area",
        ),
    ),
    "measure": (
        "post",
        "/plan/measures",
        (
            "version",
            "title",
            "welfare_area",
            "legal_basis",
            "organisation_id",
            "unit_id",
            "responsible_id",
            "goal_ids",
            "start_date",
            "end_date",
            "status",
            "budget_area",
        ),
    ),
    "demand": (
        "post",
        "/plan/demands",
        (
            "version",
            "organisation_id",
            "welfare_area",
            "kind",
            "title",
            "legal_basis",
            "start_date",
            "end_date",
        ),
    ),
    "appointment": (
        "post",
        "/plan/appointments",
        (
            "version",
            "title",
            "organisation_id",
            "welfare_area",
            "with_member_id",
            "starts_at",
            "ends_at",
            "demand_id",
        ),
    ),
    "team": (
        "post",
        "/team",
        (
            "organisation_id",
            "unit_id",
            "user_id",
            "name",
            "role",
            "email",
            "welfare_area",
            "valid_from",
            "valid_to",
        ),
    ),
    "team_end": ("post", "/team/{member}/end", ("on",)),
    "consent": (
        "post",
        "/consents",
        (
            "given_by",
            "given_by_name",
            "organisation_ids",
            "unit_ids",
            "categories",
            "valid_from",
            "valid_to",
        ),
    ),
}

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "0",
            "-1",
            "²",
            "٣",
            "x" * 300,
            "0000-00-00",
            "2026-02-30",
            "0001-01-01T00:30:00+02:00",
            "9999-12-31T23:59:59-05:00",
        ]
    ),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.uuids().map(str),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)


def plausible(world: World, goal_id: str, member_id: str, demand_id: str) -> dict[str, list[Any]]:
    org, unit = str(world.jobcenter.organisation_id), str(world.jobcenter.id)
    return {
        "initiative_id": [str(world.initiative.id)],
        "coordinator_unit_id": [str(world.coordinator_unit.id), unit],
        "cpr": ["0101901234", "150385-1234", "290201-4123", "3102851234", "0101364123"],
        "first_name": ["Lise"],
        "last_name": ["Lund"],
        "referred_on": ["2025-01-01", "2999-01-01"],
        "referral_note": ["Henvist"],
        "checklist": [{"Kriterium": "ja"}],
        "contact": [{"contact_channel": "sms"}, {"contact_channel": "brevdue"}],
        "allow_duplicate": [True, False],
        "version": ["current", 1],
        "citizen_statement": ["Jeg vil have ro"],
        "summary": ["Resumé"],
        "text": ["Et mål"],
        "horizon": ["kort", "lang"],
        "priority": [1, 2],
        "importance": [None, 3],
        "status": ["aaben", "planlagt", "aktiv"],
        "target_date": ["2026-06-01"],
        "owner_id": [member_id, None],
        "welfare_area": ["beskaeftigelse", "psykiatri", None],
        "title": ["Mentor"],
        "legal_basis": ["lab-187", "", None],
        "organisation_id": [org],
        "unit_id": [unit, None, str(world.outsider_unit.id)],
        "responsible_id": [member_id, None],
        "goal_ids": [[goal_id], []],
        "start_date": ["2026-01-01", None],
        "end_date": ["2025-12-31", "2026-12-31", None],
        "budget_area": ["beskaeftigelse"],
        "kind": ["afholdenhed", "fremmoede"],
        "with_member_id": [member_id, None],
        "demand_id": [demand_id, None],
        "starts_at": ["2026-09-01T09:00:00"],
        "ends_at": ["2026-09-01T10:00:00"],
        "user_id": [str(world.caseworker.id), None],
        "name": ["Ny kontakt"],
        "role": ["Mentor"],
        "email": ["a@example.org", ""],
        "valid_from": ["2026-01-01"],
        "valid_to": ["2026-12-31", "2000-01-01", None],
        "on": ["2026-12-31", "2000-01-01"],
        "given_by": ["borger", "forældremyndighed"],
        "given_by_name": ["Mette Hansen"],
        "organisation_ids": [[org], []],
        "unit_ids": [[unit], []],
        "categories": [["plan"], ["plan", "health"], []],
    }


@pytest.mark.parametrize("endpoint", sorted(FUZZ_ENDPOINTS))
def test_no_input_gives_a_500(
    world: World, as_user: Callable[[User], Client], endpoint: str
) -> None:
    client = as_user(world.coordinator)
    plan = Plan.objects.get(course=world.course)
    goal = services.save_goal(world.coordinator, plan.pk, plan.version, text="Mål")
    demand = services.save_demand(
        world.coordinator,
        plan.pk,
        plan.version + 1,
        organisation=world.jobcenter.organisation,
        welfare_area_id="beskaeftigelse",
        kind="fremmoede",
        title="Møde op",
    )
    member = world.course.team.exclude(user=world.coordinator).get()
    values = plausible(world, str(goal.id), str(member.id), str(demand.id))
    method, path, keys = FUZZ_ENDPOINTS[endpoint]
    url = (
        BASE + (f"/{world.course.id}" if path else "") + path.format(goal=goal.id, member=member.id)
    )

    @st.composite
    def bodies(draw: st.DrawFn) -> dict[str, Any]:
        """A plausible body with up to two fields replaced by junk or left out."""
        body = {k: draw(st.sampled_from(values[k])) for k in keys}
        for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
            if draw(st.booleans()):
                body[key] = draw(junk)
            else:
                del body[key]
        return body

    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(body=bodies())
    def check(body: dict[str, Any]) -> None:
        if body.get("version") == "current":
            body["version"] = Plan.objects.get(pk=plan.pk).version
        response = send(client, method, url, body)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert response["Content-Type"] == PROBLEM
        no_full_cpr(response)

    check()
