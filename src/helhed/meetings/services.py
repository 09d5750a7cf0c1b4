"""Write operations of meetings: plan a meeting, answer availability, choose the time, write and
close the minutes, register a meeting that took place, record decisions and tasks,
recommendations and rulings.

Every function takes the acting user and then ids and plain values, keyword-only — the page and
the API call the same function with the same values. Each one looks the objects up, checks the
user's rights with the same checks as the reads (``selectors.check_meeting``, ``check_task``,
``check_recommendation``: the course guard, the plan category, and the item rules), validates,
writes in one transaction and notifies: a user may only write what they may see — a decision or
task about a measure they may not see, minutes under a category they may not see, a team member
or unit whose name they may not know, is refused with the same ``PermissionDenied`` (403) as a
read, and so is an id that does not exist or belongs to another course where the object itself
is named in the URL. Bad input raises Django's ``ValidationError`` with field-level messages
named as the API names them. Notifications name what happened and link to the page — never the
citizen.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helhed.audit.models import Purpose
from helhed.core.domain import DomainError
from helhed.core.models import User
from helhed.core.selectors import today
from helhed.courses import selectors as course_selectors
from helhed.courses.logic import CATEGORY_KEYS
from helhed.courses.models import BudgetArea, Goal, Measure, TeamMember
from helhed.courses.restriction import refuse_if_restricted
from helhed.meetings import logic, selectors
from helhed.meetings.models import (
    Answer,
    Availability,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    ParticipantKind,
    ProposedTime,
    Recommendation,
    Ruling,
    RulingOutcome,
    Task,
)
from helhed.notifications.models import NotificationKind
from helhed.notifications.services import notify
from helhed.outbox import services as outbox
from helhed.outbox.models import EventType

PLAN = "plan"
Id = uuid.UUID | str


class DuplicateSubmissionError(DomainError):
    """The same form or request was already received (same user, same idempotency key): a
    double click or a retried request. ``existing`` is what the first submission created (the
    API answers 409 with its id)."""

    status = 409
    title = "Allerede modtaget"

    def __init__(self, message: str, existing: Model | None) -> None:
        super().__init__(message, existing_id=str(existing.pk) if existing is not None else None)
        self.existing = existing


def _already(model: type[Model], user_field: str, user: User, key: str | None) -> None:
    """Refuse a repeated submission of ``key`` by ``user`` (keys are per user: another user's
    key never reveals what they created)."""
    if key is None:
        return
    existing = model._default_manager.filter(**{user_field: user, "idempotency_key": key}).first()
    if existing is not None:
        raise DuplicateSubmissionError(_("Formularen er allerede modtaget."), existing)


def _create_once(
    model: type[Model], user_field: str, user: User, key: str | None, **fields: Any
) -> Any:
    """Create the row; a concurrent twin with the same key becomes a ``DuplicateSubmissionError``
    (not a 500)."""
    try:
        with transaction.atomic():
            return model._default_manager.create(
                **fields, **{user_field: user, "idempotency_key": key}
            )
    except IntegrityError:
        if key is None:
            raise
        raise DuplicateSubmissionError(
            _("Formularen er allerede modtaget."),
            model._default_manager.filter(**{user_field: user, "idempotency_key": key}).first(),
        ) from None


def _uuid(value: Any) -> uuid.UUID | None:
    """An id as it came (a UUID or text), or None for anything that is not one."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _plan_id(access: course_selectors.Access) -> Any:
    plan = getattr(access.course, "plan", None)
    return plan.pk if plan is not None else None


def _meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:meeting_detail", args=[meeting.pk])


# --------------------------------------------------------------------------------------------
# Who takes part: team members, relatives, household members, others — by id
# --------------------------------------------------------------------------------------------


@dataclass
class _People:
    """The participants named by ids, looked up on the course and checked."""

    team: list[TeamMember] = field(default_factory=list)
    relatives: list[Any] = field(default_factory=list)
    family: list[tuple[course_selectors.HouseholdMember, bool]] = field(default_factory=list)
    others: list[logic.OtherPerson] = field(default_factory=list)


def _team_members(
    access: course_selectors.Access, ids: Iterable[Any], errors: dict[str, str]
) -> list[TeamMember]:
    """Team members on the course's team today, by id; one the user may not name is refused
    like a read (403), an id that is not on the team is a field error."""
    team: dict[Any, TeamMember] = {t.pk: t for t in selectors.team_today(access)}
    found = []
    for raw in dict.fromkeys(ids):
        member = team.get(_uuid(raw))
        if member is None:
            errors["team_member_ids"] = _("Kontaktpersonen er ikke på forløbets team.")
            continue
        if not access.sees_member(member):
            raise course_selectors.NoAccessError
        found.append(member)
    return found


def _relatives(
    access: course_selectors.Access, ids: Iterable[Any], errors: dict[str, str]
) -> list[Any]:
    known: dict[Any, Any] = {r.pk: r for r in selectors.relatives_of(access)}
    found = []
    for raw in dict.fromkeys(ids):
        relative = known.get(_uuid(raw))
        if relative is None:
            errors["relative_ids"] = _("Den pårørende hører ikke til borgeren.")
            continue
        found.append(relative)
    return found


def _family(
    user: User,
    access: course_selectors.Access,
    invites: Sequence[logic.FamilyInvite],
    errors: dict[str, str],
) -> list[tuple[course_selectors.HouseholdMember, bool]]:
    """Household members of the course's family (a child, a partner), each required or
    optional; read through the courses selector, which logs the read of each one named."""
    if not invites:
        return []
    wanted = {_uuid(i.citizen_id): i.required for i in invites}
    members = course_selectors.household_members(
        user,
        access,
        "familiemedlem inviteret til møde",
        Purpose.MEETING,
        keep=lambda m: m.pk in wanted,
    )
    if len(members) != len(wanted):
        errors["household_members"] = _("Personen hører ikke til forløbets familie.")
    return [(m, wanted[m.citizen.pk]) for m in members]


