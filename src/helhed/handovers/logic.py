"""Plain rules of handovers and transitions — no ORM, so they can be read and tested on their own.

**The "don't let go" rule** (DOMAIN.md §4, 004:L731-739): the sending unit stays responsible for
the citizen until the receiving unit has *acknowledged* the handover **and** confirmed that it
*knows the citizen's situation*. Only then does responsibility move to the receiver. If the
citizen then does not arrive, the handover is reopened and responsibility is back on the sender.

**States** are FHIR ``Task.status`` codes::

    requested ──accept──▶ accepted ──confirm──▶ in-progress ──arrived──▶ completed
        │  ▲                 │                       │
        │  └─────────────────┼──────── not-arrived ──┘   (reopened: back on the sender)
        ├──decline──▶ rejected (reason required)
        └──revoke───▶ cancelled ◀──revoke── accepted

**Who** may take each step: the receiver acknowledges, declines and confirms; the sender
revokes; the receiver or the course's coordinator reports arrival. For a receiver outside Helhed
(no unit here) the sender records the receiver's answers on their behalf. The coordinator may
always act for the sender.

**Transitions** are computed from data: the 16th birthday (a transition plan to adult services
must start, Serviceloven § 19a as cited in 004:L695-701), the 18th birthday (child → adult law), the
expected end of an institutional stay (release from custody or prison, discharge from psychiatric
hospital, end of placement), and **gaps** — days on which no measure covers the citizen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from helhed.core.domain import DomainError

# --------------------------------------------------------------------------------------------
# States (FHIR Task.status), actions and who may take them
# --------------------------------------------------------------------------------------------

REQUESTED = "requested"
ACCEPTED = "accepted"
REJECTED = "rejected"
IN_PROGRESS = "in-progress"
COMPLETED = "completed"
CANCELLED = "cancelled"

STATUS_LABELS: tuple[tuple[str, str], ...] = (
    (REQUESTED, "Venter på kvittering"),
    (ACCEPTED, "Kvitteret – modtager skal bekræfte kendskab til situationen"),
    (REJECTED, "Afvist af modtager"),
    (IN_PROGRESS, "Overtaget – afventer borgerens fremmøde"),
    (COMPLETED, "Gennemført – borgeren er mødt op"),
    (CANCELLED, "Trukket tilbage af afsender"),
)
TERMINAL = frozenset({REJECTED, COMPLETED, CANCELLED})
OPEN = frozenset({REQUESTED, ACCEPTED, IN_PROGRESS})
# Open states the receiving unit has answered (acknowledged): only it can put a handover there.
RECEIVER_ANSWERED_OPEN = frozenset({ACCEPTED, IN_PROGRESS})


def answers_for_receiver(status: str, to_unit_id: Any, own_unit_ids: Collection[Any]) -> bool:
    """Whether writing a handover in ``status`` would answer for a receiving unit that is not
    one of the writer's own: only the receiver acknowledges a handover (an import cannot)."""
    return (
        status in RECEIVER_ANSWERED_OPEN
        and to_unit_id is not None
        and to_unit_id not in own_unit_ids
    )


ACCEPT = "accept"
DECLINE = "decline"
REVOKE = "revoke"
CONFIRM = "confirm"  # the receiver confirms they know the citizen's situation
ARRIVED = "arrived"
NOT_ARRIVED = "not-arrived"
ACTIONS = (ACCEPT, DECLINE, REVOKE, CONFIRM, ARRIVED, NOT_ARRIVED)

ACTION_LABELS: Mapping[str, str] = {
    "create": "Anmodning om overdragelse",
    ACCEPT: "Kvitteret for modtagelse",
    DECLINE: "Afvist",
    REVOKE: "Trukket tilbage",
    CONFIRM: "Bekræftet kendskab til borgerens situation",
    ARRIVED: "Borgeren er mødt op",
    NOT_ARRIVED: "Borgeren er ikke mødt op – genåbnet",
    "reschedule": "Ny aftale efter udeblivelse",  # RESCHEDULE: a history event, not a step
}

SENDER = "sender"
RECEIVER = "receiver"
COORDINATOR = "coordinator"

