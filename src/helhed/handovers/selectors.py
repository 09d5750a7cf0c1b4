"""Reads of handovers, transitions, gaps and timeliness — fetched, checked and logged in one step.

* A course's handovers, stays, transitions and gaps are read through
  ``courses.selectors.access_for`` (team + consent, or coordinator) and logged, attributed to the
  unit the reader acts from. A team member who is not a party sees a handover only if they may
  see everything it reveals (``sees_handover``: the measure, by ``Access.sees``, and the receiving
  unit's own category); a measure is named only where ``Access.sees`` allows it.
* One stay (``check_stay``) and the choices of a new handover (``handover_choices``) come from
  here too: views, forms and the API never query personal data themselves.
* A handover is also readable by the **receiving unit**, which is usually not on the team yet.
  What it sees is the *handover summary*: only the data categories that a consent valid today
  covers for the receiving unit (by unit or its organisation) — "only the data the consent
  covers travels with the handover" — and a list of what was withheld and why. Everyone else
  gets ``PermissionDenied``. Every read of a handover is logged (purpose ``Purpose.HANDOVER``,
  "Overdragelse til en anden enhed").
* Timeliness figures (``timeliness_for``) are a handful of aggregate queries over many courses and
  check no access: callers pass courses they may see, or aggregate without showing citizens.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Membership, Role, Unit, User, UserKind
from helhed.core.prepared import Fixed, Prepared
from helhed.core.selectors import membership_list, roles_of, today
from helhed.courses import logic as course_logic
from helhed.courses import selectors as course_selectors
from helhed.courses.models import (
    Consent,
    Course,
    CourseStatus,
    Demand,
    Goal,
    Measure,
    MeasureStatus,
    TeamMember,
)
from helhed.handovers import logic
from helhed.handovers.models import Handover, HandoverEvent, HandoverMode, InstitutionalStay
from helhed.notifications.models import Notification

CATEGORY_LABELS = dict(course_logic.DATA_CATEGORIES)
CHUNK = 5000


def user_unit_ids(user: User, on: date | None = None) -> set[Any]:
    """The units of the user's current memberships (read once per request)."""
    return {m.unit_id for m in membership_list(user, on)}


def roles_for(user: User, handover: Handover, unit_ids: set[Any] | None = None) -> set[str]:
    """The parts ``user`` plays in ``handover``: sender, receiver and/or coordinator."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    units = user_unit_ids(user) if unit_ids is None else unit_ids
    roles = set()
    # The sender is the sending unit's current staff; a requester who left the unit is not.
    if handover.from_unit_id in units:
        roles.add(logic.SENDER)
    if handover.to_unit_id is not None and handover.to_unit_id in units:
        roles.add(logic.RECEIVER)
    # The coordinator counts only while a member of the coordinating unit.
    course = handover.course
    if course.coordinator_id == user.pk and course.coordinator_unit_id in units:
        roles.add(logic.COORDINATOR)
    return roles


def sender_units(user: User) -> list[Unit]:
    """The units ``user`` may hand over from: their own current units (the coordinator's include
    the coordinating unit: the coordinator counts only while a member of it)."""
    units = {m.unit_id: m.unit for m in membership_list(user)}
    return sorted(units.values(), key=lambda u: u.name)


def unit_staff_ids(unit_id: Any) -> list[Any]:
    """The unit's current staff (whom a notification to the unit goes to)."""
    return list(
        Membership.objects.filter(unit_id=unit_id)
        .valid_on(today())
        .values_list("user_id", flat=True)
        .distinct()
    )


def lead_overrides() -> Mapping[str, Any]:
    """``settings.HELHED_TRANSITION_LEAD_DAYS`` (optional): per-kind lead days."""
    return getattr(settings, "HELHED_TRANSITION_LEAD_DAYS", {}) or {}


def escalate_after_days() -> int:
    """``settings.HELHED_HANDOVER_ESCALATE_DAYS`` (optional, default 3 days)."""
    return int(getattr(settings, "HELHED_HANDOVER_ESCALATE_DAYS", 3))


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


# --------------------------------------------------------------------------------------------
# Gaps and transitions of courses (no access check: callers pass courses they may see)
# --------------------------------------------------------------------------------------------


def measure_periods(
    course_ids: Sequence[Any], *, on: date | None = None
) -> dict[Any, list[logic.Period]]:
    """The dated measures of each course as periods (cancelled and undated ones left out) — the
    one reading of measures behind every gap (page, summary, API, alerts, the early end of a
    stay). An ended measure without an end date ends on its expected end, else its start; a
    running measure without an end date ends on its expected end when that is ``on`` or later
    (a gap is planned after it), else it is open-ended (it is still running, past its expected
    end). Days up to ``on`` count the same either way."""
    on = on or today()
    result: dict[Any, list[logic.Period]] = defaultdict(list)
    for chunk in _chunks(list(course_ids)):
        rows = (
            Measure.objects.filter(plan__course_id__in=chunk, start_date__isnull=False)
            .exclude(status=MeasureStatus.CANCELLED)
            .values_list(
                "plan__course_id", "id", "start_date", "end_date", "expected_end", "status"
            )
        )
        for course_id, mid, start, end, expected_end, status in rows:
            if start is None:  # excluded by the query; for the type checker
                continue
            if end is None and status == MeasureStatus.ENDED:
                end = expected_end if expected_end is not None and expected_end >= start else start
            elif end is None and expected_end is not None and expected_end >= max(start, on):
                end = expected_end
            result[course_id].append(logic.Period(mid, start, end))
    return result


def course_gap_picture(course: Course, on: date | None = None) -> logic.GapPicture:
    """The course's gaps on ``on`` (``logic.gap_picture``; no access check: callers pass a
    course they may see)."""
    on = on or today()
    periods = measure_periods([course.pk], on=on).get(course.pk, [])
    return logic.gap_picture(
        periods, on, running=course.status != CourseStatus.CLOSED, course_end=course.end_date
    )