def _people(
    user: User,
    access: course_selectors.Access,
    *,
    team_member_ids: Iterable[Any],
    relative_ids: Iterable[Any],
    household_members: Sequence[logic.FamilyInvite],
    others: Sequence[logic.OtherPerson],
    errors: dict[str, str],
) -> _People:
    return _People(
        team=_team_members(access, team_member_ids, errors),
        relatives=_relatives(access, relative_ids, errors),
        family=_family(user, access, household_members, errors),
        others=[o for o in others if o.name.strip()],
    )


def _participants(
    meeting: Meeting, access: course_selectors.Access, people: _People, include_citizen: bool
) -> list[Participant]:
    course = access.course
    result = [
        Participant(
            meeting=meeting,
            kind=ParticipantKind.TEAM,
            team_member=m,
            user_id=m.user_id,
            name=m.name,
            role=m.role,
        )
        for m in people.team
    ]
    if include_citizen:
        result.append(
            Participant(
                meeting=meeting,
                kind=ParticipantKind.CITIZEN,
                user_id=course.citizen.user_id,
                name=course.citizen.full_name,
                role="Borger",
            )
        )
    result += [
        Participant(
            meeting=meeting,
            kind=ParticipantKind.FAMILY,
            household_member_id=m.citizen.pk,
            name=m.citizen.full_name[:200],
            role=logic.family_role(m.age),
            required=required,
        )
        for m, required in people.family
    ]
    result += [
        Participant(
            meeting=meeting,
            kind=ParticipantKind.RELATIVE,
            relative=r,
            name=r.name,
            role=r.relation,
            required=False,
        )
        for r in people.relatives
    ]
    result += [
        Participant(
            meeting=meeting,
            kind=ParticipantKind.OTHER,
            name=o.name.strip()[:200],
            role=o.role.strip()[:120],
            required=False,
        )
        for o in people.others
    ]
    return result


# --------------------------------------------------------------------------------------------
# Planning a meeting
# --------------------------------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    user: User,
    *,
    course_id: Id,
    kind: str = MeetingKind.NETWORK,
    purpose: str,
    place: str = "",
    virtual_link: str = "",
    team_member_ids: Sequence[Id] = (),
    include_citizen: bool = True,
    relative_ids: Sequence[Id] = (),
    household_members: Sequence[logic.FamilyInvite] = (),
    others: Sequence[logic.OtherPerson] = (),
    proposed_times: Sequence[datetime] = (),
    duration_minutes: int = 60,
    idempotency_key: str | None = None,
) -> Meeting:
    """Plan a meeting with its participants and proposed times; invite the team members who
    use Helhed and the citizen if they have a login (a notification without personal data).
    Household members of a family course take part as required ("skal deltage") or optional
    ("kan deltage")."""
    access = selectors.plan_access(user, course_id)
    key = logic.clean_key(idempotency_key)
    _already(Meeting, "created_by", user, key)
    errors: dict[str, str] = {}
    people = _people(
        user,
        access,
        team_member_ids=team_member_ids,
        relative_ids=relative_ids,
        household_members=household_members,
        others=others,
        errors=errors,
    )
    times = sorted(set(proposed_times))
    errors = (
        logic.meeting_errors(
            kind_known=kind in MeetingKind.values,
            purpose=purpose,
            place=place,
            virtual_link=virtual_link,
            has_participants=bool(
                people.team or include_citizen or people.relatives or people.family or people.others
            ),
            times=times,
            now=timezone.now(),
            duration_minutes=duration_minutes,
        )
        | errors
    )
    if errors:
        raise ValidationError(errors)
    meeting = _create_once(
        Meeting,
        "created_by",
        user,
        key,
        course=access.course,
        kind=kind,
        purpose=purpose.strip(),
        place=place.strip(),
        virtual_link=virtual_link.strip(),
        duration_minutes=duration_minutes,
    )
    participants = _participants(meeting, access, people, include_citizen)
    refuse_if_restricted(meeting.course_id)  # bulk writes send no signal
    Participant.objects.bulk_create(participants)
    ProposedTime.objects.bulk_create(ProposedTime(meeting=meeting, starts_at=t) for t in times)
    _invite(
        meeting,
        participants,
        user,
        "Du er inviteret til et møde – svar på tidspunkter",
        citizen_title="Du er inviteret til et møde – sig, hvornår du kan komme",
    )
    return meeting


def _invite(
    meeting: Meeting,
    participants: Iterable[Participant],
    by: User,
    title: str,
    *,
    citizen_title: str = "",
    body: str = "Se mødet, formålet og de foreslåede tidspunkter i Helhed.",
    also: Iterable[Any] = (),
) -> None:
    """Tell the participating team members (and ``also``: more staff user ids) with a link to
    the meeting, and the citizen, if they take part and have a login, with a link to their own
    "Mine møder". Never the acting user; never a name. The texts are stored as they are, in
    Danish, whatever language the acting user reads Helhed in."""
    participants = list(participants)
    staff = {
        p.user_id
        for p in participants
        if p.kind == ParticipantKind.TEAM and p.user_id and p.user_id != by.pk
    } | {u for u in also if u and u != by.pk}
    notify(
        staff,
        kind=NotificationKind.MEETING,
        title=title,
        body=body,
        url=_meeting_url(meeting),
    )
    # The citizen's login as it is now (they may have got one after the meeting was planned).
    citizen_user_id = (
        meeting.course.citizen.user_id
        if any(p.kind == ParticipantKind.CITIZEN for p in participants)
        else None
    )
    if citizen_title and citizen_user_id and citizen_user_id != by.pk:
        notify(
            [citizen_user_id],
            kind=NotificationKind.MEETING,
            title=citizen_title,
            body="Se dine møder i Helhed.",
            url=reverse("meetings:my_meetings"),
        )


