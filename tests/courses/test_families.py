"""Families in depth (issue 14): intake with any number of household members, children as persons
with their own goals and their own perspective, one consent step for a parent and her children,
contact person changes counted as replacements, and length limits on goal and plan texts.

Page and API go through the same services; both adapters get the same inputs here. The attacker
tests try another organisation, an ended membership, a plan-only consent, guessed ids and a child
of another household."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from helhed.core.models import Unit, User
from helhed.courses import logic, services
from helhed.courses.models import Citizen, Course, HouseholdRelation, RelationKind
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
