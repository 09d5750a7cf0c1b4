"""The meeting rules as plain functions over plain values (no ORM): the earliest common time,
when a ruling deviates from a recommendation, what closing the minutes needs, and waiting times.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext

KEY_MAX = 64

# The texts of the structured minutes, in the order of the meeting's agenda.
MINUTES_FIELDS = (
    "problem_focus",
    "what_works",
    "what_worries",
    "exceptions",
    "legal_options",
    "motivation",
    "organisational_options",
    "plain_summary",
    "citizen_absence_reason",
)

YES = "ja"
MAYBE = "maaske"
NO = "nej"
ANSWERS = (YES, MAYBE, NO)


@dataclass(frozen=True)
class TimeOption:
    key: Hashable
    starts_at: datetime


@dataclass(frozen=True)
class Person:
    key: Hashable
    name: str
    required: bool = True


@dataclass(frozen=True)
class Blocker:
    """Why one proposed time does not fit: who cannot, who may not, who has not answered."""

    time: TimeOption
    unavailable: tuple[str, ...] = ()
    maybe: tuple[str, ...] = ()
    unanswered: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommonTime:
    """The result of :func:`earliest_common_time`.

    ``time`` is the earliest proposed time (not in the past) at which every required participant
    has answered yes. If there is none, ``tentative`` is the earliest time where every required
    participant answered yes or maybe (with ``maybe`` naming those who only said maybe), and
    ``blockers`` explains for each future time why it does not fit."""

    time: TimeOption | None
    tentative: TimeOption | None = None
    maybe: tuple[str, ...] = ()
    blockers: tuple[Blocker, ...] = field(default_factory=tuple)
    no_future_times: bool = False
    no_required: bool = False

    @property
    def found(self) -> bool:
        return self.time is not None


def earliest_common_time(
    times: Iterable[TimeOption],
    people: Sequence[Person],
    answers: Mapping[tuple[Hashable, Hashable], str],
    now: datetime,
) -> CommonTime:
    """The earliest future proposed time at which everyone required can come.

    ``answers`` maps ``(person key, time key)`` to ``"ja"``/``"maaske"``/``"nej"``; a missing
    answer counts as not available (the time cannot be promised to someone who has not said yes).
    Optional participants never block a time. Times before ``now`` are ignored."""
    future = sorted((t for t in times if t.starts_at >= now), key=lambda t: t.starts_at)
    required = [p for p in people if p.required]
    if not future:
        return CommonTime(None, no_future_times=True)
    if not required:
        return CommonTime(future[0], no_required=True)
    blockers: list[Blocker] = []
    tentative: TimeOption | None = None
    tentative_maybe: tuple[str, ...] = ()
    for option in future:
        no, maybe, missing = [], [], []
        for person in required:
            answer = answers.get((person.key, option.key))
            if answer == YES:
                continue
            if answer == MAYBE:
                maybe.append(person.name)
            elif answer == NO:
                no.append(person.name)
            else:
                missing.append(person.name)
        if not (no or maybe or missing):
            return CommonTime(option, blockers=tuple(blockers))
        if tentative is None and not no and not missing:
            tentative, tentative_maybe = option, tuple(maybe)
        blockers.append(Blocker(option, tuple(no), tuple(maybe), tuple(missing)))
    return CommonTime(None, tentative=tentative, maybe=tentative_maybe, blockers=tuple(blockers))


def ruling_deviates(recommended: str, outcome: str) -> bool:
    """A ruling deviates when its outcome differs from what was recommended (a partial grant of
    a recommended grant deviates too)."""
    return recommended != outcome


def ruling_errors(
    recommended: str, outcome: str, justification: str, decided_on: date, recommended_on: date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if ruling_deviates(recommended, outcome) and not justification.strip():
        errors["justification"] = (
            "Afgørelsen afviger fra indstillingen. Skriv en begrundelse for afvigelsen."
        )
    if decided_on < recommended_on:
        errors["decided_on"] = "Afgørelsen kan ikke ligge før indstillingen."
    return errors


def waiting_days(since: date, until: date) -> int:
    """Whole days from ``since`` to ``until`` (0 on the same day, never negative)."""
    return max((until - since).days, 0)


_web_address = URLValidator(schemes=["https", "http"])


def valid_link(link: str) -> bool:
    """A link to a virtual meeting must be a web address (http or https): never
    ``javascript:`` or ``data:``, which would run in the reader's browser."""
    try:
        _web_address(link)
    except ValidationError:
        return False
    return True


def clean_key(key: str | None) -> str | None:
    """An idempotency key as given (None when empty); one too long or with NUL is refused."""
    if key is None or key == "":
        return None
    if len(key) > KEY_MAX or "\x00" in key:
        raise ValidationError({"idempotency_key": gettext("Ugyldig nøgle.")})
    return key


@dataclass(frozen=True)
class OtherPerson:
    """A participant who is neither on the team nor a relative (a lawyer, an interpreter)."""

    name: str
    role: str = ""


def meeting_errors(
    *,
    kind_known: bool,
    purpose: str,
    place: str,
    virtual_link: str,
    has_participants: bool,
    times: Sequence[datetime],
    now: datetime,
    duration_minutes: int,
) -> dict[str, str]:
    """What is wrong with a meeting being planned (field by field)."""
    errors: dict[str, str] = {}
    if not kind_known:
        errors["kind"] = "Vælg en slags møde."
    if not purpose.strip():
        errors["purpose"] = "Skriv formålet med mødet."
    if not place.strip() and not virtual_link.strip():
        errors["place"] = "Angiv et sted eller et link til et virtuelt møde."
    if virtual_link.strip() and not valid_link(virtual_link.strip()):
        errors["virtual_link"] = gettext(
            "Linket til det virtuelle møde skal være en webadresse, der begynder med https://."
        )
    if not has_participants:
        errors["participants"] = "Et møde skal have deltagere. Vælg mindst én deltager."
    if not times:
        errors["proposed_times"] = "Foreslå mindst ét tidspunkt."
    elif any(t < now for t in times):
        errors["proposed_times"] = "De foreslåede tidspunkter skal ligge i fremtiden."
    if not 15 <= duration_minutes <= 8 * 60:
        errors["duration_minutes"] = "Varigheden skal være mellem 15 minutter og 8 timer."
    return errors


def one_year_after(day: date) -> date:
    """The same date a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def closing_errors(
    *,
    meeting_date: date,
    next_meeting_date: date | None,
    citizen_present: bool | None,
    citizen_absence_reason: str,
    problem_focus: str,
) -> dict[str, str]:
    """What is missing before the minutes can be closed."""
    errors: dict[str, str] = {}
    if next_meeting_date is None:
        errors["next_meeting_date"] = "Angiv datoen for næste møde, før referatet lukkes."
    elif next_meeting_date <= meeting_date:
        errors["next_meeting_date"] = "Næste møde skal ligge efter dette møde."
    elif next_meeting_date > one_year_after(meeting_date):
        errors["next_meeting_date"] = gettext("Næste møde skal ligge højst et år efter dette møde.")
    if citizen_present is None:
        errors["citizen_present"] = "Angiv, om borgeren deltog."
    elif citizen_present is False and not citizen_absence_reason.strip():
        errors["citizen_absence_reason"] = (
            "Borgeren deltager som udgangspunkt altid. Skriv, hvorfor borgeren ikke deltog."
        )
    if not problem_focus.strip():
        errors["problem_focus"] = "Skriv dagens problem i fokus."
    return errors


def is_overdue(due_date: date, done: bool, today: date) -> bool:
    return not done and due_date < today


def mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