def _locked_meeting(
    user: User, meeting_id: Id, *, need_plan: bool = True
) -> tuple[Meeting, course_selectors.Access]:
    """The meeting as it is now, checked like a read and locked: a cancellation or a fixed time
    made since the caller read it is seen, and concurrent writes to the same meeting queue up.
    An id that does not exist is refused like one the user may not see."""
    checked, access = selectors.check_meeting(user, meeting_id, need_plan=need_plan)
    locked = Meeting.objects.select_for_update().get(pk=checked.pk)
    locked.course = access.course
    return locked, access


@transaction.atomic
def answer_availability(
    user: User, *, meeting_id: Id, answers: Mapping[tuple[Any, Any], str]
) -> int:
    """Record answers ``{(participant id, proposed time id): "ja"|"maaske"|"nej"}``. The
    coordinator (or anyone planning the meeting) may enter everyone's answers, e.g. from the
    phone; a participant with a login may answer for themself."""
    meeting, access = _locked_meeting(user, meeting_id, need_plan=False)
    participants = {str(p.pk): p for p in meeting.participants.all()}
    times = {str(t.pk): t for t in meeting.proposed_times.all()}
    if meeting.status not in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED):
        raise ValidationError({"answers": "Mødet er afholdt eller aflyst."})
    may_all = access.may(PLAN)
    rows = []
    for (participant_id, time_id), answer in answers.items():
        participant = participants.get(str(participant_id))
        option = times.get(str(time_id))
        if participant is None or option is None:
            raise ValidationError({"answers": "Deltageren eller tidspunktet hører ikke til mødet."})
        if answer not in Answer.values:
            raise ValidationError({"answers": "Svar ja, måske eller nej."})
        if not may_all and participant.user_id != user.pk:
            raise PermissionDenied("Du kan kun svare for dig selv.")
        rows.append((participant, option, answer))
    _store_answers(rows)
    return len(rows)


def _store_answers(rows: Iterable[tuple[Participant, ProposedTime, str]]) -> None:
    try:
        with transaction.atomic():
            for participant, option, answer in rows:
                Availability.objects.update_or_create(
                    participant=participant, proposed_time=option, defaults={"answer": answer}
                )
    except IntegrityError:  # a concurrent answer to the same time got there first
        raise ValidationError(
            {"answers": _("Svaret blev ændret samtidig af en anden. Prøv igen.")}
        ) from None


@transaction.atomic
def answer_as_citizen(user: User, *, meeting_id: Id, answers: Mapping[Any, str]) -> int:
    """The citizen answers for themself, ``{proposed time id: answer}``, from their own view."""
    if not user.is_authenticated or not user.is_citizen:
        raise course_selectors.NoAccessError
    meeting = selectors.citizen_meeting(user, meeting_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    participant = meeting.participants.filter(kind=ParticipantKind.CITIZEN).first()
    if participant is None:
        raise PermissionDenied("Du er ikke inviteret til dette møde.")
    if meeting.status != MeetingStatus.PLANNING:
        raise ValidationError({"answers": "Tidspunktet for mødet er allerede fastlagt."})
    times = {str(t.pk): t for t in meeting.proposed_times.all()}
    rows = []
    for time_id, answer in answers.items():
        option = times.get(str(time_id))
        if option is None or answer not in Answer.values:
            raise ValidationError({"answers": "Svar ja, måske eller nej til mødets tidspunkter."})
        rows.append((option, answer))
    _store_answers((participant, option, answer) for option, answer in rows)
    return len(rows)


@transaction.atomic
def choose_time(user: User, *, meeting_id: Id, proposed_time_id: Id | None = None) -> Meeting:
    """Fix the meeting at one of its proposed times — None: the earliest time at which everyone
    required has said yes — and tell the participants."""
    meeting, _access = _locked_meeting(user, meeting_id)
    if meeting.status not in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED):
        raise ValidationError({"proposed_time_id": "Mødet er afholdt eller aflyst."})
    if proposed_time_id is None:
        option = _common_time(meeting)
    else:
        found = selectors.meeting_time(meeting, proposed_time_id)
        if found is None:
            raise ValidationError({"proposed_time_id": "Tidspunktet hører ikke til mødet."})
        option = found
    meeting.starts_at = option.starts_at
    meeting.status = MeetingStatus.SCHEDULED
    meeting.save(update_fields=["starts_at", "status"])
    _invite(
        meeting,
        meeting.participants.all(),
        user,
        "Tidspunktet for et møde er fastlagt",
        citizen_title="Tidspunktet for dit møde er fastlagt",
    )
    return meeting


def _common_time(meeting: Meeting) -> ProposedTime:
    common = selectors.common_time(meeting)
    if common.time is None:
        raise ValidationError(
            {
                "proposed_time_id": (
                    "Der er intet tidspunkt, hvor alle, der skal deltage, har svaret ja."
                )
            }
        )
    key: Any = common.time.key  # a proposed time's id
    return meeting.proposed_times.get(pk=key)


@transaction.atomic
def cancel_meeting(user: User, *, meeting_id: Id) -> Meeting:
    meeting, _access = _locked_meeting(user, meeting_id)
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError({"status": "Et afholdt møde kan ikke aflyses."})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("Mødet er allerede aflyst.")})
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    _invite(
        meeting,
        meeting.participants.all(),
        user,
        "Et møde er aflyst",
        citizen_title="Et af dine møder er aflyst",
        body="Se mødet i Helhed.",
    )
    return meeting


# --------------------------------------------------------------------------------------------
# Minutes, decisions, tasks
# --------------------------------------------------------------------------------------------


