"""Restriction of processing (GDPR art. 18) in economics: cost rows are written with
``bulk_create``, which sends no signal, so the service refuses a frozen course itself — through
the service, the page and the API — and the daily indicator job leaves a frozen course's results
as they were."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal as D  # noqa: N817
from typing import Any

import pytest
from django.test import Client

from helhed.courses import services as courses
from helhed.courses.restriction import RESTRICTED, CourseRestrictedError
from helhed.economics import services
from helhed.economics.models import CostEntry, IndicatorResult
from tests.courses.builders import today
from tests.economics.conftest import World, contract_values

pytestmark = pytest.mark.django_db


def _freeze(world: World) -> None:
    courses.restrict_course(world.coordinator, course_id=world.course.pk, reason="Bestridt")


def _record(world: World, user: Any) -> Any:
    return services.record_costs(
        user,
        course_id=world.course.pk,
        measure_id=world.mentor.pk,
        unit_price_id=world.mentor_price.pk,
        quantity=D("8"),
        year=today().year,
        month=1,
        months=2,
    )


def test_costs_are_refused_on_a_frozen_course_by_service_page_and_api(
    world: World, client: Client
) -> None:
    assert len(_record(world, world.coordinator)) == 2  # the coordinator may record costs …
    _freeze(world)
    with pytest.raises(CourseRestrictedError):  # … but not while processing is restricted
        _record(world, world.coordinator)
    client.force_login(world.coordinator)
    page = client.post(
        f"/forloeb/{world.course.pk}/oekonomi/udgift/",
        {
            "measure": str(world.mentor.pk),
            "unit_price": str(world.mentor_price.pk),
            "quantity": "8",
            "year": str(today().year),
            "month": "1",
            "months": "2",
        },
    )
    assert page.status_code == 403
    assert "begrænset" in page.content.decode()
    api = client.post(
        f"/api/economics/courses/{world.course.pk}/costs",
        json.dumps(
            {
                "measure_id": str(world.mentor.pk),
                "unit_price_id": str(world.mentor_price.pk),
                "quantity": "8",
                "year": today().year,
                "month": 1,
                "months": 2,
            }
        ),
        content_type="application/json",
    )
    assert api.status_code == 409, api.content
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["detail"] == RESTRICTED
    assert CostEntry.objects.filter(course=world.course).count() == 2  # only the first two


def test_the_indicator_job_leaves_a_frozen_course_as_it_was(world: World) -> None:
    contract = services.save_contract(world.leader, **contract_values(world))
    services.enrol(
        world.coordinator,
        contract_id=contract.pk,
        course_id=world.course.pk,
        start_date=today() - timedelta(days=180),
    )
    assert IndicatorResult.objects.filter(enrolment__course=world.course).exists()
    IndicatorResult.objects.all().delete()  # as if the course had been enrolled before the job ran
    _freeze(world)
    services.evaluate_enrolments(None, today())
    assert not IndicatorResult.objects.filter(enrolment__course=world.course).exists()
    courses.lift_restriction(world.coordinator, course_id=world.course.pk)
    services.evaluate_enrolments(None, today())
    assert IndicatorResult.objects.filter(enrolment__course=world.course).exists()
