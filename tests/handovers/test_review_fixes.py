"""Review findings: what a handover reveals to whom (P1), input that used to crash or half-write
(P2), and timeliness figures (P4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helhed.audit.models import AccessLogEntry
from helhed.core.models import Membership, Unit, User
from helhed.courses.models import Consent, Course, TeamMember
from helhed.handovers import alerts, logic, selectors, services
from helhed.handovers import extensions as registrations
from helhed.handovers.models import Handover
from tests.handovers.builders import add_measure, other_course

pytestmark = pytest.mark.django_db
BASE = "/api/handovers"
SECRET = "Metadon og abstinenser – hemmelig grund"


def get(user: User, url: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url)


@pytest.fixture
def health_handover(course: Course, coordinator: User, drug_unit: Unit) -> Handover:
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


# --------------------------------------------------------------------------------------------
# P1.1 the free text and the measure title follow the reader's categories
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# P1.2 the waiting list over the API names no citizen data
# --------------------------------------------------------------------------------------------


def test_waiting_api_has_no_reason_or_course(health_handover: Handover, drug_user: User) -> None:
    rows = get(drug_user, f"{BASE}/waiting").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(health_handover.pk)
    assert "reason" not in row and "course_id" not in row and "measure_id" not in row
    assert row["status"] == "requested" and row["overdue"] is False
    assert SECRET not in json.dumps(row)


# --------------------------------------------------------------------------------------------
# P1.3 initiative figures: own organisations only, no max, small numbers suppressed
# --------------------------------------------------------------------------------------------


def test_initiative_figures_scoped_and_small_numbers_suppressed(
    course: Course, coordinator: User, make_user: Callable[..., User], outsider_unit: Unit
) -> None:
    foreign_coordinator = make_user("koordinator", outsider_unit)
    out = selectors.initiative_timeliness(foreign_coordinator, course.initiative_id)
    assert out["courses"] == 0  # not their organisation's courses
    out = selectors.initiative_timeliness(coordinator, course.initiative_id)
    assert out["courses"] == 1
    figure = out["gap_days_total"]
    assert "max" not in figure and figure["mean"] is None and figure["n"] == "<5"
    for _ in range(5):
        other_course(coordinator, course)
    out = selectors.initiative_timeliness(coordinator, course.initiative_id)
    assert out["courses"] == 6 and out["contact_persons_current"]["n"] == 6


# --------------------------------------------------------------------------------------------
# P1.4 the receiving unit sees the summary only while the handover is open
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# P1.5 timeline events carry the category their label reveals
# --------------------------------------------------------------------------------------------


def test_timeline_event_of_health_handover_is_health(
    health_handover: Handover, course: Course
) -> None:
    events = [e for e in registrations.timeline_events([course.pk]) if e.kind == "handover"]
    assert events and all(e.category == "health" for e in events)
    assert events[0].on == timezone.localdate()


# --------------------------------------------------------------------------------------------
# P1.6 FHIR: no patient/plan reference for a receiver who may not know who it is
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# P1.7 alert titles name no stay or birthday
# --------------------------------------------------------------------------------------------


def test_transition_alert_titles_are_generic(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="varetaegt",
        start_date=today - timedelta(days=3),
        expected_end=today + timedelta(days=25),
    )
    found = list(alerts.transition_alerts(today))
    assert found
    for a in found:
        assert "varetægt" not in a.title.lower() and "løsladelse" not in a.title.lower()
        assert "forløb, du koordinerer" in a.title


# --------------------------------------------------------------------------------------------
# P1.8 sender role follows the unit; no self-handover; the panel logs what it shows
# --------------------------------------------------------------------------------------------


def test_requester_who_left_the_unit_is_no_longer_sender(
    course: Course, jobcenter_user: User, jobcenter_member: TeamMember, drug_unit: Unit
) -> None:
    h = services.request_handover(
        jobcenter_user, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    assert logic.SENDER in selectors.roles_for(jobcenter_user, h)
    Membership.objects.filter(user=jobcenter_user).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    assert logic.SENDER not in selectors.roles_for(jobcenter_user, h)


def test_requester_cannot_accept_own_handover_in_other_unit(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    Membership.objects.create(user=coordinator, unit=drug_unit, role="fagperson")
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="henvist",
        reason="Hjælp",
        to_unit_id=drug_unit.pk,
        from_unit_id=course.coordinator_unit.pk,
    )
    with pytest.raises(logic.NotPermittedError):
        services.act(coordinator, handover_id=h.pk, action=logic.ACCEPT)


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


# --------------------------------------------------------------------------------------------
# P2.9 implausible dates are refused, never a crash
# --------------------------------------------------------------------------------------------


def test_year_one_stay_is_refused_in_service_and_form(course: Course, coordinator: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.record_stay(
            coordinator,
            course_id=course.pk,
            kind="faengsel",
            start_date=date(1, 1, 1),
            expected_end=date(1, 1, 2),
        )
    assert "start_date" in exc.value.message_dict
    client = Client()
    client.force_login(coordinator)
    r = client.post(
        f"/forloeb/{course.pk}/ophold/ny/",
        {"kind": "faengsel", "start_date": "01.01.0001", "expected_end": "02.01.0001"},
    )
    assert r.status_code == 422
    assert "1900" in r.content.decode()
    assert client.get(f"/forloeb/{course.pk}/overdragelser/").status_code == 200


def test_stay_transitions_clamp_a_year_one_end() -> None:
    facts = [logic.StayFacts("s", "faengsel", date(1, 1, 2), None)]
    (t,) = logic.stay_transitions(facts)
    assert t.alert_from == date.min


# --------------------------------------------------------------------------------------------
# P2.10 two open handovers of the same thing to the same unit cannot both exist
# --------------------------------------------------------------------------------------------


def test_database_refuses_a_duplicate_open_handover(
    health_handover: Handover, coordinator: User
) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            course=health_handover.course,
            measure=health_handover.measure,
            from_unit=health_handover.from_unit,
            to_unit=health_handover.to_unit,
            mode="henvist",
            reason="igen",
            requested_at=timezone.now(),
            requested_by=coordinator,
        )
    whole = services.request_handover(
        coordinator,
        course_id=health_handover.course_id,
        mode="henvist",
        reason="Hele",
        to_unit_id=health_handover.to_unit_id,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            course=whole.course,
            measure=None,
            from_unit=whole.from_unit,
            to_unit=whole.to_unit,
            mode="henvist",
            reason="igen",
            requested_at=timezone.now(),
            requested_by=coordinator,
        )


# --------------------------------------------------------------------------------------------
# P2.11 a measure with a handover is not silently widened to the whole course
# --------------------------------------------------------------------------------------------


def test_deleting_the_measure_keeps_the_handover_about_that_measure(
    health_handover: Handover,
) -> None:
    measure_id = health_handover.measure_id
    from helhed.courses.models import Measure

    Measure.objects.filter(pk=measure_id).delete()
    health_handover.refresh_from_db()
    assert health_handover.measure_id == measure_id
    assert health_handover.measure_title == "Metadonbehandling"
    assert health_handover.measure_category == "health"


# --------------------------------------------------------------------------------------------
# P2.12 a stay cannot end in the future; ending someone else's stay is 403
# --------------------------------------------------------------------------------------------


def test_stay_cannot_end_in_the_future(course: Course, coordinator: User) -> None:
    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as exc:
        services.end_stay(coordinator, stay_id=stay.pk, actual_end=today + timedelta(days=1))
    assert "actual_end" in exc.value.message_dict


def test_outsider_ending_a_stay_gets_403_not_a_redirect(
    course: Course, coordinator: User, outsider_user: User
) -> None:
    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=10),
        expected_end=today + timedelta(days=10),
    )
    client = Client()
    client.force_login(outsider_user)
    r = client.post(f"/ophold/{stay.pk}/afslut/", {"actual_end": "bad"})
    assert r.status_code == 403


# --------------------------------------------------------------------------------------------
# P4 / 16 timeliness: gaps in one SQL query, equal to logic.gaps; clipped at today
# --------------------------------------------------------------------------------------------

measure_spec = st.tuples(
    st.integers(min_value=-60, max_value=40),  # start, days from today
    st.one_of(st.none(), st.integers(min_value=0, max_value=30)),  # length (None: no end)
    st.sampled_from(["aktiv", "afsluttet", "annulleret", "planlagt"]),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=30)),  # expected end - start
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(st.lists(measure_spec, max_size=5), min_size=1, max_size=3),
    closed=st.lists(st.booleans(), min_size=3, max_size=3),
    ends=st.lists(st.one_of(st.none(), st.integers(-30, 10)), min_size=3, max_size=3),
)
def test_sql_gap_figures_equal_logic_gaps(
    course: Course,
    coordinator: User,
    specs: list[list[tuple[int, int | None, str, int | None]]],
    closed: list[bool],
    ends: list[int | None],
) -> None:
    from helhed.courses.models import Measure, Plan

    today = timezone.localdate()
    courses = list(Course.objects.filter(initiative=course.initiative).order_by("created_at"))
    while len(courses) < 3:
        courses.append(other_course(coordinator, course))
    Measure.objects.filter(plan__course__in=courses).delete()
    for i, (c, measures) in enumerate(zip(courses, specs + [[]] * 3, strict=False)):
        Course.objects.filter(pk=c.pk).update(
            status="afsluttet" if closed[i] else "aktiv",
            closing_reason="Flyttet" if closed[i] else "",
            end_date=today + timedelta(days=ends[i]) if ends[i] is not None else None,
        )
        plan = Plan.objects.get(course=c)
        for start, length, status, expected in measures:
            s = today + timedelta(days=start)
            Measure.objects.create(
                plan=plan,
                title="M",
                welfare_area_id="beskaeftigelse",
                legal_basis_id="lab-187",
                organisation=c.coordinator_unit.organisation,
                start_date=s,
                end_date=s + timedelta(days=length) if length is not None else None,
                expected_end=s + timedelta(days=expected) if expected is not None else None,
                status=status,
                budget_area="beskaeftigelse",
            )
    ids = [c.pk for c in courses]
    sql = selectors.gap_figures_sql(ids, today)
    periods = selectors.measure_periods(ids)
    for c in Course.objects.filter(pk__in=ids):
        if not periods.get(c.pk):
            assert c.pk not in sql  # no dated measures: no figure, not 0
            assert selectors.timeliness_for([c.pk])[c.pk]["gap_days_total"] is None
            continue
        until = selectors._gap_until(c.status, c.end_date, today)
        expected_figures = logic.gap_figures(logic.gaps(periods[c.pk], until=until), today)
        assert sql[c.pk] == expected_figures


def test_future_planned_measure_counts_no_days_that_have_not_happened(
    course: Course, coordinator: User
) -> None:
    today = timezone.localdate()
    add_measure(coordinator, course, today - timedelta(days=20), today - timedelta(days=11))
    add_measure(coordinator, course, today + timedelta(days=30), None, status="planlagt")
    figures = selectors.timeliness_for([course.pk])[course.pk]
    # from the day after the first measure ended up to and including today; not the 29 days
    # after today before the planned measure starts
    assert figures["gap_days_total"] == 11
    assert figures["gap_days_longest"] == 11


def test_course_without_measures_has_no_gap_figure(course: Course) -> None:
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["gap_days_total"] is None and figures["gap_days_longest"] is None


def test_acknowledgement_hours_use_the_first_acknowledgement(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(hours=30))
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED)
    services.act(
        drug_user, handover_id=h.pk, action=logic.ACCEPT
    )  # a later acknowledgement does not count
    figures = selectors.timeliness_for([course.pk])[course.pk]
    assert figures["handover_ack_hours"] == 30.0
    assert figures["handovers_waiting"] == 0


# --------------------------------------------------------------------------------------------
# P3.13 after "did not arrive" the wait starts again (rows and alerts, calendar days)
# --------------------------------------------------------------------------------------------


def test_reopened_handover_waits_from_the_reopening(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    Handover.objects.filter(pk=h.pk).update(requested_at=timezone.now() - timedelta(days=40))
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED)
    (row,) = selectors.waiting_for_my_units(drug_user)
    assert row.days_waiting == 0 and not row.overdue
    today = timezone.localdate()
    assert not [a for a in alerts.handover_alerts(today) if str(h.pk) in a.url]
    later = [a for a in alerts.handover_alerts(today + timedelta(days=3)) if str(h.pk) in a.url]
    assert later  # three calendar days after the reopening it escalates


# --------------------------------------------------------------------------------------------
# P3.14 escalation reaches the receiving unit, then its leader
# --------------------------------------------------------------------------------------------


def test_escalation_reaches_receiving_unit_then_its_leader(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    make_user: Callable[..., User],
) -> None:
    boss = make_user("leder", drug_unit, first_name="Bo", last_name="Leder")
    h = services.request_handover(
        coordinator, course_id=course.pk, mode="henvist", reason="Hjælp", to_unit_id=drug_unit.pk
    )
    today = timezone.localdate()
    first = [a for a in alerts.handover_alerts(today + timedelta(days=3)) if str(h.pk) in a.url]
    recipients = {a.recipient_id for a in first}
    assert {coordinator.pk, drug_user.pk, boss.pk} <= recipients
    assert all(":1" in a.dedupe_key for a in first)
    second = [a for a in alerts.handover_alerts(today + timedelta(days=6)) if str(h.pk) in a.url]
    level2 = [a for a in second if a.dedupe_key.endswith(":2")]
    assert {a.recipient_id for a in level2} == {boss.pk}


# --------------------------------------------------------------------------------------------
# P3.17 an unplanned early release with nothing to take over tells the coordinator
# --------------------------------------------------------------------------------------------


def test_early_release_without_a_next_measure_notifies_coordinator(
    course: Course, coordinator: User, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    from helhed.notifications.models import Notification

    today = timezone.localdate()
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=20),
        expected_end=today + timedelta(days=30),
    )
    services.end_stay(jobcenter_user, stay_id=stay.pk, actual_end=today - timedelta(days=1))
    (n,) = Notification.objects.filter(recipient=coordinator, title__contains="tidligere")
    assert "anbringelse" not in (n.title + n.body).lower()
    assert n.url.endswith(f"/forloeb/{course.pk}/overdragelser/")


def test_early_release_covered_by_a_measure_is_quiet(
    course: Course, coordinator: User, jobcenter_user: User, jobcenter_member: TeamMember
) -> None:
    from helhed.notifications.models import Notification

    today = timezone.localdate()
    add_measure(coordinator, course, today - timedelta(days=5), None)
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="anbringelse",
        start_date=today - timedelta(days=20),
        expected_end=today + timedelta(days=30),
    )
    services.end_stay(jobcenter_user, stay_id=stay.pk, actual_end=today - timedelta(days=1))
    assert not Notification.objects.filter(recipient=coordinator, title__contains="tidligere")
