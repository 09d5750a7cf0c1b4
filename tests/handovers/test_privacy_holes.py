"""Issue 10 in handovers, tried as an attacker would: the jobcenter professional on the team, whose
consent covers plan, social and economy (not health, not employment), looks for what a handover
reveals; a receiver and a coordinator who have left their units, and a guessed id, look for
anything at all. Each test failed on the handovers code before issue 10."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Organisation, Unit, User
from helhed.courses import services as course_services
from helhed.courses.models import Course, LegalBasis, Measure, Plan, TeamMember
from helhed.courses.sections import events_for_courses
from helhed.courses.selectors import access_for
from helhed.handovers import selectors, services
from helhed.handovers.models import Handover
from tests.handovers.builders import add_measure
from tests.refusals import refused

pytestmark = pytest.mark.django_db
BASE = "/api/handovers"


def everything(client: Client, course: Course) -> str:
    """Every page and API answer about the course's handovers the client may read."""
    texts = []
    for url in (
        reverse("handovers:course_section", args=[course.pk]),
        reverse("handovers:overview"),
        f"{BASE}/courses/{course.pk}/handovers",
        f"{BASE}/courses/{course.pk}/stays",
        f"{BASE}/courses/{course.pk}/gaps",
        f"{BASE}/waiting",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return json.dumps(texts, ensure_ascii=False)


@pytest.fixture
def jobcenter_measure(course: Course, coordinator: User, jobcenter_unit: Unit) -> Measure:
    """The jobcenter's own mentor measure: employment data its consent does not cover."""
    plan = Plan.objects.get(course=course)
    return course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Mentorforløb",
        welfare_area_id="beskaeftigelse",
        legal_basis=LegalBasis.objects.get(pk="lab-187"),
        organisation=jobcenter_unit.organisation,
        unit=jobcenter_unit,
        budget_area="beskaeftigelse",
        start_date=timezone.localdate() - timedelta(days=60),
        end_date=timezone.localdate() - timedelta(days=30),
    )


@pytest.fixture
def citizen_service(municipality: Organisation) -> Unit:
    return Unit.objects.create(
        organisation=municipality, name="Borgerservice", welfare_area_id=None, data_category="plan"
    )


def test_a_drug_treatment_handovers_unit_is_hidden_from_a_plan_only_reader(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    jobcenter_user: User,
    jobcenter_member: TeamMember,
    login: Callable[[User], Client],
) -> None:
    """The Rusmiddelcenter is filed under specialised adult services (social, which the
    jobcenter's consent covers), but naming it reveals drug treatment: its own category counts."""
    assert (
        drug_unit.welfare_area_id == "specialiseret-voksen" and drug_unit.data_category == "health"
    )
    handover = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Henvist til metadon",
        to_unit_id=drug_unit.pk,
    )
    client = login(jobcenter_user)
    seen = everything(client, course)
    assert "Rusmiddelcenter" not in seen and "metadon" not in seen
    for url in (
        reverse("handovers:detail", args=[handover.pk]),
        f"{BASE}/{handover.pk}",
        f"{BASE}/{handover.pk}/fhir",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Rusmiddelcenter" not in response.content.decode()
    shown = events_for_courses([course.pk], may=access_for(jobcenter_user, course.pk).may)
    assert not any("Rusmiddelcenter" in e.label for e in shown)
    assert "Rusmiddelcenter" in everything(login(coordinator), course)


def test_a_receivers_summary_names_no_contact_person_of_a_hidden_unit(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    jobcenter_unit: Unit,
    jobcenter_user: User,
    municipality: Organisation,
) -> None:
    course_services.add_team_member(
        coordinator,
        course,
        organisation=municipality,
        unit=drug_unit,
        name="Rasmus Rusbehandler",
        role="Misbrugsbehandler",
        valid_from=course.referred_on,
    )
    # a handover to the jobcenter: its consent covers plan, social and economy
    handover = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Job", to_unit_id=jobcenter_unit.pk
    )
    view = selectors.handover_detail(jobcenter_user, handover.pk)
    assert view.summary.identity_shown
    names = [t.name for t in view.summary.team]
    assert "Rasmus Rusbehandler" not in names
    assert jobcenter_user.get_full_name() in names  # the receiving unit's own people are named


