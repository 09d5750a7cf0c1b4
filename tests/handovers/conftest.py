"""Fixtures for handovers: the courses fixtures (a course coordinated by ``coordinator`` with the
jobcenter on the team and a consent covering the coordinator's and the jobcenter's units for plan,
social and economy), plus the municipal drug treatment unit ("Rusmiddelcenter", health data) as
receiver.

The consent does not cover the Rusmiddelcenter at first; ``drug_consent`` adds one that covers it
for plan and health only, so the receiver's summary shows what travels and what is withheld.
``health_handover`` hands a health measure ("Metadonbehandling") over to it with a reason
(``builders.SECRET``) that must reach only readers who may see health data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.core.models import Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Consent, Course, GivenBy
from helhed.handovers import services
from helhed.handovers.models import Handover
from tests.courses.conftest import (  # noqa: F401  (fixtures re-used here)
    consent,
    coordinator_unit,
    course,
    initiative,
    jobcenter_member,
    jobcenter_unit,
    jobcenter_user,
    outsider_unit,
    outsider_user,
)
from tests.handovers.builders import SECRET, add_measure


@pytest.fixture
def drug_unit(municipality: Organisation) -> Unit:
    """Filed under specialised adult services (Serviceloven § 101), but naming it reveals drug
    treatment: its own category is health (as ``core/0003`` classifies it from its name and the
    administrator confirms)."""
    return Unit.objects.create(
        organisation=municipality,
        name="Rusmiddelcenter Odense",
        welfare_area_id="specialiseret-voksen",
        data_category="health",
    )


@pytest.fixture
def drug_user(make_user: Callable[..., User], drug_unit: Unit) -> User:
    return make_user("fagperson", drug_unit, first_name="Rasmus", last_name="Rus")


@pytest.fixture
def drug_consent(course: Course, coordinator: User, drug_unit: Unit) -> Consent:  # noqa: F811
    return course_services.give_consent(
        coordinator,
        course,
        given_by=GivenBy.CITIZEN,
        given_by_name="Mette Sørensen",
        units=[drug_unit],
        categories=["plan", "health"],
        valid_from=course.referred_on,
        valid_to=timezone.localdate() + timedelta(days=365),
    )


@pytest.fixture
def health_handover(course: Course, coordinator: User, drug_unit: Unit) -> Handover:  # noqa: F811
    measure = add_measure(
        coordinator,
        course,
        timezone.localdate(),
        None,
        title="Metadonbehandling",
        area="kommunalt-sundhed",
    )
    return services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason=SECRET,
        to_unit_id=drug_unit.pk,
        measure_id=measure.pk,
    )
