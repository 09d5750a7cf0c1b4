"""A small world for the economics tests.

Odense: a coordinating team with a coordinator, a leader and an analyst; a jobcenter professional
on the course's team with consent for plan and economy (not health); a psychiatry professional
with consent for plan, health and social (not economy); an outsider unit in the same
municipality; a leader in Holbæk (another organisation); a citizen login on the course. The
course has two measures: a jobcenter mentor (economy) and a psychiatric treatment (health). An
organisation price list with a mentor hour and a placement year (both Odense's own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from helhed.core.models import Organisation, Unit, User
from helhed.courses.models import Course, Measure, Plan
from helhed.economics import services
from helhed.economics.models import PriceIndex, UnitPrice
from helhed.registry.models import Initiative
from tests.courses.builders import (
    give_consent,
    join_team,
    make_citizen_user,
    make_initiative,
    make_staff,
    make_unit,
    open_course,
    organisation,
    today,
)

D = Decimal


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    unit: Unit
    coordinator: User
    leader: User
    analyst: User
    jobcenter: User
    health: User
    outsider: User
    other_leader: User
    citizen: User
    initiative: Initiative
    course: Course
    mentor: Measure
    psychiatry: Measure
    mentor_price: UnitPrice
    placement_price: UnitPrice


# A legal basis that fits the fagområde: the basis decides the measure's data category (LAB is
# employment, Psykiatriloven health).
BASIS_BY_AREA = {"beskaeftigelse": "lab-187", "psykiatri": "psyk-13b"}


def add_measure(course: Course, title: str, area: str, who_pays: str = "beskaeftigelse") -> Measure:
    plan, _ = Plan.objects.get_or_create(course=course)
    return Measure.objects.create(
        plan=plan,
        title=title,
        welfare_area_id=area,
        legal_basis_id=BASIS_BY_AREA.get(area, "kui-2"),
        organisation=course.coordinator_unit.organisation,
        start_date=today() - timedelta(days=60),
        status="aktiv",
        budget_area=who_pays,
    )


def price(user: User, org: Organisation, name: str, amount: int, year: int, **kw: Any) -> UnitPrice:
    return services.save_price(
        user,
        organisation_id=org.pk,
        name=name,
        unit=kw.pop("unit", "time"),
        kind=kw.pop("kind", "udgift"),
        amount=D(amount),
        year=year,
        payer=kw.pop("payer", "kommune"),
        budget_area=kw.pop("budget_area", "beskaeftigelse"),
        source=kw.pop("source", "Testens egen pris"),
    )


@pytest.fixture
def world(db: None) -> World:
    org = organisation("461")
    other_org = organisation("316")
    unit = make_unit(org, "Koordinerende Team")
    job_unit = make_unit(org, "Jobcenter")
    health_unit = make_unit(org, "Psykiatrien", "psykiatri")
    outside_unit = make_unit(org, "Andet team")
    coordinator = make_staff(unit, "koordinator")
    leader = make_staff(unit, "leder")
    analyst = make_staff(unit, "analytiker")
    initiative = make_initiative("Familieindsats")
    course = open_course(coordinator, unit, initiative=initiative)
    citizen = make_citizen_user()
    course.citizen.user = citizen
    course.citizen.save()
    course.start_date = today() - timedelta(days=200)
    course.save()
    jobcenter = make_staff(job_unit)
    health = make_staff(health_unit)
    join_team(course, coordinator, job_unit, member_user=jobcenter)
    join_team(course, coordinator, health_unit, member_user=health)
    # as migration courses/0004 gives a consent that covered economy: employment too
    give_consent(
        course, coordinator, units=[job_unit], categories=("plan", "employment", "economy")
    )
    give_consent(course, coordinator, units=[health_unit], categories=("plan", "health", "social"))
    for year in range(2019, 2031):
        PriceIndex.objects.create(
            year=year, value=D(100) * D("1.02") ** (year - 2019), source="test"
        )
    return World(
        org=org,
        other_org=other_org,
        unit=unit,
        coordinator=coordinator,
        leader=leader,
        analyst=analyst,
        jobcenter=jobcenter,
        health=health,
        outsider=make_staff(outside_unit),
        other_leader=make_staff(make_unit(other_org, "Holbæk team"), "leder"),
        citizen=citizen,
        initiative=initiative,
        course=course,
        mentor=add_measure(course, "Mentor", "beskaeftigelse"),
        psychiatry=add_measure(course, "Psykiatrisk behandling", "psykiatri", "region"),
        mentor_price=price(leader, org, "Time mentorstøtte", 450, today().year),
        placement_price=price(
            leader, org, "Anbringelse, år", 520_000, today().year, budget_area="boern-familie"
        ),
    )


def gladsaxe_values(world: World, **overrides: Any) -> dict[str, Any]:
    """The Gladsaxe case (see test_logic) as service input: 600,000 kr. a year for four years,
    a placement year at 520,000 kr. avoided from half of year 2; 100 families, so the success
    rate in per cent is the number of avoided placements."""
    values: dict[str, Any] = {
        "initiative_id": world.initiative.pk,
        "name": "Familieindsats (Gladsaxe)",
        "target_group": "Familier med sager i flere forvaltninger",
        "success_label": "en anbringelse undgås",
        "cohort_size": 100,
        "horizon_years": 4,
        "price_year": world.placement_price.year,
        "discount_rate": D(0),
        "baseline_rate": D(0),
        "rate_cautious": D(1),
        "rate_expected": D(2),
        "rate_optimistic": D(3),
        "costs": [
            services.CostRowIn(t, "Familiekonsulenter", "boern-familie", "kommune", D(600_000))
            for t in range(1, 5)
        ],
        "consequences": [
            services.ConsequenceIn(
                world.placement_price.pk,
                "Færre anbringelsesår",
                "boern-familie",
                "kommune",
                [D(0), D("-0.5"), D(-1), D(-1)],
            )
        ],
    }
    values.update(overrides)
    return values


def contract_values(world: World, **overrides: Any) -> dict[str, Any]:
    """A Holbæk-like contract: employment at 12 months (primary), fit for work at 6 months and a
    WHO-5 rise of 10 points within 39 weeks; 26 weeks of intervention and 13 of aftercare."""
    start = today() - timedelta(days=400)
    values: dict[str, Any] = {
        "initiative_id": world.initiative.pk,
        "name": "Jobindsats (Holbæk-model)",
        "owner_id": world.org.pk,
        "investor_name": "Den Sociale Investeringsfond",
        "period_start": start,
        "period_end": start + timedelta(days=900),
        "cutoff": start + timedelta(days=1200),
        "budget": D(6_900_000),
        "indicators": [
            services.IndicatorIn(
                "Beskæftigelse",
                "primaer",
                "beskaeftigelse",
                D(45_000),
                D(40),
                months_after=12,
                accepted=("ordinaert-job", "uddannelse"),
            ),
            services.IndicatorIn(
                "Raskmelding",
                "sekundaer",
                "raskmelding",
                D(15_000),
                D(60),
                months_after=6,
                accepted=("ordinaert-job", "fleksjob", "uddannelse", "dagpenge"),
            ),
            services.IndicatorIn(
                "Trivsel",
                "sekundaer",
                "who5-stigning",
                D(8_000),
                D(50),
                min_points=10,
                window_weeks=39,
            ),
        ],
        "phases": [services.PhaseIn("Indsats", 0, 26), services.PhaseIn("Efterværn", 26, 39)],
        "points": [
            services.PointIn(0, "who5"),
            services.PointIn(26, "who5"),
            services.PointIn(39, "who5"),
        ],
    }
    values.update(overrides)
    return values


@pytest.fixture
def freeze_today() -> date:
    return today()
