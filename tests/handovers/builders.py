"""Plain builders for the handovers tests: measures straight into a plan (the plan services'
versioning is tested in courses), a second course, a youth of a given birth date; a page or API
read as a given user, and a free text that must never reach a reader who may not see it."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from django.test import Client

from helhed.core.models import Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course, Measure, Plan
from tests.courses.builders import cpr_for

_serial = count(1)

# The reason of ``health_handover`` (conftest): health data that must not leak.
SECRET = "Metadon og abstinenser – hemmelig grund"


def get(user: User, url: str) -> Any:
    """A GET of a page or the API as ``user``."""
    client = Client()
    client.force_login(user)
    return client.get(url)


# A legal basis that fits each fagområde (the basis decides the measure's category: LAB is
# employment, Sundhedsloven health …); "kui-2" leaves it to the fagområde.
BASIS_BY_AREA = {
    "beskaeftigelse": "lab-187",
    "kommunalt-sundhed": "sul-119",
    "psykiatri": "psyk-13b",
    "somatik": "sul-119",
    "specialiseret-voksen": "sel-85",
    "specialiseret-boern-unge": "bl-32",
    "kriminalitet": "strfl-57",
}


def add_measure(
    user: User,
    course: Course,
    start: date | None,
    end: date | None,
    *,
    title: str = "Indsats",
    area: str = "beskaeftigelse",
    status: str = "aktiv",
) -> Measure:
    plan = Plan.objects.get(course=course)
    return Measure.objects.create(
        plan=plan,
        title=title,
        welfare_area_id=area,
        legal_basis_id=BASIS_BY_AREA.get(area, "kui-2"),
        organisation=course.coordinator_unit.organisation,
        start_date=start,
        end_date=end,
        status=status,
        budget_area="beskaeftigelse",
    )


def other_course(coordinator: User, like: Course) -> Course:
    n = next(_serial)
    return course_services.intake(
        coordinator,
        initiative_id=like.initiative.pk,
        coordinator_unit_id=like.coordinator_unit.pk,
        cpr=cpr_for(date(1990, 1, 1), tail=f"{n:03d}"),
        first_name="Anden",
        last_name="Borger",
        referred_on=like.referred_on,
    )


def youth_course(coordinator: User, unit: Unit, like: Course, born: date) -> Course:
    n = next(_serial)
    return course_services.intake(
        coordinator,
        initiative_id=like.initiative.pk,
        coordinator_unit_id=unit.pk,
        cpr=cpr_for(born, tail=f"{500 + n:03d}"),
        first_name="Unge",
        last_name="Ungsen",
        referred_on=like.referred_on,
    )