def _team_member(
    access: course_selectors.Access, member_id: Id | None, field: str, current: Any
) -> TeamMember | None:
    """A team member chosen in the minutes, by id: on the course's team, and one the writer may
    name (the one already chosen may stay, even if the writer may not see who it is)."""
    if member_id is None or member_id == "":
        return None
    members: dict[Any, TeamMember] = {t.pk: t for t in access.course.team.all()}  # prefetched
    member = members.get(_uuid(member_id))
    if member is None:
        raise ValidationError({field: "Personen er ikke på forløbets team."})
    if member.pk != current and not access.sees_member(member):
        raise course_selectors.NoAccessError
    return member


@transaction.atomic
def save_minutes(
    user: User,
    *,
    meeting_id: Id,
    close: bool = False,
    citizen_present: bool | None = None,
    coordinated_by_id: Id | None = None,
    keeps_in_step_id: Id | None = None,
    next_meeting_date: date | None = None,
    present_participant_ids: Iterable[Any] | None = None,
    minutes_category: str | None = None,
    **texts: str,
) -> Meeting:
    """Save the structured minutes; with ``close`` also close them, which needs the next meeting
    date (after this meeting), whether the citizen took part (and why not), and the problem in
    focus. Closing marks the meeting held, plans the follow-up meeting on the next date with the
    same participants, and shares the minutes with the team.

    ``minutes_category`` is who may read the minutes (a data category; None keeps it). Only a
    writer who may see the minutes' category may change them, and only to a category they may
    see themself (else ``PermissionDenied``, as for a read)."""
    meeting, access = _locked_meeting(user, meeting_id)
    if not access.sees_text(meeting.minutes_category):
        raise course_selectors.NoAccessError
    _set_minutes_category(access, meeting, minutes_category)
    _check_minutes_open(meeting)
    _set_minutes_texts(meeting, texts)
    meeting.coordinated_by = _team_member(
        access, coordinated_by_id, "coordinated_by_id", meeting.coordinated_by_id
    )
    meeting.keeps_in_step = _team_member(
        access, keeps_in_step_id, "keeps_in_step_id", meeting.keeps_in_step_id
    )
    meeting.citizen_present = citizen_present
    meeting.next_meeting_date = next_meeting_date
    participants = list(meeting.participants.all())
    _mark_presence(participants, present_participant_ids, citizen_present)
    if close:
        _close_minutes(user, meeting, participants)
    meeting.save()
    return meeting


def _set_minutes_category(
    access: course_selectors.Access, meeting: Meeting, category: str | None
) -> None:
    """File the minutes under ``category`` (None keeps it): one the writer may see themself."""
    if category is None:
        return
    if category not in CATEGORY_KEYS:
        raise ValidationError({"minutes_category": _("Vælg, hvem der må læse referatet.")})
    if not access.sees_text(category):
        raise course_selectors.NoAccessError
    meeting.minutes_category = category


def _check_minutes_open(meeting: Meeting) -> None:
    if meeting.minutes_closed:
        raise ValidationError({"next_meeting_date": "Referatet er allerede lukket."})
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": "Mødet er aflyst."})


def _set_minutes_texts(meeting: Meeting, texts: Mapping[str, str]) -> None:
    for name, value in logic.minutes_texts(texts).items():
        setattr(meeting, name, value)


def _mark_presence(
    participants: list[Participant],
    present_participant_ids: Iterable[Any] | None,
    citizen_present: bool | None,
) -> None:
    """Who took part; "Did the citizen take part?" decides the citizen's own presence, so the
    two never disagree."""
    if present_participant_ids is None and citizen_present is None:
        return
    refuse_if_restricted(participants[0].meeting.course_id if participants else None)
    present = {str(i) for i in present_participant_ids or ()}
    for p in participants:
        if present_participant_ids is not None:
            p.present = str(p.pk) in present
        if p.kind == ParticipantKind.CITIZEN and citizen_present is not None:
            p.present = citizen_present
    Participant.objects.bulk_update(participants, ["present"])


def _close_minutes(user: User, meeting: Meeting, participants: list[Participant]) -> None:
    """Close the minutes: the meeting is held, the follow-up meeting is planned on the next
    date with the same participants, and the minutes are shared with the team."""
    errors = logic.took_place_errors(meeting.starts_at, timezone.now())
    if errors:
        raise ValidationError(errors)
    assert meeting.starts_at is not None
    errors = logic.closing_errors(
        meeting_date=timezone.localtime(meeting.starts_at).date(),
        next_meeting_date=meeting.next_meeting_date,
        citizen_present=meeting.citizen_present,
        citizen_absence_reason=meeting.citizen_absence_reason,
        problem_focus=meeting.problem_focus,
    )
    if errors:
        raise ValidationError(errors)
    assert meeting.next_meeting_date is not None
    meeting.status = MeetingStatus.HELD
    meeting.minutes_closed_at = timezone.now()
    meeting.minutes_closed_by = user
    follow_up = _follow_up(user, meeting, meeting.next_meeting_date)
    refuse_if_restricted(follow_up.course_id)  # bulk writes send no signal
    Participant.objects.bulk_create(
        Participant(
            meeting=follow_up,
            kind=p.kind,
            team_member_id=p.team_member_id,
            relative_id=p.relative_id,
            household_member_id=p.household_member_id,
            user_id=p.user_id,
            name=p.name,
            role=p.role,
            required=p.required,
        )
        for p in participants
    )
    meeting.next_meeting = follow_up
    _invite(
        meeting,
        participants,
        user,
        "Referatet fra et møde er klar",
        citizen_title="Referatet fra dit møde er klar",
        body="Se referatet, beslutningerne og opgaverne i Helhed.",
        also=selectors.current_team_user_ids(meeting.course.pk),
    )