# (status, action) -> the next status. Anything not listed is illegal.
TRANSITIONS: Mapping[tuple[str, str], str] = {
    (REQUESTED, ACCEPT): ACCEPTED,
    (REQUESTED, DECLINE): REJECTED,
    (REQUESTED, REVOKE): CANCELLED,
    (ACCEPTED, CONFIRM): IN_PROGRESS,
    (ACCEPTED, REVOKE): CANCELLED,
    (IN_PROGRESS, ARRIVED): COMPLETED,
    (IN_PROGRESS, NOT_ARRIVED): REQUESTED,
}

# Who may take each action when the receiver is a unit in Helhed …
WHO_INTERNAL: Mapping[str, frozenset[str]] = {
    ACCEPT: frozenset({RECEIVER}),
    DECLINE: frozenset({RECEIVER}),
    CONFIRM: frozenset({RECEIVER}),
    REVOKE: frozenset({SENDER, COORDINATOR}),
    ARRIVED: frozenset({RECEIVER, COORDINATOR}),
    NOT_ARRIVED: frozenset({RECEIVER, COORDINATOR}),
}
# … and when it is a service outside Helhed: the sender records the receiver's answers.
WHO_EXTERNAL: Mapping[str, frozenset[str]] = {
    action: frozenset({SENDER, COORDINATOR}) for action in ACTIONS
}


class HandoverError(DomainError):
    """A refused step; ``status`` is the HTTP status an API answers with (the global handler in
    ``helhed.api`` renders it), ``message`` the Danish sentence a page shows."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Trinnet kan ikke tages"

    @property
    def message(self) -> str:
        return self.detail


class IllegalTransitionError(HandoverError):
    """The step is not possible from the handover's current state (409 Conflict)."""

    status: ClassVar[int] = 409
    title: ClassVar[str] = "Konflikt"


class NotPermittedError(HandoverError):
    """The user is not the party who may take this step (403)."""

    status: ClassVar[int] = 403
    title: ClassVar[str] = "Ikke tilladt"


_ILLEGAL_MESSAGES: Mapping[tuple[str, str], str] = {
    (ACCEPTED, ACCEPT): "Overdragelsen er allerede kvitteret.",
    (IN_PROGRESS, ACCEPT): "Overdragelsen er allerede kvitteret og overtaget.",
    (COMPLETED, ACCEPT): "Overdragelsen er allerede gennemført.",
    (IN_PROGRESS, CONFIRM): "Modtageren har allerede bekræftet at kende situationen.",
    (REQUESTED, CONFIRM): "Modtageren skal kvittere for overdragelsen, før kendskab bekræftes.",
    (IN_PROGRESS, REVOKE): (
        "Modtageren har overtaget ansvaret; en overtaget overdragelse kan ikke trækkes tilbage. "
        "Meld i stedet, om borgeren er mødt op."
    ),
    (REQUESTED, ARRIVED): "Fremmøde kan først meldes, når modtageren har overtaget ansvaret.",
    (ACCEPTED, ARRIVED): "Fremmøde kan først meldes, når modtageren har overtaget ansvaret.",
    (REQUESTED, NOT_ARRIVED): "Fremmøde kan først meldes, når modtageren har overtaget ansvaret.",
    (ACCEPTED, NOT_ARRIVED): "Fremmøde kan først meldes, når modtageren har overtaget ansvaret.",
    (ACCEPTED, DECLINE): "Overdragelsen er allerede kvitteret og kan ikke længere afvises.",
    (IN_PROGRESS, DECLINE): "Overdragelsen er allerede overtaget og kan ikke længere afvises.",
}


# In an escorted handover the sender goes with the citizen, so the escorting worker (the sender)
# may report the arrival too.
ESCORTED_ALSO: Mapping[str, frozenset[str]] = {
    ARRIVED: frozenset({SENDER}),
    NOT_ARRIVED: frozenset({SENDER}),
}


def next_status(
    status: str, action: str, roles: Iterable[str], *, external: bool, escorted: bool = False
) -> str:
    """The status after ``action``, or ``IllegalTransitionError`` / ``NotPermittedError``.

    The state is checked first: acknowledging twice is "already acknowledged" (409) whoever asks.
    ``escorted``: the sender goes with the citizen and may report the arrival as well.
    """
    if action not in ACTIONS:
        raise IllegalTransitionError(f"Ukendt handling: {action}.")
    target = TRANSITIONS.get((status, action))
    if target is None:
        if status in TERMINAL:
            label = dict(STATUS_LABELS)[status].lower()
            raise IllegalTransitionError(
                f"Overdragelsen er afsluttet ({label}) og kan ikke ændres."
            )
        raise IllegalTransitionError(
            _ILLEGAL_MESSAGES.get((status, action), "Det kan ikke lade sig gøre i denne tilstand.")
        )
    allowed = (WHO_EXTERNAL if external else WHO_INTERNAL)[action]
    if escorted:
        allowed = allowed | ESCORTED_ALSO.get(action, frozenset())
    if not allowed & set(roles):
        raise NotPermittedError(_who_message(action, external, escorted))
    return target


