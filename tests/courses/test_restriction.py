"""Restriction of processing (GDPR art. 18) and consent withdrawal through every tab.

A frozen course is read by its coordinator only, and nothing in it changes — through the
services, the pages and the API of every app — until the coordinator lifts it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Unit, User
from helhed.courses import selectors, services
from helhed.courses.models import Consent, Course, GivenBy, Goal, Plan, TeamMember
from helhed.courses.restriction import RESTRICTED, CourseRestrictedError, course_paths
from helhed.courses.sections import course_tabs
from helhed.handovers import services as handovers
from helhed.handovers.models import Handover
from helhed.meetings import services as meetings
from helhed.meetings.models import Meeting
from helhed.progress import services as progress
from helhed.progress.models import Measurement
from tests.courses.conftest import make_unit
from tests.refusals import refused

pytestmark = pytest.mark.django_db
REASON = "Borgeren bestrider oplysningernes rigtighed"
WHO5 = {f"who5_{i}": 3 for i in range(1, 6)}


@pytest.fixture
def frozen(course: Course, coordinator: User) -> Course:
    services.restrict_course(coordinator, course_id=course.pk, reason=REASON)
    course.refresh_from_db()
    return course


def tab_urls(course: Course) -> list[str]:
    return [reverse(tab.url_name, args=[course.pk]) for tab in course_tabs()]


def test_every_model_of_a_course_is_behind_the_barrier() -> None:
    """The barrier is derived from the models: every app's course data is covered."""
    labels = {model._meta.label for model in course_paths()}
    for label in (
        "courses.Course",
        "courses.Consent",
        "courses.TeamMember",
        "courses.Goal",
        "courses.SubGoal",
        "meetings.Meeting",
        "meetings.Participant",
        "handovers.Handover",
        "progress.Measurement",
        "economics.CostEntry",
    ):
        assert label in labels


def test_only_the_coordinator_reads_a_frozen_course(
    frozen: Course, coordinator: User, jobcenter_user: User, client: Client
) -> None:
    assert frozen.is_restricted and frozen.restricted_reason == REASON
    # the guard: the team member (consent valid) no longer has access, the coordinator has
    with pytest.raises(PermissionDenied):
        selectors.access_for(jobcenter_user, frozen.pk)
    assert frozen not in selectors.visible_courses(jobcenter_user)
    assert selectors.access_for(coordinator, frozen.pk).restricted
    assert frozen in selectors.visible_courses(coordinator)
    client.force_login(jobcenter_user)
    for url in tab_urls(frozen):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/api/courses/courses/{frozen.pk}").status_code == 403
    client.force_login(coordinator)
    for url in tab_urls(frozen):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'id="restricted"' in html and "Begrænset behandling" in html and REASON in html


def test_every_write_path_is_refused_through_the_services(
    frozen: Course, coordinator: User, jobcenter_unit: Unit
) -> None:
    plan = Plan.objects.get(course=frozen)
    before = (Goal.objects.count(), TeamMember.objects.count(), Consent.objects.count())
    writes: list[Callable[[], Any]] = [
        lambda: services.save_goal(coordinator, plan.pk, plan.version, text="Bolig"),
        lambda: services.update_plan_text(coordinator, plan.pk, plan.version, summary="Ny tekst"),
        lambda: services.add_team_member(
            coordinator,
            frozen,
            organisation=jobcenter_unit.organisation,
            unit=jobcenter_unit,
            name="Ny",
            role="Mentor",
            valid_from=timezone.localdate(),
        ),
        lambda: services.give_consent(
            coordinator,
            frozen,
            given_by=GivenBy.CITIZEN,
            given_by_name="Mette Sørensen",
            units=[jobcenter_unit],
            categories=["plan"],
            valid_from=timezone.localdate(),
        ),
        lambda: services.change_status(coordinator, frozen, "pause"),
        lambda: meetings.create_meeting(
            coordinator,
            course_id=frozen.pk,
            purpose="Netværksmøde",
            place="Rådhuset",
            proposed_times=[timezone.now() + timedelta(days=3)],
        ),
        lambda: handovers.request_handover(
            coordinator,
            course_id=frozen.pk,
            mode="henvist",
            reason="Behandling",
            to_unit_id=jobcenter_unit.pk,
        ),
        lambda: progress.record_measurement(
            coordinator, course_id=frozen.pk, instrument="who5", answers=WHO5
        ),
    ]
    for n, write in enumerate(writes):
        with pytest.raises(CourseRestrictedError) as refused:
            write()
        assert str(refused.value) == RESTRICTED, n
    after = (Goal.objects.count(), TeamMember.objects.count(), Consent.objects.count())
    assert after == before
    assert not Meeting.objects.filter(course=frozen).exists()
    assert not Handover.objects.filter(course=frozen).exists()
    assert not Measurement.objects.filter(course=frozen).exists()
    assert frozen.consents.get().withdrawn_on is None
    frozen.refresh_from_db()
    assert frozen.status != "pause"


