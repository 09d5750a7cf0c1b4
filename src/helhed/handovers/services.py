"""Write operations of handovers: request, answer, revoke, report arrival; institutional stays.

Each function checks the acting user's rights with the same rules as the reads (the course
guard and ``Access.sees``: a user may hand over only a measure they may see, record or end only a
stay of a category they may see — else the same ``PermissionDenied`` as a read), runs in one
transaction and either completes or changes nothing. The state
machine (``logic.next_status``) decides whether a step is possible and who may take it; a
refused step raises ``logic.IllegalTransitionError`` (409) or ``logic.NotPermittedError`` (403),
and bad input raises Django's ``ValidationError`` with field-level Danish messages (422 in the API).

Notifications never name the citizen: they say what happened and link to the handover, where
access rules and the access log apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Unit, User, UserKind
from helhed.core.selectors import today
from helhed.courses import selectors as course_selectors
from helhed.courses.models import Course, CourseStatus, Measure
from helhed.handovers import logic
from helhed.handovers.models import (
    Arrival,
    Handover,
    HandoverEvent,
    HandoverMode,
    InstitutionalStay,
    StayKind,
)
from helhed.handovers.selectors import (
    measure_periods,
    roles_for,
    sender_units,
    stays_now,
    unit_staff_ids,
)
from helhed.notifications.models import NotificationKind
from helhed.notifications.services import notify
from helhed.outbox import services as outbox
from helhed.outbox.models import EventType

HandoverError = logic.HandoverError


def _name(user: User) -> str:
    return (user.get_full_name() or user.get_username())[:200]


def _require_staff(user: User) -> None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied


def _url(handover: Handover) -> str:
    return reverse("handovers:detail", args=[handover.pk])


def _event(
    handover: Handover,
    action: str,
    before: str,
    actor: User | None,
    note: str = "",
    dates: tuple[date | None, date | None] = (None, None),
) -> None:
    """One step of the history; ``dates``: the appointment and expected first attendance the
    step set (a request, a new appointment after a no-show)."""
    HandoverEvent.objects.create(
        handover=handover,
        action=action,
        from_status=before,
        to_status=handover.status,
        at=timezone.now(),
        actor=actor,
        actor_name=_name(actor) if actor is not None else "Helhed",
        note=note,
        appointment_date=dates[0],
        expected_start=dates[1],
    )


# --------------------------------------------------------------------------------------------
# Requesting a handover
# --------------------------------------------------------------------------------------------


DUPLICATE = "Der er allerede en åben overdragelse af dette til den enhed."


def _unit(unit_id: uuid.UUID | str | None, field: str, errors: dict[str, str]) -> Unit | None:
    """The unit named by ``unit_id`` (None for none), or a field error for one that does not
    exist."""
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        errors[field] = "Enheden findes ikke."
    return unit


def _sender(
    user: User, from_unit_id: uuid.UUID | str | None, errors: dict[str, str]
) -> Unit | None:
    """The sending unit: the one named (one of the user's own units), or the user's only unit."""
    own = sender_units(user)
    if from_unit_id is None:
        if len(own) == 1:
            return own[0]
        errors["from_unit_id"] = "Vælg hvilken af dine enheder der overdrager."
        return None
    from_unit = _unit(from_unit_id, "from_unit_id", errors)
    if from_unit is not None and from_unit.pk not in {u.pk for u in own}:
        errors["from_unit_id"] = "Du kan kun overdrage fra en enhed, du selv er ansat i."
    return from_unit


def _measure(access: course_selectors.Access, measure_id: uuid.UUID | str | None) -> Measure | None:
    """The measure handed over (None: the whole course). Only a measure of this course that the
    user may see; any other id — another course's, a hidden one, one that does not exist — is
    refused alike, as reading it would be (``PermissionDenied``: no existence oracle)."""
    if measure_id is None:
        return None
    measure = (
        Measure.objects.filter(pk=measure_id, plan__course_id=access.course.pk)
        .select_related("welfare_area", "plan")
        .first()
    )
    if measure is None or not access.sees(measure):
        raise PermissionDenied
    return measure


def _receiver_errors(
    from_unit: Unit | None, to_unit: Unit | None, external_organisation: str, external_contact: str
) -> dict[str, str]:
    """A unit in Helhed other than the sender's, or a service outside Helhed with a contact."""
    errors: dict[str, str] = {}
    if to_unit is None and not external_organisation:
        errors["to_unit_id"] = (
            "Vælg den modtagende enhed, eller skriv navnet på et tilbud uden for Helhed."
        )
    elif to_unit is not None and external_organisation:
        errors["external_organisation"] = (
            "Vælg enten en enhed i Helhed eller et tilbud uden for Helhed – ikke begge."
        )
    if to_unit is not None and from_unit is not None and to_unit.pk == from_unit.pk:
        errors["to_unit_id"] = (
            "Modtageren er den samme enhed som afsenderen. En overdragelse skal gå til en "
            "anden enhed."
        )
    if to_unit is None and external_organisation and not external_contact:
        errors["external_contact"] = (
            "Angiv en kontaktperson og et telefonnummer hos det eksterne tilbud, så "
            "overdragelsen kan følges op."
        )
    return errors


def _request_errors(
    course: Course,
    *,
    mode: str,
    reason: str,
    expected_start: date | None,
    appointment_date: date | None = None,
) -> dict[str, str]:
    """The handover's own fields and the course's state."""
    errors = logic.appointment_errors(appointment_date, expected_start, today(), required=False)
    if mode not in HandoverMode.values:
        errors["mode"] = "Vælg om borgeren bliver ledsaget eller henvist."
    if not reason.strip():
        errors["reason"] = "Skriv hvad modtageren skal hjælpe borgeren med."
    if course.status == CourseStatus.CLOSED:
        errors["__all__"] = "Forløbet er afsluttet; der kan ikke oprettes overdragelser."
    return errors


def _open_duplicate(course: Course, to_unit: Unit, measure: Measure | None) -> bool:
    """An open handover of the same thing to the same unit exists already."""
    return Handover.objects.filter(
        course=course, to_unit=to_unit, status__in=logic.OPEN, measure=measure
    ).exists()


def _about(measure: Measure | None) -> dict[str, Any]:
    """The measure handed over, with its title and category kept on the handover (they stay
    when the plan changes)."""
    return {
        "measure": measure,
        "measure_title": measure.title[:200] if measure is not None else "",
        "measure_category": measure.data_category if measure is not None else "",
    }


def _create_handover(**fields: Any) -> Handover:
    """The new handover, or the duplicate's field error when a concurrent request created the
    same open handover first (the database's unique constraint)."""
    try:
        with transaction.atomic():
            return Handover.objects.create(**fields)
    except IntegrityError:
        raise ValidationError({"to_unit_id": DUPLICATE}) from None


def _notify_receiver(user: User, handover: Handover, from_unit: Unit, to_unit: Unit) -> None:
    notify(
        [uid for uid in unit_staff_ids(to_unit.pk) if uid != user.pk],
        kind=NotificationKind.HANDOVER,
        title="Overdragelse venter på jeres kvittering",
        body=(
            f"{from_unit.name} beder {to_unit.name} om at overtage et borgerforløb. "
            "Afsenderen har ansvaret, indtil I har kvitteret og bekræftet, at I kender "
            "borgerens situation."
        ),
        url=_url(handover),
        dedupe_key=f"overdragelse-anmodet:{handover.pk}",
    )


@transaction.atomic
def request_handover(
    user: User,
    *,
    course_id: uuid.UUID | str,
    mode: str,
    reason: str,
    to_unit_id: uuid.UUID | str | None = None,
    external_organisation: str = "",
    external_contact: str = "",
    from_unit_id: uuid.UUID | str | None = None,
    measure_id: uuid.UUID | str | None = None,
    expected_start: date | None = None,
    appointment_date: date | None = None,
) -> Handover:
    """The sender asks another unit (or a service outside Helhed) to take over the course or
    one measure. The sender stays responsible until the receiver has acknowledged and confirmed
    that they know the situation. Field errors name the API's fields (``to_unit_id`` …)."""
    _require_staff(user)
    access = course_selectors.access_for(user, course_id)
    course = access.course
    external_organisation = external_organisation.strip()
    external_contact = external_contact.strip()
    errors: dict[str, str] = {}
    to_unit = _unit(to_unit_id, "to_unit_id", errors)
    from_unit = _sender(user, from_unit_id, errors)
    if "to_unit_id" not in errors:
        errors.update(_receiver_errors(from_unit, to_unit, external_organisation, external_contact))
    measure = _measure(access, measure_id)
    errors.update(
        _request_errors(
            course,
            mode=mode,
            reason=reason,
            expected_start=expected_start,
            appointment_date=appointment_date,
        )
    )
    if not errors and to_unit is not None and _open_duplicate(course, to_unit, measure):
        errors["to_unit_id"] = DUPLICATE
    if errors:
        raise ValidationError(errors)
    assert from_unit is not None
    handover = _create_handover(
        course=course,
        **_about(measure),
        from_unit=from_unit,
        to_unit=to_unit,
        external_organisation=external_organisation if to_unit is None else "",
        external_contact=external_contact,
        mode=mode,
        reason=reason.strip(),
        expected_start=expected_start,
        appointment_date=appointment_date,
        status=logic.REQUESTED,
        requested_at=timezone.now(),
        requested_by=user,
    )
    _event(handover, "create", "", user, dates=(appointment_date, expected_start))
    outbox.record(
        EventType.HANDOVER_CREATED, course_id=course.pk, data={"handover_id": handover.pk}
    )
    if to_unit is not None:
        _notify_receiver(user, handover, from_unit, to_unit)
    return handover


# --------------------------------------------------------------------------------------------
# Answering, revoking, closing the loop
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Message:
    """What the other side hears about a step (no citizen named)."""

    title: str
    body: str
    alert: bool = False


def _locked_party_handover(user: User, handover_id: uuid.UUID | str) -> tuple[Handover, set[str]]:
    """The handover, locked, and the parts the user plays in it; ``PermissionDenied`` alike for
    one that does not exist and one the user is no party to."""
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("course", "from_unit", "to_unit", "to_unit__organisation")
        .filter(pk=handover_id)
        .first()
    )
    if handover is None:
        raise PermissionDenied
    roles = roles_for(user, handover)
    if not roles:
        raise PermissionDenied
    return handover, roles