def _follow_up(user: User, meeting: Meeting, on: date) -> Meeting:
    assert meeting.starts_at is not None
    return Meeting.objects.create(
        course=meeting.course,
        kind=MeetingKind.FOLLOW_UP,
        purpose=f"Opfølgning: {meeting.purpose}"[:300],
        place=meeting.place,
        # Only a safe link is carried over (rows from before links were checked).
        virtual_link=meeting.virtual_link if logic.valid_link(meeting.virtual_link) else "",
        status=MeetingStatus.SCHEDULED,
        starts_at=timezone.make_aware(
            datetime.combine(on, timezone.localtime(meeting.starts_at).time())
        ),
        duration_minutes=meeting.duration_minutes,
        # The next meeting continues this one: its minutes are filed the same way until
        # their writer says otherwise.
        minutes_category=meeting.minutes_category,
        created_by=user,
    )


def day_warnings(day: date | None) -> list[str]:
    """Warnings about the date of a next meeting (a weekend, a Danish public holiday), in the
    reader's language."""
    return logic.day_warnings(day, language=get_language() or "da")


# --------------------------------------------------------------------------------------------
# Registering a meeting that took place
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting registered afterwards, and warnings the user should see (the next meeting on a
    weekend or a public holiday) — the registration is saved all the same."""

    meeting: Meeting
    warnings: list[str]


@transaction.atomic
def register_held_meeting(
    user: User,
    *,
    course_id: Id,
    kind: str = MeetingKind.NETWORK,
    purpose: str,
    place: str = "",
    virtual_link: str = "",
    starts_at: datetime | None,
    duration_minutes: int = 60,
    team_member_ids: Sequence[Id] = (),
    relative_ids: Sequence[Id] = (),
    household_members: Sequence[logic.FamilyInvite] = (),
    others: Sequence[logic.OtherPerson] = (),
    citizen_present: bool | None,
    citizen_absence_reason: str = "",
    coordinated_by_id: Id | None = None,
    keeps_in_step_id: Id | None = None,
    next_meeting_date: date | None,
    minutes_category: str | None = None,
    idempotency_key: str | None = None,
    **texts: str,
) -> HeldMeeting:
    """ "Registrér et afholdt møde": a meeting that took place without being planned in Helhed
    (a meeting called at short notice, a phone conference), recorded afterwards in one step —
    when it was, who was there (everyone named took part; the citizen as "Deltog borgeren?"
    says), the minutes, and the next meeting. The minutes are closed at once, as closing them
    after a planned meeting does: the same rules, the follow-up meeting planned on the next date
    with the same participants, the team told. The time must be in the past and not before the
    course began."""
    access = selectors.plan_access(user, course_id)
    key = logic.clean_key(idempotency_key)
    _already(Meeting, "created_by", user, key)
    category = minutes_category or PLAN
    if category not in CATEGORY_KEYS:
        raise ValidationError({"minutes_category": _("Vælg, hvem der må læse referatet.")})
    if not access.sees_text(category):
        raise course_selectors.NoAccessError
    errors: dict[str, str] = {}
    people = _people(
        user,
        access,
        team_member_ids=team_member_ids,
        relative_ids=relative_ids,
        household_members=household_members,
        others=others,
        errors=errors,
    )
    clean_texts = logic.minutes_texts({**texts, "citizen_absence_reason": citizen_absence_reason})
    errors = (
        logic.held_meeting_errors(
            kind_known=kind in MeetingKind.values,
            purpose=purpose,
            place=place,
            virtual_link=virtual_link,
            anyone_present=bool(
                people.team or citizen_present or people.relatives or people.family or people.others
            ),
            starts_at=starts_at,
            meeting_date=timezone.localtime(starts_at).date() if starts_at else None,
            now=timezone.now(),
            course_began=access.course.referred_on,
            today=today(),
            duration_minutes=duration_minutes,
            next_meeting_date=next_meeting_date,
            citizen_present=citizen_present,
            citizen_absence_reason=clean_texts.get("citizen_absence_reason", ""),
            problem_focus=clean_texts.get("problem_focus", ""),
        )
        | errors
    )
    coordinated_by = _chosen_member(access, coordinated_by_id, "coordinated_by_id", errors)
    keeps_in_step = _chosen_member(access, keeps_in_step_id, "keeps_in_step_id", errors)
    if errors:
        raise ValidationError(errors)
    assert starts_at is not None and next_meeting_date is not None
    meeting = _create_once(
        Meeting,
        "created_by",
        user,
        key,
        course=access.course,
        kind=kind,
        purpose=purpose.strip(),
        place=place.strip(),
        virtual_link=virtual_link.strip(),
        duration_minutes=duration_minutes,
        starts_at=starts_at,
        status=MeetingStatus.SCHEDULED,
        minutes_category=category,
        citizen_present=citizen_present,
        coordinated_by=coordinated_by,
        keeps_in_step=keeps_in_step,
        next_meeting_date=next_meeting_date,
        **clean_texts,
    )
    participants = _participants(meeting, access, people, include_citizen=True)
    for p in participants:  # everyone named took part; the citizen as the answer says
        p.present = citizen_present if p.kind == ParticipantKind.CITIZEN else True
    refuse_if_restricted(meeting.course_id)  # bulk writes send no signal
    Participant.objects.bulk_create(participants)
    _close_minutes(user, meeting, participants)
    meeting.save()
    return HeldMeeting(meeting, day_warnings(next_meeting_date))


def _chosen_member(
    access: course_selectors.Access, member_id: Id | None, field: str, errors: dict[str, str]
) -> TeamMember | None:
    try:
        return _team_member(access, member_id, field, None)
    except ValidationError as exc:
        errors[field] = exc.message_dict[field][0]
        return None


# --------------------------------------------------------------------------------------------
# Decisions and tasks
# --------------------------------------------------------------------------------------------


def _plan_measure(
    access: course_selectors.Access, measure_id: Id | None, field: str, errors: dict[str, str]
) -> Measure | None:
    """A measure of the course's plan, by id: one that is not in the plan (or does not exist)
    is a field error, one the user may not see a 403 as for a read."""
    if measure_id is None or measure_id == "":
        return None
    pk = _uuid(measure_id)
    measure = selectors.plan_measure(access, pk) if pk is not None else None
    if measure is None:
        errors[field] = "Indsatsen hører ikke til forløbets plan."
        return None
    if not access.sees(measure):
        raise course_selectors.NoAccessError
    return measure


def _plan_goal(
    access: course_selectors.Access, goal_id: Id | None, errors: dict[str, str]
) -> Goal | None:
    if goal_id is None or goal_id == "":
        return None
    pk = _uuid(goal_id)
    goal = selectors.plan_goal(access, pk) if pk is not None else None
    if goal is None:
        errors["task_goal"] = "Målet hører ikke til forløbets plan."
    return goal


@transaction.atomic
def add_decision(
    user: User,
    *,
    meeting_id: Id,
    text: str,
    payer: str = "",
    measure_id: Id | None = None,
    tasks: Sequence[logic.TaskSpec] = (),
    idempotency_key: str | None = None,
) -> Decision:
    """Record a decision with its tasks (each: title, owner — a participant of the meeting —,
    due date, optional goal and measure of the plan). The owners who use Helhed are notified.

    A decision about a measure is read under the measure's category, the others under the
    minutes': the writer must be able to see it (else ``PermissionDenied``)."""
    meeting, access = _locked_meeting(user, meeting_id)
    errors: dict[str, str] = {}
    measure = _plan_measure(access, measure_id, "measure", errors)
    if measure_id in (None, "") and not access.sees_text(meeting.minutes_category):
        raise course_selectors.NoAccessError  # a decision that is part of the minutes
    key = logic.clean_key(idempotency_key)
    _already(Decision, "created_by", user, key)
    if meeting.minutes_closed:
        errors["text"] = "Referatet er lukket; beslutninger kan ikke tilføjes."
    if not text.strip():
        errors["text"] = "Skriv beslutningen."
    if payer and payer not in BudgetArea.values:
        errors["payer"] = "Vælg et budgetområde."
    if errors:
        raise ValidationError(errors)
    decision = _create_once(
        Decision,
        "created_by",
        user,
        key,
        meeting=meeting,
        text=text.strip(),
        payer=payer,
        measure=measure,
    )
    for spec in tasks:
        _create_task(user, access, decision, meeting, spec)
    outbox.record(
        EventType.DECISION_MADE, course_id=meeting.course_id, data={"decision_id": decision.pk}
    )
    return decision


