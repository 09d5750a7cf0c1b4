"""The meetings API's bodies: what a client sends (``…In``) and what it gets (``…Out``), and how a
selector's result becomes an answer. What the reader may not see is ``null`` (the selectors have
labelled every object: ``shown``, ``label``, ``measure_label`` …; these functions only read those
labels)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from helhed.core.apikit import Day, Moment, Str20, Str200, Str300, Text
from helhed.core.apikit import Str64 as Key
from helhed.core.selectors import today
from helhed.meetings import logic, selectors
from helhed.meetings.models import Decision, Meeting, Participant, Recommendation, Ruling, Task

KEY_HELP = (
    "Valgfri nøgle for denne indsendelse: sendes samme nøgle igen (af samme bruger), svares 409 "
    "med id på det, der allerede er oprettet."
)

# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class ParticipantOut(Schema):
    """A participant as ``label_participants`` labelled them (``label``, ``role_label``,
    ``shown``)."""

    id: uuid.UUID
    kind: str
    name: str  # a neutral text for a team member whose unit the reader may not see
    role: str
    required: bool  # "skal deltage" (true) or "kan deltage" (false)
    present: bool | None
    team_member_id: uuid.UUID | None
    user_id: uuid.UUID | None
    household_member_id: uuid.UUID | None  # a member of the course's family (kind "familie")

    @staticmethod
    def resolve_name(p: Participant) -> str:
        return p.label  # type: ignore[attr-defined]

    @staticmethod
    def resolve_role(p: Participant) -> str:
        return p.role_label  # type: ignore[attr-defined]

    @staticmethod
    def resolve_team_member_id(p: Participant) -> uuid.UUID | None:
        return p.team_member_id if p.shown else None  # type: ignore[attr-defined]

    @staticmethod
    def resolve_user_id(p: Participant) -> uuid.UUID | None:
        return p.user_id if p.shown else None  # type: ignore[attr-defined]


class ProposedTimeOut(Schema):
    id: uuid.UUID
    starts_at: datetime


class AnswerOut(Schema):
    participant_id: uuid.UUID
    proposed_time_id: uuid.UUID
    answer: str


class BlockerOut(Schema):
    proposed_time_id: uuid.UUID
    starts_at: datetime
    unavailable: list[str]
    maybe: list[str]
    unanswered: list[str]


class CommonTimeOut(Schema):
    found: bool
    proposed_time_id: uuid.UUID | None
    starts_at: datetime | None
    tentative_time_id: uuid.UUID | None
    maybe: list[str]
    no_future_times: bool
    explanation: list[BlockerOut]


class TaskOut(Schema):
    """A task as the selectors labelled it (``label_tasks``, ``my_tasks``: ``shown``,
    ``owner_label``, ``measure_label``)."""

    id: uuid.UUID
    course_id: uuid.UUID
    decision_id: uuid.UUID
    title: str | None  # null: about something the reader's consent does not cover
    owner_id: uuid.UUID
    owner: str
    due_date: date
    overdue: bool
    goal_id: uuid.UUID | None
    measure_id: uuid.UUID | None
    done_at: datetime | None

    @staticmethod
    def resolve_title(t: Task) -> str | None:
        return t.title if getattr(t, "shown", False) else None

    @staticmethod
    def resolve_owner(t: Task) -> str:
        return getattr(t, "owner_label", "")

    @staticmethod
    def resolve_overdue(t: Task) -> bool:
        return logic.is_overdue(t.due_date, t.done_at is not None, today())

    @staticmethod
    def resolve_goal_id(t: Task) -> uuid.UUID | None:
        return t.goal_id if getattr(t, "shown", False) else None

    @staticmethod
    def resolve_measure_id(t: Task) -> uuid.UUID | None:
        shown = getattr(t, "shown", False) and getattr(t, "measure_label", "")
        return t.measure_id if shown else None


class DecisionOut(Schema):
    """A decision as ``meeting_detail`` labelled it (``shown``, ``measure_label``,
    ``task_list``)."""

    id: uuid.UUID
    text: str | None  # null: about something the reader's consent does not cover
    payer: str
    measure_id: uuid.UUID | None
    tasks: list[TaskOut]

    @staticmethod
    def resolve_text(d: Decision) -> str | None:
        return d.text if getattr(d, "shown", False) else None

    @staticmethod
    def resolve_payer(d: Decision) -> str:
        return d.payer if getattr(d, "shown", False) else ""

    @staticmethod
    def resolve_measure_id(d: Decision) -> uuid.UUID | None:
        shown = getattr(d, "shown", False) and getattr(d, "measure_label", "")
        return d.measure_id if shown else None

    @staticmethod
    def resolve_tasks(d: Decision) -> list[Task]:
        return getattr(d, "task_list", [])


class MinutesOut(Schema):
    # Who may read the minutes (a data category). When the reader may not, ``withheld`` is true
    # and the texts are null: the reader learns that minutes exist, not what they say.
    category: str
    withheld: bool
    problem_focus: str | None
    what_works: str | None
    what_worries: str | None
    exceptions: str | None
    legal_options: str | None
    motivation: str | None
    organisational_options: str | None
    plain_summary: str | None
    citizen_present: bool | None
    citizen_absence_reason: str | None
    coordinated_by_id: uuid.UUID | None
    keeps_in_step_id: uuid.UUID | None
    next_meeting_date: date | None
    closed_at: datetime | None
    next_meeting_id: uuid.UUID | None


class _MeetingFields(Schema):
    id: uuid.UUID
    course_id: uuid.UUID
    kind: str
    purpose: str
    status: str
    starts_at: datetime | None
    place: str
    virtual_link: str  # only a web address ("" for a row stored before links were checked)
    minutes_closed: bool


class MeetingListItem(_MeetingFields):
    @staticmethod
    def resolve_virtual_link(m: Meeting) -> str:
        return m.safe_virtual_link


class MeetingOut(_MeetingFields):
    duration_minutes: int
    citizen_invited: bool
    participants: list[ParticipantOut]
    proposed_times: list[ProposedTimeOut]
    answers: list[AnswerOut]
    common_time: CommonTimeOut
    minutes: MinutesOut
    decisions: list[DecisionOut]


class HeldMeetingOut(MeetingOut):
    # Said, not refused: the next meeting falls on a weekend or a Danish public holiday.
    warnings: list[str]


class OtherIn(Schema):
    name: Str200
    role: Str200 = ""


class MeetingHouseholdMemberIn(Schema):
    citizen_id: uuid.UUID = Field(description="Et medlem af forløbets familie (husstand).")
    required: bool = Field(True, description="true: skal deltage; false: kan deltage.")


class MeetingIn(Schema):
    kind: Str20 = "netvaerk"
    purpose: Str300
    place: Str200 = ""
    virtual_link: Str200 = ""
    team_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    include_citizen: bool = True
    relative_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    household_members: list[MeetingHouseholdMemberIn] = Field(default_factory=list, max_length=30)
    others: list[OtherIn] = Field(default_factory=list, max_length=50)
    proposed_times: list[Moment] = Field(default_factory=list, max_length=20)
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class HeldMeetingIn(Schema):
    """A meeting that took place, registered afterwards with who took part and the minutes
    (closed at once). Everyone named took part; the citizen as ``citizen_present`` says."""

    kind: Str20 = "netvaerk"
    purpose: Str300
    place: Str200 = ""
    virtual_link: Str200 = ""
    starts_at: Moment | None = Field(None, description="Hvornår mødet blev holdt (fortid).")
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    team_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    relative_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    household_members: list[MeetingHouseholdMemberIn] = Field(default_factory=list, max_length=30)
    others: list[OtherIn] = Field(default_factory=list, max_length=50)
    citizen_present: bool | None = None
    citizen_absence_reason: Text = ""
    problem_focus: Text = ""
    what_works: Text = ""
    what_worries: Text = ""
    exceptions: Text = ""
    legal_options: Text = ""
    motivation: Text = ""
    organisational_options: Text = ""
    plain_summary: Text = ""
    coordinated_by_id: uuid.UUID | None = None
    keeps_in_step_id: uuid.UUID | None = None
    next_meeting_date: Day | None = None
    minutes_category: Str20 | None = None
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class AnswerIn(Schema):
    participant_id: uuid.UUID
    proposed_time_id: uuid.UUID
    answer: Str20


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(max_length=2000)


class ChooseTimeIn(Schema):
    proposed_time_id: uuid.UUID | None = Field(
        None, description="Udelades for at vælge det tidligste fælles tidspunkt."
    )


class MinutesIn(Schema):
    problem_focus: Text = ""
    what_works: Text = ""
    what_worries: Text = ""
    exceptions: Text = ""
    legal_options: Text = ""
    motivation: Text = ""
    organisational_options: Text = ""
    plain_summary: Text = ""
    citizen_present: bool | None = None
    citizen_absence_reason: Text = ""
    coordinated_by_id: uuid.UUID | None = None
    keeps_in_step_id: uuid.UUID | None = None
    next_meeting_date: Day | None = None
    present_participant_ids: list[uuid.UUID] | None = None
    minutes_category: Str20 | None = Field(
        None,
        description=(
            "Hvem må læse referatet: en kategori (plan, health, social, crime, employment, "
            "economy), som du selv har adgang til. Udelades: uændret."
        ),
    )
    close: bool = False


class TaskIn(Schema):
    title: Str300
    owner_id: uuid.UUID | None = Field(None, description="En deltager i mødet (påkrævet).")
    due_date: Day | None = None
    goal_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None


class DecisionIn(Schema):
    text: Text
    payer: Str20 = ""
    measure_id: uuid.UUID | None = None
    tasks: list[TaskIn] = Field(default_factory=list, max_length=50)
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class RecommendationIn(Schema):
    measure_id: uuid.UUID | None = None
    recommends: Str20 = "bevilling"
    reasoning: Text
    authority_unit_id: uuid.UUID | None = None
    idempotency_key: Key | None = Field(None, description=KEY_HELP)


class RulingOut(Schema):
    id: uuid.UUID
    outcome: str
    legal_basis_id: str
    legal_basis: str
    justification: str
    deviates: bool
    decided_on: date
    waiting_days: int

    @staticmethod
    def resolve_legal_basis(r: Ruling) -> str:
        return str(r.legal_basis)


class RecommendationOut(Schema):
    """A recommendation as the selectors labelled it (``authority_label``), with its ruling."""

    id: uuid.UUID
    course_id: uuid.UUID
    measure_id: uuid.UUID | None
    measure: str
    recommends: str
    reasoning: str
    authority_unit_id: uuid.UUID
    authority_unit: str
    recommended_on: date
    waiting_days: int
    ruling: RulingOut | None

    @staticmethod
    def resolve_measure(r: Recommendation) -> str:
        return r.measure_title

    @staticmethod
    def resolve_authority_unit(r: Recommendation) -> str:
        return getattr(r, "authority_label", "")

    @staticmethod
    def resolve_ruling(r: Recommendation) -> Ruling | None:
        return getattr(r, "ruling", None)

    @staticmethod
    def resolve_waiting_days(r: Recommendation) -> int:
        ruling: Ruling | None = getattr(r, "ruling", None)
        if ruling is not None:
            return ruling.waiting_days
        return logic.waiting_days(r.recommended_on, today())


class RulingIn(Schema):
    outcome: Str20
    legal_basis_id: Annotated[str, StringConstraints(max_length=60)] | None = None
    justification: Text = ""
    decided_on: Day | None = None


class TimelinessOut(Schema):
    course_id: uuid.UUID
    days_referral_to_first_meeting: int | None
    days_recommendation_to_ruling: float | None
    open_recommendations: int
    overdue_tasks: int


# --------------------------------------------------------------------------------------------
# One meeting: composed from ``selectors.MeetingDetail`` (the grid, the common time, the minutes
# withheld or not); the parts above are serialised from the labelled objects by the schemas.
# --------------------------------------------------------------------------------------------


def common_out(c: logic.CommonTime) -> CommonTimeOut:
    return CommonTimeOut(
        found=c.found,
        proposed_time_id=c.time.key if c.time else None,  # type: ignore[arg-type]
        starts_at=c.time.starts_at if c.time else None,
        tentative_time_id=c.tentative.key if c.tentative else None,  # type: ignore[arg-type]
        maybe=list(c.maybe),
        no_future_times=c.no_future_times,
        explanation=[
            BlockerOut(
                proposed_time_id=b.time.key,  # type: ignore[arg-type]
                starts_at=b.time.starts_at,
                unavailable=list(b.unavailable),
                maybe=list(b.maybe),
                unanswered=list(b.unanswered),
            )
            for b in c.blockers
        ],
    )


def _minutes_out(d: selectors.MeetingDetail) -> MinutesOut:
    m = d.meeting
    shown = d.minutes_shown

    def text(value: str) -> str | None:
        return value if shown else None

    team_ids = {t.pk for t in d.team}
    return MinutesOut(
        category=m.minutes_category,
        withheld=not shown,
        problem_focus=text(m.problem_focus),
        what_works=text(m.what_works),
        what_worries=text(m.what_worries),
        exceptions=text(m.exceptions),
        legal_options=text(m.legal_options),
        motivation=text(m.motivation),
        organisational_options=text(m.organisational_options),
        plain_summary=text(m.plain_summary),
        citizen_present=m.citizen_present,
        citizen_absence_reason=text(m.citizen_absence_reason),
        coordinated_by_id=m.coordinated_by_id if m.coordinated_by_id in team_ids else None,
        keeps_in_step_id=m.keeps_in_step_id if m.keeps_in_step_id in team_ids else None,
        next_meeting_date=m.next_meeting_date,
        closed_at=m.minutes_closed_at,
        next_meeting_id=m.next_meeting_id,
    )


def meeting_out(d: selectors.MeetingDetail, **extra: object) -> MeetingOut:
    """One meeting; with ``extra`` (``warnings``) the answer to a registration."""
    m = d.meeting
    cls = HeldMeetingOut if "warnings" in extra else MeetingOut
    return cls.model_validate(
        {
            **MeetingListItem.from_orm(m).dict(),
            "duration_minutes": m.duration_minutes,
            "citizen_invited": d.citizen_invited,
            "participants": d.participants,  # labelled: ParticipantOut reads the labels
            "proposed_times": [ProposedTimeOut(id=t.pk, starts_at=t.starts_at) for t in d.times],
            "answers": [
                AnswerOut(participant_id=row.participant.pk, proposed_time_id=t.pk, answer=value)
                for row in d.grid
                for t, value in row.cells
                if value
            ],
            "common_time": common_out(d.common),
            "minutes": _minutes_out(d),
            "decisions": d.decisions,  # labelled, with their tasks: DecisionOut reads them
            **extra,
        }
    )
