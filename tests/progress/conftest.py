"""A small world for the progress tests: a coordinator, a course with three goals and a citizen
login, a jobcenter professional on the team with consent for plan, employment and economy (not
health; a consent that covered economy also covers employment since employment became its own
category, migration ``courses/0004``), a
health professional with consent for health and social, an outsider, and a leader and an
analyst in the coordinator's municipality."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.core.models import Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Consent, Course, GivenBy, Goal, Plan
from tests.courses.builders import (
    give_consent,
    join_team,
    make_citizen_user,
    make_staff,
    make_unit,
    open_course,
    organisation,
)


@dataclass
class World:
    coordinator: User
    unit: Unit
    course: Course
    goals: list[Goal]
    citizen: User
    jobcenter: User
    health: User
    outsider: User
    leader: User
    analyst: User
    other_leader: User


def add_goals(course: Course, specs: list[tuple[str, int | None]]) -> list[Goal]:
    plan, _ = Plan.objects.get_or_create(course=course)
    return [
        Goal.objects.create(plan=plan, text=text, priority=i + 1, importance=imp)
        for i, (text, imp) in enumerate(specs)
    ]


@pytest.fixture
def world(db: None) -> World:
    org = organisation("461")
    unit = make_unit(org, "Koordinerende Team")
    job_unit = make_unit(org, "Jobcenter")
    health_unit = make_unit(org, "Psykiatrien", "psykiatri")
    other = make_unit(organisation("316"), "Andet Team")
    coordinator = make_staff(unit, "koordinator")
    citizen = make_citizen_user()
    course = open_course(coordinator, unit)
    course.citizen.user = citizen
    course.citizen.save()
    goals = add_goals(course, [("Få et arbejde", 3), ("Sove bedre", None), ("Se mine børn", 2)])
    jobcenter = make_staff(job_unit)
    health = make_staff(health_unit)
    join_team(course, coordinator, job_unit, member_user=jobcenter)
    join_team(course, coordinator, health_unit, member_user=health)
    give_consent(
        course, coordinator, units=[job_unit], categories=("plan", "employment", "economy")
    )
    give_consent(course, coordinator, units=[health_unit], categories=("plan", "health", "social"))
    return World(
        coordinator=coordinator,
        unit=unit,
        course=course,
        goals=goals,
        citizen=citizen,
        jobcenter=jobcenter,
        health=health,
        outsider=make_staff(other),
        leader=make_staff(unit, "leder"),
        analyst=make_staff(unit, "analytiker"),
        other_leader=make_staff(other, "leder"),
    )


ALL_BUT_CRIME = ("plan", "health", "social", "employment", "economy")


def evaluation_consent(
    course: Course,
    by: User,
    *,
    units: Iterable[Unit] = (),
    organisations: Iterable[Organisation] = (),
    categories: Iterable[str] = ALL_BUT_CRIME,
    for_evaluation: bool = True,
) -> Consent:
    """A consent valid today that names evaluation as a purpose (``Consent.for_evaluation``) and
    its recipients: what the evaluation export needs (docs/security.md)."""
    return course_services.give_consent(
        by,
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Borgeren",
        units=units,
        organisations=organisations,
        categories=categories,
        valid_from=timezone.localdate() - timedelta(days=10),
        for_evaluation=for_evaluation,
    )


def more_evaluated_citizens(world: World, n: int) -> list[Course]:
    """``n`` more courses of the world's initiative, without measurements, whose citizens consent
    to evaluation by the analyst's unit: with the world's own course the export's threshold of 5
    citizens is reached without changing its rows."""
    courses = []
    for i in range(n):
        course = open_course(
            world.coordinator,
            world.unit,
            initiative=world.course.initiative,
            first_name="Evaluering",
            last_name=f"Borger{i}",
        )
        evaluation_consent(course, world.coordinator, units=[world.unit])
        courses.append(course)
    return courses


@pytest.fixture(autouse=True)
def isolated_sources(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The meetings and handovers apps (built in parallel) register timeline and timeliness
    sources; these tests replace them with known ones so that they test this app's use of the
    registries, not the other apps' state."""
    from helhed.courses import sections

    events: dict[str, object] = {}
    timeliness: dict[str, object] = {}
    monkeypatch.setattr(sections, "_EVENT_SOURCES", events)
    monkeypatch.setattr(sections, "_TIMELINESS", timeliness)
    return {"events": events, "timeliness": timeliness}