def _who_message(action: str, external: bool, escorted: bool = False) -> str:
    if external:
        return (
            "Kun afsender eller forløbets koordinator kan registrere svar fra en ekstern modtager."
        )
    if action in (ACCEPT, DECLINE, CONFIRM):
        return "Kun den modtagende enhed kan kvittere, afvise eller bekræfte kendskab."
    if action == REVOKE:
        return (
            "Kun den afsendende enhed eller forløbets koordinator kan trække overdragelsen tilbage."
        )
    if escorted:
        return (
            "Kun den modtagende enhed, den ledsagende afsender eller forløbets koordinator kan "
            "melde fremmøde."
        )
    return "Kun den modtagende enhed eller forløbets koordinator kan melde fremmøde."


def allowed_actions(
    status: str, roles: Iterable[str], *, external: bool, escorted: bool = False
) -> list[str]:
    """The actions this user may take now (for showing the right buttons)."""
    result = []
    for action in ACTIONS:
        try:
            next_status(status, action, roles, external=external, escorted=escorted)
        except HandoverError:
            continue
        result.append(action)
    return result


def responsible_side(status: str) -> str:
    """Who holds responsibility: the receiver only after acknowledgement *and* confirmed
    knowledge of the situation (in-progress) and once the citizen has arrived (completed)."""
    return RECEIVER if status in (IN_PROGRESS, COMPLETED) else SENDER


def hours_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 1)


def days_waiting(requested: datetime, now: datetime) -> int:
    """Whole days an unanswered handover has waited."""
    return max(0, (now - requested).days)


def calendar_days(since: date, today: date) -> int:
    """Calendar days from ``since`` to ``today`` (0 on the same day) — the one rule for how long
    a handover has waited, on the pages and in the escalation job."""
    return max(0, (today - since).days)


def overdue(requested: datetime, now: datetime, escalate_after_days: int) -> bool:
    return days_waiting(requested, now) >= escalate_after_days


# --------------------------------------------------------------------------------------------
# After a no-show: a new appointment; an arrival that needs the reporter's confirmation
# --------------------------------------------------------------------------------------------

RESCHEDULE = "reschedule"  # not a change of status: a new appointment after a no-show
EVENT_LABELS: Mapping[str, str] = ACTION_LABELS  # every event of the history, by its action
CONFIRM_ARRIVAL = "confirm_arrival"  # the API's and the form's field name
CONFIRM_ARRIVAL_LABEL = (
    "Jeg bekræfter, at borgeren er mødt op, selv om det er før den forventede dato, eller "
    "borgeren er registreret i et ophold"
)


def _dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def check_reschedule(
    *, status: str, arrival: str, roles: Iterable[str], reopened_count: int
) -> None:
    """A new appointment is made by the sender or the coordinator (the sender's side holds the
    responsibility again) on an open handover where the citizen did not arrive."""
    if status in TERMINAL:
        label = dict(STATUS_LABELS)[status].lower()
        raise IllegalTransitionError(f"Overdragelsen er afsluttet ({label}) og kan ikke ændres.")
    if arrival != "ikke-moedt" or not reopened_count:
        raise IllegalTransitionError(
            "En ny aftale laves, når borgeren ikke er mødt op. Meld først, at borgeren ikke "
            "mødte op."
        )
    if not {SENDER, COORDINATOR} & set(roles):
        raise NotPermittedError(
            "Kun den afsendende enhed eller forløbets koordinator kan lave en ny aftale."
        )


