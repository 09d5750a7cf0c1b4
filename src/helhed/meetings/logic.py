"""The meeting rules as plain functions over plain values (no ORM): the earliest common time,
when a ruling deviates from a recommendation, what closing the minutes needs, and waiting times.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import holidays
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


def took_place_errors(starts_at: datetime | None, now: datetime) -> dict[str, str]:
    """Minutes can be closed only once the meeting has a time and has begun."""
    if starts_at is None:
        return {"proposed_time": "Vælg mødets tidspunkt, før referatet lukkes."}
    if starts_at > now:
        return {
            "starts_at": gettext(
                "Mødet har ikke fundet sted endnu. Referatet kan lukkes, når mødet er holdt."
            )
        }
    return {}


def minutes_texts(texts: Mapping[str, str | None]) -> dict[str, str]:
    """The minutes' texts, stripped; a name that is not one of them is a programming error."""
    unknown = set(texts) - set(MINUTES_FIELDS)
    if unknown:
        raise ValueError(f"unknown minutes fields: {sorted(unknown)}")
    return {name: (value or "").strip() for name, value in texts.items()}


@dataclass(frozen=True)
class TaskSpec:
    """A task of a decision as plain values: the owner is a participant of the meeting (by id),
    the goal and measure (ids) belong to the course's plan."""

    title: str
    owner_id: Any
    due_date: date | None
    goal_id: Any = None
    measure_id: Any = None


def task_errors(
    *, title: str, has_owner: bool, owner_found: bool, due_date: date | None, meeting_day: date
) -> dict[str, str]:
    """What is wrong with a task: it needs a title, an owner who takes part in the meeting, and
    a due date not before the meeting."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["task_title"] = "Skriv opgaven."
    if not has_owner:
        errors["task_owner"] = "En opgave skal have en ansvarlig. Vælg, hvem der gør det."
    elif not owner_found:
        errors["task_owner"] = "Den ansvarlige skal være deltager i mødet."
    if due_date is None:
        errors["task_due_date"] = "Angiv en frist."
    elif due_date < meeting_day:
        errors["task_due_date"] = gettext("Fristen kan ikke ligge før mødet (%(date)s).") % {
            "date": meeting_day.strftime("%d.%m.%Y")
        }
    return errors


@dataclass(frozen=True)
class FamilyInvite:
    """A member of the course's household (a child, a partner) invited to a meeting: required
    ("skal deltage": blocks a time until they say yes) or optional ("kan deltage")."""

    citizen_id: Any
    required: bool = True


@dataclass(frozen=True)
class ImportedOwner:
    """Who owns an imported task (``import_meeting``): a team member of the course (``team``,
    by id), the citizen (``borger``), a member of the course's family (``familie``, by citizen
    id) or someone else, by name only (``andet``)."""

    kind: str
    member_id: Any = None
    name: str = ""


@dataclass(frozen=True)
class ImportedTask:
    title: str
    owner: ImportedOwner
    due_date: date | None
    done_at: datetime | None = None
    goal_id: Any = None
    measure_id: Any = None


@dataclass(frozen=True)
class ImportedDecision:
    text: str
    measure_id: Any = None
    tasks: tuple[ImportedTask, ...] = ()


def family_role(age: int) -> str:
    """How a household member is described among the participants."""
    return f"Familiemedlem, {age} år"


def held_meeting_errors(
    *,
    kind_known: bool,
    purpose: str,
    place: str,
    virtual_link: str,
    anyone_present: bool,
    starts_at: datetime | None,
    meeting_date: date | None,
    now: datetime,
    course_began: date,
    today: date,
    duration_minutes: int,
    next_meeting_date: date | None,
    citizen_present: bool | None,
    citizen_absence_reason: str,
    problem_focus: str,
) -> dict[str, str]:
    """What is wrong with a meeting registered after it took place (field by field): the
    planning rules but for the time, which must be in the past and not before the course began,
    someone who took part, and what closing the minutes needs."""
    errors = meeting_errors(
        kind_known=kind_known,
        purpose=purpose,
        place=place,
        virtual_link=virtual_link,
        has_participants=anyone_present,
        times=[now],  # checked below instead
        now=now,
        duration_minutes=duration_minutes,
    )
    if not anyone_present:
        errors["participants"] = gettext(
            "Angiv, hvem der deltog i mødet. Vælg mindst én, der deltog."
        )
    if starts_at is None or meeting_date is None:
        errors["starts_at"] = gettext("Angiv dato og klokkeslæt for mødet.")
    elif starts_at > now:
        errors["starts_at"] = gettext(
            "Mødet ligger i fremtiden. Et møde, der ikke er holdt endnu, planlægges med "
            "»Planlæg et møde«."
        )
    elif meeting_date < course_began:
        errors["starts_at"] = gettext(
            "Mødet kan ikke ligge før forløbet begyndte (henvist %(date)s)."
        ) % {"date": course_began.strftime("%d.%m.%Y")}
    closing = closing_errors(
        meeting_date=meeting_date or date.min,
        next_meeting_date=next_meeting_date,
        citizen_present=citizen_present,
        citizen_absence_reason=citizen_absence_reason,
        problem_focus=problem_focus,
    )
    if meeting_date is None and next_meeting_date is not None:
        closing.pop("next_meeting_date", None)
    if "next_meeting_date" not in closing and next_meeting_date and next_meeting_date < today:
        closing["next_meeting_date"] = gettext(
            "Datoen for næste møde er passeret. Vælg en dato fra i dag; et senere møde, der "
            "allerede er holdt, registreres for sig."
        )
    return errors | closing


# The days most public workplaces are closed though they are not public holidays (the
# "fridage" of the public collective agreements): Grundlovsdag, juleaftensdag, nytårsaftensdag.
_DAYS_OFF = {(6, 5), (12, 24), (12, 31)}


def danish_holiday(day: date, language: str = "da") -> str | None:
    """The name of the Danish public holiday on ``day`` (helligdag, from the ``holidays``
    library: Easter and the days that follow it are computed there), or of a day most public
    workplaces are closed (Grundlovsdag, juleaftensdag, nytårsaftensdag); None on other days."""
    lang = "da" if language.startswith("da") else "en_US"
    public = holidays.country_holidays("DK", years=day.year, language=lang)
    if day in public:
        return str(public[day])
    if (day.month, day.day) in _DAYS_OFF:
        optional = holidays.country_holidays(
            "DK", years=day.year, language=lang, categories=(holidays.OPTIONAL,)
        )
        name = optional.get(day)
        return str(name) if name else None
    return None


def day_warnings(day: date | None, language: str = "da") -> list[str]:
    """Warnings about a meeting date: on a weekend or on a Danish public holiday (or a day most
    public workplaces are closed). The date is not refused: a weekend meeting may be agreed."""
    if day is None:
        return []
    when = day.strftime("%d.%m.%Y")
    holiday = danish_holiday(day, language)
    if holiday:
        return [
            gettext(
                "Næste møde den %(date)s falder på en helligdag eller fridag (%(name)s). "
                "Tjek, at alle kan komme, eller vælg en anden dato."
            )
            % {"date": when, "name": holiday}
        ]
    if day.weekday() >= 5:
        weekday = gettext("en lørdag") if day.weekday() == 5 else gettext("en søndag")
        return [
            gettext(
                "Næste møde den %(date)s falder på %(weekday)s. Tjek, at alle kan komme, eller "
                "vælg en hverdag."
            )
            % {"date": when, "weekday": weekday}
        ]
    return []