def test_consent_can_still_be_withdrawn_while_processing_is_restricted(
    frozen: Course, coordinator: User, client: Client
) -> None:
    """GDPR art. 7(3): consent can be withdrawn at any time. The withdrawal passes the barrier
    (it narrows who may read); nothing else about the consent may change."""
    consent = frozen.consents.get()
    client.force_login(coordinator)
    response = client.post(
        reverse("courses:consent_withdraw", args=[frozen.pk, consent.pk]),
        {"by_name": "Mette Sørensen", "confirm": "on"},
    )
    assert response.status_code == 302, response.status_code
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert consent.events.filter(kind="tilbagekaldt").exists()
    # outside a withdrawal the consent stays behind the barrier
    consent.withdrawn_by_name = "En anden"
    with pytest.raises(CourseRestrictedError):
        consent.save(update_fields=["withdrawn_by_name"])


def _json(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_the_api_answers_409_with_a_problem_body(
    frozen: Course, coordinator: User, jobcenter_unit: Unit, client: Client
) -> None:
    client.force_login(coordinator)
    plan = Plan.objects.get(course=frozen)
    today = timezone.localdate().isoformat()
    calls = [
        (
            "post",
            f"/api/courses/courses/{frozen.pk}/plan/goals",
            {"version": plan.version, "text": "Bolig"},
        ),
        (
            "post",
            f"/api/courses/courses/{frozen.pk}/team",
            {
                "organisation_id": str(jobcenter_unit.organisation_id),
                "unit_id": str(jobcenter_unit.pk),
                "name": "Ny",
                "role": "Mentor",
                "valid_from": today,
            },
        ),
        (
            "post",
            f"/api/meetings/courses/{frozen.pk}/meetings",
            {
                "purpose": "Netværksmøde",
                "place": "Rådhuset",
                "proposed_times": [(timezone.now() + timedelta(days=3)).isoformat()],
            },
        ),
        (
            "post",
            f"/api/progress/courses/{frozen.pk}/measurements",
            {"instrument": "who5", "answers": WHO5},
        ),
    ]
    for method, url, body in calls:
        response = _json(client, method, url, body)
        assert response.status_code == 409, (url, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == RESTRICTED
        assert response.json()["title"] == "Behandlingen er begrænset"
    assert not Goal.objects.filter(plan=plan).exists()
    assert frozen.team.count() == 2  # the coordinator's unit and the jobcenter


def test_the_pages_refuse_with_the_reason(
    frozen: Course, coordinator: User, jobcenter_unit: Unit, client: Client
) -> None:
    client.force_login(coordinator)
    plan = Plan.objects.get(course=frozen)
    posts = [
        (
            reverse("courses:goal_add", args=[frozen.pk]),
            {
                "version": str(plan.version),
                "text": "Bolig",
                "horizon": "kort",
                "priority": "1",
                "status": "aaben",
            },
        ),
        (
            reverse("courses:course_status", args=[frozen.pk]),
            {"status-status": "pause", "status-closing_reason": ""},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403, (url, response.status_code)
        assert "intet i forløbet kan ændres" in response.content.decode()
    assert not Goal.objects.filter(plan=plan).exists()


def test_lifting_restores_reading_and_writing(
    frozen: Course, coordinator: User, jobcenter_user: User, client: Client
) -> None:
    client.force_login(coordinator)
    page = client.get(reverse("courses:course_restriction", args=[frozen.pk]))
    assert "Ophæv begrænsningen" in page.content.decode()
    response = client.post(reverse("courses:course_restriction", args=[frozen.pk]), {})
    assert response.status_code == 302
    frozen.refresh_from_db()
    assert not frozen.is_restricted and frozen.restricted_reason == ""
    assert selectors.access_for(jobcenter_user, frozen.pk).may("plan")
    plan = Plan.objects.get(course=frozen)
    services.save_goal(coordinator, plan.pk, plan.version, text="Bolig")
    assert Goal.objects.filter(plan=plan, text="Bolig").exists()
    assert (
        not client.get(reverse("courses:course_detail", args=[frozen.pk]))
        .content.decode()
        .count('id="restricted"')
    )


def test_the_coordinator_freezes_on_the_page_with_a_reason(
    course: Course, coordinator: User, client: Client
) -> None:
    client.force_login(coordinator)
    url = reverse("courses:course_restriction", args=[course.pk])
    empty = client.post(url, {"restriction-reason": "  "})
    assert empty.status_code == 200
    assert "Angiv begrundelsen for at begrænse behandlingen." in empty.content.decode()
    course.refresh_from_db()
    assert not course.is_restricted
    done = client.post(url, {"restriction-reason": REASON}, follow=True)
    assert "Behandlingen af forløbet er nu begrænset." in done.content.decode()
    course.refresh_from_db()
    assert course.is_restricted and course.restricted_by == coordinator
    assert AccessLogEntry.objects.filter(
        citizen_id=course.citizen_id, what="begrænsning af behandlingen"
    ).exists()


def test_other_accounts_cannot_freeze_or_lift(
    course: Course,
    coordinator: User,
    coordinator_unit: Unit,
    jobcenter_user: User,
    outsider_user: User,
    make_user: Callable[..., User],
    other_municipality: Any,
    client: Client,
) -> None:
    # another organisation's coordinator; a team member with consent; the outsider
    foreign = make_user(
        "koordinator", make_unit(other_municipality, "Andet team", "beskaeftigelse")
    )
    for user in (foreign, outsider_user, jobcenter_user):
        with pytest.raises(PermissionDenied):
            services.restrict_course(user, course_id=course.pk, reason=REASON)
        client.force_login(user)
        url = reverse("courses:course_restriction", args=[course.pk])
        assert client.post(url, {"restriction-reason": REASON}).status_code == 403
    course.refresh_from_db()
    assert not course.is_restricted
    # frozen by the coordinator: nobody else lifts it
    services.restrict_course(coordinator, course_id=course.pk, reason=REASON)
    for user in (foreign, outsider_user, jobcenter_user):
        with pytest.raises(PermissionDenied):
            services.lift_restriction(user, course_id=course.pk)
    # the coordinator whose membership ended yesterday can neither lift nor freeze again
    Membership.objects.filter(user=coordinator, unit=coordinator_unit).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        services.lift_restriction(coordinator, course_id=course.pk)
    client.force_login(coordinator)
    url = reverse("courses:course_restriction", args=[course.pk])
    assert refused(client.post(url, {}), 403)
    course.refresh_from_db()
    assert course.is_restricted


def test_a_frozen_course_is_left_out_of_the_evaluation_export(
    course: Course, coordinator: User, coordinator_unit: Unit, make_user: Callable[..., User]
) -> None:
    from helhed.progress.selectors import evaluation_consents

    analyst = make_user("analytiker", coordinator_unit)
    Consent.objects.filter(course=course).update(for_evaluation=True)
    assert evaluation_consents(analyst, [course.pk])
    services.restrict_course(coordinator, course_id=course.pk, reason=REASON)
    assert evaluation_consents(analyst, [course.pk]) == {}


# --------------------------------------------------------------------------------------------
# Consent withdrawal: effective the same day (tests/courses/test_services.py::
# test_withdrawal_takes_effect_immediately keeps the service's rule; this one every tab)
# --------------------------------------------------------------------------------------------


def test_a_withdrawn_consents_reader_loses_every_tab_the_same_day(
    course: Course, coordinator: User, jobcenter_user: User, client: Client
) -> None:
    client.force_login(jobcenter_user)
    urls = [*tab_urls(course), reverse("courses:print_view", args=[course.pk, "min-plan"])]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/api/courses/courses/{course.pk}").status_code == 200
    services.withdraw_consent(coordinator, course.consents.get())
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.get(f"/api/courses/courses/{course.pk}").status_code == 403
    assert course not in selectors.visible_courses(jobcenter_user)
    # the coordinator keeps the course
    client.force_login(coordinator)
    assert client.get(tab_urls(course)[0]).status_code == 200
