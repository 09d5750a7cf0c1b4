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
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Membership, Unit, User, UserKind
from helhed.core.selectors import current_memberships
from helhed.courses import selectors as course_selectors
from helhed.courses.models import Course, CourseStatus, Measure, MeasureStatus
from helhed.handovers import logic
from helhed.handovers.models import (
    Arrival,
    Handover,
    HandoverEvent,
    HandoverMode,
    InstitutionalStay,
    StayKind,
)
from helhed.notifications.models import NotificationKind
from helhed.notifications.services import notify

HandoverError = logic.HandoverError


def _name(user: User) -> str:
    return (user.get_full_name() or user.get_username())[:200]


def _require_staff(user: User) -> None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied


def user_unit_ids(user: User, on: date | None = None) -> set[Any]:
    return set(current_memberships(user, on).values_list("unit_id", flat=True))


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


def unit_staff_ids(unit_id: Any) -> list[Any]:
    today = timezone.localdate()
    return list(
        Membership.objects.filter(unit_id=unit_id)
        .exclude(valid_from__gt=today)
        .exclude(valid_to__lt=today)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _url(handover: Handover) -> str:
    return reverse("handovers:detail", args=[handover.pk])


def _event(
    handover: Handover, action: str, before: str, actor: User | None, note: str = ""
) -> None:
    HandoverEvent.objects.create(
        handover=handover,
        action=action,
        from_status=before,
        to_status=handover.status,
        at=timezone.now(),
        actor=actor,
        actor_name=_name(actor) if actor is not None else "Helhed",
        note=note,
    )


# --------------------------------------------------------------------------------------------
# Requesting a handover
# --------------------------------------------------------------------------------------------


def sender_units(user: User) -> list[Unit]:
    """The units ``user`` may hand over from: their own current units (the coordinator's include
    the coordinating unit: the coordinator counts only while a member of it)."""
    units = {m.unit_id: m.unit for m in current_memberships(user)}
    return sorted(units.values(), key=lambda u: u.name)


@transaction.atomic
def request_handover(
    user: User,
    course_id: uuid.UUID | str,
    *,
    mode: str,
    reason: str,
    to_unit: Unit | None = None,
    external_organisation: str = "",
    external_contact: str = "",
    from_unit: Unit | None = None,
    measure: Measure | None = None,
    expected_start: date | None = None,
) -> Handover:
    """The sender asks another unit (or a service outside Helhed) to take over the course or
    one measure. The sender stays responsible until the receiver has acknowledged and confirmed
    that they know the situation."""
    _require_staff(user)
    access = course_selectors.access_for(user, course_id)
    course = access.course
    errors: dict[str, str] = {}
    own = sender_units(user)
    if from_unit is None:
        from_unit = own[0] if len(own) == 1 else None
        if from_unit is None:
            errors["from_unit"] = "Vælg hvilken af dine enheder der overdrager."
    elif from_unit.pk not in {u.pk for u in own}:
        errors["from_unit"] = "Du kan kun overdrage fra en enhed, du selv er ansat i."
    external_organisation = external_organisation.strip()
    external_contact = external_contact.strip()
    if to_unit is None and not external_organisation:
        errors["to_unit"] = (
            "Vælg den modtagende enhed, eller skriv navnet på et tilbud uden for Helhed."
        )
    elif to_unit is not None and external_organisation:
        errors["external_organisation"] = (
            "Vælg enten en enhed i Helhed eller et tilbud uden for Helhed – ikke begge."
        )
    if to_unit is not None and from_unit is not None and to_unit.pk == from_unit.pk:
        errors["to_unit"] = (
            "Modtageren er den samme enhed som afsenderen. En overdragelse skal gå til en "
            "anden enhed."
        )
    if to_unit is None and external_organisation and not external_contact:
        errors["external_contact"] = (
            "Angiv en kontaktperson og et telefonnummer hos det eksterne tilbud, så "
            "overdragelsen kan følges op."
        )
    if mode not in HandoverMode.values:
        errors["mode"] = "Vælg om borgeren bliver ledsaget eller henvist."
    if not reason.strip():
        errors["reason"] = "Skriv hvad modtageren skal hjælpe borgeren med."
    if measure is not None:
        if measure.plan.course_id != course.pk:
            errors["measure"] = "Indsatsen hører ikke til dette forløb."
        elif not access.sees(measure):
            raise PermissionDenied  # the same answer as reading a measure one may not see
    if course.status == CourseStatus.CLOSED:
        errors["__all__"] = "Forløbet er afsluttet; der kan ikke oprettes overdragelser."
    for name, day in (("expected_start", expected_start),):
        if day is not None and not logic.plausible_date(day):
            errors[name] = logic.IMPLAUSIBLE_DATE
    if not errors and to_unit is not None:
        duplicate = Handover.objects.filter(
            course=course, to_unit=to_unit, status__in=logic.OPEN, measure=measure
        ).exists()
        if duplicate:
            errors["to_unit"] = "Der er allerede en åben overdragelse af dette til den enhed."
    if errors:
        raise ValidationError(errors)
    assert from_unit is not None
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                course=course,
                measure=measure,
                measure_title=measure.title[:200] if measure is not None else "",
                measure_category=measure.data_category if measure is not None else "",
                from_unit=from_unit,
                to_unit=to_unit,
                external_organisation=external_organisation if to_unit is None else "",
                external_contact=external_contact,
                mode=mode,
                reason=reason.strip(),
                expected_start=expected_start,
                status=logic.REQUESTED,
                requested_at=timezone.now(),
                requested_by=user,
            )
    except IntegrityError:  # a concurrent request created the same open handover
        raise ValidationError(
            {"to_unit": "Der er allerede en åben overdragelse af dette til den enhed."}
        ) from None
    _event(handover, "create", "", user)
    if to_unit is not None:
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
    return handover


