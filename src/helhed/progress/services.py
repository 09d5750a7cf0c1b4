"""Writes of the progress app: measurements (one instrument, one course, one day), goal-attainment
ratings with the derived GAS T-score, and hard-outcome states.

Each function checks who may write (the citizen on their own course; a professional with access to
the course and to the instrument's data categories), validates everything before writing, and
writes in one transaction: bad input raises Django's ``ValidationError`` with a message per field
(per item for the answers), and nothing is half-written. A repeated submission — the same
idempotency key, or the same instrument for the same course (and goal) on the same day — raises
:class:`DuplicateSubmissionError`, which names the measurement that is already there.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from helhed.core.domain import DomainError
from helhed.core.models import User, UserKind
from helhed.core.selectors import today
from helhed.courses.models import Course, Goal, GoalStatus
from helhed.courses.selectors import access_for
from helhed.progress import logic
from helhed.progress.models import (
    CourseSummary,
    EnteredBy,
    Measurement,
    MeasurementSchedule,
    OutcomeState,
)


class DuplicateSubmissionError(DomainError):
    """The same answers were already received (same key, or same instrument/course/day). The API
    answers 409 with the id of the measurement already there (``existing_id``); pages say so."""

    status = 409
    title = "Allerede modtaget"

    def __init__(self, message: str, existing: Measurement | None) -> None:
        super().__init__(message, existing_id=str(existing.pk) if existing is not None else None)
        self.existing = existing


def _writable_course(
    user: User, course_id: uuid.UUID | str, categories: tuple[str, ...]
) -> tuple[Course, str]:
    """The course ``user`` may record for, and how the entry is attributed. A citizen records on
    their own courses only; a professional needs access to the course and to every category."""
    if not user.is_authenticated:
        raise PermissionDenied
    if user.kind == UserKind.CITIZEN:
        course = Course.objects.filter(pk=course_id, citizen__user=user).first()
        if course is None:
            raise PermissionDenied
        return course, EnteredBy.CITIZEN
    access = access_for(user, course_id)
    if not all(access.may(c) for c in categories):
        raise PermissionDenied
    return access.course, EnteredBy.PROFESSIONAL


def _check_date(on: date | None, field: str = "measured_on") -> date:
    on = on or today()
    if on > today():
        raise ValidationError({field: [_("Datoen må ikke ligge i fremtiden.")]})
    if on.year < 2000:
        raise ValidationError({field: [_("Datoen er for gammel.")]})
    return on


def _check_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if len(key) > 64 or "\x00" in key:
        raise ValidationError({"idempotency_key": [_("Ugyldig nøgle.")]})
    return key


def record_measurement(
    user: User,
    *,
    course_id: uuid.UUID | str,
    instrument: str,
    answers: Mapping[str, Any],
    measured_on: date | None = None,
    goal_id: uuid.UUID | str | None = None,
    comments: Mapping[str, str] | None = None,
    with_citizen: bool = False,
    idempotency_key: str | None = None,
) -> Measurement:
    """Record one answered instrument. The score is computed here (all items answered)."""
    try:
        inst = logic.instrument(instrument)
    except ValueError as exc:
        raise ValidationError({"instrument": [str(exc)]}) from None
    course, entered_as = _writable_course(user, course_id, inst.categories)
    with transaction.atomic():
        measurement = _record(
            user,
            course,
            entered_as,
            inst,
            answers,
            measured_on=measured_on,
            goal_id=goal_id,
            comments=comments,
            with_citizen=with_citizen,
            idempotency_key=idempotency_key,
        )
        if inst.per_goal:
            _update_gas_t(course, measurement.measured_on, user, measurement.entered_as)
        refresh_summary(course_id=course.pk)
    return measurement


def _record(
    user: User,
    course: Course,
    entered_as: str,
    inst: logic.Instrument,
    answers: Mapping[str, Any],
    *,
    measured_on: date | None,
    goal_id: uuid.UUID | str | None,
    comments: Mapping[str, str] | None,
    with_citizen: bool,
    idempotency_key: str | None,
) -> Measurement:
    """Validate one answered instrument and write it: a repeated key or the same day again is a
    :class:`DuplicateSubmissionError`, bad input a ``ValidationError`` naming every field."""
    key = _check_key(idempotency_key)
    _check_not_received(user, key)
    on = _check_date(measured_on)
    goal, errors = _goal_of(inst, course, goal_id)
    clean, item_errors = logic.validate_answers(inst, answers)
    errors |= {item_key: [message] for item_key, message in item_errors.items()}
    comment_map, comment_errors = _clean_comments(inst, comments)
    errors |= comment_errors
    if errors:
        raise ValidationError(errors)
    _check_same_day(course, inst, on, goal)
    if entered_as == EnteredBy.PROFESSIONAL and with_citizen:
        entered_as = EnteredBy.WITH_CITIZEN
    try:
        with transaction.atomic():
            return Measurement.objects.create(
                course=course,
                goal=goal,
                instrument=inst.key,
                version=inst.version,
                measured_on=on,
                answers=clean,
                comments=comment_map,
                score=logic.score(inst, clean),
                entered_by=user,
                entered_as=entered_as,
                idempotency_key=key,
            )
    except IntegrityError:  # a concurrent twin got there first
        raise DuplicateSubmissionError(_("Besvarelsen er allerede modtaget."), None) from None


def _check_not_received(user: User, key: str | None) -> None:
    """The same idempotency key again is a double submission. Keys are scoped per user: another
    user's key never names their measurement."""
    if key is None:
        return
    existing = Measurement.objects.filter(entered_by=user, idempotency_key=key).first()
    if existing is not None:
        raise DuplicateSubmissionError(_("Besvarelsen er allerede modtaget."), existing)