def appointment_errors(
    appointment: date | None, expected: date | None, today: date, *, required: bool
) -> dict[str, str]:
    """The new appointment's date and the expected first attendance (field names of the API).
    A new appointment lies today or later; the expected first attendance not before it."""
    errors: dict[str, str] = {}
    if appointment is None:
        if required:
            errors["appointment_date"] = "Angiv datoen for den nye aftale hos modtageren."
    elif not plausible_date(appointment):
        errors["appointment_date"] = IMPLAUSIBLE_DATE
    elif required and appointment < today:
        errors["appointment_date"] = "Den nye aftale kan ikke ligge før i dag."
    if expected is not None and not plausible_date(expected):
        errors["expected_start"] = IMPLAUSIBLE_DATE
    elif (
        expected is not None
        and appointment is not None
        and "appointment_date" not in errors
        and expected < appointment
    ):
        errors["expected_start"] = (
            f"Forventet første fremmøde kan ikke ligge før aftalen ({_dmy(appointment)})."
        )
    return errors


@dataclass(frozen=True)
class StayNow:
    """A registered stay the citizen is in on the day (``label`` empty: a kind the reporter may
    not be told)."""

    label: str
    expected_end: date


def in_stay(start: date, actual_end: date | None, day: date) -> bool:
    """Is a stay registered as going on that day? Begun, and not ended before the day (a stay
    whose expected end has passed without an actual end is still registered)."""
    return start <= day and (actual_end is None or actual_end > day)


def arrival_doubts(day: date, expected_start: date | None, stays: Sequence[StayNow]) -> str:
    """Why an arrival reported on ``day`` needs the reporter's explicit confirmation: it is
    before the expected date, or the citizen is in a registered stay (custody, admission …).
    Empty when nothing speaks against it."""
    reasons = []
    if expected_start is not None and day < expected_start:
        reasons.append(f"Borgeren forventes først at møde op {_dmy(expected_start)}.")
    for stay in stays:
        if stay.label:
            reasons.append(
                f"Borgeren er registreret i et ophold: {stay.label.lower()} (forventet slut "
                f"{_dmy(stay.expected_end)})."
            )
        else:  # a kind the reporter may not be told: only that there is one
            reasons.append("Borgeren er registreret i et institutionsophold.")
    if not reasons:
        return ""
    return " ".join(
        [*reasons, f"Sæt kryds i »{CONFIRM_ARRIVAL_LABEL}«, hvis borgeren alligevel er mødt op."]
    )


# --------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------

TURNS_16 = "turns-16"
TURNS_18 = "turns-18"

# Default lead times in days: how long ahead the coordinator is alerted. Override with the
# setting HELHED_TRANSITION_LEAD_DAYS = {"turns-18": 120, …} (docs/handovers.md).
DEFAULT_LEAD_DAYS: Mapping[str, int] = {
    TURNS_16: 90,
    TURNS_18: 90,
    "varetaegt": 30,
    "faengsel": 60,
    "psykiatri": 14,
    "anbringelse": 90,
    "doegnbehandling": 30,
    "hospital": 7,
    "gap": 30,
}

TRANSITION_LABELS: Mapping[str, str] = {
    TURNS_16: "Fylder 16 år – overgangsplan til voksenområdet skal påbegyndes",
    TURNS_18: "Fylder 18 år – overgang fra børne- til voksenlovgivning",
    "varetaegt": "Løsladelse fra varetægt",
    "faengsel": "Løsladelse fra fængsel",
    "psykiatri": "Udskrivning fra psykiatrisk afdeling",
    "anbringelse": "Anbringelsen ophører",
    "doegnbehandling": "Døgnbehandlingen slutter",
    "hospital": "Udskrivning fra hospital",
    "gap": "Indsats slutter uden at en ny starter",
}

# The data category of a stay (``courses.logic.DATA_CATEGORIES``): custody is crime data,
# psychiatric admission and treatment health data, a placement social data.
STAY_CATEGORY: Mapping[str, str] = {
    "varetaegt": "crime",
    "faengsel": "crime",
    "psykiatri": "health",
    "doegnbehandling": "health",
    "hospital": "health",
    "anbringelse": "social",
}


def lead_days(kind: str, overrides: Mapping[str, Any] | None = None) -> int:
    """The lead time for ``kind`` (overrides first, then the defaults, else 30 days)."""
    if overrides and kind in overrides:
        return int(overrides[kind])
    return DEFAULT_LEAD_DAYS.get(kind, 30)


