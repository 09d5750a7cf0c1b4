"""A small world for the progress tests: a coordinator, a course with three goals and a citizen
login, a jobcenter professional on the team with consent for plan and economy (not health), a
health professional with consent for health and social, an outsider, and a leader and an
analyst in the coordinator's municipality."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from helhed.core.models import Unit, User
from helhed.courses.models import Course, Goal, Plan
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
    give_consent(course, coordinator, units=[job_unit], categories=("plan", "economy"))
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


@pytest.fixture(autouse=True)
def isolated_sources(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The meetings and handovers apps (built in parallel) register timeline and timeliness
    sources; these tests replace them with known ones so that they test this app's use of the
    registries, not the other apps' state."""
    from helhed.core import sections

    events: dict[str, object] = {}
    timeliness: dict[str, object] = {}
    monkeypatch.setattr(sections, "_EVENT_SOURCES", events)
    monkeypatch.setattr(sections, "_TIMELINESS", timeliness)
    return {"events": events, "timeliness": timeliness}
