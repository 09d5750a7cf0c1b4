"""After a no-show (issue 14, "Meetings and handovers"): the sender or the coordinator makes a new
appointment and a new expected date, the history keeps every appointment; an arrival before the
expected date, or while the citizen is in a registered stay, needs an explicit confirmation; in
an escorted handover the escorting worker (the sender) reports the arrival. Page and API go
through the same services; the API answers 422 with the field names. As an attacker: the
receiver, a team member who is no party, another organisation, an ended membership and a
guessed id cannot make a new appointment."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Membership, Unit, User
from helhed.courses.models import Consent, Course
from helhed.handovers import logic, services
from helhed.handovers.models import Handover, HandoverEvent, InstitutionalStay
from helhed.notifications.models import Notification

pytestmark = pytest.mark.django_db
BASE = "/api/handovers"


def dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def no_show(sender: User, course: Course, to_unit: Unit, receiver: User, **extra: Any) -> Handover:
    """A handover the receiver took over, and then the citizen did not arrive."""
    h = services.request_handover(
        sender,
        course_id=course.pk,
        mode=extra.pop("mode", "henvist"),
        reason="Behandling",
        to_unit_id=to_unit.pk,
        **extra,
    )
    services.act(receiver, handover_id=h.pk, action=logic.ACCEPT)
    services.act(receiver, handover_id=h.pk, action=logic.CONFIRM)
    return services.act(receiver, handover_id=h.pk, action=logic.NOT_ARRIVED)


def taken_over(
    sender: User, course: Course, to_unit: Unit, receiver: User, **extra: Any
) -> Handover:
    h = services.request_handover(
        sender,
        course_id=course.pk,
        mode=extra.pop("mode", "henvist"),
        reason="Behandling",
        to_unit_id=to_unit.pk,
        **extra,
    )
    services.act(receiver, handover_id=h.pk, action=logic.ACCEPT)
    return services.act(receiver, handover_id=h.pk, action=logic.CONFIRM)


def api(user: User, url: str, body: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(url, data=json.dumps(body), content_type="application/json")


def field_errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {e["loc"][-1]: e["msg"] for e in response.json()["errors"]}


# --- A new appointment after a no-show --------------------------------------------------------


def test_a_no_show_gets_a_new_appointment_and_the_history_keeps_every_one(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    today = timezone.localdate()
    first = today + timedelta(days=1)
    h = no_show(coordinator, course, drug_unit, drug_user, expected_start=first)
    services.reschedule(
        coordinator,
        handover_id=h.pk,
        appointment_date=today + timedelta(days=7),
        expected_start=today + timedelta(days=9),
        note="Ringet til borgeren",
    )
    services.reschedule(coordinator, handover_id=h.pk, appointment_date=today + timedelta(days=14))
    h.refresh_from_db()
    # The last appointment holds; without an expected date it is the appointment's own day.
    assert (h.appointment_date, h.expected_start) == (today + timedelta(days=14),) * 2
    assert h.status == logic.REQUESTED  # the receiver acknowledges again
    history = list(
        HandoverEvent.objects.filter(handover=h).values_list(
            "action", "appointment_date", "expected_start"
        )
    )
    assert history == [
        ("create", None, first),
        (logic.ACCEPT, None, None),
        (logic.CONFIRM, None, None),
        (logic.NOT_ARRIVED, None, None),
        (logic.RESCHEDULE, today + timedelta(days=7), today + timedelta(days=9)),
        (logic.RESCHEDULE, today + timedelta(days=14), today + timedelta(days=14)),
    ]
    # The course's timeline names the step in Danish, like every other step.
    from helhed.courses.sections import events_for_courses

    labels = {e.label for e in events_for_courses([course.pk]) if e.kind == "handover"}
    assert "Ny aftale efter udeblivelse: Rusmiddelcenter Odense" in labels
    # The receiving unit hears about each new appointment (no citizen named).
    told = Notification.objects.filter(
        recipient=drug_user, dedupe_key__startswith=f"overdragelse-ny-aftale:{h.pk}"
    )
    assert told.count() == 2
    assert "Mette" not in told.first().title + told.first().body  # type: ignore[operator]


def test_a_new_appointment_only_after_a_no_show_and_only_by_the_sender_side(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    in_a_week = timezone.localdate() + timedelta(days=7)
    h = taken_over(coordinator, course, drug_unit, drug_user)
    with pytest.raises(logic.IllegalTransitionError, match="ikke er mødt op"):
        services.reschedule(coordinator, handover_id=h.pk, appointment_date=in_a_week)
    services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED)
    # The receiver is not the one who makes the new appointment.
    with pytest.raises(logic.NotPermittedError):
        services.reschedule(drug_user, handover_id=h.pk, appointment_date=in_a_week)
    assert Handover.objects.get(pk=h.pk).appointment_date is None
    services.act(coordinator, handover_id=h.pk, action=logic.REVOKE)
    with pytest.raises(logic.IllegalTransitionError, match="afsluttet"):
        services.reschedule(coordinator, handover_id=h.pk, appointment_date=in_a_week)


def test_bad_dates_are_field_errors_with_the_apis_names(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    today = timezone.localdate()
    h = no_show(coordinator, course, drug_unit, drug_user)
    cases = [
        ({"appointment_date": None}, "appointment_date", "Angiv datoen for den nye aftale"),
        ({"appointment_date": today - timedelta(days=1)}, "appointment_date", "før i dag"),
        ({"appointment_date": date(1, 1, 1)}, "appointment_date", "mellem år 1900 og 2200"),
        (
            {
                "appointment_date": today + timedelta(days=5),
                "expected_start": today + timedelta(days=4),
            },
            "expected_start",
            f"ikke ligge før aftalen ({dmy(today + timedelta(days=5))})",
        ),
    ]
    for values, field, words in cases:
        with pytest.raises(ValidationError) as caught:
            services.reschedule(coordinator, handover_id=h.pk, **values)
        assert words in " ".join(caught.value.message_dict[field])
    assert not HandoverEvent.objects.filter(handover=h, action=logic.RESCHEDULE).exists()


def test_no_party_another_organisation_an_ended_membership_and_a_guessed_id_are_refused(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    jobcenter_user: User,
    outsider_user: User,
    login: Callable[[User], Client],
) -> None:
    h = no_show(coordinator, course, drug_unit, drug_user)
    in_a_week = timezone.localdate() + timedelta(days=7)
    # A team member who is no party, and a caseworker of another organisation.
    for user in (jobcenter_user, outsider_user):
        with pytest.raises(PermissionDenied):
            services.reschedule(user, handover_id=h.pk, appointment_date=in_a_week)
        response = api(user, f"{BASE}/{h.pk}/reschedule", {"appointment_date": str(in_a_week)})
        assert response.status_code == 403
    # A guessed id: the same answer as an existing handover one is no party to.
    with pytest.raises(PermissionDenied):
        services.reschedule(coordinator, handover_id=uuid.uuid4(), appointment_date=in_a_week)
    page = login(coordinator).post(
        reverse("handovers:reschedule", args=[uuid.uuid4()]),
        {"appointment_date": dmy(in_a_week)},
    )
    assert page.status_code == 403
    # The coordinator whose membership ended yesterday.
    yesterday = timezone.localdate() - timedelta(days=1)
    Membership.objects.filter(user=coordinator).update(
        valid_from=yesterday - timedelta(days=300), valid_to=yesterday
    )
    with pytest.raises(PermissionDenied):
        services.reschedule(coordinator, handover_id=h.pk, appointment_date=in_a_week)
    assert not HandoverEvent.objects.filter(action=logic.RESCHEDULE).exists()


# --- Arrival: the expected date, a registered stay, the escorting worker -----------------------


def test_an_arrival_before_the_expected_date_needs_a_confirmation(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    expected = timezone.localdate() + timedelta(days=5)
    h = taken_over(coordinator, course, drug_unit, drug_user, expected_start=expected)
    with pytest.raises(ValidationError) as caught:
        services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED)
    (message,) = caught.value.message_dict[logic.CONFIRM_ARRIVAL]
    assert f"Borgeren forventes først at møde op {dmy(expected)}." in message
    assert "Jeg bekræfter, at borgeren er mødt op, selv om" in message
    assert Handover.objects.get(pk=h.pk).status == logic.IN_PROGRESS  # nothing written
    done = services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED, confirm_arrival=True)
    assert (done.status, done.arrival) == (logic.COMPLETED, "moedt")


def test_an_appointment_without_an_expected_date_is_the_expected_date(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    appointment = timezone.localdate() + timedelta(days=3)
    h = taken_over(coordinator, course, drug_unit, drug_user, appointment_date=appointment)
    with pytest.raises(ValidationError) as caught:
        services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED)
    assert dmy(appointment) in caught.value.message_dict[logic.CONFIRM_ARRIVAL][0]


def test_an_arrival_during_a_stay_needs_a_confirmation_and_names_only_what_the_reader_may_see(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    drug_consent: Consent,
) -> None:
    today = timezone.localdate()
    h = taken_over(coordinator, course, drug_unit, drug_user)
    custody = InstitutionalStay.objects.create(
        course=course,
        kind="varetaegt",
        start_date=today - timedelta(days=3),
        expected_end=today + timedelta(days=20),
        recorded_by=coordinator,
    )
    # The receiver's consent covers plan and health, not crime: only that there is a stay.
    with pytest.raises(ValidationError) as caught:
        services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED)
    (message,) = caught.value.message_dict[logic.CONFIRM_ARRIVAL]
    assert "registreret i et institutionsophold" in message
    assert "varetægt" not in message.lower()
    assert dmy(custody.expected_end) not in message
    # A psychiatric admission is health data, which travels to the receiver: named.
    custody.actual_end = today
    custody.save()
    InstitutionalStay.objects.create(
        course=course,
        kind="psykiatri",
        start_date=today - timedelta(days=1),
        expected_end=today + timedelta(days=9),
        recorded_by=coordinator,
    )
    with pytest.raises(ValidationError) as caught:
        services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED)
    (message,) = caught.value.message_dict[logic.CONFIRM_ARRIVAL]
    assert (
        "registreret i et ophold: indlæggelse på psykiatrisk afdeling "
        f"(forventet slut {dmy(today + timedelta(days=9))})"
    ) in message
    done = services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED, confirm_arrival=True)
    assert done.status == logic.COMPLETED


def test_a_did_not_arrive_report_needs_no_confirmation(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = taken_over(
        coordinator,
        course,
        drug_unit,
        drug_user,
        expected_start=timezone.localdate() + timedelta(days=5),
    )
    assert services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED).reopened_count == 1


def test_the_escorting_sender_reports_the_arrival_a_referring_one_does_not(
    course: Course, coordinator: User, jobcenter_user: User, drug_unit: Unit, drug_user: User
) -> None:
    referred = taken_over(jobcenter_user, course, drug_unit, drug_user)
    with pytest.raises(logic.NotPermittedError, match="modtagende enhed eller forløbets"):
        services.act(jobcenter_user, handover_id=referred.pk, action=logic.ARRIVED)
    services.act(drug_user, handover_id=referred.pk, action=logic.NOT_ARRIVED)
    services.act(jobcenter_user, handover_id=referred.pk, action=logic.REVOKE)
    escorted = taken_over(jobcenter_user, course, drug_unit, drug_user, mode="ledsaget")
    done = services.act(jobcenter_user, handover_id=escorted.pk, action=logic.ARRIVED)
    assert (done.status, done.arrival) == (logic.COMPLETED, "moedt")
    # The receiving unit and the coordinator hear that the escort reported it.
    told = set(
        Notification.objects.filter(
            dedupe_key__startswith=f"overdragelse-arrived:{escorted.pk}"
        ).values_list("recipient_id", flat=True)
    )
    assert told == {drug_user.pk, coordinator.pk}


# --- Page and API: the same services, the same fields -----------------------------------------


def test_the_api_reschedules_and_refuses_with_field_names(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    today = timezone.localdate()
    h = no_show(coordinator, course, drug_unit, drug_user)
    url = f"{BASE}/{h.pk}/reschedule"
    errors = field_errors(api(coordinator, url, {"appointment_date": str(today - timedelta(1))}))
    assert errors == {"appointment_date": "Den nye aftale kan ikke ligge før i dag."}
    assert api(drug_user, url, {"appointment_date": str(today)}).status_code == 403
    ok = api(coordinator, url, {"appointment_date": str(today), "note": "Ny tid"})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["handover"]["appointment_date"] == str(today)
    assert body["handover"]["expected_start"] == str(today)
    assert body["events"][-1]["action"] == "reschedule"
    assert body["events"][-1]["appointment_date"] == str(today)
    assert body["may_reschedule"] is True  # still a no-show until it is reported otherwise


def test_the_api_asks_for_the_confirmation_on_its_field(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    expected = timezone.localdate() + timedelta(days=2)
    h = taken_over(coordinator, course, drug_unit, drug_user, expected_start=expected)
    url = f"{BASE}/{h.pk}/arrival"
    errors = field_errors(api(drug_user, url, {"arrived": True}))
    assert list(errors) == ["confirm_arrival"]
    assert dmy(expected) in errors["confirm_arrival"]
    ok = api(drug_user, url, {"arrived": True, "confirm_arrival": True})
    assert ok.status_code == 200 and ok.json()["handover"]["status"] == "completed"


def test_the_page_shows_the_new_appointment_form_and_field_errors(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    login: Callable[[User], Client],
) -> None:
    today = timezone.localdate()
    h = no_show(coordinator, course, drug_unit, drug_user)
    client = login(coordinator)
    page = client.get(reverse("handovers:detail", args=[h.pk])).content.decode()
    assert "Ny aftale efter udeblivelse" in page and 'id="reschedule-appointment_date"' in page
    url = reverse("handovers:reschedule", args=[h.pk])
    bad = client.post(
        url,
        {
            "appointment_date": dmy(today + timedelta(3)),
            "expected_start": dmy(today + timedelta(2)),
        },
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "Forventet første fremmøde kan ikke ligge før aftalen" in text
    assert 'href="#reschedule-expected_start"' in text
    good = client.post(url, {"appointment_date": dmy(today + timedelta(3))})
    assert good.status_code == 302
    page = client.get(reverse("handovers:detail", args=[h.pk])).content.decode()
    assert f'<dd id="appointment-date">{dmy(today + timedelta(3))}</dd>' in page
    assert "Ny aftale efter udeblivelse" in page  # in the history too
    # The receiver sees the dates, not the form.
    receiver = login(drug_user).get(reverse("handovers:detail", args=[h.pk])).content.decode()
    assert 'id="reschedule-appointment_date"' not in receiver


def test_the_page_puts_the_confirmation_error_on_the_checkbox(
    course: Course,
    coordinator: User,
    drug_unit: Unit,
    drug_user: User,
    login: Callable[[User], Client],
) -> None:
    expected = timezone.localdate() + timedelta(days=2)
    h = taken_over(coordinator, course, drug_unit, drug_user, expected_start=expected)
    client = login(drug_user)
    url = reverse("handovers:action", args=[h.pk, logic.ARRIVED])
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'id="arrived-confirm_arrival-error"' in text
    assert f"Borgeren forventes først at møde op {dmy(expected)}." in text
    assert client.post(url, {"confirm_arrival": "on"}).status_code == 302
    assert Handover.objects.get(pk=h.pk).status == logic.COMPLETED