def birthday(born: date, years: int) -> date:
    """The day a person born on ``born`` turns ``years``. Someone born on 29 February turns a year
    older on 1 March in a common year (as ``courses.logic.age_on`` counts)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)


@dataclass(frozen=True)
class Transition:
    kind: str  # TURNS_16, TURNS_18, a stay kind, or "gap"
    on: date  # the day it happens
    alert_from: date  # the first day the coordinator is alerted
    label: str
    key: str = ""  # what it is about (a stay's or family member's id) — part of the dedupe key
    who: str = ""  # a family member's name, shown only where the family is shown (never alerts)

    def days_until(self, today: date) -> int:
        return (self.on - today).days

    def due_for_alert(self, today: date) -> bool:
        """Inside the alert window: from ``alert_from`` up to and including the day itself."""
        return self.alert_from <= today <= self.on


def age_transitions(
    born: date,
    lead: Mapping[str, Any] | None = None,
    *,
    member: Any = None,
    who: str = "",
) -> list[Transition]:
    """The 16th and 18th birthdays with their alert dates — of the course's citizen, or (with
    ``member``) of a child in the family the course's plan covers."""
    result = []
    for kind, years in ((TURNS_16, 16), (TURNS_18, 18)):
        on = birthday(born, years)
        label = TRANSITION_LABELS[kind]
        if member is not None:
            label = f"Barn i familien {label[0].lower()}{label[1:]}"
        result.append(
            Transition(
                kind,
                on,
                on - timedelta(days=lead_days(kind, lead)),
                label,
                key=str(member) if member is not None else "",
                who=who,
            )
        )
    return result


@dataclass(frozen=True)
class StayFacts:
    key: Any
    kind: str
    expected_end: date
    actual_end: date | None


IMPLAUSIBLE_DATE = "Datoen skal ligge mellem år 1900 og 2200."


def plausible_date(day: date) -> bool:
    """Dates Helhed accepts from people: years 1900-2200 (a typo like 01.01.0001 is refused)."""
    return 1900 <= day.year <= 2200


def days_before(day: date, days: int) -> date:
    """``day - days``, clamped to ``date.min`` (never an OverflowError for an odd stored date)."""
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min


def stay_transitions(
    stays: Iterable[StayFacts], lead: Mapping[str, Any] | None = None
) -> list[Transition]:
    """Release/discharge for every stay not yet ended."""
    result = []
    for stay in stays:
        if stay.actual_end is not None:
            continue
        result.append(
            Transition(
                stay.kind,
                stay.expected_end,
                days_before(stay.expected_end, lead_days(stay.kind, lead)),
                TRANSITION_LABELS.get(stay.kind, stay.kind),
                key=str(stay.key),
            )
        )
    return result


def transition_alert_key(t: Transition, course_id: Any) -> str:
    """The dedupe key of the alert about ``t`` (``alerts.transition_alerts``): the page says
    "Koordinatoren er varslet" only where a notification with this key exists."""
    if t.kind in (TURNS_16, TURNS_18):
        years = 16 if t.kind == TURNS_16 else 18
        return f"overgang-{years}:{course_id}" + (f":{t.key}" if t.key else "")
    return f"overgang-{t.kind}:{t.key}:{t.on.isoformat()}"


def upcoming(
    transitions: Iterable[Transition], today: date, *, horizon_days: int = 365
) -> list[Transition]:
    """Transitions from today up to ``horizon_days`` ahead, soonest first."""
    end = today + timedelta(days=horizon_days)
    return sorted((t for t in transitions if today <= t.on <= end), key=lambda t: (t.on, t.kind))


# --------------------------------------------------------------------------------------------
# Gaps: days on which no measure covers the citizen
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: Any
    start: date
    end: date | None  # last day, inclusive; None = open-ended (covers everything after start)


@dataclass(frozen=True)
class Gap:
    after: Any  # the measure whose end opens the gap
    before: Any | None  # the measure whose start closes it (None: nothing has started yet)
    first_day: date  # the first day without a measure
    # The last day without a measure (for an open gap: ``until``); None for a planned gap with
    # nothing planned after it (its end is not known).
    last_day: date | None
    open: bool  # no next measure yet: the gap is still running (or, planned, will not end)
    planned: bool = False  # it has not begun: it starts after today (``gap_picture``)

    @property
    def days(self) -> int | None:
        """Length in days: the days no measure covers (both ends inclusive); None when the gap
        has no known end (planned, with nothing after it)."""
        if self.last_day is None:
            return None
        return (self.last_day - self.first_day).days + 1

    @property
    def measure_end(self) -> date:
        """The last day of the measure whose end opens the gap."""
        return self.first_day - timedelta(days=1)

    @property
    def alert_key(self) -> str:
        """The dedupe key of the alert about this gap (``alerts.gap_alerts``)."""
        return f"hul:{self.after}:{self.measure_end.isoformat()}"

    def alert_from(self, lead: int) -> date:
        """The first day the coordinator is alerted: ``lead`` days before the measure ends."""
        return days_before(self.measure_end, lead)