def course_gaps(course: Course, on: date | None = None) -> list[logic.Gap]:
    return list(course_gap_picture(course, on).gaps)


def alerts_sent(keys: Iterable[str]) -> dict[str, datetime]:
    """When the first notification with each dedupe key was sent (keys without one left out):
    "Koordinatoren er varslet" is shown only where an alert actually exists."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = (
        Notification.objects.filter(dedupe_key__in=wanted)
        .values("dedupe_key")
        .annotate(first=Min("created_at"))
        .values_list("dedupe_key", "first")
    )
    return dict(rows)


def stay_facts(stays: Iterable[InstitutionalStay]) -> list[logic.StayFacts]:
    return [logic.StayFacts(s.pk, s.kind, s.expected_end, s.actual_end) for s in stays]


FamilyMember = tuple[Any, str, date]  # (citizen id, first name, birth date)


def _family_rows(courses: QuerySet[Course]) -> QuerySet[Any, tuple[Any, ...]]:
    """Each of ``courses``' family members: (course, citizen, member id, first name, birth
    date)."""
    return (
        courses.filter(household__isnull=False)
        .values_list(
            "pk",
            "citizen_id",
            "household__members__id",
            "household__members__first_name",
            "household__members__birth_date",
        )
        .order_by("pk", "household__members__birth_date")
    )


def _children_of(rows: Iterable[tuple[Any, ...]], on: date) -> dict[Any, list[FamilyMember]]:
    result: dict[Any, list[FamilyMember]] = defaultdict(list)
    for course_id, citizen_id, member_id, name, born in rows:
        if member_id is None or member_id == citizen_id or born is None:
            continue
        if course_logic.age_on(born, on) < 18:
            result[course_id].append((member_id, name, born))
    return result


def course_transitions(
    course: Course,
    stays: Iterable[InstitutionalStay],
    on: date | None = None,
    members: Iterable[FamilyMember] = (),
) -> list[logic.Transition]:
    """Age transitions still ahead (the citizen's and the family's children's) and the ends of
    stays not yet ended (from today)."""
    on = on or today()
    lead = lead_overrides()
    found = list(logic.age_transitions(course.citizen.birth_date, lead))
    for member_id, name, born in members:
        found += logic.age_transitions(born, lead, member=member_id, who=name)
    found = [t for t in found if t.on >= on]
    found += logic.stay_transitions(stay_facts(stays), lead)
    return sorted(found, key=lambda t: (t.on, t.kind, t.who))


# --------------------------------------------------------------------------------------------
# A course's handovers and transitions (the course-page section)
# --------------------------------------------------------------------------------------------


@dataclass
class HandoverRow:
    handover: Handover
    responsible: str  # the unit holding responsibility now
    days_waiting: int
    overdue: bool


@dataclass(frozen=True)
class Shown:
    """A handover with what its reader may be shown: the measure handed over, the free texts."""

    handover: Handover
    show_measure: bool
    show_text: bool


@dataclass(frozen=True)
class TransitionRow:
    """A transition ahead as the page and the API show it: ``due`` — its alert window has
    begun; ``alerted_at`` — when the coordinator was actually alerted (a notification with the
    alert's key exists), else None."""

    transition: logic.Transition
    days_until: int
    due: bool
    alerted_at: datetime | None


@dataclass(frozen=True)
class GapRow:
    """A gap as the page and the API show it, from ``logic.gap_picture``: the measures around it
    (named where the reader may see them), and for a planned gap the first day of alerting and
    when the coordinator was actually alerted."""

    gap: logic.Gap
    after_title: str
    before_title: str
    days_until: int | None  # a planned gap: days until it begins
    alert_from: date | None
    alerted_at: datetime | None
    due: bool = False  # a planned gap whose alert window has begun


@dataclass
class CourseHandovers:
    access: course_selectors.Access
    open: list[HandoverRow]
    closed: list[HandoverRow]
    stays: list[InstitutionalStay]
    transitions: list[logic.Transition]
    gap_picture: logic.GapPicture
    gap_rows: list[GapRow]
    transition_rows: list[TransitionRow]
    hidden: list[str] = field(default_factory=list)
    on: date | None = None

    @property
    def gaps(self) -> list[logic.Gap]:
        return list(self.gap_picture.gaps)

    @property
    def gap_total(self) -> int:
        return self.gap_picture.total

    @property
    def gap_longest(self) -> int:
        return self.gap_picture.longest

    @property
    def planned_gaps(self) -> list[GapRow]:
        return [r for r in self.gap_rows if r.gap.planned]

    @property
    def listed(self) -> list[Shown]:
        """The handovers, open ones first, with what the reader is shown of each: free texts
        only to a reader who may see the measure and the plan (as on the page)."""
        plan = self.access.may("plan")
        rows = []
        for r in self.open + self.closed:
            shows = bool(r.handover.shows_measure)  # type: ignore[attr-defined]
            rows.append(Shown(r.handover, show_measure=shows, show_text=shows and plan))
        return rows


def _rows(handovers: Iterable[Handover]) -> list[HandoverRow]:
    on = today()
    limit = escalate_after_days()
    rows = []
    for h in handovers:
        side = logic.responsible_side(h.status)
        responsible = h.receiver_name if side == logic.RECEIVER else h.from_unit.name
        # Calendar days since the request, or since it was reopened (the rule the alert uses).
        waiting = logic.calendar_days(timezone.localdate(h.waiting_since), on)
        rows.append(
            HandoverRow(
                h,
                responsible,
                waiting,
                h.status in (logic.REQUESTED, logic.ACCEPTED) and waiting >= limit,
            )
        )
    return rows


def _live_measure(h: Handover) -> Measure | None:
    """The measure handed over as it is in the plan now (None for the whole course or when it is
    gone: restored plan versions recreate measures, so the handover keeps title and category)."""
    if not h.measure_id:
        return None
    try:
        return h.measure
    except Measure.DoesNotExist:
        return None


def measure_category(h: Handover) -> str | None:
    """The data category of the one measure handed over (kept on the handover, so also after the
    measure was deleted); None for a handover of the whole course."""
    if not h.measure_id:
        return None
    if h.measure_category:
        return h.measure_category
    return h.measure.data_category if h.measure is not None else "health"


def unit_category(h: Handover) -> str | None:
    """What naming the receiving unit reveals (its own category: a "Rusmiddelcenter" filed under
    specialised adult services is health data); None for a receiver outside Helhed."""
    return h.to_unit.data_category if h.to_unit is not None else None


def revealed_categories(h: Handover) -> frozenset[str]:
    """What the handover's existence reveals (``logic.handover_categories``)."""
    return logic.handover_categories(measure_category(h), unit_category(h))


def sees_handover(access: course_selectors.Access, h: Handover) -> bool:
    """May a reader with access to the course see this handover? Its sending and receiving units
    always see it (a unit sees its own contribution); others only if they may see the measure
    (``Access.sees``: its category, or their unit owns it) and the receiving unit's category."""
    if h.from_unit_id in access.own_units or h.to_unit_id in access.own_units:
        return True
    if h.measure_id and not shows_measure(access, h):
        return False
    category = unit_category(h)
    return category is None or access.may(category)


def shows_measure(access: course_selectors.Access | None, h: Handover) -> bool:
    """May this reader be told which measure is handed over?"""
    if not h.measure_id or access is None:
        return not h.measure_id
    live = _live_measure(h)
    return access.sees(live) if live is not None else access.may(measure_category(h) or "")


def _handover_qs() -> Any:
    return Handover.objects.select_related(
        "from_unit", "to_unit", "to_unit__organisation", "measure", "requested_by"
    )


def course_handovers(
    user: User, course_id: uuid.UUID | str, *, purpose: str = Purpose.CASEWORK
) -> CourseHandovers:
    """Open and closed handovers with who holds responsibility, stays, transitions ahead and
    gaps of one course. Stays and measures outside the user's consented categories are left out
    (and named as hidden). Logged."""
    on = today()
    access = course_selectors.access_for(user, course_id, on)
    course = access.course
    handovers = list(_handover_qs().filter(course=course).order_by("-requested_at"))
    hidden: set[str] = set()
    handovers_shown = []
    for h in handovers:
        if not sees_handover(access, h):
            hidden |= {c for c in revealed_categories(h) if not access.may(c)}
            continue
        h.shows_measure = shows_measure(access, h)
        handovers_shown.append(h)
    stays = []
    for stay in InstitutionalStay.objects.filter(course=course).order_by("expected_end"):
        if access.may(stay.data_category):
            stays.append(stay)
        else:
            hidden.add(stay.data_category)
    horizon = 3 * 365
    members: list[FamilyMember] = []
    if course.household_id is not None:
        # Children of the family whose 16th or 18th birthday lies within the horizon (their
        # names are shown, so their reads are logged by ``household_members``).
        def ahead(m: Any) -> bool:
            return any(
                on <= logic.birthday(m.birth_date, y) <= on + timedelta(days=horizon)
                for y in (16, 18)
            )

        members = [
            (m.citizen.pk, m.citizen.first_name, m.citizen.birth_date)
            for m in course_selectors.household_members(
                user, access, "overgange i familien", purpose, keep=ahead
            )
        ]
    transitions = logic.upcoming(
        course_transitions(course, stays, on, members), on, horizon_days=horizon
    )
    picture = course_gap_picture(course, on)
    rows = _rows(handovers_shown)
    course_selectors.log_course_read(user, access, "overdragelser og overgange", purpose)
    return CourseHandovers(
        access=access,
        open=[r for r in rows if r.handover.is_open],
        closed=[r for r in rows if not r.handover.is_open],
        stays=stays,
        transitions=transitions,
        gap_picture=picture,
        hidden=sorted(CATEGORY_LABELS[c] for c in hidden),
        on=on,
        **_alert_rows(access, transitions, picture, on),
    )


def _alert_rows(
    access: course_selectors.Access,
    transitions: list[logic.Transition],
    picture: logic.GapPicture,
    on: date,
) -> dict[str, Any]:
    """The transition and gap rows with the alerts actually sent about them (one query)."""
    course = access.course
    gap_lead = logic.lead_days("gap", lead_overrides())
    sent = alerts_sent(
        [logic.transition_alert_key(t, course.pk) for t in transitions]
        + [g.alert_key for g in picture.gaps]
    )
    transition_rows = [
        TransitionRow(
            t,
            t.days_until(on),
            t.due_for_alert(on),
            sent.get(logic.transition_alert_key(t, course.pk)),
        )
        for t in transitions
    ]
    # Gap lengths are shown to everyone with access; the measures around a gap are named only
    # when the user may see their category.
    titles = {
        m.pk: m.title if access.sees(m) else "(indsats du ikke har adgang til)"
        for m in Measure.objects.filter(plan__course=course).only(
            "id", "title", "data_category", "unit_id", "responsible_id"
        )
    }
    gap_rows = [
        GapRow(
            g,
            titles.get(g.after, ""),
            titles.get(g.before, "") if g.before is not None else "",
            (g.first_day - on).days if g.planned else None,
            g.alert_from(gap_lead) if g.planned else None,
            sent.get(g.alert_key),
            g.planned and g.alert_from(gap_lead) <= on,
        )
        for g in picture.gaps
    ]
    return {"transition_rows": transition_rows, "gap_rows": gap_rows}


# --------------------------------------------------------------------------------------------
# One handover, as the sender, the receiver or the coordinator sees it
# --------------------------------------------------------------------------------------------


def receiver_categories(course: Course, unit: Unit | None, on: date) -> frozenset[str]:
    """The data categories a consent valid on ``on`` covers for the receiving unit (by unit or
    by its organisation). Team membership is not required: the receiver is not on the team yet.
    A receiver outside Helhed gets nothing."""
    if unit is None:
        return frozenset()
    consents = Consent.objects.filter(course=course).prefetch_related("organisations", "units")
    allowed: set[str] = set()
    for consent in consents:
        facts = consent.facts(
            {o.pk for o in consent.organisations.all()}, {u.pk for u in consent.units.all()}
        )
        if facts.valid_on(on) and facts.covers(unit.pk, unit.organisation_id):
            allowed |= facts.categories
    return frozenset(allowed)


@dataclass
class HandoverSummary:
    """What travels with the handover to the receiver: only consented categories."""

    categories: list[str]  # labels of the categories that travel
    withheld: list[tuple[str, str]]  # (category label, why)
    citizen_name: str = ""
    citizen_age: int | None = None
    contact_channel: str = ""
    goals: list[Goal] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    stays: list[InstitutionalStay] = field(default_factory=list)
    team: list[TeamMember] = field(default_factory=list)

    @property
    def identity_shown(self) -> bool:
        return bool(self.citizen_name)


def build_summary(
    handover: Handover,
    categories: frozenset[str],
    on: date,
    own_units: frozenset[Any] = frozenset(),
) -> HandoverSummary:
    """What travels: only ``categories``. A contact person is named where the categories cover
    what their unit's name reveals, or when they are from one of the reader's ``own_units``."""
    course = handover.course
    withheld = []
    for cat, label in course_logic.DATA_CATEGORIES:
        if cat in categories:
            continue
        if handover.is_external:
            why = (
                "Modtageren er uden for Helhed: intet deles automatisk. Oplysninger må kun "
                "videregives efter borgerens samtykke ad anden vej."
            )
        else:
            unit = handover.to_unit.name if handover.to_unit else ""
            why = f"Borgerens samtykke omfatter ikke {unit} for denne kategori."
        withheld.append((label, why))
    summary = HandoverSummary(
        categories=[label for cat, label in course_logic.DATA_CATEGORIES if cat in categories],
        withheld=withheld,
    )
    if "plan" not in categories:
        return summary  # without the plan category not even who the citizen is travels
    citizen = course.citizen
    summary.citizen_name = citizen.full_name
    summary.citizen_age = citizen.age(on)
    summary.contact_channel = citizen.get_contact_channel_display()
    plan = getattr(course, "plan", None)
    if plan is not None:
        summary.goals = list(plan.goals.all())
        summary.measures = [
            m
            for m in plan.measures.select_related("welfare_area", "organisation")
            if m.data_category in categories
        ]
        summary.demands = [
            d
            for d in plan.demands.select_related("welfare_area", "organisation")
            if d.data_category in categories
        ]
    summary.stays = [
        s for s in InstitutionalStay.objects.filter(course=course) if s.data_category in categories
    ]
    # A contact person is named only where the categories cover what their unit's name reveals.
    summary.team = [
        t
        for t in course.team.select_related("organisation", "unit")
        if t.valid_from <= on
        and (t.valid_to is None or t.valid_to >= on)
        and (course_selectors.member_category(t) in categories or t.unit_id in own_units)
    ]
    return summary


@dataclass
class HandoverView:
    handover: Handover
    roles: set[str]
    actions: list[str]
    responsible: str
    summary: HandoverSummary
    events: list[HandoverEvent]
    may_open_course: bool
    # The measure handed over is named only to a reader whose categories cover it; the free
    # texts (reason, decline/revoke reasons, event notes) only to one who also may see the plan.
    show_measure: bool = False
    show_text: bool = False
    identity_shown: bool = False
    may_reschedule: bool = False  # a new appointment after a no-show (sender or coordinator)

    @property
    def measure_title(self) -> str:
        return self.handover.measure_title if self.show_measure else ""

    @property
    def shown(self) -> Shown:
        return Shown(self.handover, show_measure=self.show_measure, show_text=self.show_text)


def acting_unit(roles: set[str], handover: Handover) -> Any:
    """The unit a party reads a handover from: the receiving unit, the sending unit, or the
    coordinating unit (None for a reader who is not a party)."""
    if logic.RECEIVER in roles:
        return handover.to_unit_id
    if logic.SENDER in roles:
        return handover.from_unit_id
    if logic.COORDINATOR in roles:
        return handover.course.coordinator_unit_id
    return None


def handover_detail(user: User, handover_id: uuid.UUID | str) -> HandoverView:
    """One handover for its sender, its receiver or the course's coordinator (else
    ``PermissionDenied``, also for one that does not exist). The summary holds only what the
    consent covers for the receiving unit (and, for a sender, only what they may see themselves).
    Logged as a read for the purpose ``Purpose.HANDOVER`` (overdragelse)."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    on = today()
    handover = (
        _handover_qs()
        .select_related("course", "course__citizen", "course__coordinator", "course__plan")
        .filter(pk=handover_id)
        .first()
    )
    if handover is None:
        raise PermissionDenied
    roles = roles_for(user, handover, user_unit_ids(user, on))
    access: course_selectors.Access | None
    try:
        access = course_selectors.access_for(user, handover.course_id, on)
    except PermissionDenied:
        access = None
    if not roles and access is None:
        raise PermissionDenied
    if not roles and access is not None and not sees_handover(access, handover):
        # A team member whose consent does not cover what this handover reveals (the course
        # section does not list it either).
        raise PermissionDenied
    own = (
        frozenset(c for c, _l in course_logic.DATA_CATEGORIES if access.may(c))
        if access is not None
        else frozenset()
    )
    # The receiving unit sees the summary only while the handover is open; afterwards only what
    # its own access to the course gives.
    travels = (
        receiver_categories(handover.course, handover.to_unit, on)
        if handover.is_open
        else frozenset()
    )
    if logic.RECEIVER in roles:
        shown = travels | own
        visible = shown
    else:
        shown = travels & own
        visible = own
    summary = build_summary(handover, shown, on, frozenset(user_unit_ids(user, on)))
    events = list(handover.events.all())
    side = logic.responsible_side(handover.status)
    responsible = handover.receiver_name if side == logic.RECEIVER else handover.from_unit.name
    actions = logic.allowed_actions(
        handover.status,
        roles,
        external=handover.is_external,
        escorted=handover.mode == HandoverMode.ESCORTED,
    )
    unit_id = acting_unit(roles, handover)
    if access is not None and logic.RECEIVER not in roles:
        attributed = replace(access, unit_id=unit_id) if unit_id is not None else access
        course_selectors.log_course_read(user, attributed, "overdragelse", Purpose.HANDOVER)
    else:
        log_access(
            user,
            handover.course.citizen_id,
            "overdragelse: resumé",
            Purpose.HANDOVER,
            unit_id=unit_id,
        )
    category = measure_category(handover)
    show_measure = (
        category is None
        or category in visible
        or (access is not None and shows_measure(access, handover))
    )
    return HandoverView(
        handover=handover,
        roles=roles,
        actions=actions,
        responsible=responsible,
        summary=summary,
        events=events,
        may_open_course=access is not None,
        show_measure=show_measure,
        show_text=show_measure and "plan" in visible,
        identity_shown=summary.identity_shown or (access is not None and access.may("plan")),
        may_reschedule=_may_reschedule(handover, roles),
    )


def _may_reschedule(handover: Handover, roles: set[str]) -> bool:
    try:
        logic.check_reschedule(
            status=handover.status,
            arrival=handover.arrival,
            roles=roles,
            reopened_count=handover.reopened_count,
        )
    except logic.HandoverError:
        return False
    return True


def stays_now(user: User, handover: Handover, roles: set[str], on: date) -> list[logic.StayNow]:
    """The registered stays the citizen is in on ``on`` (for an arrival report: custody, an
    admission …). The kind is named only where the reporter may see its category — by their own
    access to the course, or, for the receiving unit, by what the consent lets travel to it;
    otherwise only that there is a stay. Logged when one is found (the reporter is told)."""
    stays = [
        s
        for s in InstitutionalStay.objects.filter(course_id=handover.course_id)
        if logic.in_stay(s.start_date, s.actual_end, on)
    ]
    if not stays:
        return []
    try:
        access: course_selectors.Access | None = course_selectors.access_for(
            user, handover.course_id, on
        )
    except PermissionDenied:
        access = None
    categories = set()
    if access is not None:
        categories = {c for c, _l in course_logic.DATA_CATEGORIES if access.may(c)}
    if logic.RECEIVER in roles and handover.is_open:
        categories |= receiver_categories(handover.course, handover.to_unit, on)
    log_access(
        user,
        handover.course.citizen_id,
        "overdragelse: fremmøde og ophold",
        Purpose.HANDOVER,
        unit_id=acting_unit(roles, handover),
    )
    return [
        logic.StayNow(
            str(s.get_kind_display()) if s.data_category in categories else "",
            s.expected_end,
        )
        for s in stays
    ]


def handover_fhir(user: User, handover_id: uuid.UUID | str) -> dict[str, Any]:
    """The handover as a FHIR Task: the same access as the handover (and logged); the citizen
    and the plan are referenced only where the reader may see who the citizen is."""
    v = handover_detail(user, handover_id)
    h = v.handover
    plan = getattr(h.course, "plan", None)
    status_reason = {logic.REJECTED: "declined", logic.CANCELLED: "revoked"}.get(h.status, "")
    return logic.fhir_task(
        handover_id=h.pk,
        status=h.status,
        citizen_id=h.course.citizen_id if v.identity_shown else None,
        plan_id=plan.pk if plan is not None and v.identity_shown else None,
        requester=(h.from_unit.organisation_id, h.from_unit.name),
        owner=(
            (h.to_unit.organisation_id, h.to_unit.name)
            if h.to_unit is not None
            else (None, h.external_organisation)
        ),
        authored_on=h.requested_at,
        last_modified=v.events[-1].at if v.events else h.requested_at,
        mode=h.mode,
        arrival=h.arrival,
        status_reason=status_reason,
    )


# --------------------------------------------------------------------------------------------
# Choices of a new handover, one stay
# --------------------------------------------------------------------------------------------


@dataclass
class HandoverChoices:
    """What the reader may hand over: the measures they may see, from the units they may hand
    over from."""

    access: course_selectors.Access
    measures: list[Measure]
    senders: list[Unit]


def handover_choices(
    user: User, course_id: uuid.UUID | str, *, purpose: str = Purpose.HANDOVER
) -> HandoverChoices:
    """The choices of the "new handover" page and API, checked and logged."""
    access = course_selectors.access_for(user, course_id)
    measures = [
        m
        for m in Measure.objects.filter(plan__course=access.course)
        .select_related("welfare_area", "plan")
        .order_by("start_date", "title")
        if access.sees(m)
    ]
    course_selectors.log_course_read(user, access, "ny overdragelse", purpose)
    return HandoverChoices(access, measures, sender_units(user))


def stay_choices(
    user: User, course_id: uuid.UUID | str
) -> tuple[course_selectors.Access, list[str]]:
    """The reader's access to the course and the kinds of stay they may record (the kinds whose
    data category they may see; ``services.record_stay`` refuses the others)."""
    access = course_selectors.access_for(user, course_id)
    return access, [k for k, cat in logic.STAY_CATEGORY.items() if access.may(cat)]


def check_stay(user: User, stay_id: uuid.UUID | str) -> tuple[InstitutionalStay, Any]:
    """One institutional stay and the reader's access to its course, or ``PermissionDenied`` —
    the same for a stay that does not exist and one of a category the reader may not see. Not
    logged: for the services and for adapters that hand it to one (a stay is shown only in the
    course section, which logs)."""
    try:
        pk = stay_id if isinstance(stay_id, uuid.UUID) else uuid.UUID(str(stay_id))
    except ValueError:
        raise PermissionDenied from None
    stay = InstitutionalStay.objects.filter(pk=pk).first()
    if stay is None:
        raise PermissionDenied
    access = course_selectors.access_for(user, stay.course_id)
    if not access.may(stay.data_category):
        raise PermissionDenied
    return stay, access


# --------------------------------------------------------------------------------------------
# Lists: handovers waiting for my unit; the coordinator's handovers and transitions ahead
# --------------------------------------------------------------------------------------------


def waiting_for_my_units(user: User, *, limit: int = 50) -> list[HandoverRow]:
    """Handovers to the user's units that wait for acknowledgement or confirmation. No
    citizen is named (the receiver may not be covered by consent), so nothing is logged."""
    units = sorted(user_unit_ids(user), key=str)
    if not units:
        return []
    return _rows(_WAITING(units, Fixed(limit)))


def _waiting(units: list[Any], limit: int) -> QuerySet[Handover]:
    return (
        _handover_qs()
        .filter(to_unit_id__in=units, status__in=[logic.REQUESTED, logic.ACCEPTED])
        .order_by(Coalesce("reopened_at", "requested_at"))[:limit]
    )


# Every staff start page shows them (``handovers.extensions``): compiled once per process.
_WAITING: Prepared[Handover] = Prepared(Handover, _waiting)


# The coordinator's start page shows the overview: its queries compiled once per process
# (``core.prepared``), on the reader's id and current units.


def _open_handovers(user_id: Any, units: list[Any]) -> QuerySet[Handover]:
    """The open handovers in the courses the reader coordinates from one of ``units`` (closed
    courses too: a handover still open there is still the coordinator's)."""
    return Handover.objects.filter(
        course__in=course_selectors.coordinated_by(user_id, units, include_closed=True).values(
            "pk"
        ),
        status__in=logic.OPEN,
    )


_OVERVIEW_OPEN: Prepared[tuple[Any]] = Prepared(
    Handover, lambda user_id, units: _open_handovers(user_id, units).values_list("pk")[:100]
)
_OVERVIEW_HANDOVERS: Prepared[Handover] = Prepared(
    Handover,
    lambda user_id, units, read: (
        _open_handovers(user_id, units)
        .select_related(
            "from_unit",
            "to_unit",
            "to_unit__organisation",
            "measure",
            "requested_by",
            "course__citizen",
        )
        .order_by("requested_at", "pk")[:read]
    ),
)
_OVERVIEW_COURSES: Prepared[Course] = Prepared(
    Course,
    lambda user_id, units: course_selectors.coordinated_by(
        user_id, units, include_closed=False
    ).select_related("citizen"),
)
_OVERVIEW_STAYS: Prepared[InstitutionalStay] = Prepared(
    InstitutionalStay,
    lambda user_id, units: InstitutionalStay.objects.filter(
        course__in=course_selectors.coordinated_by(user_id, units, include_closed=False).values(
            "pk"
        ),
        actual_end__isnull=True,
    ),
)
_OVERVIEW_FAMILY: Prepared[tuple[Any, ...]] = Prepared(
    Course,
    lambda user_id, units: _family_rows(
        course_selectors.coordinated_by(user_id, units, include_closed=False)
    ),
)


@dataclass
class CoordinatorOverview:
    handovers: list[HandoverRow]
    transitions: list[tuple[Course, logic.Transition]]
    handover_count: int = 0


def coordinator_overview(
    user: User,
    *,
    horizon_days: int = 120,
    handovers_shown: int | None = None,
    transitions_shown: int | None = None,
) -> CoordinatorOverview:
    """Open handovers in the courses the user coordinates, and the age transitions and stay ends
    ahead of them (those whose alert window has begun, or within ``horizon_days``). Citizens are
    named, so the list is logged, one entry per citizen shown. A caller that renders only the
    first rows (the start-page panel: a count and ten transitions) says how many with
    ``handovers_shown`` / ``transitions_shown``; only those are returned and logged."""
    on = today()
    # The coordinator counts only while a member of the coordinating unit.
    units = sorted(user_unit_ids(user, on), key=str)
    if not units:
        return CoordinatorOverview([], [], 0)
    # Counted up to 100, and read (with what a row shows) only as far as they are shown.
    count = len(_OVERVIEW_OPEN(user.pk, units))
    read = 100 if handovers_shown is None else min(handovers_shown, 100)
    handovers = _OVERVIEW_HANDOVERS(user.pk, units, Fixed(read)) if count and read else []
    courses = _OVERVIEW_COURSES(user.pk, units)
    lead = lead_overrides()
    stays_by_course: dict[Any, list[InstitutionalStay]] = defaultdict(list)
    for stay in _OVERVIEW_STAYS(user.pk, units):
        stays_by_course[stay.course_id].append(stay)
    children = _children_of(_OVERVIEW_FAMILY(user.pk, units), on)
    ahead: list[tuple[Course, logic.Transition]] = []
    end = on + timedelta(days=horizon_days)
    for course in courses:
        found = logic.age_transitions(course.citizen.birth_date, lead)
        for member_id, name, born in children.get(course.pk, []):
            found += logic.age_transitions(born, lead, member=member_id, who=name)
        found += logic.stay_transitions(stay_facts(stays_by_course.get(course.pk, [])), lead)
        for t in found:
            if t.on >= on and (t.on <= end or t.due_for_alert(on)):
                ahead.append((course, t))
    ahead.sort(key=lambda pair: (pair[1].on, pair[1].kind))
    if transitions_shown is not None:
        ahead = ahead[:transitions_shown]
    # Logged per course (the coordinating unit), and each of the family's children named.
    shown = {h.course.pk: h.course for h in handovers} | {c.pk: c for c, _t in ahead}
    course_selectors.log_course_list(user, list(shown.values()), "overdragelser og overgange")
    named: dict[Any, set[uuid.UUID]] = defaultdict(set)
    for c, t in ahead:
        if t.who:  # a child of the family, named
            named[c.coordinator_unit_id].add(uuid.UUID(t.key))
    for unit_id, ids in named.items():
        log_access(
            user,
            sorted(ids, key=str),
            "overdragelser og overgange",
            Purpose.CASEWORK,
            unit_id=unit_id,
            listing=True,
        )
    return CoordinatorOverview(_rows(handovers), ahead, count)


# --------------------------------------------------------------------------------------------
# Timeliness figures (registered with courses.sections; no access check inside)
# --------------------------------------------------------------------------------------------

FIGURE_KEYS = (
    "handover_ack_hours",
    "handovers_waiting",
    "gap_days_total",
    "gap_days_longest",
    "contact_persons_current",
    "contact_person_changes",
)


def _in(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::uuid[])"
    return f"{column} IN (SELECT value FROM json_each(%s))"


def _ids_value(hexes: list[str]) -> Any:
    return hexes if connection.vendor == "postgresql" else json.dumps(hexes)


def _days(a: str, b: str) -> str:
    """SQL for the days from date ``b`` to date ``a``."""
    if connection.vendor == "postgresql":
        return f"({a} - {b})"
    return f"CAST(ROUND(julianday({a}) - julianday({b})) AS INTEGER)"


def gap_figures_sql(course_ids: Sequence[Any], on: date) -> dict[Any, tuple[int, int]]:
    """``{course_id: (gap days in total, longest gap)}`` up to and including ``on``, in one
    window query — the same as ``logic.gap_figures(logic.gaps(...), on)`` over
    ``measure_periods`` (tested against it). Courses without dated measures are left out."""
    back = {_hex(cid): cid for cid in course_ids}
    return {back[k]: v for k, v in _gap_rows(_ids_value(list(back)), on).items()}


def _gap_rows(param: Any, on: date) -> dict[str, tuple[int, int]]:
    """The gap figures keyed by the courses' ids as 32 hex digits (``param``: ``_ids_value``).

    The running maximum of the ends of the earlier measures (in order of start) is what covers
    the citizen; a measure starting more than a day after it opens a gap (clipped at ``on``),
    and a running course's last measure ending before ``on`` (or the course's end) leaves an
    open gap up to it."""
    pg = connection.vendor == "postgresql"
    where = _in("id")
    course_t, plan_t, measure_t = (
        Course._meta.db_table,
        Measure._meta.get_field("plan").related_model._meta.db_table,
        Measure._meta.db_table,
    )
    day = "%s::date" if pg else "%s"
    far = "DATE '9999-12-31'" if pg else "'9999-12-31'"
    least = "LEAST" if pg else "MIN"
    sql = f"""
    WITH c AS (SELECT id, status, end_date FROM {course_t} WHERE {where}),
    m AS MATERIALIZED (
        SELECT p.course_id AS cid, m.start_date AS s,
            CASE WHEN m.end_date IS NOT NULL THEN m.end_date
                 WHEN m.status = %s THEN
                    CASE WHEN m.expected_end >= m.start_date THEN m.expected_end
                         ELSE m.start_date END
                 ELSE {far} END AS e
        FROM {measure_t} m JOIN {plan_t} p ON p.id = m.plan_id JOIN c ON c.id = p.course_id
        WHERE m.start_date IS NOT NULL AND m.status <> %s
    ),
    r AS (
        SELECT cid, s, e, MAX(e) OVER (
            PARTITION BY cid ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS cov
        FROM m
    ),
    g AS (
        SELECT cid, {_days(f"{least}(s, {day})", "cov")} - CASE WHEN s <= {day} THEN 1 ELSE 0 END
            AS d
        FROM r
        WHERE cov IS NOT NULL AND {_days("s", "cov")} > 1 AND {_days(day, "cov")} > 0
        UNION ALL
        SELECT m.cid, {_days(f"{least}({day}, COALESCE(c.end_date, {day}))", "MAX(m.e)")}
        FROM m JOIN c ON c.id = m.cid
        WHERE c.status <> %s
        GROUP BY m.cid, c.end_date
        HAVING {least}({day}, COALESCE(c.end_date, {day})) > MAX(m.e)
        UNION ALL
        SELECT cid, 0 FROM m  -- a course with measures but no gap: 0, not missing
    )
    SELECT cid, SUM(d), MAX(d) FROM g GROUP BY cid
    """
    params = [
        param,
        MeasureStatus.ENDED,
        MeasureStatus.CANCELLED,
        on,
        on,
        on,
        on,
        on,
        CourseStatus.CLOSED,
        on,
        on,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return {_hex(cid): (int(total), int(longest)) for cid, total, longest in rows}


def _hex(value: Any) -> str:
    """A UUID as the 32 hex digits SQLite stores (PostgreSQL returns ``uuid.UUID``)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    text = str(value)
    return text if len(text) == 32 else uuid.UUID(text).hex


def timeliness_for(
    course_ids: Sequence[Any], on: date | None = None
) -> dict[Any, dict[str, float | int | None]]:
    """``{course_id: {figure: value}}`` from three aggregate queries for all the courses:

    * ``handover_ack_hours`` — mean hours from request to first acknowledgement (kept on the
      handover when it is first acknowledged);
    * ``handovers_waiting`` — handovers waiting for acknowledgement now;
    * ``gap_days_total`` / ``gap_days_longest`` — days without any measure up to today
      (``logic.gaps``; planned future measures count no days that have not happened); ``None``
      for a course without dated measures;
    * ``contact_persons_current`` — team members active on the day;
    * ``contact_person_changes`` — people who joined after the course's first day, plus people
      who left (``TeamMember`` from/to).
    """
    on = on or today()
    ids = list(course_ids)
    result: dict[Any, dict[str, float | int | None]] = {cid: {} for cid in ids}
    if not ids:
        return result
    back = {_hex(cid): cid for cid in ids}
    pg = connection.vendor == "postgresql"
    param = _ids_value(list(back))
    handover_t, team_t, course_t = (
        Handover._meta.db_table,
        TeamMember._meta.db_table,
        Course._meta.db_table,
    )
    hours = (
        "ROUND(CAST(EXTRACT(EPOCH FROM (first_acknowledged_at - requested_at)) / 3600.0 "
        "AS numeric), 1)"
        if pg
        else "ROUND((julianday(first_acknowledged_at) - julianday(requested_at)) * 24.0, 1)"
    )
    day = "%s::date" if pg else "%s"
    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {course_t} WHERE {_in('id')}", [param])
        existing = {_hex(r[0]) for r in cur.fetchall()}
        for key in existing:
            cid = back[key]
            result[cid].update(
                handover_ack_hours=None,
                handovers_waiting=0,
                gap_days_total=None,
                gap_days_longest=None,
                contact_persons_current=0,
                contact_person_changes=0,
            )
        cur.execute(
            f"""SELECT course_id, AVG(CASE WHEN first_acknowledged_at IS NOT NULL
                    THEN {hours} END),
                SUM(CASE WHEN status = %s THEN 1 ELSE 0 END)
            FROM {handover_t} WHERE {_in("course_id")} GROUP BY course_id""",
            [logic.REQUESTED, param],
        )
        for course_id, mean, waiting in cur.fetchall():
            figures = result[back[_hex(course_id)]]
            figures["handover_ack_hours"] = round(float(mean), 1) if mean is not None else None
            figures["handovers_waiting"] = int(waiting or 0)
        cur.execute(
            f"""SELECT t.course_id,
                SUM(CASE WHEN t.valid_from <= {day}
                    AND (t.valid_to IS NULL OR t.valid_to >= {day}) THEN 1 ELSE 0 END),
                SUM(CASE WHEN t.valid_to < {day} THEN 1 ELSE 0 END)
                + SUM(CASE WHEN t.valid_from > (
                    SELECT MIN(x.valid_from) FROM {team_t} x WHERE x.course_id = t.course_id
                ) THEN 1 ELSE 0 END)
            FROM {team_t} t WHERE {_in("t.course_id")}
            GROUP BY t.course_id""",
            [on, on, on, param],
        )
        for course_id, current, changes in cur.fetchall():
            figures = result[back[_hex(course_id)]]
            figures["contact_persons_current"] = int(current or 0)
            figures["contact_person_changes"] = int(changes or 0)
    for key, (total, longest) in _gap_rows(param, on).items():
        figures = result[back[key]]
        figures["gap_days_total"] = total
        figures["gap_days_longest"] = longest
    return result


def course_timeliness(user: User, course_id: uuid.UUID | str) -> dict[str, Any]:
    access = course_selectors.access_for(user, course_id)
    figures = timeliness_for([access.course.pk])[access.course.pk]
    course_selectors.log_course_read(user, access, "tidsfigurer", Purpose.CASEWORK)
    return figures


AGGREGATE_ROLES = frozenset({Role.LEDER, Role.ANALYTIKER, Role.KOORDINATOR})
ORGANISATION_ROLES = frozenset({Role.LEDER, Role.ANALYTIKER})
SMALL = 5  # fewer courses than this: no figure (one course is one citizen)


def initiative_timeliness(user: User, initiative_id: uuid.UUID | str) -> dict[str, Any]:
    """Figures over an initiative's courses the user may count — those whose coordinating unit
    belongs to an organisation where the user is *leder* or *analytiker*, and the courses the
    user coordinates — as the mean and the number of courses with a value. Fewer than five
    courses with a value: no mean and ``n`` "<5". No citizen is shown, so nothing is logged."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    if not (roles_of(user) & AGGREGATE_ROLES):
        raise PermissionDenied(
            "Kun ledere, analytikere og koordinatorer kan se tal for en indsats."
        )
    memberships = membership_list(user)
    orgs = {m.unit.organisation_id for m in memberships if m.role in ORGANISATION_ROLES}
    units = [m.unit_id for m in memberships]
    ids = list(
        Course.objects.filter(initiative_id=initiative_id)
        .filter(
            Q(coordinator_unit__organisation_id__in=orgs)
            | Q(coordinator=user, coordinator_unit_id__in=units)
        )
        .values_list("pk", flat=True)
    )
    per_course = timeliness_for(ids)
    out: dict[str, Any] = {"courses": len(ids)}
    for key in FIGURE_KEYS:
        values: list[float] = [
            float(x) for x in (v.get(key) for v in per_course.values()) if x is not None
        ]
        small = len(values) < SMALL
        out[key] = {
            "mean": None if small else round(sum(values) / len(values), 1),
            "n": f"<{SMALL}" if small else len(values),
        }
    return out


@dataclass(frozen=True)
class HandoverFact:
    """One handover between two units, without anything about the citizen (for aggregate figures
    such as relational coordination's handovers between workgroups)."""

    course_id: Any
    from_unit_id: Any
    to_unit_id: Any
    hours_to_acknowledgement: float | None  # None: not acknowledged (yet)


def handover_facts(course_ids: Sequence[Any], start: date, end: date) -> list[HandoverFact]:
    """The handovers to a unit in Helhed requested in ``start``…``end`` in the given courses,
    with the hours from the request to the first acknowledgement. No access check and nothing
    logged: callers show only counts and means over many handovers."""
    out: list[HandoverFact] = []
    ids = list(course_ids)
    for i in range(0, len(ids), 900):
        rows = (
            Handover.objects.filter(
                course_id__in=ids[i : i + 900],
                to_unit__isnull=False,
                requested_at__date__gte=start,
                requested_at__date__lte=end,
            )
            .order_by()
            .values_list(
                "course_id", "from_unit_id", "to_unit_id", "requested_at", "first_acknowledged_at"
            )
        )
        for course_id, from_unit, to_unit, requested, acknowledged in rows:
            hours = (
                round((acknowledged - requested).total_seconds() / 3600, 1)
                if acknowledged is not None
                else None
            )
            out.append(HandoverFact(course_id, from_unit, to_unit, hours))
    return out
