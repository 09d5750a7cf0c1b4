"""Writes: the whole life of a handover to the municipal drug treatment unit, the "don't let go"
rule, closed loop, and bad input (same unit, acknowledging twice, declining without a reason …)
refused with field-level errors and nothing half-written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.courses.models import Course
from helhed.handovers import logic, services
from helhed.handovers.models import Handover, HandoverEvent, InstitutionalStay
from helhed.notifications.models import Notification

pytestmark = pytest.mark.django_db


def request(coordinator: User, course: Course, to: Unit, **extra: object) -> Handover:
    return services.request_handover(
        coordinator,
        course_id=course.pk,
        mode=str(extra.pop("mode", "henvist")),
        reason=str(extra.pop("reason", "Behandling for hashmisbrug")),
        to_unit_id=to.pk,
        **extra,  # type: ignore[arg-type]
    )


def test_sender_stays_responsible_until_receiver_knows_the_situation(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    assert h.status == "requested" and h.responsible_side == logic.SENDER
    assert h.from_unit_id == course.coordinator_unit_id
    h = services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    assert h.status == "accepted" and h.acknowledged_at is not None
    assert h.responsible_side == logic.SENDER  # acknowledged is not enough
    h = services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    assert h.status == "in-progress" and h.responsible_side == logic.RECEIVER
    h = services.act(drug_user, handover_id=h.pk, action=logic.ARRIVED)
    assert h.status == "completed" and h.arrival == "moedt" and h.closed_at is not None
    assert list(h.events.values_list("action", flat=True)) == [
        "create",
        "accept",
        "confirm",
        "arrived",
    ]


def test_did_not_arrive_reopens_and_puts_responsibility_back_on_sender(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    h = services.act(drug_user, handover_id=h.pk, action=logic.NOT_ARRIVED, note="Udeblev to gange")
    assert h.status == "requested" and h.responsible_side == logic.SENDER
    assert h.arrival == "ikke-moedt" and h.reopened_count == 1
    assert h.acknowledged_at is None and h.knows_situation_at is None
    alert = Notification.objects.get(recipient=coordinator, kind="varsel")
    assert "ikke op" in alert.title and str(h.pk) in alert.url
    # the receiver may acknowledge again (e.g. a new appointment is made)
    h = services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    assert h.status == "accepted"


def test_coordinator_may_report_arrival(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    assert services.act(coordinator, handover_id=h.pk, action=logic.ARRIVED).status == "completed"


def test_request_notifies_receiving_unit_without_personal_data(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    n = Notification.objects.get(recipient=drug_user)
    assert n.kind == "overdragelse" and n.url == f"/overdragelser/{h.pk}/"
    citizen = course.citizen
    for text in (n.title, n.body):
        assert citizen.first_name not in text and citizen.last_name not in text
        assert citizen.cpr[:6] not in text


def test_handover_to_the_same_unit_is_refused(
    course: Course, coordinator: User, coordinator_unit: Unit
) -> None:
    with pytest.raises(ValidationError) as exc:
        request(coordinator, course, coordinator_unit)
    assert "samme enhed" in exc.value.message_dict["to_unit_id"][0]
    assert not Handover.objects.exists() and not HandoverEvent.objects.exists()


def test_acknowledging_twice_is_refused_and_changes_nothing(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    first = services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    with pytest.raises(logic.IllegalTransitionError, match="allerede kvitteret"):
        services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    h.refresh_from_db()
    assert h.acknowledged_at == first.acknowledged_at
    assert h.events.filter(action="accept").count() == 1


def test_declining_needs_a_reason(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    with pytest.raises(ValidationError) as exc:
        services.act(drug_user, handover_id=h.pk, action=logic.DECLINE, reason="   ")
    assert "reason" in exc.value.message_dict
    h.refresh_from_db()
    assert h.status == "requested" and h.events.count() == 1
    h = services.act(
        drug_user, handover_id=h.pk, action=logic.DECLINE, reason="Ingen ledig plads før marts"
    )
    assert h.status == "rejected" and h.decline_reason == "Ingen ledig plads før marts"
    assert h.responsible_side == logic.SENDER
    assert Notification.objects.filter(recipient=coordinator, title="Overdragelse afvist").exists()


def test_only_the_receiver_acknowledges_and_only_the_sender_revokes(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User, jobcenter_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    with pytest.raises(logic.NotPermittedError):
        services.act(
            coordinator, handover_id=h.pk, action=logic.ACCEPT
        )  # the sender cannot acknowledge for them
    with pytest.raises(logic.NotPermittedError):
        services.act(drug_user, handover_id=h.pk, action=logic.REVOKE)
    with pytest.raises(PermissionDenied):  # on the team, but no part in this handover
        services.act(jobcenter_user, handover_id=h.pk, action=logic.ACCEPT)
    h = services.act(coordinator, handover_id=h.pk, action=logic.REVOKE, reason="Borgeren flytter")
    assert h.status == "cancelled"
    assert Notification.objects.filter(recipient=drug_user, title__contains="trukket").exists()


def test_revoke_after_receiver_took_over_is_refused(
    course: Course, coordinator: User, drug_unit: Unit, drug_user: User
) -> None:
    h = request(coordinator, course, drug_unit)
    services.act(drug_user, handover_id=h.pk, action=logic.ACCEPT)
    services.act(drug_user, handover_id=h.pk, action=logic.CONFIRM)
    with pytest.raises(logic.IllegalTransitionError):
        services.act(coordinator, handover_id=h.pk, action=logic.REVOKE)


def test_external_receiver_is_tracked_and_sender_records_answers(
    course: Course, coordinator: User
) -> None:
    h = services.request_handover(
        coordinator,
        course_id=course.pk,
        mode="ledsaget",
        reason="Privat psykolog",
        external_organisation="Psykologhuset Fyn",
        external_contact="Lise, 66 11 22 33",
    )
    assert h.is_external and h.receiver_name == "Psykologhuset Fyn"
    with pytest.raises(ValidationError) as exc:
        services.act(coordinator, handover_id=h.pk, action=logic.ACCEPT)
    assert "answered_by" in exc.value.message_dict
    h = services.act(coordinator, handover_id=h.pk, action=logic.ACCEPT, answered_by="Lise Holm")
    assert h.acknowledged_by_name == "Lise Holm"
    h = services.act(coordinator, handover_id=h.pk, action=logic.CONFIRM, answered_by="Lise Holm")
    assert h.responsible_side == logic.RECEIVER


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"to_unit_id": None}, "to_unit_id"),
        ({"reason": ""}, "reason"),
        ({"mode": "teleport"}, "mode"),
        ({"to_unit_id": None, "external_organisation": "Privat tilbud"}, "external_contact"),
    ],
)
def test_bad_input_gets_field_errors(
    course: Course, coordinator: User, drug_unit: Unit, kwargs: dict, field: str
) -> None:
    args = {"mode": "henvist", "reason": "Behandling", "to_unit_id": drug_unit.pk, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.request_handover(coordinator, course_id=course.pk, **args)
    assert field in exc.value.message_dict
    assert not Handover.objects.exists()


def test_both_unit_and_external_receiver_is_refused(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    with pytest.raises(ValidationError) as exc:
        request(coordinator, course, drug_unit, external_organisation="Noget andet")
    assert "external_organisation" in exc.value.message_dict


def test_a_second_open_handover_to_the_same_unit_is_refused(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    request(coordinator, course, drug_unit)
    with pytest.raises(ValidationError) as exc:
        request(coordinator, course, drug_unit)
    assert "åben overdragelse" in exc.value.message_dict["to_unit_id"][0]
    assert Handover.objects.count() == 1


def test_outsider_cannot_request(course: Course, outsider_user: User, drug_unit: Unit) -> None:
    with pytest.raises(PermissionDenied):
        request(outsider_user, course, drug_unit)


def test_team_member_hands_over_from_own_unit_only(
    course: Course,
    jobcenter_user: User,
    jobcenter_unit: Unit,
    coordinator_unit: Unit,
    drug_unit: Unit,
) -> None:
    h = request(jobcenter_user, course, drug_unit)
    assert h.from_unit_id == jobcenter_unit.pk
    with pytest.raises(ValidationError) as exc:
        request(jobcenter_user, course, drug_unit, from_unit_id=coordinator_unit.pk)
    assert "from_unit_id" in exc.value.message_dict


def test_stays_validate_dates_and_consent(
    course: Course, coordinator: User, jobcenter_user: User
) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.record_stay(
            coordinator,
            course_id=course.pk,
            kind="varetaegt",
            start_date=today,
            expected_end=today - timedelta(days=1),
        )
    assert "expected_end" in exc.value.message_dict
    stay = services.record_stay(
        coordinator,
        course_id=course.pk,
        kind="varetaegt",
        start_date=today,
        expected_end=today + timedelta(days=40),
    )
    assert stay.data_category == "crime"
    # the jobcenter's consent does not cover crime data: it may not record custody
    with pytest.raises(PermissionDenied):
        services.record_stay(
            jobcenter_user,
            course_id=course.pk,
            kind="faengsel",
            start_date=today,
            expected_end=today,
        )
    with pytest.raises(ValidationError):  # not in the future
        services.end_stay(coordinator, stay_id=stay.pk, actual_end=today + timedelta(days=2))
    services.end_stay(coordinator, stay_id=stay.pk, actual_end=today)
    with pytest.raises(ValidationError):
        services.end_stay(coordinator, stay_id=stay.pk, actual_end=today)
    assert InstitutionalStay.objects.get().actual_end == today


def test_measure_of_another_course_is_refused_like_one_that_does_not_exist(
    course: Course, coordinator: User, drug_unit: Unit
) -> None:
    """The service takes ids: another course's measure is refused as an unknown id is (403, no
    existence oracle), as the API always answered."""
    from tests.handovers.builders import add_measure, other_course

    other = other_course(coordinator, course)
    m = add_measure(coordinator, other, date(2026, 1, 1), None)
    with pytest.raises(PermissionDenied):
        request(coordinator, course, drug_unit, measure_id=m.pk)
    assert not Handover.objects.exists()