def gaps(periods: Sequence[Period], until: date | None = None) -> list[Gap]:
    """The gaps between measures.

    End dates are the measure's last day, so a next measure starting the same day or the day
    after leaves no gap; one starting two days later leaves a gap of one day. An open-ended
    measure covers everything after its start. With ``until`` (today, for a running course) a
    last measure that ended before ``until`` with nothing after it is an *open* gap up to and
    including ``until``; without it (a closed course) the end of the last measure is the end.
    """
    ordered = sorted(periods, key=lambda p: (p.start, p.end or date.max))
    result: list[Gap] = []
    if not ordered:
        return result
    covered_to: date | None = ordered[0].end  # None: open-ended, covers everything after
    last_key = ordered[0].key
    for period in ordered[1:]:
        if covered_to is None:
            break
        if period.start > covered_to + timedelta(days=1):
            result.append(
                Gap(
                    after=last_key,
                    before=period.key,
                    first_day=covered_to + timedelta(days=1),
                    last_day=period.start - timedelta(days=1),
                    open=False,
                )
            )
        if period.end is None or period.end >= covered_to:
            covered_to, last_key = period.end, period.key
    if covered_to is not None and until is not None and until > covered_to:
        result.append(
            Gap(
                after=last_key,
                before=None,
                first_day=covered_to + timedelta(days=1),
                last_day=until,
                open=True,
            )
        )
    return result


def gap_figures(found: Sequence[Gap], on: date | None = None) -> tuple[int, int]:
    """(total gap days, longest gap in days). With ``on`` (today) only the days up to and
    including ``on`` count: a gap before a measure planned to start next month has not happened
    yet beyond today."""
    lengths = [
        (g.days or 0) if on is None else (min(g.last_day or on, on) - g.first_day).days + 1
        for g in found
        if on is None or g.first_day <= on
    ]
    if not lengths:
        return 0, 0
    return sum(lengths), max(lengths)


@dataclass(frozen=True)
class GapPicture:
    """A course's gaps as read on a day — the one source of the page's table, its summary ("I
    alt … dage; længste hul …"), the API, the alerts and the timeliness figures (the SQL of
    ``selectors.gap_figures_sql`` is tested equal to it): the gaps that happened, the one running
    now, and the **planned** ones (a measure ending with nothing planned after it, or a later
    measure planned to start more than a day after). ``total``/``longest`` count the days up to
    and including the day; a planned gap counts no days until it begins."""

    gaps: tuple[Gap, ...]
    total: int
    longest: int

    @property
    def planned(self) -> list[Gap]:
        return [g for g in self.gaps if g.planned]

    @property
    def begun(self) -> list[Gap]:
        return [g for g in self.gaps if not g.planned]


def gap_picture(
    periods: Sequence[Period], on: date, *, running: bool, course_end: date | None = None
) -> GapPicture:
    """Every gap of a course on ``on`` (see :class:`GapPicture`). ``periods`` as
    ``selectors.measure_periods`` gives them (a running measure ends on its expected end when
    that is today or later). A running course's gaps run up to ``on`` (or its end); a closed
    course ends with its last measure. A running course whose last measure ends today or later
    with nothing after it, before the course's own end, has a planned gap from the day after."""
    # One order whatever order the rows came in (PostgreSQL returns ties in any order): two
    # measures with the same dates name the same one on the page, in the alert and in the API.
    periods = sorted(periods, key=lambda p: (p.start, p.end or date.max, str(p.key)))
    until = (on if course_end is None else min(on, course_end)) if running else None
    found = [g if g.first_day <= on else replace(g, planned=True) for g in gaps(periods, until)]
    if running and periods and all(p.end is not None for p in periods):
        last = max(periods, key=lambda p: (p.end or date.max, p.start, str(p.key)))
        assert last.end is not None
        if last.end >= on and (course_end is None or last.end < course_end):
            found.append(
                Gap(
                    after=last.key,
                    before=None,
                    first_day=last.end + timedelta(days=1),
                    last_day=None,
                    open=True,
                    planned=True,
                )
            )
    total, longest = gap_figures(found, on)
    return GapPicture(tuple(found), total, longest)