def _create_task(
    user: User,
    access: course_selectors.Access,
    decision: Decision,
    meeting: Meeting,
    spec: logic.TaskSpec,
) -> Task:
    errors: dict[str, str] = {}
    owner = (
        selectors.meeting_participant(meeting, _uuid(spec.owner_id))
        if spec.owner_id not in (None, "")
        else None
    )
    goal = _plan_goal(access, spec.goal_id, errors)
    measure = _plan_measure(access, spec.measure_id, "task_measure", errors)
    errors |= logic.task_errors(
        title=spec.title,
        has_owner=spec.owner_id not in (None, ""),
        owner_found=owner is not None,
        due_date=spec.due_date,
        meeting_day=selectors.meeting_day(meeting),
    )
    if errors:
        raise ValidationError(errors)
    assert owner is not None and spec.due_date is not None
    task = Task.objects.create(
        course=meeting.course,
        decision=decision,
        title=spec.title.strip(),
        owner=owner,
        owner_user_id=owner.user_id if owner.kind == ParticipantKind.TEAM else None,
        due_date=spec.due_date,
        goal=goal,
        measure=measure,
    )
    _tell_owner(user, task)
    return task


def _tell_owner(user: User, task: Task) -> None:
    """A new task's owner who uses Helhed (and is not the one writing it) is told of it."""
    if task.owner_user_id and task.owner_user_id != user.pk:
        notify(
            [task.owner_user_id],
            kind=NotificationKind.TASK,
            title="Ny opgave fra et møde",
            body=f"Frist {task.due_date:%d.%m.%Y}. Se opgaven i Helhed.",
            url=reverse("meetings:my_tasks"),
        )


@transaction.atomic
def add_task(
    user: User,
    *,
    decision_id: Id,
    title: str,
    owner_id: Id | None,
    due_date: date | None,
    goal_id: Id | None = None,
    measure_id: Id | None = None,
) -> Task:
    """Add a task to a decision: the writer must see the decision (its measure, or the
    minutes)."""
    decision = selectors.decision_or_none(_uuid(decision_id))
    if decision is None:
        raise course_selectors.NoAccessError
    meeting, access = _locked_meeting(user, decision.meeting_id)
    about = selectors.plan_measure(access, decision.measure_id) if decision.measure_id else None
    if about is not None and not access.sees(about):
        raise course_selectors.NoAccessError
    if decision.measure_id is None and not access.sees_text(meeting.minutes_category):
        raise course_selectors.NoAccessError
    return _create_task(
        user,
        access,
        decision,
        meeting,
        logic.TaskSpec(title, owner_id, due_date, goal_id, measure_id),
    )


@transaction.atomic
def complete_task(user: User, *, task_id: Id) -> Task:
    """The owner, or anyone who plans the course and may see the task, marks it done."""
    checked, _access = selectors.check_task(user, task_id)
    task = Task.objects.select_for_update().get(pk=checked.pk)
    if task.done_at is not None:
        raise ValidationError({"done_at": "Opgaven er allerede udført."})
    task.done_at = timezone.now()
    task.done_by = user
    task.save(update_fields=["done_at", "done_by"])
    return task


# --------------------------------------------------------------------------------------------
# A meeting imported with its course (FHIR Encounter and Tasks, docs/integration.md "FHIR")
# --------------------------------------------------------------------------------------------