# --------------------------------------------------------------------------------------------
# Answering, revoking, closing the loop
# --------------------------------------------------------------------------------------------


@transaction.atomic
def act(
    user: User,
    handover_id: uuid.UUID | str,
    action: str,
    *,
    reason: str = "",
    note: str = "",
    answered_by: str = "",
) -> Handover:
    """Take one step in the handover's life (``logic.ACTIONS``).

    ``reason`` is required for a decline; ``answered_by`` (who at the receiver answered) is
    required when the sender records an external receiver's acknowledgement or confirmation.
    """
    _require_staff(user)
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
    before = handover.status
    target = logic.next_status(before, action, roles, external=handover.is_external)
    if (
        action in (logic.ACCEPT, logic.CONFIRM)
        and not handover.is_external
        and handover.requested_by_id == user.pk
    ):
        raise logic.NotPermittedError(
            "Du har selv sendt overdragelsen; en anden i den modtagende enhed skal svare."
        )
    reason, note, answered_by = reason.strip(), note.strip(), answered_by.strip()
    errors: dict[str, str] = {}
    if action == logic.DECLINE and not reason:
        errors["reason"] = (
            "Skriv hvorfor I afviser overdragelsen, så afsenderen kan finde et andet tilbud."
        )
    if handover.is_external and action in (logic.ACCEPT, logic.CONFIRM) and not answered_by:
        errors["answered_by"] = "Skriv hvem hos det eksterne tilbud der har svaret."
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    who = answered_by or _name(user)
    handover.status = target
    course = handover.course
    sender_side = {handover.requested_by_id, course.coordinator_id}
    title = ""
    body = ""
    alert = False
    if action == logic.ACCEPT:
        handover.acknowledged_at = now
        handover.acknowledged_by_name = who[:200]
        if handover.first_acknowledged_at is None:
            handover.first_acknowledged_at = now
        title = "Overdragelse kvitteret"
        body = (
            "Modtageren har kvitteret. I har stadig ansvaret, indtil modtageren har bekræftet at "
            "kende borgerens situation."
        )
    elif action == logic.DECLINE:
        handover.decline_reason = reason
        handover.closed_at = now
        title = "Overdragelse afvist"
        body = "Modtageren har afvist overdragelsen med en begrundelse. I har fortsat ansvaret."
    elif action == logic.REVOKE:
        handover.cancel_reason = reason
        handover.closed_at = now
    elif action == logic.CONFIRM:
        handover.knows_situation_at = now
        handover.knows_situation_by_name = who[:200]
        title = "Modtageren har overtaget ansvaret"
        body = (
            "Modtageren kender borgerens situation og har overtaget ansvaret. Meld, om borgeren "
            "møder op. Skal modtageren se planen, så tilføj enheden til teamet."
        )
    elif action == logic.ARRIVED:
        handover.arrival = Arrival.ARRIVED
        handover.closed_at = now
        title = "Borgeren er mødt op hos modtageren"
        body = "Overdragelsen er gennemført."
    elif action == logic.NOT_ARRIVED:
        handover.arrival = Arrival.NOT_ARRIVED
        handover.acknowledged_at = None
        handover.acknowledged_by_name = ""
        handover.knows_situation_at = None
        handover.knows_situation_by_name = ""
        handover.reopened_count += 1
        handover.reopened_at = now
        alert = True
        title = "Borgeren mødte ikke op – overdragelsen er genåbnet"
        body = (
            "Ansvaret er tilbage hos den afsendende enhed. Tag kontakt til borgeren, og aftal "
            "med modtageren, hvad der nu skal ske."
        )
    handover.save()
    _event(handover, action, before, user, note=reason or note or answered_by)

    recipients: set[Any]
    if action == logic.REVOKE:
        recipients = set(unit_staff_ids(handover.to_unit_id)) if handover.to_unit_id else set()
        title = "Overdragelse trukket tilbage"
        body = "Den afsendende enhed har trukket overdragelsen tilbage. I skal ikke gøre mere."
    else:
        recipients = {r for r in sender_side if r is not None}
    recipients.discard(user.pk)
    if recipients and title:
        notify(
            recipients,
            kind=NotificationKind.ALERT if alert else NotificationKind.HANDOVER,
            title=title,
            body=body,
            url=_url(handover),
            dedupe_key=f"overdragelse-{action}:{handover.pk}:{handover.reopened_count}",
        )
    return handover


# --------------------------------------------------------------------------------------------
# Institutional stays
# --------------------------------------------------------------------------------------------


@transaction.atomic
def record_stay(
    user: User,
    course_id: uuid.UUID | str,
    *,
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
def end_stay(user: User, stay_id: uuid.UUID | str, *, actual_end: date | None) -> InstitutionalStay:
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
    if actual_end > timezone.localdate():
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
    covered = (
        Measure.objects.filter(plan__course_id=stay.course_id, start_date__lte=next_day)
        .exclude(status=MeasureStatus.CANCELLED)
        .filter(
            Q(end_date__gte=next_day) | Q(end_date__isnull=True) & ~Q(status=MeasureStatus.ENDED)
        )
        .exists()
    )
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