def _check_answer(
    user: User, handover: Handover, action: str, *, reason: str, answered_by: str
) -> None:
    """The requester cannot answer their own handover; a decline needs a reason, an external
    receiver's answer the name of who answered."""
    answer = action in (logic.ACCEPT, logic.CONFIRM)
    if answer and not handover.is_external and handover.requested_by_id == user.pk:
        raise logic.NotPermittedError(
            "Du har selv sendt overdragelsen; en anden i den modtagende enhed skal svare."
        )
    errors: dict[str, str] = {}
    if action == logic.DECLINE and not reason:
        errors["reason"] = (
            "Skriv hvorfor I afviser overdragelsen, så afsenderen kan finde et andet tilbud."
        )
    if handover.is_external and answer and not answered_by:
        errors["answered_by"] = "Skriv hvem hos det eksterne tilbud der har svaret."
    if errors:
        raise ValidationError(errors)


def _accept(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    h.acknowledged_at = now
    h.acknowledged_by_name = who[:200]
    if h.first_acknowledged_at is None:
        h.first_acknowledged_at = now
    return _Message(
        "Overdragelse kvitteret",
        "Modtageren har kvitteret. I har stadig ansvaret, indtil modtageren har bekræftet at "
        "kende borgerens situation.",
    )


def _decline(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    h.decline_reason = reason
    h.closed_at = now
    return _Message(
        "Overdragelse afvist",
        "Modtageren har afvist overdragelsen med en begrundelse. I har fortsat ansvaret.",
    )


def _revoke(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    h.cancel_reason = reason
    h.closed_at = now
    return _Message(
        "Overdragelse trukket tilbage",
        "Den afsendende enhed har trukket overdragelsen tilbage. I skal ikke gøre mere.",
    )


def _confirm(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    h.knows_situation_at = now
    h.knows_situation_by_name = who[:200]
    return _Message(
        "Modtageren har overtaget ansvaret",
        "Modtageren kender borgerens situation og har overtaget ansvaret. Meld, om borgeren "
        "møder op. Skal modtageren se planen, så tilføj enheden til teamet.",
    )


def _arrived(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    h.arrival = Arrival.ARRIVED
    h.closed_at = now
    return _Message("Borgeren er mødt op hos modtageren", "Overdragelsen er gennemført.")


def _not_arrived(h: Handover, now: datetime, who: str, reason: str) -> _Message:
    """Reopened: responsibility is the sender's again and the receiver must acknowledge anew."""
    h.arrival = Arrival.NOT_ARRIVED
    h.acknowledged_at = None
    h.acknowledged_by_name = ""
    h.knows_situation_at = None
    h.knows_situation_by_name = ""
    h.reopened_count += 1
    h.reopened_at = now
    return _Message(
        "Borgeren mødte ikke op – overdragelsen er genåbnet",
        "Ansvaret er tilbage hos den afsendende enhed. Tag kontakt til borgeren, og aftal "
        "med modtageren, hvad der nu skal ske.",
        alert=True,
    )


# Each step's changes to the handover, and what the other side hears about it.
_STEPS: dict[str, Callable[[Handover, datetime, str, str], _Message]] = {
    logic.ACCEPT: _accept,
    logic.DECLINE: _decline,
    logic.REVOKE: _revoke,
    logic.CONFIRM: _confirm,
    logic.ARRIVED: _arrived,
    logic.NOT_ARRIVED: _not_arrived,
}


def _notify_other_side(
    user: User, handover: Handover, action: str, message: _Message, roles: set[str]
) -> None:
    """A revocation tells the receiving unit; every other step tells the requester and the
    coordinator — and an arrival reported by the sender side (the escorting worker) the
    receiving unit as well. Never the actor themselves."""
    recipients: set[Any]
    receivers = set(unit_staff_ids(handover.to_unit_id)) if handover.to_unit_id else set()
    if action == logic.REVOKE:
        recipients = receivers
    else:
        sender_side = {handover.requested_by_id, handover.course.coordinator_id}
        recipients = {r for r in sender_side if r is not None}
        if action in (logic.ARRIVED, logic.NOT_ARRIVED) and logic.RECEIVER not in roles:
            recipients |= receivers
    recipients.discard(user.pk)
    if not recipients:
        return
    notify(
        recipients,
        kind=NotificationKind.ALERT if message.alert else NotificationKind.HANDOVER,
        title=message.title,
        body=message.body,
        url=_url(handover),
        dedupe_key=f"overdragelse-{action}:{handover.pk}:{handover.reopened_count}",
    )


@transaction.atomic
def act(
    user: User,
    *,
    handover_id: uuid.UUID | str,
    action: str,
    reason: str = "",
    note: str = "",
    answered_by: str = "",
    confirm_arrival: bool = False,
) -> Handover:
    """Take one step in the handover's life (``logic.ACTIONS``).

    ``reason`` is required for a decline; ``answered_by`` (who at the receiver answered) is
    required when the sender records an external receiver's acknowledgement or confirmation.
    In an escorted handover the sender (the escorting worker) may report the arrival too. An
    arrival before the expected first attendance, or while the citizen is in a registered stay
    (custody, admission …), needs ``confirm_arrival`` (else a field error on it).
    """
    _require_staff(user)
    handover, roles = _locked_party_handover(user, handover_id)
    before = handover.status
    target = logic.next_status(
        before,
        action,
        roles,
        external=handover.is_external,
        escorted=handover.mode == HandoverMode.ESCORTED,
    )
    reason, note, answered_by = reason.strip(), note.strip(), answered_by.strip()
    _check_answer(user, handover, action, reason=reason, answered_by=answered_by)
    if action == logic.ARRIVED and not confirm_arrival:
        _check_arrival(user, handover, roles)
    handover.status = target
    message = _STEPS[action](handover, timezone.now(), answered_by or _name(user), reason)
    handover.save()
    _event(handover, action, before, user, note=reason or note or answered_by)
    _notify_other_side(user, handover, action, message, roles)
    return handover


def _check_arrival(user: User, handover: Handover, roles: set[str]) -> None:
    """An arrival reported before the expected date or during a registered stay is refused
    unless the reporter confirms it (``confirm_arrival``)."""
    on = today()
    expected = handover.expected_start or handover.appointment_date
    doubts = logic.arrival_doubts(on, expected, stays_now(user, handover, roles, on))
    if doubts:
        raise ValidationError({logic.CONFIRM_ARRIVAL: doubts})


@transaction.atomic
def reschedule(
    user: User,
    *,
    handover_id: uuid.UUID | str,
    appointment_date: date | None,
    expected_start: date | None = None,
    note: str = "",
) -> Handover:
    """After a no-show the sender (or the coordinator) makes a new appointment: the date of the
    appointment with the receiver and the expected first attendance (the appointment's date when
    not given). The status stays (the receiver acknowledges again); the earlier dates stay in the
    history (an event "reschedule" with the new dates), and the receiving unit hears about it."""
    _require_staff(user)
    handover, roles = _locked_party_handover(user, handover_id)
    logic.check_reschedule(
        status=handover.status,
        arrival=handover.arrival,
        roles=roles,
        reopened_count=handover.reopened_count,
    )
    errors = logic.appointment_errors(appointment_date, expected_start, today(), required=True)
    if errors:
        raise ValidationError(errors)
    expected_start = expected_start or appointment_date
    handover.appointment_date = appointment_date
    handover.expected_start = expected_start
    handover.save(update_fields=["appointment_date", "expected_start"])
    _event(
        handover,
        logic.RESCHEDULE,
        handover.status,
        user,
        note=note.strip(),
        dates=(appointment_date, expected_start),
    )
    recipients = set(unit_staff_ids(handover.to_unit_id)) if handover.to_unit_id else set()
    recipients |= {handover.course.coordinator_id} - {None}
    recipients.discard(user.pk)
    if recipients:
        notify(
            recipients,
            kind=NotificationKind.HANDOVER,
            title="Ny aftale i en overdragelse, hvor borgeren ikke mødte op",
            body=(
                "Den afsendende enhed har lavet en ny aftale. Kvittér for overdragelsen igen, "
                "og meld om borgeren møder op."
            ),
            url=_url(handover),
            dedupe_key=(
                f"overdragelse-ny-aftale:{handover.pk}:{handover.reopened_count}:"
                f"{appointment_date.isoformat() if appointment_date else ''}"
            ),
        )
    return handover


# --------------------------------------------------------------------------------------------
# Institutional stays
# --------------------------------------------------------------------------------------------


@transaction.atomic
def record_stay(
    user: User,
    *,
    course_id: uuid.UUID | str,
    kind: str,
    start_date: date | None,
    expected_end: date | None,
    institution: str = "",
    note: str = "",
) -> InstitutionalStay:
    """A professional records a stay (custody, psychiatric admission, placement …) with its
    expected end, from which the release/discharge transition is computed."""
    _require_staff(user)
    access = course_selectors.access_for(user, course_id)
    errors: dict[str, str] = {}
    if kind not in StayKind.values:
        errors["kind"] = "Vælg hvilken slags ophold det er."
    elif not access.may(logic.STAY_CATEGORY.get(kind, "social")):
        raise PermissionDenied("Samtykket giver dig ikke adgang til den slags oplysninger.")
    if start_date is None:
        errors["start_date"] = "Angiv hvornår opholdet begyndte."
    elif not logic.plausible_date(start_date):
        errors["start_date"] = logic.IMPLAUSIBLE_DATE
    if expected_end is not None and not logic.plausible_date(expected_end):
        errors["expected_end"] = logic.IMPLAUSIBLE_DATE
    elif expected_end is None:
        errors["expected_end"] = "Angiv den forventede løsladelse eller udskrivning."
    elif start_date is not None and expected_end < start_date:
        errors["expected_end"] = "Den forventede slutdato skal ligge efter startdatoen."
    if errors:
        raise ValidationError(errors)
    assert start_date is not None and expected_end is not None
    return InstitutionalStay.objects.create(
        course=access.course,
        kind=kind,
        institution=institution.strip()[:200],
        start_date=start_date,
        expected_end=expected_end,
        note=note.strip(),
        recorded_by=user,
    )


@transaction.atomic
def end_stay(user: User, *, stay_id: uuid.UUID | str, actual_end: date | None) -> InstitutionalStay:
    _require_staff(user)
    stay = InstitutionalStay.objects.select_for_update().filter(pk=stay_id).first()
    if stay is None:
        raise PermissionDenied
    access = course_selectors.access_for(user, stay.course_id)
    if not access.may(stay.data_category):
        raise PermissionDenied
    if actual_end is None:
        raise ValidationError({"actual_end": "Angiv hvornår opholdet sluttede."})
    if not logic.plausible_date(actual_end):
        raise ValidationError({"actual_end": logic.IMPLAUSIBLE_DATE})
    if actual_end < stay.start_date:
        raise ValidationError({"actual_end": "Slutdatoen skal ligge efter startdatoen."})
    if actual_end > today():
        raise ValidationError(
            {
                "actual_end": (
                    "Slutdatoen kan ikke ligge i fremtiden. Afslut opholdet, når det er slut."
                )
            }
        )
    if stay.actual_end is not None:
        raise ValidationError({"actual_end": "Opholdet er allerede afsluttet."})
    stay.actual_end = actual_end
    stay.save(update_fields=["actual_end"])
    if actual_end < stay.expected_end:
        _unplanned_end(user, stay, actual_end)
    return stay


def _unplanned_end(user: User, stay: InstitutionalStay, actual_end: date) -> None:
    """The stay ended before its expected end (an unplanned release or discharge): if no
    measure covers the next day, the coordinator hears about it (no personal data, no kind)."""
    next_day = actual_end + timedelta(days=1)
    # The same periods as every gap figure (``selectors.measure_periods``).
    periods = measure_periods([stay.course_id], on=today()).get(stay.course_id, [])
    covered = logic.covered_on(periods, next_day)
    coordinator_id = (
        Course.objects.filter(pk=stay.course_id).values_list("coordinator_id", flat=True).first()
    )
    if covered or coordinator_id is None or coordinator_id == user.pk:
        return
    notify(
        [coordinator_id],
        kind=NotificationKind.ALERT,
        title="Et ophold sluttede tidligere end ventet i et forløb, du koordinerer",
        body=(
            "Borgeren er ude af et ophold før forventet, og ingen indsats dækker dagen efter. "
            "Se forløbets overdragelser og overgange, og aftal hvem der tager imod borgeren."
        ),
        url=reverse("handovers:course_section", args=[stay.course_id]),
        dedupe_key=f"ophold-slut-tidligt:{stay.pk}",
    )


# --------------------------------------------------------------------------------------------
# A handover imported with its course (FHIR Task, docs/integration.md "FHIR")
# --------------------------------------------------------------------------------------------

IMPORTED_REASON = (
    "Overdragelsen er importeret fra et andet system (FHIR); begrundelsen er ikke med."
)
IMPORTED_DECLINE = "Afvist i det system, overdragelsen er importeret fra."
IMPORTED_CANCEL = "Trukket tilbage i det system, overdragelsen er importeret fra."


@transaction.atomic
def import_handover(
    user: User,
    *,
    course_id: uuid.UUID | str,
    from_unit_id: uuid.UUID | str | None,
    to_unit_id: uuid.UUID | str | None = None,
    external_organisation: str = "",
    measure_id: uuid.UUID | str | None = None,
    mode: str,
    status: str,
    requested_at: datetime,
    last_modified: datetime | None = None,
    arrival: str = "",
) -> Handover:
    """A handover as another system had it, written in its state there (the FHIR import's
    Task). The same rights as a request: a staff member who may see the course and its measure,
    handing over from one of their own units (a crafted Bundle cannot make another unit the
    sender). A closed one (completed, rejected, cancelled) is history: nobody is told; an open
    one tells the receiving unit as a new request does. The caller holds the transaction."""
    _require_staff(user)
    if user.is_system:
        raise PermissionDenied("Et fagsystem kan ikke importere en overdragelse.")
    access = course_selectors.access_for(user, course_id)
    course = access.course
    external_organisation = external_organisation.strip()
    errors: dict[str, str] = {}
    to_unit = _unit(to_unit_id, "to_unit_id", errors)
    from_unit = _sender(user, from_unit_id, errors)
    if len(external_organisation) > 200:
        errors["external_organisation"] = "Højst 200 tegn."
    if logic.answers_for_receiver(
        status, to_unit.pk if to_unit else None, {u.pk for u in sender_units(user)}
    ):
        # only the receiving unit acknowledges in Helhed: an import cannot answer for it
        errors["status"] = "Kun den modtagende enhed kan kvittere; importér den som anmodet."
    if last_modified is not None and last_modified > timezone.now():
        errors["last_modified"] = "Overdragelsen kan ikke være ændret i fremtiden."
    if "to_unit_id" not in errors:
        receiver = _receiver_errors(from_unit, to_unit, external_organisation, "-")
        errors.update(receiver)
    measure = _measure(access, measure_id)
    if mode not in HandoverMode.values:
        errors["mode"] = "Vælg om borgeren bliver ledsaget eller henvist."
    if status not in logic.OPEN | logic.TERMINAL:
        errors["status"] = f"Ukendt status: {status!r}."
    if arrival not in Arrival.values:
        errors["arrival"] = "Ukendt fremmøde."
    if requested_at > timezone.now():
        errors["requested_at"] = "Overdragelsen kan ikke være anmodet i fremtiden."
    is_open = status in logic.OPEN
    if not errors and is_open and to_unit is not None and _open_duplicate(course, to_unit, measure):
        errors["to_unit_id"] = DUPLICATE
    if errors:
        raise ValidationError(errors)
    assert from_unit is not None
    changed = max(last_modified or requested_at, requested_at)
    handover = _create_handover(
        course=course,
        **_about(measure),
        from_unit=from_unit,
        to_unit=to_unit,
        external_organisation=external_organisation if to_unit is None else "",
        mode=mode,
        reason=IMPORTED_REASON,
        status=status,
        requested_at=requested_at,
        requested_by=user,
        acknowledged_at=changed if status in (logic.ACCEPTED, logic.IN_PROGRESS) else None,
        first_acknowledged_at=changed if status in (logic.ACCEPTED, logic.IN_PROGRESS) else None,
        knows_situation_at=changed if status == logic.IN_PROGRESS else None,
        closed_at=changed if not is_open else None,
        decline_reason=IMPORTED_DECLINE if status == logic.REJECTED else "",
        cancel_reason=IMPORTED_CANCEL if status == logic.CANCELLED else "",
        arrival=arrival,
    )
    _event(handover, "import", "", user, note="Importeret (FHIR)")
    if is_open:
        outbox.record(
            EventType.HANDOVER_CREATED, course_id=course.pk, data={"handover_id": handover.pk}
        )
        if to_unit is not None:
            _notify_receiver(user, handover, from_unit, to_unit)
    return handover
