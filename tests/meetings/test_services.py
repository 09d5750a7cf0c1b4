"""Meetings, minutes, tasks, recommendations and rulings through the services: the happy path
and every piece of bad input the issue names (nothing half-written)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from helhed.core.models import User
from helhed.courses.models import BudgetArea, Course, LegalBasis, Measure, TeamMember
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import (
    Decision,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantKind,
    Recommendation,
    Ruling,
    Task,
)
from helhed.notifications.models import Notification
from helhed.ops.worker import run_pending_tasks
from tests.meetings.conftest import at, happened

pytestmark = pytest.mark.django_db


def answer_all(user: User, meeting: Meeting, answer: str = "ja") -> None:
    services.answer_availability(
        user,
        meeting_id=meeting.pk,
        answers={
            (p.pk, t.pk): answer
            for p in meeting.participants.all()
            for t in meeting.proposed_times.all()
        },
    )


def test_meeting_without_participants_is_refused(course: Course, coordinator: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(
            coordinator,
            course_id=course.pk,
            purpose="Møde",
            place="Rådhuset",
            include_citizen=False,
            proposed_times=[at(3)],
        )
    assert "participants" in exc.value.message_dict
    assert not Meeting.objects.exists()


def test_meeting_needs_purpose_place_and_future_times(
    course: Course, coordinator: User, coordinator_member: TeamMember
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_meeting(
            coordinator,
            course_id=course.pk,
            purpose=" ",
            team_member_ids=[coordinator_member.pk],
            proposed_times=[at(-1)],
        )
    assert set(exc.value.message_dict) == {"purpose", "place", "proposed_times"}
    assert not Meeting.objects.exists()


def test_meeting_invites_team_members_without_personal_data(
    meeting: Meeting, jobcenter_user: User, coordinator: User
) -> None:
    kinds = set(meeting.participants.values_list("kind", flat=True))
    assert kinds == {ParticipantKind.TEAM, ParticipantKind.CITIZEN}
    invitation = Notification.objects.get(recipient=jobcenter_user)
    assert "Mette" not in invitation.title + invitation.body
    assert not Notification.objects.filter(recipient=coordinator).exists()


def test_common_time_then_choose_it(meeting: Meeting, coordinator: User) -> None:
    times = list(meeting.proposed_times.all())
    citizen = meeting.participants.get(kind=ParticipantKind.CITIZEN)
    answer_all(coordinator, meeting)
    services.answer_availability(
        coordinator, meeting_id=meeting.pk, answers={(citizen.pk, times[0].pk): "nej"}
    )
    common = selectors.common_time(meeting)
    assert common.time is not None and common.time.key == times[1].pk
    services.choose_time(coordinator, meeting_id=meeting.pk, proposed_time_id=times[1].pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.starts_at == times[1].starts_at


def test_a_participant_answers_only_for_themself(
    meeting: Meeting, jobcenter_user: User, outsider_user: User
) -> None:
    # The jobcenter professional has plan access, so may enter answers; an outsider may not.
    with pytest.raises(PermissionDenied):
        answer_all(outsider_user, meeting)
    with pytest.raises(ValidationError):
        services.answer_availability(
            jobcenter_user,
            meeting_id=meeting.pk,
            answers={
                (meeting.participants.first().pk, meeting.proposed_times.first().pk): "kanskje"
            },
        )


def test_task_without_owner_is_refused_and_nothing_is_written(
    meeting: Meeting, coordinator: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_decision(
            coordinator,
            meeting_id=meeting.pk,
            text="Mette får en mentor",
            tasks=[
                logic.TaskSpec(title="Søg mentor", owner_id=None, due_date=timezone.localdate())
            ],
        )
    assert "task_owner" in exc.value.message_dict
    assert not Decision.objects.exists() and not Task.objects.exists()


def test_decision_with_task_notifies_owner_and_records_who_pays(
    meeting: Meeting, coordinator: User, jobcenter_user: User, measure: Measure
) -> None:
    owner = meeting.participants.get(user=jobcenter_user)
    Notification.objects.all().delete()
    decision = services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Jobcentret betaler mentor",
        payer=BudgetArea.EMPLOYMENT,
        measure_id=measure.pk,
        tasks=[
            logic.TaskSpec(
                title="Bevilg mentor",
                owner_id=owner.pk,
                due_date=timezone.localdate() + timedelta(days=14),
                measure_id=measure.pk,
            )
        ],
    )
    task = decision.tasks.get()
    assert task.owner_user == jobcenter_user and task.measure == measure
    assert decision.get_payer_display() == BudgetArea.EMPLOYMENT.label
    note = Notification.objects.get(recipient=jobcenter_user)
    assert note.kind == "opgave" and "Mette" not in note.title + note.body


def test_closing_minutes_without_next_date_is_refused(meeting: Meeting, coordinator: User) -> None:
    meeting = happened(meeting, coordinator)
    with pytest.raises(ValidationError) as exc:
        services.save_minutes(
            coordinator,
            meeting_id=meeting.pk,
            close=True,
            citizen_present=True,
            problem_focus="Bolig",
        )
    assert "next_meeting_date" in exc.value.message_dict
    meeting.refresh_from_db()
    assert meeting.minutes_closed_at is None and meeting.problem_focus == ""
    assert Meeting.objects.count() == 1


def test_closing_minutes_plans_next_meeting(
    meeting: Meeting, coordinator: User, coordinator_member: TeamMember
) -> None:
    meeting = happened(meeting, coordinator)
    next_date = timezone.localdate() + timedelta(days=30)
    services.save_minutes(
        coordinator,
        meeting_id=meeting.pk,
        close=True,
        citizen_present=True,
        problem_focus="Mette mangler en bolig",
        plain_summary="Vi hjælper dig med at finde en bolig.",
        coordinated_by_id=coordinator_member.pk,
        keeps_in_step_id=coordinator_member.pk,
        next_meeting_date=next_date,
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.minutes_closed
    follow_up = meeting.next_meeting
    assert follow_up is not None and follow_up.status == MeetingStatus.SCHEDULED
    assert timezone.localtime(follow_up.starts_at).date() == next_date
    assert follow_up.participants.count() == meeting.participants.count()
    with pytest.raises(ValidationError):
        services.save_minutes(
            coordinator, meeting_id=meeting.pk, close=True, next_meeting_date=next_date
        )


def test_absent_citizen_needs_a_reason(meeting: Meeting, coordinator: User) -> None:
    meeting = happened(meeting, coordinator)
    with pytest.raises(ValidationError) as exc:
        services.save_minutes(
            coordinator,
            meeting_id=meeting.pk,
            close=True,
            citizen_present=False,
            problem_focus="Bolig",
            next_meeting_date=timezone.localdate() + timedelta(days=30),
        )
    assert set(exc.value.message_dict) == {"citizen_absence_reason"}


@pytest.fixture
def recommendation(
    course: Course, coordinator: User, measure: Measure, jobcenter_unit: object
) -> Recommendation:
    return services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=measure.pk,
        reasoning="Mette har brug for en mentor for at fastholde praktikken.",
        authority_unit_id=jobcenter_unit.pk,
        recommended_on=timezone.localdate() - timedelta(days=10),
    )


def test_deviating_ruling_without_justification_is_refused(
    recommendation: Recommendation, jobcenter_user: User
) -> None:
    basis = LegalBasis.objects.get(pk="lab-187")
    with pytest.raises(ValidationError) as exc:
        services.record_ruling(
            jobcenter_user,
            recommendation_id=recommendation.pk,
            outcome="afslag",
            legal_basis_id=basis.pk,
        )
    assert list(exc.value.message_dict) == ["justification"]
    assert not Ruling.objects.exists()
    ruling = services.record_ruling(
        jobcenter_user,
        recommendation_id=recommendation.pk,
        outcome="afslag",
        legal_basis_id=basis.pk,
        justification="Mentorstøtte gives først efter fire ugers praktik.",
    )
    assert ruling.deviates and ruling.waiting_days == 10


def test_ruling_needs_legal_basis_and_only_once(
    recommendation: Recommendation, jobcenter_user: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.record_ruling(
            jobcenter_user,
            recommendation_id=recommendation.pk,
            outcome="bevilling",
            legal_basis_id=None,
        )
    assert "legal_basis" in exc.value.message_dict
    basis = LegalBasis.objects.get(pk="lab-187")
    ruling = services.record_ruling(
        jobcenter_user,
        recommendation_id=recommendation.pk,
        outcome="bevilling",
        legal_basis_id=basis.pk,
    )
    assert not ruling.deviates and ruling.justification == ""
    with pytest.raises(ValidationError):
        services.record_ruling(
            jobcenter_user,
            recommendation_id=recommendation.pk,
            outcome="bevilling",
            legal_basis_id=basis.pk,
        )


def test_only_the_authority_unit_rules(recommendation: Recommendation, coordinator: User) -> None:
    basis = LegalBasis.objects.get(pk="lab-187")
    with pytest.raises(PermissionDenied):
        services.record_ruling(
            coordinator,
            recommendation_id=recommendation.pk,
            outcome="bevilling",
            legal_basis_id=basis.pk,
        )


def test_recommendation_needs_measure_reasoning_and_authority(
    course: Course, coordinator: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.recommend(
            coordinator, course_id=course.pk, measure_id=None, reasoning="", authority_unit_id=None
        )
    assert set(exc.value.message_dict) == {"measure", "reasoning", "authority_unit"}
    assert not Recommendation.objects.exists()


def test_complete_task_once(meeting: Meeting, coordinator: User, jobcenter_user: User) -> None:
    owner = meeting.participants.get(user=jobcenter_user)
    decision = services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Praktik",
        tasks=[logic.TaskSpec(title="Find praktik", owner_id=owner.pk, due_date=at(10).date())],
    )
    task = decision.tasks.get()
    services.complete_task(jobcenter_user, task_id=task.pk)
    with pytest.raises(ValidationError):
        services.complete_task(jobcenter_user, task_id=task.pk)


def test_participant_kinds(meeting: Meeting) -> None:
    citizen = meeting.participants.get(kind=ParticipantKind.CITIZEN)
    assert citizen.name == "Mette Sørensen" and citizen.required
    assert Participant.objects.filter(meeting=meeting, kind=ParticipantKind.TEAM).count() == 2


def test_restoring_an_older_plan_version_keeps_recommendations_and_task_links(
    recommendation: Recommendation, meeting: Meeting, coordinator: User, measure: Measure
) -> None:
    from helhed.courses import services as course_services
    from helhed.courses.models import Plan

    owner = meeting.participants.filter(kind=ParticipantKind.TEAM).first()
    services.add_decision(
        coordinator,
        meeting_id=meeting.pk,
        text="Mentor",
        tasks=[
            logic.TaskSpec(
                title="Find mentor",
                owner_id=owner.pk,
                due_date=at(10).date(),
                measure_id=measure.pk,
            )
        ],
    )
    plan = Plan.objects.get(pk=measure.plan_id)
    # Restore the version in which the measure was saved (the plan's goals and measures are
    # deleted and recreated with the same ids).
    course_services.restore_version(coordinator, plan.pk, plan.version, plan.version)
    recommendation.refresh_from_db()
    assert recommendation.measure == measure and recommendation.measure_title == "Mentorforløb"
    assert Task.objects.get().measure == measure


def test_recommendation_in_a_category_without_consent_is_hidden(
    course: Course, coordinator: User, jobcenter_user: User, coordinator_unit: object
) -> None:
    from helhed.courses import services as course_services
    from helhed.courses.models import Plan
    from helhed.meetings import selectors

    plan = Plan.objects.get(course=course)
    treatment = course_services.save_measure(
        coordinator,
        plan.pk,
        plan.version,
        title="Psykiatrisk behandling",
        welfare_area_id="psykiatri",
        legal_basis=LegalBasis.objects.get(pk="psyk-13b"),
        organisation=course.coordinator_unit.organisation,
        budget_area=BudgetArea.REGION,
    )
    assert treatment.data_category == "health"
    services.recommend(
        coordinator,
        course_id=course.pk,
        measure_id=treatment.pk,
        reasoning="Behandling først",
        authority_unit_id=coordinator_unit.pk,
    )
    # The consent covers plan, social and economy — not health.
    assert selectors.open_recommendations(jobcenter_user) == []
    assert selectors.course_meetings(jobcenter_user, course.pk).open_recommendations == []
    assert len(selectors.open_recommendations(coordinator)) == 1


def test_invitation_is_also_an_email_without_personal_data(
    course: Course,
    coordinator: User,
    coordinator_member: TeamMember,
    jobcenter_member: TeamMember,
    jobcenter_user: User,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    jobcenter_user.email = "jonas@jobcenter.example"
    jobcenter_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_meeting(
            coordinator,
            course_id=course.pk,
            purpose="Fælles plan",
            place="Rådhuset",
            team_member_ids=[coordinator_member.pk, jobcenter_member.pk],
            proposed_times=[at(4)],
        )
    run_pending_tasks()
    assert [m.to for m in mailoutbox] == [["jonas@jobcenter.example"]]
    text = mailoutbox[0].subject + mailoutbox[0].body
    assert "/moeder/" in text and "Mette" not in text and "Sørensen" not in text