def _imported_owners(
    user: User,
    access: course_selectors.Access,
    decisions: Sequence[logic.ImportedDecision],
    errors: dict[str, str],
) -> dict[tuple[str, Any, str], Participant]:
    """One (unsaved) participant per distinct task owner: a team member of the course (one the
    writer may name), the citizen, a member of the course's family, or a name."""
    course = access.course
    team: dict[Any, TeamMember] = {t.pk: t for t in access.course.team.all()}
    owners = [t.owner for d in decisions for t in d.tasks]
    wanted = {_uuid(o.member_id) for o in owners if o.kind == ParticipantKind.FAMILY}
    family = {
        m.citizen.pk: m
        for m in (
            course_selectors.household_members(
                user, access, "familiemedlem på importeret møde", Purpose.MEETING,
                keep=lambda c: c.pk in wanted,
            )
            if wanted
            else []
        )
    }  # fmt: skip
    found: dict[tuple[str, Any, str], Participant] = {}
    for owner in owners:
        key = (owner.kind, _uuid(owner.member_id), owner.name.strip())
        if key in found:
            continue
        if owner.kind == ParticipantKind.TEAM:
            member = team.get(key[1])
            if member is None:
                errors["task_owner"] = "Den ansvarlige er ikke på forløbets team."
                continue
            if not access.sees_member(member):
                raise course_selectors.NoAccessError
            found[key] = Participant(
                kind=owner.kind,
                team_member=member,
                user_id=member.user_id,
                name=member.name,
                role=member.role,
            )
        elif owner.kind == ParticipantKind.CITIZEN:
            citizen = course.citizen
            found[key] = Participant(
                kind=owner.kind, user_id=citizen.user_id, name=citizen.full_name, role="Borger"
            )
        elif owner.kind == ParticipantKind.FAMILY:
            relative = family.get(key[1]) if key[1] is not None else None
            if relative is None:
                errors["task_owner"] = "Den ansvarlige hører ikke til forløbets familie."
                continue
            found[key] = Participant(
                kind=owner.kind,
                household_member_id=relative.citizen.pk,
                name=relative.citizen.full_name[:200],
                role=logic.family_role(relative.age),
            )
        elif owner.kind == ParticipantKind.OTHER and key[2]:
            found[key] = Participant(kind=owner.kind, name=key[2][:200], required=False)
        else:
            errors["task_owner"] = "En opgave skal have en ansvarlig."
    return found


def _imported_links(
    access: course_selectors.Access,
    decisions: Sequence[logic.ImportedDecision],
    errors: dict[str, str],
) -> tuple[dict[int, Measure | None], dict[tuple[int, int], tuple[Goal | None, Measure | None]]]:
    """Each decision's measure and each task's goal and measure (of the plan, ones the writer
    may see), by position; the texts and due dates checked."""
    about: dict[int, Measure | None] = {}
    links: dict[tuple[int, int], tuple[Goal | None, Measure | None]] = {}
    for i, d in enumerate(decisions):
        if not d.text.strip():
            errors["text"] = "Skriv beslutningen."
        about[i] = _plan_measure(access, d.measure_id, "measure", errors)
        for j, t in enumerate(d.tasks):
            if not t.title.strip():
                errors["task_title"] = "Skriv opgaven."
            if t.due_date is None:
                errors["task_due_date"] = "Angiv en frist."
            goal = _plan_goal(access, t.goal_id, errors)
            links[i, j] = (goal, _plan_measure(access, t.measure_id, "task_measure", errors))
    return about, links


@transaction.atomic
def import_meeting(
    user: User,
    *,
    course_id: Id,
    kind: str,
    purpose: str,
    status: str,
    starts_at: datetime | None,
    minutes_category: str | None = None,
    decisions: Sequence[logic.ImportedDecision] = (),
) -> Meeting:
    """A meeting as another system had it, with its decisions and their tasks (the FHIR
    import): written in its state there, with the task owners as its participants. The same
    rights as writing one here: the plan, the minutes' category, each measure and each team
    member named must be ones the writer may see. A held meeting's minutes are closed (history:
    no follow-up meeting is planned); an open task's owner who uses Helhed is told, as of a new
    task; a done task is recorded done."""
    access = selectors.plan_access(user, course_id)
    category = minutes_category or PLAN
    if category not in CATEGORY_KEYS:
        raise ValidationError({"minutes_category": "Ukendt kategori for referatet."})
    if not access.sees_text(category):
        raise course_selectors.NoAccessError
    errors: dict[str, str] = {}
    now = timezone.now()
    if kind not in MeetingKind.values:
        errors["kind"] = "Ukendt slags møde."
    if status not in MeetingStatus.values:
        errors["status"] = "Ukendt status for mødet."
    if not purpose.strip():
        errors["purpose"] = "Angiv mødets formål."
    if status == MeetingStatus.HELD and (starts_at is None or starts_at > now):
        errors["starts_at"] = "Et afholdt møde skal have et tidspunkt, der er gået."
    owners = _imported_owners(user, access, decisions, errors)
    about, links = _imported_links(access, decisions, errors)
    if errors:
        raise ValidationError(errors)
    held = status == MeetingStatus.HELD
    meeting = Meeting.objects.create(
        course=access.course,
        kind=kind,
        purpose=purpose.strip()[:300],
        status=status,
        starts_at=starts_at,
        minutes_category=category,
        created_by=user,
        minutes_closed_at=now if held else None,
        minutes_closed_by=user if held else None,
    )
    for p in owners.values():
        p.meeting = meeting
        p.present = True if held else None
    refuse_if_restricted(meeting.course_id)  # bulk writes send no signal
    Participant.objects.bulk_create(owners.values())
    for i, d in enumerate(decisions):
        decision = Decision.objects.create(
            meeting=meeting, text=d.text.strip(), measure=about[i], created_by=user
        )
        for j, t in enumerate(d.tasks):
            owner = owners[(t.owner.kind, _uuid(t.owner.member_id), t.owner.name.strip())]
            assert t.due_date is not None  # checked above
            task = Task.objects.create(
                course=meeting.course,
                decision=decision,
                title=t.title.strip()[:300],
                owner=owner,
                owner_user_id=owner.user_id if owner.kind == ParticipantKind.TEAM else None,
                due_date=t.due_date,
                goal=links[i, j][0],
                measure=links[i, j][1],
                done_at=t.done_at,
            )
            if task.done_at is None:
                _tell_owner(user, task)
    return meeting


