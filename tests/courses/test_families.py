"""Families in depth (issue 14): intake with any number of household members, children as persons
with their own goals and their own perspective, one consent step for a parent and her children,
contact person changes counted as replacements, and length limits on goal and plan texts.

Page and API go through the same services; both adapters get the same inputs here. The attacker
tests try another organisation, an ended membership, a plan-only consent, guessed ids and a child
of another household."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from helhed.core.models import Unit, User
from helhed.courses import logic, services
from helhed.courses.models import (
    ChildPerspective,
    Citizen,
    Consent,
    Course,
    Goal,
    HouseholdRelation,
    PlanVersion,
    RelationKind,
)
from helhed.devtools.factories import cpr_for
from helhed.registry.models import Initiative
from tests.courses import builders as b

# --------------------------------------------------------------------------------------------
# Contact person changes: replacements, not additions
# --------------------------------------------------------------------------------------------


def test_a_new_team_built_over_the_first_weeks_has_no_contact_person_changes() -> None:
    on = date(2026, 12, 6)
    start = on - timedelta(days=20)
    periods: list[tuple[date, date | None]] = [
        (start, None),  # the coordinator
        (start, None),
        (start + timedelta(days=3), None),  # joined later: an addition, not a change
        (start + timedelta(days=10), None),
    ]
    overview = logic.team_overview(periods, on)
    assert overview.current == 4
    assert overview.turnover == 0


def test_a_contact_person_replaced_by_a_successor_is_one_change() -> None:
    on = date(2026, 12, 6)
    start = date(2026, 1, 5)
    periods: list[tuple[date, date | None]] = [
        (start, None),  # the coordinator
        (start, date(2026, 6, 30)),  # the jobcenter caseworker leaves …
        (date(2026, 7, 1), None),  # … and her successor takes over
        (date(2026, 8, 1), None),  # a new unit joins: an addition
        (start, date(2026, 10, 1)),  # leaves with nobody after her: not a replacement
    ]
    overview = logic.team_overview(periods, on)
    assert overview.turnover == 1


# --------------------------------------------------------------------------------------------
# A family: Mette with three children (two under 15, one aged 16) and a partner
# --------------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def born_years_ago(years: int, days: int = 40) -> date:
    return b.birthday_years_ago(years) - timedelta(days=days)


MEMBERS: list[dict[str, Any]] = [
    {"first_name": "Liva", "last_name": "Sørensen", "relation": "barn", "custody": True},
    {"first_name": "Noah", "last_name": "Sørensen", "relation": "barn", "custody": True},
    {"first_name": "Asta", "last_name": "Sørensen", "relation": "barn", "custody": True},
    {"first_name": "Jens", "last_name": "Holm", "relation": "partner", "custody": False},
]


def members() -> list[dict[str, Any]]:
    ages = [10, 16, 6, 38]
    return [
        {**m, "cpr": cpr_for(born_years_ago(age), tail=f"{31 + i:03d}")}
        for i, (m, age) in enumerate(zip(MEMBERS, ages, strict=True))
    ]


@dataclass
class Family:
    coordinator: User
    coordinator_unit: Unit
    caseworker: User
    jobcenter: Unit
    outsider: User
    initiative: Initiative
    course: Course
    children: dict[str, Citizen]


def _intake_values(initiative: Initiative, unit: Unit, **extra: Any) -> dict[str, Any]:
    return {
        "initiative_id": initiative.pk,
        "coordinator_unit_id": unit.pk,
        "cpr": cpr_for(born_years_ago(34), tail="201"),
        "first_name": "Mette",
        "last_name": "Sørensen",
        "referred_on": b.today() - timedelta(days=3),
        "household_name": "Familien Sørensen",
        **extra,
    }


@pytest.fixture
def family(db: None) -> Family:
    odense, holbaek = b.organisation("461"), b.organisation("316")
    coordinator_unit = b.make_unit(odense, "Familieteamet", "specialiseret-boern-unge")
    jobcenter = b.make_unit(odense, "Jobcenter Odense")
    outsider_unit = b.make_unit(holbaek, "Familieafdelingen Holbæk", "specialiseret-boern-unge")
    coordinator = b.make_staff(coordinator_unit, "koordinator", first_name="Karen")
    caseworker = b.make_staff(jobcenter, "fagperson", first_name="Jonas")
    initiative = b.make_initiative()
    course = services.intake(
        coordinator, **_intake_values(initiative, coordinator_unit), members=members()
    )
    b.join_team(course, coordinator, jobcenter, member_user=caseworker)
    b.give_consent(course, coordinator, units=[coordinator_unit, jobcenter], categories=["plan"])
    assert course.household is not None
    children = {c.first_name: c for c in course.household.members.exclude(pk=course.citizen_id)}
    return Family(
        coordinator=coordinator,
        coordinator_unit=coordinator_unit,
        caseworker=caseworker,
        jobcenter=jobcenter,
        outsider=b.make_staff(outsider_unit, "koordinator", first_name="Olga"),
        initiative=initiative,
        course=course,
        children=children,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body, default=str), content_type="application/json"
    )


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {str(e["loc"][-1]) for e in body.get("errors", [])}


# --------------------------------------------------------------------------------------------
# 1. Intake with any number of household members
# --------------------------------------------------------------------------------------------


def test_intake_registers_every_household_member_with_relation_and_custody(
    family: Family,
) -> None:
    household = family.course.household
    assert household is not None
    assert set(family.children) == {"Liva", "Noah", "Asta", "Jens"}
    relations = {
        (r.to_citizen.first_name, r.kind, r.custody)
        for r in HouseholdRelation.objects.filter(household=household).select_related("to_citizen")
    }
    assert relations == {
        ("Liva", RelationKind.PARENT, True),
        ("Noah", RelationKind.PARENT, True),
        ("Asta", RelationKind.PARENT, True),
        ("Jens", RelationKind.PARTNER, False),
    }


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_bad_household_row_is_named_by_row_and_nothing_is_written(
    family: Family, adapter: str
) -> None:
    rows = members()
    rows[2] = {**rows[2], "cpr": "310299-1234"}  # no 31 February
    rows[3] = {**rows[3], "custody": True}  # custody between partners
    rows.append({**rows[0], "first_name": "Liva"})  # the same child twice
    values = _intake_values(
        family.initiative, family.coordinator_unit, cpr=cpr_for(born_years_ago(40), tail="777")
    )
    before = (Citizen.objects.count(), Course.objects.count(), HouseholdRelation.objects.count())
    if adapter == "service":
        with pytest.raises(ValidationError) as caught:
            services.intake(family.coordinator, **values, members=rows)
        fields = set(caught.value.message_dict)
    else:
        body = {
            **{k: v for k, v in values.items() if k != "referred_on"},
            "referred_on": values["referred_on"].isoformat(),
            "members": rows,
        }
        answer = send(client_for(family.coordinator), "post", "/api/courses/courses", body)
        fields = error_fields(problem(answer, 422))
    assert fields == {"members.2.cpr", "members.3.custody", "members.4.cpr"}
    after = (Citizen.objects.count(), Course.objects.count(), HouseholdRelation.objects.count())
    assert after == before


def test_the_api_intake_takes_a_family_of_any_size(family: Family) -> None:
    rows = [
        {
            "first_name": f"Barn{i}",
            "last_name": "Berg",
            "cpr": cpr_for(born_years_ago(2 + i), tail=f"{500 + i:03d}"),
            "relation": "barn",
            "custody": True,
        }
        for i in range(9)
    ]
    values = _intake_values(
        family.initiative, family.coordinator_unit, cpr=cpr_for(born_years_ago(41), tail="778")
    )
    body = {**values, "referred_on": values["referred_on"].isoformat(), "members": rows}
    answer = send(client_for(family.coordinator), "post", "/api/courses/courses", body)
    assert answer.status_code == 201, answer.content
    course = Course.objects.get(pk=answer.json()["id"])
    assert course.household is not None
    assert course.household.members.count() == 10


def intake_post(initiative: Initiative, unit: Unit, rows: list[dict[str, Any]]) -> dict[str, str]:
    data = {
        "initiative": str(initiative.pk),
        "coordinator_unit": str(unit.pk),
        "cpr": cpr_for(born_years_ago(36), tail="901"),
        "first_name": "Sara",
        "last_name": "Lund",
        "contact_channel": "sms",
        "referred_on": b.today().strftime("%d.%m.%Y"),
        "household_name": "Familien Lund",
        "familie-TOTAL_FORMS": str(len(rows)),
        "familie-INITIAL_FORMS": "0",
        "familie-MIN_NUM_FORMS": "0",
        "familie-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "custody":
                if value:
                    data[f"familie-{i}-custody"] = "on"
            else:
                data[f"familie-{i}-{key}"] = str(value)
    return data


def lund_children() -> list[dict[str, Any]]:
    return [
        {
            "first_name": name,
            "last_name": "Lund",
            "cpr": cpr_for(born_years_ago(age), tail=f"{910 + i:03d}"),
            "relation": "barn",
            "custody": True,
        }
        for i, (name, age) in enumerate([("Ida", 12), ("Oskar", 8), ("Vera", 3)])
    ]


def test_tilfoej_person_shows_the_form_again_with_one_more_row_and_what_was_typed(
    family: Family,
) -> None:
    client = client_for(family.coordinator)
    page = client.get(reverse("courses:intake")).content.decode()
    assert "Tilføj person" in page and 'name="familie-0-first_name"' in page
    assert 'name="familie-1-first_name"' not in page
    data = intake_post(family.initiative, family.coordinator_unit, lund_children()[:2])
    data["tilfoej_person"] = "1"
    page = client.post(reverse("courses:intake"), data).content.decode()
    assert 'name="familie-2-first_name"' in page  # the new row …
    assert 'name="familie-3-first_name"' not in page
    assert 'value="Oskar"' in page and 'value="Sara"' in page  # … and nothing typed is lost
    assert "form-error-message" not in page  # not checked yet: no errors shown
    assert not Course.objects.filter(citizen__first_name="Sara").exists()


def test_a_family_of_three_children_is_created_from_the_page(family: Family) -> None:
    client = client_for(family.coordinator)
    data = intake_post(family.initiative, family.coordinator_unit, lund_children())
    response = client.post(reverse("courses:intake"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    course = Course.objects.get(citizen__first_name="Sara")
    assert course.household is not None
    assert sorted(m.first_name for m in course.household.members.all()) == [
        "Ida",
        "Oskar",
        "Sara",
        "Vera",
    ]
    assert HouseholdRelation.objects.filter(household=course.household, custody=True).count() == 3


def test_a_bad_row_gets_its_field_error_on_the_page_and_nothing_is_written(
    family: Family,
) -> None:
    rows = lund_children()
    rows[1]["cpr"] = "12345"
    rows[2]["relation"] = "partner"  # custody checked for a partner
    before = Citizen.objects.count()
    page = client_for(family.coordinator).post(
        reverse("courses:intake"), intake_post(family.initiative, family.coordinator_unit, rows)
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_familie-1-cpr_error"' in text
    assert 'id="id_familie-2-custody_error"' in text
    assert "Forældremyndighed gælder kun mellem forælder og barn." in text
    assert Citizen.objects.count() == before


# --------------------------------------------------------------------------------------------
# 2. Children as persons with their own goals, and the child's own perspective
# --------------------------------------------------------------------------------------------


def plan_url(course: Course, tail: str = "") -> str:
    return f"/api/courses/courses/{course.pk}/plan{tail}"


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_goal_can_be_a_childs_own(family: Family, adapter: str) -> None:
    liva = family.children["Liva"]
    plan = family.course.plan
    if adapter == "service":
        goal = services.save_goal(
            family.caseworker, plan.pk, plan.version, text="Gå i skole hver dag", person_id=liva.pk
        )
    else:
        body = {"version": plan.version, "text": "Gå i skole hver dag", "person_id": str(liva.pk)}
        answer = send(
            client_for(family.caseworker), "post", plan_url(family.course, "/goals"), body
        )
        assert answer.status_code == 201, answer.content
        goal = Goal.objects.get(pk=answer.json()["id"])
        listed = client_for(family.caseworker).get(plan_url(family.course)).json()
        assert listed["goals"][0]["person_id"] == str(liva.pk)
    assert goal.person == liva
    versions = PlanVersion.objects.filter(plan=plan).order_by("-number")
    assert versions[0].snapshot["goals"][0]["person"] == str(liva.pk)


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_goal_cannot_belong_to_a_child_of_another_household_or_a_guessed_id(
    family: Family, adapter: str
) -> None:
    other = services.intake(
        family.outsider,
        **_intake_values(
            family.initiative,
            family.outsider.memberships.get().unit,
            cpr=cpr_for(born_years_ago(30), tail="611"),
            first_name="Anne",
            last_name="Berg",
        ),
        members=[
            {
                "first_name": "Emil",
                "last_name": "Berg",
                "cpr": cpr_for(born_years_ago(7), tail="612"),
                "relation": "barn",
                "custody": True,
            }
        ],
    )
    strangers = [
        other.household.members.get(first_name="Emil").pk,  # type: ignore[union-attr]
        other.citizen_id,
        uuid.uuid4(),
    ]
    plan = family.course.plan
    for stranger in strangers:
        if adapter == "service":
            with pytest.raises(ValidationError) as caught:
                services.save_goal(
                    family.coordinator, plan.pk, plan.version, text="Mål", person_id=stranger
                )
            assert set(caught.value.message_dict) == {"person_id"}
        else:
            body = {"version": plan.version, "text": "Mål", "person_id": str(stranger)}
            answer = send(
                client_for(family.coordinator), "post", plan_url(family.course, "/goals"), body
            )
            assert error_fields(problem(answer, 422)) == {"person_id"}
    assert not Goal.objects.filter(plan=plan).exists()


def test_outsiders_and_ended_members_cannot_write_a_childs_goal(family: Family) -> None:
    liva = family.children["Liva"]
    plan = family.course.plan
    body = {"version": plan.version, "text": "Mål", "person_id": str(liva.pk)}
    answer = send(client_for(family.outsider), "post", plan_url(family.course, "/goals"), body)
    problem(answer, 403)
    membership = family.caseworker.memberships.get()
    membership.valid_to = b.today() - timedelta(days=1)
    membership.save()
    answer = send(client_for(family.caseworker), "post", plan_url(family.course, "/goals"), body)
    problem(answer, 401)  # the last membership ended: logged out (issue 15)
    assert not Goal.objects.filter(plan=plan).exists()


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_the_childs_own_perspective_is_written_and_printed(family: Family, adapter: str) -> None:
    liva = family.children["Liva"]
    plan = family.course.plan
    words = "Jeg vil gerne bo hos mor og se min far i weekenderne."
    if adapter == "service":
        services.save_child_perspective(
            family.coordinator, plan.pk, plan.version, child_id=liva.pk, text=words
        )
    else:
        url = plan_url(family.course, f"/children/{liva.pk}/perspective")
        answer = send(
            client_for(family.coordinator), "put", url, {"version": plan.version, "text": words}
        )
        assert answer.status_code == 200, answer.content
    assert ChildPerspective.objects.get(plan=plan, child=liva).text == words
    printed = client_for(family.coordinator).get(
        reverse("courses:print_view", args=[family.course.pk, "barnets-plan"])
    )
    page = printed.content.decode()
    liva_part = page.split("Barnets eget perspektiv: Liva")[1].split("<h3>")[0]
    assert words in liva_part
    asta_part = page.split("Barnets eget perspektiv: Asta")[1].split("<h3>")[0]
    assert "Barnets eget perspektiv er ikke skrevet i planen endnu" in asta_part


def test_a_perspective_is_only_for_a_child_of_the_family(family: Family) -> None:
    plan = family.course.plan
    for who in (family.children["Jens"].pk, family.children["Noah"].pk, uuid.uuid4()):
        if who == family.children["Noah"].pk:
            continue  # Noah is 16: still a child (under 18) for Barnets lov
        with pytest.raises(ValidationError) as caught:
            services.save_child_perspective(
                family.coordinator, plan.pk, plan.version, child_id=who, text="…"
            )
        assert set(caught.value.message_dict) == {"child_id"}


def test_a_plan_only_reader_cannot_file_or_replace_a_perspective_under_health(
    family: Family,
) -> None:
    liva = family.children["Liva"]
    plan = family.course.plan
    with pytest.raises(ValidationError) as caught:
        services.save_child_perspective(
            family.caseworker,
            plan.pk,
            plan.version,
            child_id=liva.pk,
            text="Liva har angst",
            text_category="health",
        )
    assert set(caught.value.message_dict) == {"text_category"}
    services.save_child_perspective(
        family.coordinator,
        plan.pk,
        plan.version,
        child_id=liva.pk,
        text="Liva har angst",
        text_category="health",
    )
    plan.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.save_child_perspective(
            family.caseworker, plan.pk, plan.version, child_id=liva.pk, text="Overskrevet"
        )
    # … and the print shows her the text is there, not what it says
    page = (
        client_for(family.caseworker)
        .get(reverse("courses:print_view", args=[family.course.pk, "barnets-plan"]))
        .content.decode()
    )
    assert "Liva har angst" not in page


# --------------------------------------------------------------------------------------------
# 5. Length limits on goal and plan texts: a field error, never cut short, never a 500
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "field", "limit", "method"),
    [
        ("/goals", "text", logic.GOAL_TEXT_MAX, "post"),
        ("", "citizen_statement", logic.PLAN_TEXT_MAX, "patch"),
        ("", "summary", logic.PLAN_TEXT_MAX, "patch"),
    ],
)
def test_too_long_plan_texts_are_a_field_error_in_the_api(
    family: Family, tail: str, field: str, limit: int, method: str
) -> None:
    plan = family.course.plan
    body = {"version": plan.version, field: "x" * (limit + 1)}
    answer = send(client_for(family.coordinator), method, plan_url(family.course, tail), body)
    body = problem(answer, 422)
    assert error_fields(body) == {field}
    assert f"højst være {limit} tegn" in json.dumps(body, ensure_ascii=False)
    plan.refresh_from_db()
    assert plan.version == 1 and not Goal.objects.exists()
    ok = {"version": plan.version, field: "x" * limit}
    answer = send(client_for(family.coordinator), method, plan_url(family.course, tail), ok)
    assert answer.status_code in (200, 201), answer.content


def test_too_long_subgoal_is_a_field_error(family: Family) -> None:
    plan = family.course.plan
    goal = services.save_goal(family.coordinator, plan.pk, plan.version, text="Mål")
    plan.refresh_from_db()
    url = plan_url(family.course, f"/goals/{goal.pk}/subgoals")
    body = {"version": plan.version, "text": "y" * (logic.GOAL_TEXT_MAX + 1)}
    answer = send(client_for(family.coordinator), "post", url, body)
    assert error_fields(problem(answer, 422)) == {"text"}


@pytest.mark.parametrize(
    ("url_name", "field", "limit"),
    [
        ("goal_add", "text", logic.GOAL_TEXT_MAX),
        ("plan_edit", "summary", logic.PLAN_TEXT_MAX),
    ],
)
def test_too_long_texts_on_the_page_keep_every_character_and_say_why(
    family: Family, url_name: str, field: str, limit: int
) -> None:
    client = client_for(family.coordinator)
    url = reverse(f"courses:{url_name}", args=[family.course.pk])
    page = client.get(url).content.decode()
    assert "maxlength" not in page.split(f'name="{field}"')[1].split(">")[0]  # no silent cut
    text = "æ" * (limit + 7)
    data = {"version": "1", field: text, "horizon": "kort", "priority": "1", "status": "aaben"}
    data |= {"summary_category": "plan", "citizen_statement_category": "plan"}
    answer = client.post(url, data)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f"højst være {limit} tegn, men er {limit + 7} tegn" in page
    assert text in page  # what was typed is all there to shorten


# --------------------------------------------------------------------------------------------
# The pages: a child's goal and the child's own perspective
# --------------------------------------------------------------------------------------------


def test_a_childs_goal_and_perspective_from_the_pages(family: Family) -> None:
    liva = family.children["Liva"]
    client = client_for(family.coordinator)
    add = reverse("courses:goal_add", args=[family.course.pk])
    page = client.get(add).content.decode()
    assert "Hvis mål" in page and "Liva Sørensen" in page
    data = {
        "version": "1",
        "text": "Liva vil gå til fodbold",
        "person": str(liva.pk),
        "horizon": "kort",
        "priority": "1",
        "status": "aaben",
    }
    assert client.post(add, data).status_code == 302
    assert Goal.objects.get().person == liva
    plan_page = client.get(reverse("courses:plan_edit", args=[family.course.pk])).content.decode()
    link = reverse("courses:child_perspective_edit", args=[family.course.pk, liva.pk])
    assert link in plan_page
    assert "Jens Holm" not in plan_page.split("links-heading")[1]  # an adult: no child plan
    page = client.get(link).content.decode()
    assert "Barnets eget perspektiv: Liva Sørensen" in page
    answer = client.post(
        link, {"version": "2", "text": "Jeg kan godt lide fodbold.", "text_category": "plan"}
    )
    assert answer.status_code == 302
    assert ChildPerspective.objects.get().text == "Jeg kan godt lide fodbold."


def test_a_goal_for_someone_outside_the_family_is_not_offered_nor_taken(family: Family) -> None:
    stranger = services.intake(
        family.coordinator,
        **_intake_values(
            family.initiative,
            family.coordinator_unit,
            cpr=cpr_for(born_years_ago(9), tail="613"),
            first_name="Emil",
            last_name="Berg",
            household_name="",
        ),
    ).citizen
    client = client_for(family.coordinator)
    add = reverse("courses:goal_add", args=[family.course.pk])
    assert "Emil Berg" not in client.get(add).content.decode()
    data = {"version": "1", "text": "Mål", "person": str(stranger.pk), "horizon": "kort"}
    page = client.post(add, data | {"priority": "1", "status": "aaben"})
    assert page.status_code == 200 and not Goal.objects.exists()
    # a guessed child id on the perspective page: the same 403 as a hidden one
    for guess in (stranger.pk, uuid.uuid4(), family.children["Jens"].pk):
        url = reverse("courses:child_perspective_edit", args=[family.course.pk, guess])
        assert client.get(url).status_code == 403
    outsider = client_for(family.outsider)
    url = reverse(
        "courses:child_perspective_edit", args=[family.course.pk, family.children["Liva"].pk]
    )
    assert outsider.get(url).status_code == 403


# --------------------------------------------------------------------------------------------
# 3. One consent step: the parent for herself and, as custody holder, for her children
# --------------------------------------------------------------------------------------------


def consent_values(family: Family, **extra: Any) -> dict[str, Any]:
    return {
        "given_by": "borger",
        "given_by_name": "Mette Sørensen",
        "unit_ids": [str(family.coordinator_unit.pk), str(family.jobcenter.pk)],
        "categories": ["plan", "social"],
        "valid_from": b.today().isoformat(),
        **extra,
    }


def give(family: Family, adapter: str, user: User | None = None, **extra: Any) -> Any:
    """The same consent through the service or the API: the consent, or the error fields."""
    user = user or family.coordinator
    values = consent_values(family, **extra)
    if adapter == "api":
        url = f"/api/courses/courses/{family.course.pk}/consents"
        answer = send(client_for(user), "post", url, values)
        if answer.status_code == 201:
            return Consent.objects.get(pk=answer.json()["id"])
        if answer.status_code == 403:
            raise PermissionDenied
        return error_fields(problem(answer, 422))
    try:
        return services.give_consent(
            user,
            family.course,
            given_by=values["given_by"],
            given_by_name=values["given_by_name"],
            units=[family.coordinator_unit, family.jobcenter],
            categories=values["categories"],
            valid_from=b.today(),
            child_ids=values.get("child_ids", []),
        )
    except ValidationError as exc:
        return set(exc.message_dict)


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_parent_consents_for_herself_and_her_young_children_in_one_step(
    family: Family, adapter: str
) -> None:
    liva, asta = family.children["Liva"], family.children["Asta"]
    consent = give(family, adapter, child_ids=[str(liva.pk), str(asta.pk)])
    assert isinstance(consent, Consent)
    assert set(consent.children.all()) == {liva, asta}
    assert consent.given_by == "borger"
    if adapter == "api":
        url = f"/api/courses/courses/{family.course.pk}/consents"
        listed = {c["id"]: c for c in client_for(family.coordinator).get(url).json()}
        assert set(listed[str(consent.pk)]["child_ids"]) == {str(liva.pk), str(asta.pk)}


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_a_child_from_15_and_others_cannot_be_covered_by_the_parents_consent(
    family: Family, adapter: str
) -> None:
    before = Consent.objects.count()
    noah, jens = family.children["Noah"], family.children["Jens"]
    for child in (noah.pk, jens.pk, uuid.uuid4(), family.course.citizen_id):
        assert give(family, adapter, child_ids=[str(child)]) == {"child_ids"}
    # only the citizen's own consent can carry her children
    assert give(
        family, adapter, given_by="forældremyndighed", child_ids=[str(family.children["Liva"].pk)]
    ) >= {"child_ids"}
    assert Consent.objects.count() == before


@pytest.mark.parametrize("adapter", ["service", "api"])
def test_no_consent_for_a_child_without_registered_custody_or_by_a_non_coordinator(
    family: Family, adapter: str
) -> None:
    HouseholdRelation.objects.filter(to_citizen=family.children["Asta"]).update(custody=False)
    assert give(family, adapter, child_ids=[str(family.children["Asta"].pk)]) == {"child_ids"}
    with pytest.raises(PermissionDenied):
        give(family, adapter, user=family.caseworker, child_ids=[str(family.children["Liva"].pk)])
    with pytest.raises(PermissionDenied):
        give(family, adapter, user=family.outsider, child_ids=[str(family.children["Liva"].pk)])


def test_the_consent_page_offers_the_young_custody_children_in_the_same_form(
    family: Family,
) -> None:
    client = client_for(family.coordinator)
    url = reverse("courses:consent_create", args=[family.course.pk])
    page = client.get(url).content.decode()
    assert "Liva Sørensen" in page and "Asta Sørensen" in page
    child_boxes = " ".join(re.findall(r'<input[^>]*name="child_ids"[^>]*>', page))
    assert str(family.children["Liva"].pk) in child_boxes
    # 16: consents personally — offered as whose own consent it is, not as a child (issue 15)
    assert str(family.children["Noah"].pk) not in child_boxes
    assert "Jens Holm (" in page  # an adult member too records his own consent
    assert str(family.children["Jens"].pk) not in child_boxes
    data = {
        "given_by": "borger",
        "given_by_name": "Mette Sørensen",
        "units": [str(family.coordinator_unit.pk)],
        "categories": ["plan"],
        "valid_from": b.today().strftime("%d.%m.%Y"),
        "child_ids": [str(family.children["Liva"].pk), str(family.children["Asta"].pk)],
    }
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    consent = Consent.objects.order_by("-recorded_at").first()
    assert consent is not None
    assert {c.first_name for c in consent.children.all()} == {"Liva", "Asta"}


# --------------------------------------------------------------------------------------------
# 4. Contact person changes on a real course (what the page and the API show)
# --------------------------------------------------------------------------------------------


def test_a_new_course_with_its_team_shows_no_contact_person_changes(family: Family) -> None:
    course = family.course
    for name in ("Skole", "Sundhedsplejen", "PPR"):
        unit = b.make_unit(family.jobcenter.organisation, name)
        b.join_team(course, family.coordinator, unit, valid_from=b.today() - timedelta(days=1))
    stats = client_for(family.coordinator).get(f"/api/courses/courses/{course.pk}").json()
    assert stats["team_stats"]["current"] == 5
    assert stats["team_stats"]["turnover"] == 0
    # the jobcenter caseworker is replaced by a colleague: one change
    member = course.team.get(user=family.caseworker)
    services.end_team_member(family.coordinator, member, b.today() - timedelta(days=1))
    b.join_team(
        course, family.coordinator, family.jobcenter, name="Ny sagsbehandler", valid_from=b.today()
    )
    stats = client_for(family.coordinator).get(f"/api/courses/courses/{course.pk}").json()
    assert stats["team_stats"]["turnover"] == 1