def gaps_to_alert(picture: GapPicture, on: date, lead: int) -> list[Gap]:
    """The planned gaps the coordinator is alerted about on ``on``: the measure before the gap
    ends within ``lead`` days (from today up to and including the last day of the lead)."""
    return [g for g in picture.planned if on <= g.measure_end <= on + timedelta(days=lead)]


def covered_on(periods: Sequence[Period], day: date) -> bool:
    """Does a measure cover the citizen on ``day``?"""
    return any(p.start <= day and (p.end is None or p.end >= day) for p in periods)


# --------------------------------------------------------------------------------------------
# FHIR Task (R4/R5 shape) for later interoperability
# --------------------------------------------------------------------------------------------

ARRIVAL_CODES: Mapping[str, str] = {
    "moedt": "arrived",
    "ikke-moedt": "did-not-arrive",
}


STATUS_REASON_SYSTEM = "urn:helhed:handover-status-reason"
STATUS_REASONS: Mapping[str, str] = {
    "declined": "Afvist af modtager",
    "revoked": "Trukket tilbage af afsender",
}


def fhir_task(
    *,
    handover_id: Any,
    status: str,
    citizen_id: Any | None,
    plan_id: Any | None,
    requester: tuple[Any, str],
    owner: tuple[Any | None, str],
    authored_on: datetime,
    last_modified: datetime,
    mode: str,
    arrival: str = "",
    status_reason: str = "",
) -> dict[str, Any]:
    """A handover as a FHIR ``Task``: ``status`` is stored as the Task.status code already; the
    arrival report goes in ``businessStatus``; a decline or revocation as a *code* in
    ``statusReason`` (the free-text reason stays in Helhed). References use Helhed's ids (never
    a CPR number), and the citizen and plan are referenced (``for``/``focus``) only when the
    reader may know who the citizen is; a receiver outside Helhed is named by display only. The
    description is deliberately generic — the free text of the request stays in Helhed, where
    access rules apply."""
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(handover_id),
        "status": status,
        "intent": "order",
        "code": {"text": "Overdragelse af borgerforløb"},
        "description": "Overdragelse (ledsaget)"
        if mode == "ledsaget"
        else "Overdragelse (henvist)",
        "authoredOn": authored_on.isoformat(),
        "lastModified": last_modified.isoformat(),
        "requester": {"reference": f"Organization/{requester[0]}", "display": requester[1]},
        "owner": (
            {"reference": f"Organization/{owner[0]}", "display": owner[1]}
            if owner[0] is not None
            else {"display": owner[1]}
        ),
    }
    if citizen_id is not None:
        task["for"] = {"reference": f"Patient/{citizen_id}"}
    if plan_id is not None:
        task["focus"] = {"reference": f"CarePlan/{plan_id}"}
    if arrival in ARRIVAL_CODES:
        task["businessStatus"] = {"text": ARRIVAL_CODES[arrival]}
    if status_reason in STATUS_REASONS:
        task["statusReason"] = {
            "coding": [
                {
                    "system": STATUS_REASON_SYSTEM,
                    "code": status_reason,
                    "display": STATUS_REASONS[status_reason],
                }
            ]
        }
    return task


def handover_categories(measure_category: str | None, unit_category: str | None) -> frozenset[str]:
    """Every data category a handover reveals to whoever sees it: its measure's (the measure is
    named) and the receiving unit's own category (naming a "Rusmiddelcenter" reveals drug
    treatment, whatever fagområde the unit is filed under); plan when neither says more. A reader
    who is not a party sees the handover only if they may see all of them."""
    found = {c for c in (measure_category, unit_category) if c and c != "plan"}
    return frozenset(found or {"plan"})


def handover_category(measure_category: str | None, unit_category: str | None) -> str:
    """The one category a timeline event of the handover carries (its label names the receiving
    unit, not the measure): the receiving unit's own category where it says more than plan, else
    the measure's, else plan. Pages, lists and the API use :func:`handover_categories`."""
    if unit_category and unit_category != "plan":
        return unit_category
    return measure_category or "plan"
