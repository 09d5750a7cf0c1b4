"""What a handover discloses to whom: its free texts and measure follow the reader's categories
(page, API, FHIR), a handover's very existence is health data when its receiver is a drug
treatment unit, the waiting list names no citizen, the receiver keeps the summary only while the
handover is open, timeline events carry the category their label reveals, and the coordinator's
panel logs only the citizens it shows."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Unit, User
from helhed.courses.models import Consent, Course, TeamMember
from helhed.handovers import extensions as registrations
from helhed.handovers import logic, selectors, services
from helhed.handovers.models import Handover
from tests.handovers.builders import SECRET, get, other_course

pytestmark = pytest.mark.django_db
BASE = "/api/handovers"


def test_receiver_without_consent_finds_neither_reason_nor_measure_in_page_or_api(
    health_handover: Handover, drug_user: User
) -> None:
    services.act(
        drug_user,
        handover_id=health_handover.pk,
        action=logic.DECLINE,
        reason="Ingen plads " + SECRET,
    )
    page = get(drug_user, f"/overdragelser/{health_handover.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html and "Metadonbehandling" not in html
    api = get(drug_user, f"{BASE}/{health_handover.pk}")
    assert api.status_code == 200
    body = json.dumps(api.json(), ensure_ascii=False)
    assert SECRET not in body and "Metadonbehandling" not in body
    assert api.json()["handover"]["reason"] is None
    assert api.json()["handover"]["measure_id"] is None


def test_team_member_without_health_consent_finds_neither_reason_nor_measure(
    health_handover: Handover, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    # The handover itself reveals health data: a team member without health consent is refused
    # the page and the API (the course section does not list it either).
    page = get(jobcenter_user, f"/overdragelser/{health_handover.pk}/")
    assert page.status_code == 403
    html = page.content.decode()
    assert SECRET not in html and "Metadonbehandling" not in html and "Rusmiddelcenter" not in html
    api = get(jobcenter_user, f"{BASE}/{health_handover.pk}")
    assert api.status_code == 403 and "Metadon" not in json.dumps(api.json())


def test_a_whole_course_handover_to_a_drug_treatment_unit_is_health_data(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    jobcenter_user: User,
    jobcenter_member: TeamMember,
) -> None:
    """No measure, but the receiving unit's fagområde says what the handover is about."""
    from django.urls import reverse

    from helhed.courses.sections import events_for_courses
    from helhed.courses.selectors import access_for

    handover = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Henvist til behandling",
        to_unit_id=drug_unit.pk,
    )
    section = get(jobcenter_user, reverse("handovers:course_section", args=[course.pk]))
    assert section.status_code == 200
    assert "Rusmiddelcenter" not in section.content.decode()
    assert get(jobcenter_user, f"/overdragelser/{handover.pk}/").status_code == 403
    shown = events_for_courses([course.pk], may=access_for(jobcenter_user, course.pk).may)
    assert not any("Rusmiddelcenter" in e.label for e in shown)
    # The coordinator sees all of it
    assert (
        "Rusmiddelcenter"
        in get(coordinator, reverse("handovers:course_section", args=[course.pk])).content.decode()
    )
    assert get(coordinator, f"/overdragelser/{handover.pk}/").status_code == 200


def test_coordinator_still_sees_reason_and_measure(
    health_handover: Handover, coordinator: User
) -> None:
    html = get(coordinator, f"/overdragelser/{health_handover.pk}/").content.decode()
    assert SECRET in html and "Metadonbehandling" in html
    assert get(coordinator, f"{BASE}/{health_handover.pk}").json()["handover"]["reason"] == SECRET


def test_waiting_api_has_no_reason_or_course(health_handover: Handover, drug_user: User) -> None:
    rows = get(drug_user, f"{BASE}/waiting").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(health_handover.pk)
    assert "reason" not in row and "course_id" not in row and "measure_id" not in row
    assert row["status"] == "requested" and row["overdue"] is False
    assert SECRET not in json.dumps(row)


def test_receiver_loses_the_summary_once_declined(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, drug_consent: Consent
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    assert selectors.handover_detail(drug_user, h.pk).summary.identity_shown
    services.act(drug_user, handover_id=h.pk, action=logic.DECLINE, reason="Ingen plads")
    view = selectors.handover_detail(drug_user, h.pk)
    assert not view.summary.identity_shown and view.summary.measures == []
    assert view.summary.team == []


def test_timeline_event_of_health_handover_is_health(
    health_handover: Handover, course: Course
) -> None:
    events = [e for e in registrations.timeline_events([course.pk]) if e.kind == "handover"]
    assert events and all(e.category == "health" for e in events)
    assert events[0].on == timezone.localdate()


def test_fhir_for_receiver_without_identity_and_status_reason_is_a_code(
    health_handover: Handover, drug_user: User, coordinator: User
) -> None:
    services.act(drug_user, handover_id=health_handover.pk, action=logic.DECLINE, reason=SECRET)
    task = get(drug_user, f"{BASE}/{health_handover.pk}/fhir").json()
    assert "for" not in task and "focus" not in task
    assert SECRET not in json.dumps(task, ensure_ascii=False)
    assert task["statusReason"]["coding"][0]["code"] == "declined"
    task = get(coordinator, f"{BASE}/{health_handover.pk}/fhir").json()
    assert task["for"]["reference"].startswith("Patient/")


def test_coordinator_panel_logs_only_the_citizens_it_shows(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    courses = [course] + [other_course(coordinator, course) for _ in range(3)]
    for c in courses:
        services.request_handover(
            coordinator, course_id=c.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
        )
    before = AccessLogEntry.objects.filter(actor=coordinator).count()
    request = type("R", (), {"user": coordinator})()
    ctx = registrations._coordinator_panel(request)  # type: ignore[arg-type]
    assert ctx is not None and ctx["handovers_count"] == 4 and ctx["transitions"] == []
    assert AccessLogEntry.objects.filter(actor=coordinator).count() == before