def _goal_of(
    inst: logic.Instrument, course: Course, goal_id: uuid.UUID | str | None
) -> tuple[Goal | None, dict[str, list[str]]]:
    """The plan goal a per-goal instrument rates (and the ``goal`` error if there is none in the
    course's plan); any other instrument takes no goal."""
    if not inst.per_goal:
        if goal_id is not None:
            return None, {"goal_id": [_("Dette måleredskab knyttes ikke til et mål.")]}
        return None, {}
    if goal_id is None:
        return None, {"goal_id": [_("Vælg et mål.")]}
    try:
        goal = Goal.objects.filter(pk=goal_id, plan__course=course).first()
    except (ValueError, ValidationError):
        goal = None
    if goal is None:
        return None, {"goal_id": [_("Målet findes ikke i forløbets plan.")]}
    return goal, {}


def _clean_comments(
    inst: logic.Instrument, comments: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The non-empty comments per item, stripped, and an error per bad one (``comments`` when
    the instrument takes none, ``comment_<item>`` for an unknown item or a too long text)."""
    if not comments:
        return {}, {}
    if not inst.comments:
        return {}, {"comments": [_("Dette måleredskab har ikke kommentarer.")]}
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for item_key, text in comments.items():
        if item_key not in inst.item_keys:
            errors[f"comment_{item_key}"] = [_("Ukendt område.")]
        elif text and (len(text) > 1000 or "\x00" in text):
            errors[f"comment_{item_key}"] = [_("Kommentaren er for lang (højst 1000 tegn).")]
        elif text and text.strip():
            clean[item_key] = text.strip()
    return clean, errors


def _check_same_day(course: Course, inst: logic.Instrument, on: date, goal: Goal | None) -> None:
    """One measurement per course, instrument (goal) and day."""
    same_day = Measurement.objects.filter(
        course=course, instrument=inst.key, measured_on=on, goal=goal
    ).first()
    if same_day is not None:
        raise DuplicateSubmissionError(
            _("Der er allerede registreret %(name)s for denne dag (%(date)s).")
            % {"name": inst.name, "date": on.strftime("%d.%m.%Y")},
            same_day,
        )


def record_goal_ratings(
    user: User,
    *,
    course_id: uuid.UUID | str,
    levels: Mapping[str, Any],
    measured_on: date | None = None,
    with_citizen: bool = False,
) -> list[Measurement]:
    """Rate several goals at once (the GAS form); the T-score is recomputed once. Goals left
    empty are not rated; at least one rating is needed."""
    inst = logic.GOAL_ATTAINMENT
    course, entered_as = _writable_course(user, course_id, inst.categories)
    given = {str(k): v for k, v in levels.items() if v not in (None, "")}
    if not given:
        raise ValidationError({"__all__": [_("Vurdér mindst ét mål.")]})
    saved: list[Measurement] = []
    errors: dict[str, list[str]] = {}
    duplicates: list[DuplicateSubmissionError] = []
    with transaction.atomic():
        for goal_id, level in given.items():
            try:
                with transaction.atomic():
                    saved.append(
                        _record(
                            user,
                            course,
                            entered_as,
                            inst,
                            {"niveau": level},
                            measured_on=measured_on,
                            goal_id=goal_id,
                            comments=None,
                            with_citizen=with_citizen,
                            idempotency_key=None,
                        )
                    )
            except DuplicateSubmissionError as exc:
                duplicates.append(exc)
                errors[f"goal_{goal_id}"] = [exc.detail]
            except ValidationError as exc:
                errors[f"goal_{goal_id}"] = [m for msgs in exc.message_dict.values() for m in msgs]
        if errors:
            transaction.set_rollback(True)
            if len(duplicates) == len(errors):  # only double submissions: 409 in the API
                raise DuplicateSubmissionError(
                    _("Målopfyldelsen er allerede registreret for denne dag."),
                    duplicates[0].existing,
                )
            raise ValidationError(errors)
        _update_gas_t(course, saved[0].measured_on, user, saved[0].entered_as)
        refresh_summary(course_id=course.pk)
    return saved


def _gas_inputs(course: Course, on: date) -> tuple[list[int], list[float], dict[str, Any]] | None:
    """The latest level of every goal of the plan that is not dropped, as of ``on``, with the
    weights; ``None`` when a goal has no rating yet (the T-score's completeness rule)."""
    goals = list(
        Goal.objects.filter(plan__course=course).exclude(status=GoalStatus.DROPPED).order_by("pk")
    )
    if not goals:
        return None
    latest: dict[Any, tuple[date, float]] = {}
    for goal_id, measured, level in Measurement.objects.filter(
        course=course,
        instrument=logic.GOAL_ATTAINMENT.key,
        measured_on__lte=on,
        score__isnull=False,
    ).values_list("goal_id", "measured_on", "score"):
        if level is not None and (goal_id not in latest or measured >= latest[goal_id][0]):
            latest[goal_id] = (measured, level)
    if any(g.pk not in latest for g in goals):
        return None
    levels = [int(latest[g.pk][1]) for g in goals]
    weights = [logic.goal_weight(g.importance) for g in goals]
    detail = {
        "goals": {
            str(g.pk): {"niveau": lv, "vægt": w}
            for g, lv, w in zip(goals, levels, weights, strict=True)
        },
        "rho": logic.GAS_RHO,
    }
    return levels, weights, detail


def _update_gas_t(
    course: Course, on: date, user: User | None, entered_as: str
) -> Measurement | None:
    """Store (or replace) the course's GAS T-score for ``on`` and for every later date with a
    rating or a T-score: a backdated rating changes the latest levels as of every later round,
    so their T-scores are recomputed too (they keep who entered them). Returns the one for
    ``on``."""
    later = sorted(
        set(
            Measurement.objects.filter(
                course=course,
                instrument__in=[logic.GOAL_ATTAINMENT.key, logic.GAS_T_KEY],
                measured_on__gt=on,
            ).values_list("measured_on", flat=True)
        )
    )
    first = _store_gas_t(course, on, user, entered_as)
    for day in later:
        _store_gas_t(course, day, None, "")
    return first


def _store_gas_t(
    course: Course, on: date, user: User | None, entered_as: str
) -> Measurement | None:
    inputs = _gas_inputs(course, on)
    if inputs is None:
        return None
    levels, weights, detail = inputs
    t = round(logic.gas_t_score(levels, weights), 2)
    defaults: dict[str, Any] = {"version": 1, "answers": detail, "score": t}
    if entered_as:  # a recomputation of a later round keeps who entered it
        defaults |= {"entered_by": user, "entered_as": entered_as}
    obj, _created = Measurement.objects.update_or_create(
        course=course,
        instrument=logic.GAS_T_KEY,
        measured_on=on,
        goal=None,
        defaults=defaults,
        create_defaults={
            **defaults,
            "entered_by": user,
            "entered_as": entered_as or EnteredBy.PROFESSIONAL,
        },
    )
    return obj


def record_outcome(
    user: User,
    *,
    course_id: uuid.UUID | str,
    kind: str,
    value: str = "",
    percent: Any = None,
    valid_from: date | None = None,
    note: str = "",
    with_citizen: bool = False,
) -> OutcomeState:
    """A new dated state of a hard outcome (professionals only)."""
    if kind not in logic.OUTCOME_KINDS:
        raise ValidationError({"kind": [_("Vælg en type.")]})
    category = logic.OUTCOME_KINDS[kind][2]
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    course, entered_as = _writable_course(user, course_id, (category,))
    errors = {k: [v] for k, v in logic.validate_outcome(kind, value, percent).items()}
    if len(note) > 300 or "\x00" in note:
        errors["note"] = [_("Noten er for lang (højst 300 tegn).")]
    on = _check_date(valid_from, "valid_from")
    if errors:
        raise ValidationError(errors)
    if OutcomeState.objects.filter(course=course, kind=kind, valid_from=on).exists():
        raise ValidationError(
            {"valid_from": [_("Der er allerede registreret en status af denne type på datoen.")]}
        )
    choices = logic.OUTCOME_KINDS[kind][1]
    try:
        with transaction.atomic():
            state = OutcomeState.objects.create(
                course=course,
                kind=kind,
                value=value if choices is not None else "",
                percent=float(percent) if choices is None else None,
                valid_from=on,
                note=note.strip(),
                entered_by=user,
                entered_as=EnteredBy.WITH_CITIZEN if with_citizen else entered_as,
            )
            refresh_summary(course_id=course.pk)
    except IntegrityError:  # a concurrent twin for the same day got there first
        raise ValidationError(
            {"valid_from": [_("Der er allerede registreret en status af denne type på datoen.")]}
        ) from None
    return state


def refresh_summary(*, course_id: Any) -> CourseSummary:
    """Recompute the course's ``CourseSummary`` from its measurements and outcome states (a
    handful of indexed reads; called inside the writing transaction)."""
    scores = list(
        Measurement.objects.filter(
            course_id=course_id, instrument__in=["who5", logic.GAS_T_KEY], score__isnull=False
        ).values_list("instrument", "measured_on", "score")
    )
    states = list(
        OutcomeState.objects.filter(course_id=course_id, kind__in=["beskaeftigelse", "anbringelse"])
        .order_by("valid_from", "created_at")
        .values_list("kind", "valid_from", "value")
    )
    values = logic.summarise(
        [(on, float(sc or 0)) for inst, on, sc in scores if inst == "who5"],
        [(on, float(sc or 0)) for inst, on, sc in scores if inst == logic.GAS_T_KEY],
        [(on, v) for kind, on, v in states if kind == "beskaeftigelse"],
        [v for kind, _on, v in states if kind == "anbringelse"],
    )
    summary, _created = CourseSummary.objects.update_or_create(course_id=course_id, defaults=values)
    return summary


# --------------------------------------------------------------------------------------------
# Planned measurement points
# --------------------------------------------------------------------------------------------


def _planning_access(user: User, course_id: Any, instrument: str) -> Course:
    """The course whose measurements ``user`` may plan: its coordinator, with access to the
    instrument's data categories (a guessed or foreign course is refused like no access)."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied
    access = access_for(user, course_id)
    if not access.is_coordinator:
        raise PermissionDenied(_("Kun forløbets koordinator kan planlægge målinger."))
    if instrument in logic.SCHEDULABLE and not all(
        access.may(c) for c in logic.instrument(instrument).categories
    ):
        raise PermissionDenied
    return access.course


def schedule_measurements(
    user: User,
    *,
    course_id: uuid.UUID | str,
    instrument: str,
    first_on: date | None,
    every_weeks: int | None = None,
    until: date | None = None,
) -> MeasurementSchedule:
    """Plan ``instrument`` for the course on ``first_on`` and every ``every_weeks`` weeks after
    it (until ``until``, or the course's end). One plan per instrument and course."""
    course = _planning_access(user, course_id, instrument)
    errors = logic.schedule_errors(
        instrument=instrument,
        first_on=first_on,
        every_weeks=every_weeks,
        until=until,
        referred_on=course.referred_on,
        on=today(),
    )
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    assert first_on is not None
    taken = ValidationError(
        {
            "instrument": [
                _("Der er allerede en måleplan for %(name)s i forløbet. Fjern den først.")
                % {"name": logic.SCHEDULE_LABELS[instrument]}
            ]
        }
    )
    if MeasurementSchedule.objects.filter(course=course, instrument=instrument).exists():
        raise taken
    try:
        with transaction.atomic():
            return MeasurementSchedule.objects.create(
                course=course,
                instrument=instrument,
                first_on=first_on,
                every_weeks=every_weeks,
                until=until,
                created_by=user,
            )
    except IntegrityError:  # a concurrent twin got there first
        raise taken from None


def end_measurement_schedule(user: User, *, schedule_id: uuid.UUID | str) -> None:
    """Remove a measurement plan (its due and overdue points go with it)."""
    try:
        schedule = MeasurementSchedule.objects.filter(pk=schedule_id).first()
    except (ValueError, ValidationError):
        schedule = None
    if schedule is None:
        raise PermissionDenied
    _planning_access(user, schedule.course_id, schedule.instrument)
    schedule.delete()