# --------------------------------------------------------------------------------------------
# Recommendations and rulings
# --------------------------------------------------------------------------------------------


@transaction.atomic
def recommend(
    user: User,
    *,
    course_id: Id,
    measure_id: Id | None,
    recommends: str = RulingOutcome.GRANTED,
    reasoning: str,
    authority_unit_id: Id | None,
    recommended_on: date | None = None,
    idempotency_key: str | None = None,
) -> Recommendation:
    """Recommend a measure to a unit on the course's team, which decides; its current staff are
    notified."""
    access = selectors.plan_access(user, course_id)
    key = logic.clean_key(idempotency_key)
    _already(Recommendation, "recommended_by", user, key)
    on = recommended_on or today()
    errors: dict[str, str] = {}
    measure = _plan_measure(access, measure_id, "measure", errors)
    if measure_id in (None, ""):
        errors["measure"] = "Vælg den indsats, indstillingen gælder."
    if recommends not in RulingOutcome.values:
        errors["recommends"] = "Vælg bevilling, afslag eller delvis bevilling."
    if not reasoning.strip():
        errors["reasoning"] = "Skriv den faglige begrundelse for indstillingen."
    unit = None
    if authority_unit_id in (None, ""):
        errors["authority_unit"] = "Vælg den enhed, der træffer afgørelsen."
    else:
        unit = selectors.unit_or_none(_uuid(authority_unit_id))
        if unit is None:
            errors["authority_unit"] = "Enheden findes ikke."
        elif unit.pk not in selectors.team_units(access.course.pk):
            errors["authority_unit"] = _(
                "Enheden er ikke på forløbets team. Vælg en af teamets enheder."
            )
        elif not selectors.sees_unit(access, unit):
            # a unit whose name the user may not know is on the team
            raise course_selectors.NoAccessError
        elif measure is not None and not selectors.unit_sees_measure(access, unit, measure):
            # Sending the recommendation would show the measure to a unit the consent does
            # not cover for it.
            errors["authority_unit"] = _(
                "Borgerens samtykke giver ikke den enhed adgang til indsatsen. Vælg en enhed, "
                "der må se den."
            )
    if on > today():
        errors["recommended_on"] = "Datoen kan ikke ligge i fremtiden."
    if errors:
        raise ValidationError(errors)
    assert measure is not None and unit is not None
    rec = _create_once(
        Recommendation,
        "recommended_by",
        user,
        key,
        course=access.course,
        measure=measure,
        measure_title=measure.title[:200],
        data_category=measure.data_category,
        recommends=recommends,
        reasoning=reasoning.strip(),
        authority_unit=unit,
        recommended_on=on,
    )
    notify(
        selectors.unit_staff_ids(unit.pk, exclude_user_id=user.pk),
        kind=NotificationKind.RULING,
        title="Ny indstilling venter på afgørelse",
        body="Se indstillingen og træf afgørelse i Helhed.",
        url=reverse("meetings:ruling_create", args=[rec.pk]),
    )
    return rec


@transaction.atomic
def record_ruling(
    user: User,
    *,
    recommendation_id: Id,
    outcome: str,
    legal_basis_id: str | None,
    justification: str = "",
    decided_on: date | None = None,
) -> Ruling:
    """The authority's ruling. A ruling that deviates from the recommendation is refused without
    a written justification (field ``justification``)."""
    checked, _access = selectors.check_recommendation(user, recommendation_id)
    if not selectors.may_rule(user, checked):
        raise PermissionDenied("Kun den enhed, indstillingen er sendt til, kan træffe afgørelse.")
    rec = Recommendation.objects.select_for_update().get(pk=checked.pk)
    on = decided_on or today()
    errors: dict[str, str] = {}
    basis = selectors.legal_basis_or_none(legal_basis_id) if legal_basis_id else None
    if Ruling.objects.filter(recommendation=rec).exists():
        errors["outcome"] = "Der er allerede truffet afgørelse om denne indstilling."
    if outcome not in RulingOutcome.values:
        errors["outcome"] = "Vælg bevilling, afslag eller delvis bevilling."
    if not legal_basis_id:
        errors["legal_basis"] = "Angiv hjemmel (lov og paragraf) for afgørelsen."
    elif basis is None:
        errors["legal_basis_id"] = "Hjemlen findes ikke."
    if on > today():
        errors["decided_on"] = "Datoen kan ikke ligge i fremtiden."
    if outcome in RulingOutcome.values:
        for key, msg in logic.ruling_errors(
            rec.recommends, outcome, justification, on, rec.recommended_on
        ).items():
            errors.setdefault(key, msg)
    if errors:
        raise ValidationError(errors)
    assert basis is not None
    ruling = Ruling.objects.create(
        recommendation=rec,
        course_id=rec.course_id,
        outcome=outcome,
        legal_basis=basis,
        justification=justification.strip(),
        deviates=logic.ruling_deviates(rec.recommends, outcome),
        decided_on=on,
        waiting_days=logic.waiting_days(rec.recommended_on, on),
        decided_by=user,
    )
    notify(
        [rec.recommended_by_id] if rec.recommended_by_id != user.pk else [],
        kind=NotificationKind.RULING,
        title="Der er truffet afgørelse om din indstilling",
        body="Se afgørelsen i Helhed.",
        url=reverse("meetings:course_section", args=[rec.course_id]),
    )
    return ruling