def test_a_jobcenter_sees_and_hands_over_its_own_employment_measure(
    course: Course,
    coordinator: User,
    jobcenter_measure: Measure,
    jobcenter_user: User,
    citizen_service: Unit,
    login: Callable[[User], Client],
) -> None:
    """The consent does not cover employment, but the mentor measure is the jobcenter's own."""
    services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Videre",
        to_unit_id=citizen_service.pk,
        measure_id=jobcenter_measure.pk,
    )
    client = login(jobcenter_user)
    seen = everything(client, course)
    assert "Mentorforløb" in seen  # in the handover list and as the measure before the gap
    assert "Borgerservice" in seen
    form = client.get(reverse("handovers:create", args=[course.pk])).content.decode()
    assert "Mentorforløb" in form
    Handover.objects.all().delete()
    created = client.post(
        f"{BASE}/courses/{course.pk}/handovers",
        json.dumps(
            {
                "mode": "henvist",
                "reason": "Videre",
                "to_unit_id": str(citizen_service.pk),
                "measure_id": str(jobcenter_measure.pk),
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["handover"]["measure_title"] == "Mentorforløb"


def test_a_handover_of_a_measure_the_reader_may_not_see_is_refused_like_a_read(
    course: Course,
    coordinator: User,
    jobcenter_user: User,
    jobcenter_member: TeamMember,
    citizen_service: Unit,
    login: Callable[[User], Client],
) -> None:
    hidden = add_measure(
        coordinator, course, timezone.localdate(), None, title="Metadon", area="kommunalt-sundhed"
    )
    assert hidden.data_category == "health"
    client = login(jobcenter_user)
    answers = []
    for measure_id in (hidden.pk, uuid.uuid4()):
        response = client.post(
            f"{BASE}/courses/{course.pk}/handovers",
            json.dumps(
                {
                    "mode": "henvist",
                    "reason": "Videre",
                    "to_unit_id": str(citizen_service.pk),
                    "measure_id": str(measure_id),
                }
            ),
            content_type="application/json",
        )
        answers.append((response.status_code, response.json()["detail"]))
    assert answers[0] == answers[1] and answers[0][0] == 403  # no existence oracle
    assert (
        "Metadon" not in client.get(reverse("handovers:create", args=[course.pk])).content.decode()
    )
    assert not Handover.objects.exists()


def test_a_receiver_or_coordinator_who_left_and_a_guessed_id_get_403(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    drug_unit: Unit,
    drug_user: User,
    drug_consent: object,
    login: Callable[[User], Client],
) -> None:
    handover = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Behandling",
        to_unit_id=drug_unit.pk,
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    Membership.objects.filter(user__in=[drug_user, coordinator]).update(
        valid_from=yesterday - timedelta(days=300), valid_to=yesterday
    )
    guessed = uuid.uuid4()
    for user in (drug_user, coordinator):
        client = login(user)
        for target in (handover.pk, guessed):
            for url in (
                reverse("handovers:detail", args=[target]),
                f"{BASE}/{target}",
                f"{BASE}/{target}/fhir",
            ):
                response = client.get(url)
                assert refused(response, 403), (user, url)
                assert "Mette" not in response.content.decode()
        assert refused(client.post(reverse("handovers:stay_end", args=[guessed])), 403)
        overview = selectors.coordinator_overview(user)
        assert overview.handovers == [] and overview.transitions == []
        assert not AccessLogEntry.objects.filter(actor=user).exists()


def test_reads_are_logged_with_the_unit_the_reader_acts_from(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    drug_unit: Unit,
    drug_user: User,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    login: Callable[[User], Client],
) -> None:
    # Each reader also belongs to a unit that sorts first and has nothing to do with the course:
    # a read attributed to "the first unit" would name it.
    first = Unit.objects.create(
        organisation=drug_unit.organisation, name="Aaa Ledelse", welfare_area_id=None
    )
    for user in (drug_user, jobcenter_user):
        Membership.objects.create(user=user, unit=first, role="fagperson")
    handover = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Behandling",
        to_unit_id=drug_unit.pk,
    )
    login(drug_user).get(reverse("handovers:detail", args=[handover.pk]))
    login(jobcenter_user).get(reverse("handovers:course_section", args=[course.pk]))
    login(coordinator).get(reverse("handovers:detail", args=[handover.pk]))
    login(coordinator).get(reverse("handovers:overview"))
    for user, unit in (
        (drug_user, drug_unit),
        (jobcenter_user, jobcenter_unit),
        (coordinator, coordinator_unit),
    ):
        units = set(
            AccessLogEntry.objects.filter(actor=user).values_list("actor_unit_id", flat=True)
        )
        assert units == {unit.pk}, user
