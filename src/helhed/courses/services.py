"""Write operations of courses: intake, consent, team, coordinator, and the plan.

Every function checks that the acting user may do what they ask, runs in one transaction and
either completes or changes nothing. Plan edits use optimistic concurrency: the caller passes
the plan version it started from, and a save based on an older version is refused with
``StalePlanError`` (which carries what changed meanwhile, so the UI can offer a merge).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.domain import DomainError
from helhed.core.models import Membership, Organisation, Role, Unit, User, UserKind
from helhed.core.selectors import today
from helhed.courses import logic, restriction, selectors
from helhed.courses.models import (
    Appointment,
    ChildPerspective,
    Citizen,
    ConfirmedVia,
    Consent,
    ConsentDocument,
    ConsentEvent,
    ConsentEventKind,
    CoordinatorChange,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    GivenBy,
    Goal,
    Household,
    HouseholdRelation,
    JoinRequest,
    JoinStatus,
    Measure,
    Plan,
    PlanVersion,
    RelationKind,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
    WithoutConsentBasis,
    text_limit,
)
from helhed.outbox import services as outbox
from helhed.outbox.models import EventType
from helhed.registry.models import Initiative


class StalePlanError(DomainError):
    """The plan changed since the user opened it. ``changes`` says what the other save did; the
    API answers 409 with both as members."""

    title = "Planen er ændret af en anden"

    def __init__(self, current_version: int, changes: list[str]) -> None:
        super().__init__(
            "Planen er blevet ændret af en anden, siden du åbnede den. Dine ændringer er ikke "
            "gemt. Se ændringerne nedenfor, og gem igen.",
            current_version=current_version,
            changes=changes,
        )
        self.current_version = current_version
        self.changes = changes


def _require_staff(user: User) -> None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise selectors.NoAccessError


def _require_person(user: User) -> None:
    """A professional, not an integration client's system user: what makes someone the
    coordinator (intake), asks to join a team or opens a course without consent under a legal
    basis is a person's act and responsibility, never another system's."""
    _require_staff(user)
    if user.is_system:
        raise PermissionDenied("Et fagsystem kan ikke gøre dette; det gør en medarbejder i Helhed.")


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


class DuplicateCourseError(DomainError):
    """The citizen already has an active course: the caller may ask its coordinator to join, or
    give a reason for a second course. Tells nothing about the existing course (the API answers
    409 with where to send a join request)."""

    title = "Borgeren har allerede et aktivt forløb"

    def __init__(self, visible: list[Course]) -> None:
        super().__init__(
            "Borgeren har allerede et aktivt forløb i Helhed. Bed forløbets koordinator om at "
            "komme med i teamet, eller begrund, hvorfor der skal være et forløb ved siden af.",
            join_request="/api/courses/join-requests",
        )
        self.visible = visible  # those of them the caller may already open


def _check_name_matches(citizen: Citizen, first_name: str, last_name: str) -> None:
    """A known CPR number typed with another name is refused on the name (intake and referral)."""
    if not (
        _same_name(first_name, citizen.first_name) and _same_name(last_name, citizen.last_name)
    ):
        raise ValidationError(
            {
                "last_name": "Navn og CPR-nummer passer ikke sammen med borgerens registrering "
                "i Helhed. Kontrollér navn og CPR-nummer."
            }
        )


def _same_name(given: str, registered: str) -> bool:
    return " ".join(given.split()).casefold() == " ".join(registered.split()).casefold()


def _current_roles(user: User, unit_id: Any) -> set[str]:
    from helhed.core.selectors import membership_list

    return {m.role for m in membership_list(user) if m.unit_id == unit_id}


def intake(
    coordinator: User,
    *,
    initiative_id: Any,
    coordinator_unit_id: Any,
    cpr: str,
    first_name: str,
    last_name: str,
    referred_on: date,
    referral_note: str = "",
    referral_note_category: str = "plan",
    checklist: dict[str, str] | None = None,
    mandate: str = "",
    mandate_category: str = "plan",
    contact: dict[str, Any] | None = None,
    parallel_reason: str = "",
    household_name: str = "",
    members: list[dict[str, Any]] | None = None,
) -> Course:
    """Open a course for a citizen (created if new, matched on CPR if known) with the acting
    coordinator as coordinator and first team member, and an empty plan (version 1).

    The caller must be a current member of the coordinating unit. A registered CPR number must
    come with the registered names (intake is not a way to learn who a CPR number belongs to).
    If the citizen already has an active course, ``DuplicateCourseError`` — unless a reason for
    a course beside it is given by someone with the koordinator role in the unit. The duplicate
    lookup is logged as a read of the citizen (``selectors.duplicate_check``) — outside the
    transaction that creates the course, so a refused intake still leaves its log entry. With
    ``members`` (or a ``household_name``) the course covers the family (``create_household``)."""
    _require_person(coordinator)
    errors: dict[str, str] = {}
    roles = _current_roles(coordinator, _uuid_or_none(coordinator_unit_id))
    if not roles:
        errors["coordinator_unit_id"] = "Du er ikke medlem af den valgte enhed i dag."
    initiative: Any = Initiative.objects.filter(pk=_uuid_or_none(initiative_id)).first()
    if initiative is None:
        errors["initiative_id"] = "Vælg en indsats fra registret."
    normalized = ""
    try:
        normalized = logic.validate_cpr(cpr, today())
    except logic.CprError as exc:
        errors["cpr"] = str(exc)
    if not first_name.strip():
        errors["first_name"] = "Angiv fornavn."
    if not last_name.strip():
        errors["last_name"] = "Angiv efternavn."
    _check_day(errors, "referred_on", referred_on, future=False)
    errors |= check_members(members or [], normalized)
    for field_name, category in (
        ("referral_note_category", referral_note_category),
        ("mandate_category", mandate_category),
    ):
        if category not in logic.CATEGORY_KEYS:
            errors[field_name] = "Vælg en kategori fra listen."
    if errors:
        raise ValidationError(errors)
    unit = Unit.objects.select_related("organisation").get(pk=coordinator_unit_id)
    citizen = Citizen.objects.filter(cpr=normalized).first()
    if citizen is not None:
        found = selectors.duplicate_check(coordinator, normalized, unit_id=unit.pk)
        _check_name_matches(citizen, first_name, last_name)
        if found.active:
            if not parallel_reason.strip():
                raise DuplicateCourseError(found.visible)
            if Role.KOORDINATOR not in roles:
                raise ValidationError(
                    {
                        "parallel_reason": "Kun en koordinator i enheden kan oprette et forløb "
                        "ved siden af et aktivt forløb."
                    }
                )
    with transaction.atomic():
        return _open_course(
            coordinator,
            citizen=citizen,
            cpr=normalized,
            first_name=first_name,
            last_name=last_name,
            contact=contact,
            initiative=initiative,
            unit=unit,
            referred_on=referred_on,
            referral_note=referral_note,
            referral_note_category=referral_note_category,
            checklist=checklist,
            mandate=mandate,
            mandate_category=mandate_category,
            parallel_reason=parallel_reason,
            household_name=household_name,
            members=members,
        )


def _open_course(
    coordinator: User,
    *,
    citizen: Citizen | None,
    cpr: str,
    first_name: str,
    last_name: str,
    contact: dict[str, Any] | None,
    initiative: Initiative,
    unit: Unit,
    referred_on: date,
    referral_note: str,
    referral_note_category: str,
    checklist: dict[str, str] | None,
    mandate: str,
    mandate_category: str,
    parallel_reason: str,
    household_name: str,
    members: list[dict[str, Any]] | None,
) -> Course:
    """The writes of an intake that passed its checks (inside one transaction)."""
    if citizen is None:
        citizen, created = Citizen.objects.get_or_create(
            cpr=cpr,
            defaults={
                "birth_date": logic.cpr_birth_date(cpr),
                "first_name": first_name.strip(),
                "last_name": last_name.strip(),
                **(contact or {}),
            },
        )
        if not created:  # registered meanwhile by a simultaneous intake: check it again
            raise ValidationError({"cpr": "Borgeren er netop blevet registreret. Prøv igen."})
    course = Course.objects.create(
        initiative=initiative,
        citizen=citizen,
        status=CourseStatus.REFERRED,
        referred_on=referred_on,
        coordinator=coordinator,
        coordinator_unit=unit,
        mandate=mandate.strip(),
        mandate_category=mandate_category,
        intake_checklist=checklist or {},
        referral_note=referral_note.strip(),
        referral_note_category=referral_note_category,
        parallel_reason=parallel_reason.strip(),
    )
    TeamMember.objects.create(
        course=course,
        user=coordinator,
        name=coordinator.get_full_name() or coordinator.username,
        organisation=unit.organisation,
        unit=unit,
        welfare_area=unit.welfare_area,
        role="Koordinator",
        phone=coordinator.phone,
        email=coordinator.email,
        valid_from=referred_on,
    )
    plan = Plan.objects.create(course=course, updated_by=coordinator)
    _snapshot(plan, coordinator, ["Forløbet er oprettet"])
    if members or household_name.strip():
        create_household(coordinator, course, household_name, members or [])
    return course


def _uuid_or_none(value: Any) -> Any:
    """A UUID from an id (or an object with a pk), or None for anything else — typed ``Any``
    because it only feeds lookups, where None matches nothing."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(getattr(value, "pk", value)))
    except (ValueError, TypeError, AttributeError):
        return None


def _check_day(
    errors: dict[str, str], field: str, value: date | None, *, future: bool = True
) -> None:
    """A plausible date (years 1900-2200), not in the future unless ``future``."""
    if value is None:
        return
    if not 1900 <= value.year <= 2200:
        errors[field] = "Angiv en dato mellem år 1900 og 2200."
    elif not future and value > today():
        errors[field] = "Datoen kan ikke ligge i fremtiden."


# --------------------------------------------------------------------------------------------
# Joining an existing course
# --------------------------------------------------------------------------------------------


@transaction.atomic
def request_to_join(user: User, *, cpr: str, unit_id: Any, message: str = "") -> int:
    """Ask the coordinators of the citizen's active courses to add the caller's unit to the team.
    The caller learns nothing about the courses; returns how many requests were sent (0 when
    the unit is already on every team or already asked)."""
    from helhed.notifications.services import notify

    _require_person(user)
    unit = _uuid_or_none(unit_id)
    if not _current_roles(user, unit):
        raise ValidationError({"unit_id": "Du er ikke medlem af den valgte enhed i dag."})
    try:
        course_ids = selectors.active_course_ids_for_cpr(cpr)
    except logic.CprError as exc:
        raise ValidationError({"cpr": str(exc)}) from None
    if not course_ids:
        raise ValidationError({"cpr": "Borgeren har ikke et aktivt forløb i Helhed."})
    on = today()
    sent = 0
    for course in Course.objects.filter(pk__in=course_ids).select_related("citizen"):
        on_team = TeamMember.objects.filter(course=course, unit_id=unit).valid_on(on)
        pending = JoinRequest.objects.filter(course=course, unit_id=unit, status=JoinStatus.PENDING)
        if on_team.exists() or pending.exists():
            continue
        request = JoinRequest.objects.create(
            course=course, requested_by=user, unit_id=unit, message=message.strip()[:2000]
        )
        log_access(
            user,
            course.citizen_id,
            "anmodning om at komme med i teamet",
            Purpose.CASEWORK,
            unit_id=unit,
        )
        notify(
            [course.coordinator_id],
            kind="join-request",
            title=str(_("En fagperson beder om at komme med i teamet i et af dine forløb")),
            url=reverse("courses:course_detail", args=[course.pk]) + "#anmodninger",
            dedupe_key=f"join-request:{request.pk}",
        )
        sent += 1
    return sent


@transaction.atomic
def answer_join_request(
    user: User, *, request_id: Any, accept: bool, role: str = "", note: str = ""
) -> JoinRequest:
    """The coordinator accepts (the requester's unit joins the team from today, with the
    requester as contact person; access still needs a consent covering the unit) or declines."""
    from helhed.notifications.services import notify

    request = (
        JoinRequest.objects.select_for_update()
        .select_related("course", "unit", "unit__organisation", "requested_by")
        .filter(pk=_uuid_or_none(request_id))
        .first()
    )
    if request is None:
        raise selectors.NoAccessError
    _require_coordinator(user, request.course)
    if request.status != JoinStatus.PENDING:
        raise ValidationError("Anmodningen er allerede besvaret.")
    if accept:
        requester = request.requested_by
        TeamMember.objects.create(
            course=request.course,
            user=requester,
            name=requester.get_full_name() or requester.username,
            organisation=request.unit.organisation,
            unit=request.unit,
            welfare_area=request.unit.welfare_area,
            role=role.strip()[:120] or "Kontaktperson",
            phone=requester.phone,
            email=requester.email,
            valid_from=today(),
        )
    request.status = JoinStatus.ACCEPTED if accept else JoinStatus.DECLINED
    request.answered_by, request.answered_at = user, timezone.now()
    request.answer_note = note.strip()[:2000]
    request.save()
    notify(
        [request.requested_by_id],
        kind="join-answer",
        title=str(
            _("Din anmodning om at komme med i et team er accepteret")
            if accept
            else _("Din anmodning om at komme med i et team er afvist")
        ),
        body=str(
            _(
                "Du kan se forløbet, når borgerens samtykke omfatter din enhed. "
                "Koordinatoren registrerer samtykket."
            )
            if accept
            else _("Kontakt koordinatoren, hvis du har spørgsmål.")
        ),
        url=reverse("courses:course_list") + "#anmodninger",
        dedupe_key=f"join-answer:{request.pk}",
    )
    return request


def checklist_for(initiative: Initiative) -> list[tuple[str, str]]:
    """The initiative's target-group criteria as (kind, criterion) — the intake checklist."""
    items: list[tuple[str, str]] = []
    for kind, text in (
        ("objektivt", initiative.objective_criteria),
        ("skøn", initiative.judgement_criteria),
    ):
        items.extend((kind, line.strip()) for line in text.splitlines() if line.strip())
    if not items and initiative.target_group:
        items.append(("objektivt", initiative.target_group))
    return items


# Relation of an extra household member to the course's citizen, and how it is stored
# (``from_citizen`` is <kind> of ``to_citizen``): (label, kind, main is "from").
MEMBER_RELATIONS: dict[str, tuple[Any, str, bool]] = {
    "barn": (_("Borgerens barn"), RelationKind.PARENT, True),
    "forælder": (_("Borgerens forælder"), RelationKind.PARENT, False),
    "partner": (_("Borgerens partner"), RelationKind.PARTNER, True),
    "ekspartner": (_("Borgerens tidligere partner"), RelationKind.EX_PARTNER, True),
    "stedbarn": (_("Borgerens stedbarn"), RelationKind.STEP_PARENT, True),
    "stedforælder": (_("Borgerens stedforælder"), RelationKind.STEP_PARENT, False),
    "søskende": (_("Borgerens søskende"), RelationKind.SIBLING, True),
    "halvsøskende": (_("Borgerens halvsøskende"), RelationKind.HALF_SIBLING, True),
}
# Relations in which the parent of the pair can hold custody.
CUSTODY_RELATIONS = frozenset({"barn", "forælder", "stedbarn", "stedforælder"})
MAX_HOUSEHOLD_MEMBERS = 20


def _check_member(data: dict[str, Any], on: date) -> tuple[dict[str, str], str]:
    """One household member's errors by field, and the normalised CPR number."""
    errors: dict[str, str] = {}
    cpr = ""
    try:
        cpr = logic.validate_cpr(str(data.get("cpr") or ""), on)
    except logic.CprError as exc:
        errors["cpr"] = str(exc)
    for name, message in (("first_name", "Angiv fornavn."), ("last_name", "Angiv efternavn.")):
        value = str(data.get(name) or "").strip()
        if not value:
            errors[name] = message
        elif len(value) > 100:
            errors[name] = "Højst 100 tegn."
    relation = data.get("relation")
    if relation not in MEMBER_RELATIONS:
        errors["relation"] = "Vælg personens relation til borgeren."
    elif data.get("custody") and relation not in CUSTODY_RELATIONS:
        errors["custody"] = "Forældremyndighed gælder kun mellem forælder og barn."
    return errors, cpr


def check_members(members: list[dict[str, Any]], main_cpr: str) -> dict[str, str]:
    """Every household member of an intake checked, the errors named by row
    (``members.2.cpr``) so a page puts them on the row's field and the API answers them."""
    errors: dict[str, str] = {}
    if len(members) > MAX_HOUSEHOLD_MEMBERS:
        errors["members"] = f"Højst {MAX_HOUSEHOLD_MEMBERS} familiemedlemmer."
        return errors
    seen = {main_cpr} if main_cpr else set()
    on = today()
    for index, data in enumerate(members):
        row, cpr = _check_member(data, on)
        if cpr and cpr in seen:
            row["cpr"] = "Personen er allerede med i familien."
        seen.add(cpr)
        errors |= {f"members.{index}.{name}": message for name, message in row.items()}
    return errors


@transaction.atomic
def create_household(
    user: User, course: Course, name: str, members: list[dict[str, Any]]
) -> Household:
    """A family household around the course's citizen, so the plan can cover the whole family:
    any number of members (up to ``MAX_HOUSEHOLD_MEMBERS``), each with a relation to the
    citizen and, between parent and child, whether the parent holds custody. Members are matched
    on CPR; unknown ones are created with the birth date from the CPR. All or nothing."""
    _require_coordinator(user, course)
    main = course.citizen
    errors = check_members(members, main.cpr)
    if errors:
        raise ValidationError(errors)
    household = Household.objects.create(name=name.strip() or f"Familien {main.last_name}")
    household.members.add(main)
    for index, data in enumerate(members):
        cpr = logic.validate_cpr(str(data["cpr"]), today())
        member, created = Citizen.objects.get_or_create(
            cpr=cpr,
            defaults={
                "birth_date": logic.cpr_birth_date(cpr),
                "first_name": data["first_name"].strip(),
                "last_name": data["last_name"].strip(),
            },
        )
        if not created and not (
            _same_name(data["first_name"], member.first_name)
            and _same_name(data["last_name"], member.last_name)
        ):
            # As at intake: a CPR number is not a way to learn whose it is.
            raise ValidationError(
                {
                    f"members.{index}.last_name": "Navn og CPR-nummer passer ikke sammen med "
                    "registreringen i Helhed. Kontrollér navn og CPR-nummer."
                }
            )
        household.members.add(member)
        _label, kind, main_first = MEMBER_RELATIONS[data["relation"]]
        HouseholdRelation.objects.create(
            household=household,
            kind=kind,
            from_citizen=main if main_first else member,
            to_citizen=member if main_first else main,
            custody=bool(data.get("custody")) and data["relation"] in CUSTODY_RELATIONS,
        )
    course.household = household
    course.save(update_fields=["household", "updated_at"])
    return household


def _family_member(course: Course, citizen_id: Any) -> Citizen | None:
    """A member of the family the course covers, other than the course's citizen — or None
    (no family, another household's child, a guessed id)."""
    if course.household_id is None:
        return None
    return (
        Citizen.objects.filter(pk=_uuid_or_none(citizen_id), households=course.household_id)
        .exclude(pk=course.citizen_id)
        .first()
    )


@transaction.atomic
def change_status(
    user: User, course: Course, status: str, reason: str = "", *, start_date: date | None = None
) -> Course:
    """The course's status (and, for a course continued from another system, its start)."""
    _require_coordinator(user, course)
    if status not in CourseStatus.values:
        raise ValidationError({"status": "Ukendt status."})
    if start_date is not None:
        if start_date < course.referred_on or start_date > today():
            raise ValidationError(
                {"start_date": "Startdatoen skal ligge mellem henvisningen og i dag."}
            )
        course.start_date = start_date
    if status == CourseStatus.CLOSED and not reason.strip():
        raise ValidationError({"closing_reason": "Angiv årsagen til, at forløbet afsluttes."})
    if status == CourseStatus.CLOSED and course.status != CourseStatus.CLOSED:
        outbox.record(EventType.COURSE_CLOSED, course_id=course.pk)
    course.status = status
    if status == CourseStatus.ACTIVE and course.start_date is None:
        course.start_date = today()
    if status == CourseStatus.CLOSED:
        course.closing_reason = reason.strip()
        course.end_date = course.end_date or today()
    course.save()
    return course


def change_coordinator(
    user: User, course: Course, new: User, new_unit: Unit, *, reason: str, mandate: str = ""
) -> Course:
    """Hand the course over to ``new`` (issue 14: also a coordinator in another organisation):
    ``hand_over_course`` with objects."""
    return hand_over_course(
        user,
        course_id=course.pk,
        new_coordinator_id=new.pk,
        unit_id=new_unit.pk,
        reason=reason,
        mandate=mandate,
    )


def _require_coordinator(user: User, course: Course) -> None:
    """The course's coordinator, while still a member of the coordinating unit (as the guard
    decides reads: ``selectors.access_for``)."""
    from helhed.core.selectors import membership_list

    _require_staff(user)
    units = {m.unit_id for m in membership_list(user)}
    if course.coordinator_id != user.pk or course.coordinator_unit_id not in units:
        raise PermissionDenied("Kun forløbets koordinator kan gøre dette.")


# --------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------


@transaction.atomic
def give_consent(
    user: User,
    course: Course,
    *,
    given_by: str,
    given_by_name: str,
    organisations: Iterable[Organisation] = (),
    units: Iterable[Unit] = (),
    categories: Iterable[str],
    valid_from: date,
    valid_to: date | None = None,
    note: str = "",
    for_evaluation: bool = False,
    child_ids: Iterable[Any] = (),
    person_id: Any = None,
) -> Consent:
    """Record a consent. The citizen from age 15 consents personally; for a younger child a
    custody holder does. A consent must name whom it covers and which data.

    In the same step the citizen may consent, as custody holder, for children under 15 in the
    family the course covers (``child_ids``): each must be in that family, under 15 on the first
    day, and the citizen's registered custody child. A child from 15 consents personally.

    ``person_id``: a household member aged 15 or more in the course's family records their own
    consent (issue 14); empty for the course's citizen."""
    if user.kind == UserKind.CITIZEN:
        citizen = selectors.citizen_for_user(user)
        if citizen is None or citizen.pk != course.citizen_id:
            raise selectors.NoAccessError
    else:
        _require_coordinator(user, course)
    organisations, units, categories = list(organisations), list(units), set(categories)
    errors: dict[str, str] = {}
    child_list = list(child_ids)
    person = _consent_person(course, person_id, valid_from, child_list, errors)
    if not organisations and not units:
        errors["unit_ids"] = "Vælg mindst én organisation eller enhed, som samtykket omfatter."
    known = {c for c, _label in logic.DATA_CATEGORIES}
    if not categories:
        errors["categories"] = "Vælg mindst én kategori af oplysninger."
    elif not categories <= known:
        errors["categories"] = "Ukendt kategori af oplysninger."
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "Slutdatoen skal ligge efter startdatoen."
    born = person.birth_date if person is not None else course.citizen.birth_date
    required = logic.who_consents(born, valid_from)
    if required == "citizen" and given_by != GivenBy.CITIZEN:
        errors["given_by"] = "Borgeren er fyldt 15 år og skal selv give samtykke."
    if required == "custody_holder" and given_by != GivenBy.CUSTODY_HOLDER:
        errors["given_by"] = "Borgeren er under 15 år: samtykke gives af forældremyndigheden."
    if person is not None and not given_by_name.strip():
        given_by_name = person.full_name
    if not given_by_name.strip():
        errors["given_by_name"] = "Angiv navnet på den, der giver samtykke."
    children, child_error = _consent_children(
        course, [] if person else child_list, given_by, valid_from
    )
    if child_error:
        errors["child_ids"] = child_error
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        course=course,
        given_by=given_by,
        given_by_name=given_by_name.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        recorded_by=user,
        for_evaluation=for_evaluation,
        person=person,
        **Consent.flags(categories),
    )
    consent.organisations.set(organisations)
    consent.units.set(units)
    consent.children.set(children)
    scope = [o.name for o in organisations] + [u.name for u in units]
    detail = f"{', '.join(scope)}; {_category_words(categories)}"
    if children:
        detail += "; også for " + ", ".join(c.first_name for c in children)
    _consent_event(consent, user, ConsentEventKind.GIVEN, detail)
    outbox.record(EventType.CONSENT_GIVEN, course_id=course.pk, data={"consent_id": consent.pk})
    return consent


def _consent_person(
    course: Course, person_id: Any, valid_from: date, child_ids: list[Any], errors: dict[str, str]
) -> Citizen | None:
    """A household member's own consent: a member of the course's family aged 15 or more on
    the first day, carrying no children."""
    if person_id in (None, ""):
        return None
    person = _family_member(course, person_id)
    if person is None:
        raise ValidationError(
            {"person_id": "Personen hører ikke til den familie, forløbet dækker."}
        )
    if logic.who_consents(person.birth_date, valid_from) != "citizen":
        errors["person_id"] = (
            f"{person.first_name} er under 15 år: samtykket gives af forældremyndigheden."
        )
    if child_ids:
        errors["child_ids"] = "Et familiemedlems eget samtykke kan ikke omfatte børn."
    return person


def _category_words(categories: Iterable[str]) -> str:
    """The categories as the history stores them: in Danish, whatever the writer's language."""
    from django.utils import translation

    chosen = set(categories)
    with translation.override("da"):
        return ", ".join(str(label) for c, label in logic.DATA_CATEGORIES if c in chosen)


def _by_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _consent_event(
    consent: Consent, user: User | None, kind: str, detail: str = "", by_name: str = ""
) -> ConsentEvent:
    """One line of the consent's history (who, when, what); every consent service writes it in
    the same transaction as the change."""
    return ConsentEvent.objects.create(
        consent=consent,
        course_id=consent.course_id,
        kind=kind,
        by=user,
        by_name=(by_name or (_by_name(user) if user is not None else ""))[:200],
        detail=detail[:500],
    )


def _consent_children(
    course: Course, child_ids: list[Any], given_by: str, on: date
) -> tuple[list[Citizen], str]:
    """The children a custody holder's consent covers, or the reason it may not."""
    if not child_ids:
        return [], ""
    if given_by != GivenBy.CITIZEN:
        return [], "Kun borgeren selv kan samtykke for sine børn i samme skridt."
    children: list[Citizen] = []
    for child_id in dict.fromkeys(child_ids):
        child = _family_member(course, child_id)
        if child is None:
            return [], "Barnet hører ikke til den familie, forløbet dækker."
        if logic.who_consents(child.birth_date, on) == "citizen":
            return [], f"{child.first_name} er fyldt 15 år og skal selv give samtykke."
        custody = HouseholdRelation.objects.filter(
            household=course.household,
            from_citizen_id=course.citizen_id,
            to_citizen=child,
            kind__in=[RelationKind.PARENT, RelationKind.STEP_PARENT],
            custody=True,
        ).exists()
        if not custody:
            return [], (
                f"{course.citizen.first_name} har ikke forældremyndighed over {child.first_name} "
                "i familiens registrering."
            )
        children.append(child)
    return children, ""


@transaction.atomic
def withdraw_consent(user: User, consent: Consent, *, by_name: str = "") -> Consent:
    """Withdraw at once: from today the consent no longer gives anyone access."""
    course = consent.course
    if user.kind == UserKind.CITIZEN:
        citizen = selectors.citizen_for_user(user)
        if citizen is None or citizen.pk != course.citizen_id:
            raise selectors.NoAccessError
        by_name = by_name or citizen.full_name
    else:
        _require_coordinator(user, course)
    if consent.withdrawn_on is not None:
        raise ValidationError("Samtykket er allerede trukket tilbage.")
    # before the change: its audience is those who may see the course while the consent holds
    outbox.record(EventType.CONSENT_WITHDRAWN, course_id=course.pk, data={"consent_id": consent.pk})
    consent.withdrawn_on = today()
    consent.withdrawn_by_name = by_name or (user.get_full_name() or user.username)
    with restriction.withdrawal():  # also when processing is restricted (GDPR art. 7(3))
        consent.save(update_fields=["withdrawn_on", "withdrawn_by_name"])
        _consent_event(
            consent,
            user,
            ConsentEventKind.WITHDRAWN,
            f"trukket tilbage af {consent.withdrawn_by_name}",
        )
    return consent


@transaction.atomic
def change_consent(
    user: User,
    *,
    course_id: Any,
    consent_id: Any,
    unit_ids: Iterable[Any] | None = None,
    organisation_ids: Iterable[Any] | None = None,
    categories: Iterable[str] | None = None,
    valid_to: date | str | None = "unchanged",
) -> Consent:
    """Change a recorded consent (the coordinator's, as the citizen asked): the units and
    organisations it covers, the categories, the expiry. Each change is a line in its history;
    a withdrawn consent is not changed (record a new one)."""
    access = selectors.access_for(user, course_id)
    course = access.course
    _require_coordinator(user, course)
    consent = Consent.objects.select_for_update().filter(pk=_uuid_or_none(consent_id)).first()
    if consent is None or consent.course_id != course.pk:
        raise selectors.NoAccessError
    if consent.withdrawn_on is not None:
        raise ValidationError({"consent_id": "Samtykket er trukket tilbage og kan ikke ændres."})
    changes: list[tuple[str, str]] = []
    if unit_ids is not None or organisation_ids is not None:
        changes += _change_scope(consent, unit_ids, organisation_ids)
    if categories is not None:
        changes += _change_categories(consent, set(categories))
    if valid_to != "unchanged":
        changes += _change_expiry(consent, valid_to)  # type: ignore[arg-type]
    for kind, detail in changes:
        _consent_event(consent, user, kind, detail)
    return consent


def _change_scope(
    consent: Consent, unit_ids: Iterable[Any] | None, organisation_ids: Iterable[Any] | None
) -> list[tuple[str, str]]:
    changes: list[tuple[str, str]] = []
    before_units = {u.pk: u for u in consent.units.all()}
    before_orgs = {o.pk: o for o in consent.organisations.all()}
    units = (
        list(Unit.objects.filter(pk__in=[_uuid_or_none(i) for i in unit_ids]))
        if unit_ids is not None
        else list(before_units.values())
    )
    orgs = (
        list(Organisation.objects.filter(pk__in=[_uuid_or_none(i) for i in organisation_ids]))
        if organisation_ids is not None
        else list(before_orgs.values())
    )
    if unit_ids is not None and len(units) != len(set(unit_ids)):
        raise ValidationError({"unit_ids": "En af enhederne findes ikke."})
    if organisation_ids is not None and len(orgs) != len(set(organisation_ids)):
        raise ValidationError({"organisation_ids": "En af organisationerne findes ikke."})
    if not units and not orgs:
        raise ValidationError(
            {"unit_ids": "Vælg mindst én organisation eller enhed, som samtykket omfatter."}
        )
    after = {u.pk: u.name for u in units} | {o.pk: f"hele {o.name}" for o in orgs}
    before = {k: u.name for k, u in before_units.items()}
    before |= {k: f"hele {o.name}" for k, o in before_orgs.items()}
    consent.units.set(units)
    consent.organisations.set(orgs)
    added = [after[k] for k in after if k not in before]
    removed = [before[k] for k in before if k not in after]
    if added:
        changes.append((ConsentEventKind.UNITS_ADDED, ", ".join(sorted(added))))
    if removed:
        changes.append((ConsentEventKind.UNITS_REMOVED, ", ".join(sorted(removed))))
    return changes


def _change_categories(consent: Consent, categories: set[str]) -> list[tuple[str, str]]:
    if not categories:
        raise ValidationError({"categories": "Vælg mindst én kategori af oplysninger."})
    if not categories <= logic.CATEGORY_KEYS:
        raise ValidationError({"categories": "Ukendt kategori af oplysninger."})
    before = consent.categories
    if categories == before:
        return []
    for field, value in Consent.flags(categories).items():
        setattr(consent, field, value)
    consent.save()
    return [
        (
            ConsentEventKind.SCOPE_CHANGED,
            f"fra {_category_words(before)} til {_category_words(categories)}",
        )
    ]


def _change_expiry(consent: Consent, valid_to: date | None) -> list[tuple[str, str]]:
    if valid_to == consent.valid_to:
        return []
    if valid_to is not None:
        errors: dict[str, str] = {}
        _check_day(errors, "valid_to", valid_to)
        if errors:
            raise ValidationError(errors)
        if valid_to < consent.valid_from:
            raise ValidationError({"valid_to": "Slutdatoen skal ligge efter startdatoen."})
    before = consent.valid_to
    consent.valid_to = valid_to
    consent.save(update_fields=["valid_to"])

    def shown(day: date | None) -> str:
        return f"{day:%d.%m.%Y}" if day else "indtil det trækkes tilbage"

    return [(ConsentEventKind.EXPIRY_CHANGED, f"fra {shown(before)} til {shown(valid_to)}")]


@transaction.atomic
def confirm_consent(user: User, *, consent_id: Any) -> Consent:
    """The giver confirms a recorded consent on their own page after logging in (issue 15): the
    citizen whose consent it is, or for a child under 15 a registered custody holder. Records
    who, when and how. Anyone else — staff included — is refused as if it did not exist."""
    citizen = selectors.citizen_for_user(user)
    if citizen is None:
        raise selectors.NoAccessError
    consent = (
        Consent.objects.select_for_update()
        .select_related("course", "course__citizen")
        .filter(pk=_uuid_or_none(consent_id))
        .first()
    )
    if consent is None:
        raise selectors.NoAccessError
    on = today()
    problem = logic.may_confirm(
        reader_id=citizen.pk,
        giver_id=consent.person_id or consent.course.citizen_id,
        custody_holder_ids=selectors.custody_holder_ids(consent.course),
        by_custody_holder=consent.given_by == GivenBy.CUSTODY_HOLDER,
        withdrawn=consent.withdrawn_on is not None and consent.withdrawn_on <= on,
        expired=consent.valid_to is not None and consent.valid_to < on,
        confirmed=consent.confirmed_at is not None,
    )
    if problem.startswith(("Kun ", "Du kan kun")):
        raise selectors.NoAccessError
    if problem:
        raise ValidationError({"consent_id": problem})
    consent.confirmed_at = timezone.now()
    consent.confirmed_by = user
    consent.confirmed_by_name = citizen.full_name
    consent.confirmed_via = ConfirmedVia.OWN_PAGE
    consent.save(
        update_fields=["confirmed_at", "confirmed_by", "confirmed_by_name", "confirmed_via"]
    )
    _consent_event(
        consent,
        user,
        ConsentEventKind.CONFIRMED,
        f"bekræftet af {citizen.full_name} {ConfirmedVia.OWN_PAGE.label}",
        by_name=citizen.full_name,
    )
    log_access(user, consent.course.citizen_id, "samtykke bekræftet", Purpose.CITIZEN_SELF)
    return consent


@transaction.atomic
def attach_consent_document(
    user: User, *, course_id: Any, consent_id: Any, upload: Any
) -> ConsentDocument:
    """The coordinator attaches the signed consent (PDF, PNG or JPEG by content, at most 10 MB).
    Stored with Django's storage under MEDIA_ROOT at a random name; the uploaded name is kept
    in a column. A consent of another course, or a guessed id, does not exist for the caller."""
    import hashlib

    access = selectors.access_for(user, course_id)
    _require_coordinator(user, access.course)
    consent = selectors.consent_of(access, consent_id)
    name = str(getattr(upload, "name", "") or "")
    size = int(getattr(upload, "size", 0) or 0)
    head = upload.read(16)
    upload.seek(0)
    problem = logic.document_problem(name, size, head)
    if problem:
        raise ValidationError({"file": problem})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = ConsentDocument(
        consent=consent,
        content_type=logic.document_type(head) or "",
        size=size,
        original_name=name.replace("/", "_").replace("\\", "_")[-200:],
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    document.file.save("upload", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    _consent_event(consent, user, ConsentEventKind.DOCUMENT_ATTACHED, document.original_name)
    return document


WITHOUT_CONSENT_HOURS = 24
# docs/security.md, "Access without consent": the caseworkers of an authority unit; leaders
# review, analysts and administrators never read a course this way.
WITHOUT_CONSENT_ROLES = frozenset({Role.KOORDINATOR, Role.FAGPERSON})


def without_consent_units(user: User) -> list[Unit]:
    """The caller's units from which an access without consent may be opened today."""
    from helhed.core.selectors import membership_list

    units: dict[Any, Unit] = {}
    for membership in membership_list(user):
        unit = membership.unit
        if (
            membership.role in WITHOUT_CONSENT_ROLES
            and unit.may_open_without_consent
            and unit.organisation.org_type.is_public
        ):
            units.setdefault(unit.pk, unit)
    return sorted(units.values(), key=lambda u: (u.organisation.name, u.name))


@transaction.atomic
def open_without_consent(
    user: User, *, course_id: Any, unit_id: Any, basis_id: str, note: str = ""
) -> WithoutConsentAccess:
    """An explicit access without consent for a legally authorised purpose: opened from one of
    the caller's casework-authority units on a basis from the maintained list, for 24 hours and
    the categories the basis opens; flagged in the access log (now and on every read while it
    lasts); the coordinator and the unit's leaders are told at once."""
    from helhed.notifications.services import notify

    _require_person(user)
    allowed = {u.pk: u for u in without_consent_units(user)}
    if not allowed:
        raise PermissionDenied(
            "Kun sagsbehandlere i en myndighedsenhed kan åbne et forløb uden samtykke."
        )
    errors: dict[str, str] = {}
    unit = allowed.get(_uuid_or_none(unit_id))
    if unit is None:
        errors["unit_id"] = "Vælg en af dine myndighedsenheder."
    basis = WithoutConsentBasis.objects.filter(pk=str(basis_id), active=True).first()
    if basis is None:
        errors["basis_id"] = "Vælg en hjemmel fra listen."
    if errors:
        raise ValidationError(errors)
    assert unit is not None and basis is not None
    course = (
        Course.objects.select_related("coordinator").filter(pk=_uuid_or_none(course_id)).first()
    )
    if course is None:
        raise selectors.NoAccessError
    grant = WithoutConsentAccess.objects.create(
        course=course,
        user=user,
        unit=unit,
        basis=basis,
        legal_basis=f"{basis.law} {basis.paragraph} – {basis.title}"[:300],
        reason=note.strip()[:2000],
        expires_at=timezone.now() + timedelta(hours=WITHOUT_CONSENT_HOURS),
        **WithoutConsentAccess.flags(basis.category_set),
    )
    log_access(
        user,
        course.citizen_id,
        "adgang uden samtykke åbnet",
        Purpose.LEGAL_OBLIGATION,
        without_consent=True,
        legal_basis=grant.legal_basis,
        unit_id=unit.pk,
    )
    title = str(_("Et forløb er åbnet uden samtykke"))
    body = str(_("Hjemmel: %(basis)s. Enhed: %(unit)s.")) % {
        "basis": grant.legal_basis,
        "unit": f"{unit.name}, {unit.organisation.name}",
    }
    if course.coordinator_id != user.pk:
        notify(
            [course.coordinator_id],
            kind="without-consent",
            title=title,
            body=body,
            url=reverse("courses:course_detail", args=[course.pk]),
            dedupe_key=f"without-consent:{grant.pk}:coordinator",
        )
    notify(
        [leader for leader in _leaders_of(unit) if leader != user.pk],
        kind="without-consent",
        title=title,
        body=body,
        url=reverse("courses:without_consent_review"),
        dedupe_key=f"without-consent:{grant.pk}:leader",
    )
    return grant


def _leaders_of(unit: Unit) -> list[Any]:
    """The current leaders of the unit; if it has none, of its parent units; if none, of the
    organisation."""
    current = Membership.objects.filter(role=Role.LEDER).valid_on(today())
    level: Unit | None = unit
    while level is not None:
        found = list(current.filter(unit=level).values_list("user_id", flat=True))
        if found:
            return found
        level = level.parent
    return list(
        current.filter(unit__organisation_id=unit.organisation_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


REVIEW_OUTCOMES = ("berettiget", "ikke-berettiget")


@transaction.atomic
def review_without_consent(
    user: User, *, access_id: Any, outcome: str, note: str = ""
) -> WithoutConsentAccess:
    """A leader of the organisation the access was opened from records whether it was
    justified. An unjustified access needs a note (what follows from it)."""
    from helhed.courses.selectors import review_organisations

    grant = (
        # Lock the access row only: the unit is a nullable join PostgreSQL will not lock.
        WithoutConsentAccess.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=_uuid_or_none(access_id))
        .first()
    )
    if grant is None or grant.unit is None:
        raise selectors.NoAccessError
    if grant.unit.organisation_id not in review_organisations(user):
        raise selectors.NoAccessError
    if grant.user_id == user.pk:
        raise PermissionDenied("Du kan ikke gennemgå din egen adgang uden samtykke.")
    errors: dict[str, str] = {}
    if outcome not in REVIEW_OUTCOMES:
        errors["outcome"] = "Vælg, om adgangen var berettiget."
    elif outcome == "ikke-berettiget" and not note.strip():
        errors["note"] = "Skriv, hvad der sker nu, når adgangen ikke var berettiget."
    if grant.reviewed_at is not None:
        errors["outcome"] = "Adgangen er allerede gennemgået."
    if errors:
        raise ValidationError(errors)
    grant.review_outcome, grant.review_note = outcome, note.strip()[:2000]
    grant.reviewed_by, grant.reviewed_at = user, timezone.now()
    grant.save(update_fields=["review_outcome", "review_note", "reviewed_by", "reviewed_at"])
    return grant


# --------------------------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------------------------


@transaction.atomic
def add_team_member(
    user: User,
    course: Course,
    *,
    organisation: Organisation,
    unit: Unit | None,
    name: str,
    role: str,
    valid_from: date,
    member_user: User | None = None,
    phone: str = "",
    email: str = "",
    welfare_area_id: str | None = None,
    valid_to: date | None = None,
) -> TeamMember:
    _require_coordinator(user, course)
    errors = {}
    if not name.strip():
        errors["name"] = "Angiv navn."
    if not role.strip():
        errors["role"] = "Angiv rolle, fx »Sagsbehandler, jobcenter«."
    for field, value, most in (("name", name, 200), ("role", role, 120)):
        if len(value.strip()) > most:
            errors[field] = f"Højst {most} tegn."
    if unit is not None and unit.organisation_id != organisation.pk:
        errors["unit_id"] = "Enheden hører ikke til den valgte organisation."
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "Slutdatoen skal ligge efter startdatoen."
    if member_user is not None and not (
        unit is not None and selectors.linkable_users(unit.pk).filter(pk=member_user.pk).exists()
    ):
        # linking a user tells them about the citizen: only a current member of the unit named
        # (the form offers no one else; the API and the FHIR import are held to the same)
        errors["user_id"] = "Brugeren er ikke medarbejder i den valgte enhed i dag."
    if errors:
        raise ValidationError(errors)
    return TeamMember.objects.create(
        course=course,
        user=member_user,
        name=name.strip(),
        organisation=organisation,
        unit=unit,
        welfare_area_id=welfare_area_id or (unit.welfare_area_id if unit else None),
        role=role.strip(),
        phone=phone,
        email=email,
        valid_from=valid_from,
        valid_to=valid_to,
    )


@transaction.atomic
def end_team_member(user: User, member: TeamMember, on: date) -> TeamMember:
    _require_coordinator(user, member.course)
    if on < member.valid_from:
        raise ValidationError({"on": "Slutdatoen skal ligge efter startdatoen."})
    member.valid_to = on
    member.save(update_fields=["valid_to"])
    return member


# --------------------------------------------------------------------------------------------
# The plan: snapshots, optimistic concurrency, edits
# --------------------------------------------------------------------------------------------


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The whole plan as plain data (``logic.plan_snapshot``): what a version stores and what a
    restore brings back. Always read afresh from the database."""
    return logic.plan_snapshot(
        citizen_statement=plan.citizen_statement,
        summary=plan.summary,
        goals=[(g, g.subgoals.all()) for g in plan.goals.all().order_by("priority", "id")],
        measures=[(m, [g.pk for g in m.goals.all()]) for m in plan.measures.all().order_by("id")],
        demands=plan.demands.all().order_by("id"),
        appointments=plan.appointments.all().order_by("id"),
    )


def _snapshot(plan: Plan, user: User, changes: list[str]) -> PlanVersion:
    data = {"plan_id": plan.pk, "version": plan.version}
    outbox.record(EventType.PLAN_CHANGED, course_id=plan.course_id, data=data)
    return PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        created_by=user,
        changes=changes,
        snapshot=plan_snapshot(plan),
    )


def _lock_plan(
    user: User, plan_id: uuid.UUID | str, expected_version: int
) -> tuple[Plan, selectors.Access]:
    """Lock the plan row, check the user may edit it and that nobody saved in between."""
    plan = (
        Plan.objects.select_for_update()
        .select_related("course")
        .filter(pk=_uuid_or_none(plan_id))
        .first()
    )
    if plan is None:
        raise selectors.NoAccessError
    access = selectors.access_for(user, plan.course_id)
    if not access.may("plan"):
        raise selectors.NoAccessError
    if plan.version != expected_version:
        # Re-describe each change for this user: items in data categories their consent does
        # not cover are not named (the stored texts could name a measure they may not see).
        visible = access.visible_categories
        versions = {
            v.number: v
            for v in PlanVersion.objects.filter(
                plan=plan, number__gte=expected_version
            ).select_related("created_by")
        }
        changes: list[str] = []
        for number in range(expected_version + 1, plan.version + 1):
            version, previous = versions.get(number), versions.get(number - 1)
            if version is None:
                continue
            texts = (
                logic.diff_snapshots(previous.snapshot, version.snapshot, visible)
                if previous is not None
                else []
            ) or ["planen er ændret"]
            changes.extend(f"v{number} ({version.created_by}): {text}" for text in texts)
        raise StalePlanError(plan.version, changes)
    return plan, access


def _commit(plan: Plan, user: User, fallback: str, before: dict[str, Any]) -> Plan:
    plan.version += 1
    plan.updated_by = user
    plan.save()
    changes = logic.diff_snapshots(before, plan_snapshot(plan)) or [fallback]
    _snapshot(plan, user, changes)
    return plan


TEXT_FIELDS = {"citizen_statement": "citizen_statement_category", "summary": "summary_category"}


@transaction.atomic
def update_plan_text(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    **texts: str | None,
) -> Plan:
    """Save the plan's free texts (``citizen_statement``, ``summary``) and the category each is
    filed under (``…_category``). A text left out (or None) is unchanged. A reader may not
    change a text filed under a category they may not see, nor file one under such a category."""
    plan, access = _lock_plan(user, plan_id, expected_version)
    unknown = set(texts) - set(TEXT_FIELDS) - set(TEXT_FIELDS.values())
    if unknown:
        raise ValidationError({name: "Ukendt felt." for name in sorted(unknown)})
    before = plan_snapshot(plan)
    errors: dict[str, str] = {}
    for text_field, category_field in TEXT_FIELDS.items():
        text, category = texts.get(text_field), texts.get(category_field)
        if text is None and category is None:
            continue
        if not access.sees_text(getattr(plan, category_field)):
            raise selectors.NoAccessError
        if category is not None and (
            category not in logic.CATEGORY_KEYS or not access.sees_text(category)
        ):
            errors[category_field] = "Vælg en kategori, du selv har adgang til."
            continue
        if text is not None and _too_long(errors, text_field, text.strip(), logic.PLAN_TEXT_MAX):
            continue
        if text is not None:
            setattr(plan, text_field, text.strip())
        if category is not None:
            setattr(plan, category_field, category)
    if errors:
        raise ValidationError(errors)
    return _commit(plan, user, "Planens tekst er gemt", before)


def _too_long(errors: dict[str, str], field: str, text: str, limit: int) -> bool:
    """Note a text over its limit (never cut short) under the field's name."""
    try:
        text_limit(limit)(text)
    except ValidationError as exc:
        errors[field] = exc.messages[0]
        return True
    return False


def _validate_dates(start: date | None, end: date | None, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({field: "Slutdatoen skal ligge efter startdatoen."})


M = TypeVar("M", Goal, Measure, Demand, Appointment)

_CATEGORY_FIELD = {Measure: "legal_basis", Demand: "welfare_area", Appointment: "welfare_area"}


def _apply_item(
    plan: Plan,
    access: selectors.Access,
    model: type[M],
    item_id: uuid.UUID | str | None,
    fields: dict[str, Any],
) -> M:
    """Create or update one item of the plan from service fields, validated by the model.
    An item the reader may not see — not there, in another plan, or hidden from them — is
    refused with ``PermissionDenied``; so is an item that would end up in a category the reader
    may not see (and that no unit of theirs owns), with a field error."""
    if item_id:
        item = model.objects.filter(pk=_uuid_or_none(item_id), plan=plan).first()
        if item is None or (model is not Goal and not access.sees(item)):
            raise PermissionDenied(selectors.ITEM_NOT_SEEN)
        item.plan = plan  # the locked row: its version is the one this save writes
    else:
        item = model(plan=plan)
    for key, value in fields.items():
        setattr(item, key, value)
    _full_clean(item, exclude=["plan"])
    if model is not Goal and not access.sees(item):
        label = dict(logic.DATA_CATEGORIES)[item.data_category]  # type: ignore[attr-defined]
        raise ValidationError(
            {
                _CATEGORY_FIELD[model]: f"Oplysningen hører til kategorien »{label}«, som "
                "borgerens samtykke ikke omfatter for din enhed. Vælg din egen enhed som "
                "ansvarlig, eller bed koordinatoren om at registrere den."
            }
        )
    item.save()
    return item


@transaction.atomic
def save_goal(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    goal_id: uuid.UUID | str | None = None,
    **fields: Any,
) -> Goal:
    plan, access = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not str(fields.get("text", "")).strip():
        raise ValidationError({"text": "Skriv målet – gerne med borgerens egne ord."})
    importance = fields.get("importance")
    if importance is not None and not 1 <= int(importance) <= 5:
        raise ValidationError({"importance": "Vigtighed er fra 1 til 5."})
    if "person_id" in fields:
        fields["person"] = _goal_person(plan.course, fields.pop("person_id"))
    goal = _apply_item(plan, access, Goal, goal_id, fields)
    _commit(plan, user, "Mål gemt", before)
    return goal


def _goal_person(course: Course, person_id: Any) -> Citizen | None:
    """Whose goal: empty (or the course's citizen) for the citizen, else a member of the
    family the course covers — never someone outside it."""
    if not person_id or _uuid_or_none(person_id) == course.citizen_id:
        return None
    person = _family_member(course, person_id)
    if person is None:
        raise ValidationError(
            {"person_id": "Vælg borgeren eller et medlem af den familie, forløbet dækker."}
        )
    return person


@transaction.atomic
def save_child_perspective(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    child_id: Any,
    text: str,
    text_category: str = "plan",
) -> ChildPerspective:
    """Barnets eget perspektiv (barnets lov § 91): a child's own view, for a child under 18 in
    the family the course covers (or the course's citizen, if under 18). Filed under the
    category its writer chose; a text filed under a category the reader may not see can be
    neither read nor replaced by them."""
    plan, access = _lock_plan(user, plan_id, expected_version)
    course = plan.course
    child = (
        course.citizen
        if _uuid_or_none(child_id) == course.citizen_id
        else _family_member(course, child_id)
    )
    if child is None or child.age(today()) >= logic.ADULT_AGE:
        raise ValidationError(
            {"child_id": "Vælg et barn under 18 år i den familie, forløbet dækker."}
        )
    existing = ChildPerspective.objects.filter(plan=plan, child=child).first()
    if existing is not None and not access.sees_text(existing.text_category):
        raise selectors.NoAccessError
    errors: dict[str, str] = {}
    if text_category not in logic.CATEGORY_KEYS or not access.sees_text(text_category):
        errors["text_category"] = "Vælg en kategori, du selv har adgang til."
    _too_long(errors, "text", text.strip(), logic.PLAN_TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    before = plan_snapshot(plan)
    perspective = existing or ChildPerspective(plan=plan, child=child)
    perspective.text = text.strip()
    perspective.text_category = text_category
    perspective.updated_by = user
    perspective.save()
    _commit(plan, user, f"Barnets eget perspektiv ({child.first_name}) er gemt", before)
    return perspective


@transaction.atomic
def delete_goal(
    user: User, plan_id: uuid.UUID | str, expected_version: int, goal_id: uuid.UUID | str
) -> Plan:
    """Remove a goal (its sub-goals go with it). Refused when the goal is linked to a measure or
    has a sub-goal the reader may not see: only someone who sees them can judge the loss."""
    plan, access = _lock_plan(user, plan_id, expected_version)
    goal = Goal.objects.filter(pk=_uuid_or_none(goal_id), plan=plan).first()
    if goal is None:
        raise PermissionDenied(selectors.ITEM_NOT_SEEN)
    hidden = [m for m in goal.measures.all() if not access.sees(m)] + [
        s for s in goal.subgoals.all() if not access.sees(s)
    ]
    if hidden:
        raise PermissionDenied(
            "Målet er knyttet til indsatser eller delmål, du ikke har adgang til. "
            "Bed koordinatoren om at fjerne det."
        )
    before = plan_snapshot(plan)
    goal.delete()
    return _commit(plan, user, "Mål fjernet", before)


@transaction.atomic
def add_subgoal(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    goal_id: uuid.UUID | str,
    text: str,
    owner: TeamMember | None = None,
    welfare_area_id: str | None = None,
) -> SubGoal:
    plan, access = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not text.strip():
        raise ValidationError({"text": "Skriv delmålet."})
    goal = Goal.objects.filter(pk=_uuid_or_none(goal_id), plan=plan).first()
    if goal is None:
        raise PermissionDenied(selectors.ITEM_NOT_SEEN)
    goal.plan = plan
    if owner is not None and owner.course_id != plan.course_id:
        raise ValidationError({"owner_id": "Den ansvarlige skal være med i forløbets team."})
    sub = SubGoal(goal=goal, text=text.strip(), owner=owner, welfare_area_id=welfare_area_id)
    _full_clean(sub, exclude=["goal"])
    if not access.sees(sub):
        label = dict(logic.DATA_CATEGORIES)[sub.data_category]
        raise ValidationError(
            {
                "welfare_area": f"Delmålet hører til kategorien »{label}«, som borgerens "
                "samtykke ikke omfatter for din enhed."
            }
        )
    sub.save()
    _commit(plan, user, "Delmål tilføjet", before)
    return sub


# The model fields a plan item's validation names → the names its callers send (the API's
# ``…_id``; forms map them back, ``core.web.apply_errors``).
_FIELD_NAMES = {
    "organisation": "organisation_id",
    "unit": "unit_id",
    "responsible": "responsible_id",
    "with_member": "with_member_id",
    "demand": "demand_id",
    "owner": "owner_id",
}


def _full_clean(item: Any, *, exclude: list[str]) -> None:
    """The model's validation, its errors naming the fields as the callers name them."""
    try:
        item.full_clean(exclude=exclude)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {_FIELD_NAMES.get(name, name): errs for name, errs in exc.error_dict.items()}
        raise ValidationError(renamed) from None


def _check_team(plan: Plan, fields: dict[str, Any], *names: str) -> None:
    """Team members and units an item points at must belong to the course's team."""
    errors = {}
    for name in names:
        member = fields.get(name)
        if member is not None and member.course_id != plan.course_id:
            errors[f"{name}_id"] = "Personen skal være med i forløbets team."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_measure(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    measure_id: uuid.UUID | str | None = None,
    goals: Iterable[Goal] = (),
    **fields: Any,
) -> Measure:
    plan, access = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not fields.get("legal_basis") and not fields.get("legal_basis_id"):
        raise ValidationError({"legal_basis": "Angiv hjemmel (lov og paragraf) for indsatsen."})
    _validate_dates(fields.get("start_date"), fields.get("end_date"))
    _check_team(plan, fields, "responsible")
    goals = list(goals)
    if any(g.plan_id != plan.pk for g in goals):
        raise ValidationError({"goal_ids": "Målene skal høre til samme plan."})
    measure = _apply_item(plan, access, Measure, measure_id, fields)
    measure.goals.set(goals)
    _commit(plan, user, "Indsats gemt", before)
    return measure


@transaction.atomic
def save_demand(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    demand_id: uuid.UUID | str | None = None,
    **fields: Any,
) -> Demand:
    plan, access = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    _validate_dates(fields.get("start_date"), fields.get("end_date"))
    demand = _apply_item(plan, access, Demand, demand_id, fields)
    _commit(plan, user, "Krav gemt", before)
    return demand


@transaction.atomic
def save_appointment(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    appointment_id: uuid.UUID | str | None = None,
    **fields: Any,
) -> Appointment:
    plan, access = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError({"ends_at": "Aftalen skal slutte efter, den begynder."})
    _check_team(plan, fields, "with_member")
    demand = fields.get("demand")
    if demand is not None and (demand.plan_id != plan.pk or not access.sees(demand)):
        raise ValidationError({"demand_id": "Vælg et krav fra planen."})
    appointment = _apply_item(plan, access, Appointment, appointment_id, fields)
    _commit(plan, user, "Aftale gemt", before)
    return appointment


@transaction.atomic
def mark_conflict(
    user: User, plan_id: uuid.UUID | str, *, first: Demand, second: Demand, description: str
) -> DemandConflict:
    plan = Plan.objects.select_related("course").get(pk=plan_id)
    _require_coordinator(user, plan.course)
    errors = {}
    if first.pk == second.pk:
        errors["second"] = "Vælg to forskellige krav."
    if first.plan_id != plan.pk or second.plan_id != plan.pk:
        errors["second"] = "Kravene skal høre til samme plan."
    if not description.strip():
        errors["description"] = "Beskriv, hvorfor kravene er i modstrid."
    if errors:
        raise ValidationError(errors)
    return DemandConflict.objects.create(
        plan=plan, first=first, second=second, description=description.strip(), marked_by=user
    )


@transaction.atomic
def resolve_conflict(user: User, conflict: DemandConflict, *, resolution: str) -> DemandConflict:
    _require_coordinator(user, conflict.plan.course)
    if conflict.resolved_at is not None:
        raise ValidationError("Modstriden er allerede løst.")
    if not resolution.strip():
        raise ValidationError({"resolution": "Skriv den beslutning, der løser modstriden."})
    conflict.resolution = resolution.strip()
    conflict.resolved_by = user
    conflict.resolved_at = timezone.now()
    conflict.save()
    return conflict


@transaction.atomic
def restore_version(
    user: User, plan_id: uuid.UUID | str, expected_version: int, number: int
) -> Plan:
    """Bring the plan back to version ``number`` as a new version (history is kept). A version
    holds every category, so only a reader who sees them all may restore one."""
    plan, access = _lock_plan(user, plan_id, expected_version)
    if not access.may_all():
        raise selectors.NoAccessError
    version = PlanVersion.objects.filter(plan=plan, number=number).first()
    if version is None:
        raise ValidationError({"number": "Versionen findes ikke."})
    before = plan_snapshot(plan)
    snap = version.snapshot
    plan.citizen_statement, plan.summary = snap["citizen_statement"], snap["summary"]
    # Conflicts are not part of a snapshot but cascade with their demands: keep them (open ones
    # stay flagged) when both demands come back with the restored version.
    conflicts = list(plan.conflicts.all())
    plan.appointments.all().delete()
    plan.measures.all().delete()
    plan.demands.all().delete()
    plan.goals.all().delete()
    for g in snap["goals"]:
        goal = Goal.objects.create(
            id=g["id"],
            plan=plan,
            text=g["text"],
            horizon=g["horizon"],
            priority=g["priority"],
            importance=g["importance"],
            status=g["status"],
            target_date=date.fromisoformat(g["target_date"]) if g["target_date"] else None,
            person_id=g.get("person"),
        )
        for s in g["subgoals"]:
            owner = TeamMember.objects.filter(pk=s["owner"]).first() if s["owner"] else None
            SubGoal.objects.create(
                id=s["id"],
                goal=goal,
                text=s["text"],
                owner=owner,
                welfare_area_id=s["welfare_area"],
            )
    for d in snap["demands"]:
        Demand.objects.create(
            id=d["id"],
            plan=plan,
            title=d["title"],
            kind=d["kind"],
            organisation_id=d["organisation"],
            welfare_area_id=d["welfare_area"],
            details=d["details"],
            frequency=d["frequency"],
            consequence=d["consequence"],
            legal_basis_id=d["legal_basis"],
            start_date=date.fromisoformat(d["start_date"]) if d["start_date"] else None,
            end_date=date.fromisoformat(d["end_date"]) if d["end_date"] else None,
        )
    for m in snap["measures"]:
        measure = Measure.objects.create(
            id=m["id"],
            plan=plan,
            title=m["title"],
            welfare_area_id=m["welfare_area"],
            legal_basis_id=m["legal_basis"],
            organisation_id=m["organisation"],
            unit_id=m["unit"],
            responsible=TeamMember.objects.filter(pk=m["responsible"]).first()
            if m["responsible"]
            else None,
            start_date=date.fromisoformat(m["start_date"]) if m["start_date"] else None,
            end_date=date.fromisoformat(m["end_date"]) if m["end_date"] else None,
            expected_end=date.fromisoformat(m["expected_end"]) if m["expected_end"] else None,
            status=m["status"],
            budget_area=m["budget_area"],
            description=m["description"],
        )
        measure.goals.set(Goal.objects.filter(pk__in=m["goals"], plan=plan))
    for a in snap["appointments"]:
        Appointment.objects.create(
            id=a["id"],
            plan=plan,
            title=a["title"],
            organisation_id=a["organisation"],
            welfare_area_id=a["welfare_area"],
            place=a["place"],
            with_member=TeamMember.objects.filter(pk=a["with_member"]).first()
            if a["with_member"]
            else None,
            starts_at=datetime.fromisoformat(a["starts_at"]),
            ends_at=datetime.fromisoformat(a["ends_at"]),
            demand=Demand.objects.filter(pk=a["demand"], plan=plan).first()
            if a["demand"]
            else None,
            note=a["note"],
        )
    restored = {uuid.UUID(d["id"]) for d in snap["demands"]}
    for conflict in conflicts:
        if conflict.first_id in restored and conflict.second_id in restored:
            marked_at = conflict.marked_at
            conflict.save(force_insert=True)
            DemandConflict.objects.filter(pk=conflict.pk).update(marked_at=marked_at)
    return _commit(plan, user, f"Gendannet version {number}", before)


# --------------------------------------------------------------------------------------------
# Reference lists that decide categories
# --------------------------------------------------------------------------------------------


@transaction.atomic
def reclassify_items(
    *, legal_basis_id: str | None = None, course_id: uuid.UUID | str | None = None
) -> int:
    """Recompute the stored data category of every plan item under ``legal_basis_id`` (or of
    every item) after the maintained list changed a basis's category. Returns the rows updated.

    Called by the admin when a legal basis is saved; a basis changed to a more sensitive category
    hides its items from readers without that category from the next request on. Apps that keep
    a copy of a measure's category are told (``signals.measures_reclassified``).

    The items of a course whose processing is restricted (art. 18) are left as they are (the
    updates send no signal, so the barrier would not see them); lifting the restriction
    reclassifies that course's items (``course_id``)."""
    from helhed.courses.models import LegalBasis
    from helhed.courses.signals import measures_reclassified

    basis_category = dict(LegalBasis.objects.values_list("id", "data_category"))
    updated = 0
    changed_measures: dict[Any, str] = {}
    for model in (Measure, Demand):
        rows = model.objects.filter(plan__course__restricted_since__isnull=True)
        if course_id is not None:
            rows = rows.filter(plan__course_id=course_id)
        if legal_basis_id is not None:
            rows = rows.filter(legal_basis_id=legal_basis_id)
        for basis_id, area_id, pk, current in rows.values_list(
            "legal_basis_id", "welfare_area_id", "pk", "data_category"
        ).iterator():
            category = logic.item_category(basis_category.get(basis_id), area_id)
            if category != current:
                updated += model.objects.filter(pk=pk).update(data_category=category)
                if model is Measure:
                    changed_measures[pk] = category
    if changed_measures:
        measures_reclassified.send(sender=Measure, changed=changed_measures)
    return updated


# --------------------------------------------------------------------------------------------
# Handing a course over to another coordinator, and early contact: a referral (issue 14)
# --------------------------------------------------------------------------------------------

PREVIOUS_COORDINATOR_ROLE = "Tidligere koordinator"


def _check_new_coordinator(
    course: Course, new: User | None, unit: Unit | None, reason: str
) -> dict[str, str]:
    """Why ``new`` cannot take over the course in ``unit`` (API field names), if they cannot.
    The new coordinator must hold the koordinator role in the unit today — in any organisation."""
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Angiv årsagen til skiftet."
    if unit is None:
        errors["unit_id"] = "Enheden findes ikke."
    if new is None or new.kind != UserKind.STAFF or not new.is_active:
        errors["new_coordinator_id"] = "Vælg en medarbejder i Helhed."
    elif new.pk == course.coordinator_id:
        errors["new_coordinator_id"] = "Personen er allerede koordinator."
    elif unit is not None and not (
        Membership.objects.filter(user=new, unit=unit, role=Role.KOORDINATOR)
        .valid_on(today())
        .exists()
    ):
        errors["new_coordinator_id"] = (
            "Den nye koordinator skal have rollen koordinator i enheden i dag."
        )
    return errors


@transaction.atomic
def hand_over_course(
    user: User,
    *,
    course_id: Any,
    new_coordinator_id: Any,
    unit_id: Any,
    reason: str,
    mandate: str = "",
) -> Course:
    """The coordinator hands the course over to a coordinator in their own or another
    organisation (a citizen who moves, a region that takes over). The new coordinator must hold
    the koordinator role in ``unit_id`` today. The previous coordinator stays on the team (as
    »Tidligere koordinator«) until the new coordinator ends their membership; the change is in
    the course's history (``CoordinatorChange``) and the access log, and the new coordinator is
    told."""
    from helhed.notifications.services import notify

    course = (
        Course.objects.select_for_update()
        .select_related("citizen", "coordinator", "coordinator_unit")
        .filter(pk=_uuid_or_none(course_id))
        .first()
    )
    if course is None:
        raise selectors.NoAccessError
    # A course the caller may not see is refused as one that does not exist (no existence leak)
    selectors.access_for(user, course.pk)
    _require_coordinator(user, course)
    restriction.refuse_if_restricted(course.pk)  # its team rows are changed with .update()
    new = User.objects.filter(pk=_uuid_or_none(new_coordinator_id)).first()
    unit = (
        Unit.objects.select_related("organisation", "welfare_area")
        .filter(pk=_uuid_or_none(unit_id))
        .first()
    )
    errors = _check_new_coordinator(course, new, unit, reason)
    if errors:
        raise ValidationError(errors)
    assert new is not None and unit is not None
    previous, previous_unit = course.coordinator, course.coordinator_unit
    change = CoordinatorChange.objects.create(
        course=course,
        previous=previous,
        new=new,
        changed_by=user,
        reason=reason.strip(),
        mandate=mandate.strip() or course.mandate,
    )
    on = today()
    previous_rows = TeamMember.objects.filter(course=course, user=previous, role="Koordinator")
    previous_rows.valid_on(on).update(role=PREVIOUS_COORDINATOR_ROLE)
    already = TeamMember.objects.filter(course=course, user=new, unit=unit).valid_on(on).first()
    if already is not None:
        already.role = "Koordinator"
        already.save(update_fields=["role"])
    else:
        TeamMember.objects.create(
            course=course,
            user=new,
            name=new.get_full_name() or new.username,
            organisation=unit.organisation,
            unit=unit,
            welfare_area=unit.welfare_area,
            role="Koordinator",
            phone=new.phone,
            email=new.email,
            valid_from=on,
        )
    course.coordinator, course.coordinator_unit = new, unit
    if mandate.strip():
        course.mandate = mandate.strip()
    course.save()
    log_access(
        user,
        course.citizen_id,
        "forløbet overdraget til en ny koordinator",
        Purpose.CASEWORK,
        unit_id=previous_unit.pk,
    )
    notify(
        [new.pk],
        kind="coordinator-change",
        title=str(_("Du er blevet koordinator for et forløb")),
        body=str(_("%(name)s har overdraget forløbet til dig. Årsagen står i forløbets historik."))
        % {"name": user.get_full_name() or user.username},
        url=reverse("courses:course_detail", args=[course.pk]),
        dedupe_key=f"coordinator-change:{change.pk}",
    )
    return course


# Who may refer a citizen into a municipality's course: a caseworker of their unit.
REFERRAL_ROLES = frozenset({Role.KOORDINATOR, Role.FAGPERSON})


class Referral:
    """What a referral did: ``kind`` "existing" (the citizen has an active course: its
    coordinator got a request to add the referring unit, ``sent`` of them) or "new" (a course
    was opened in the municipality with the named coordinator: ``course_id``)."""

    def __init__(self, kind: str, sent: int = 0, course_id: Any = None) -> None:
        self.kind, self.sent, self.course_id = kind, sent, course_id


def _referral_places(
    user: User, from_unit_id: Any, unit_id: Any, coordinator_id: Any, errors: dict[str, str]
) -> tuple[Unit | None, Unit | None, User | None]:
    """The referring unit (one of the caller's, as caseworker), the receiving municipal unit (of
    another organisation) and its named coordinator (koordinator there today)."""
    from helhed.core.selectors import membership_list

    own = {
        m.unit_id: m.unit
        for m in membership_list(user)
        if m.role in REFERRAL_ROLES and m.unit_id == _uuid_or_none(from_unit_id)
    }
    source = own.get(_uuid_or_none(from_unit_id))
    if source is None:
        errors["from_unit_id"] = "Vælg en af dine enheder, hvor du er koordinator eller fagperson."
    unit = (
        Unit.objects.select_related("organisation", "welfare_area")
        .filter(pk=_uuid_or_none(unit_id))
        .first()
    )
    if unit is None or unit.organisation.org_type_id != "kommune":
        errors["unit_id"] = "Vælg en enhed i en kommune."
        unit = None
    elif source is not None and source.organisation_id == unit.organisation_id:
        errors["unit_id"] = (
            "Enheden hører til din egen organisation: brug visitationen eller en anmodning "
            "om at komme med i teamet."
        )
    coordinator = User.objects.filter(pk=_uuid_or_none(coordinator_id)).first()
    if (
        unit is not None
        and (
            coordinator is None
            or coordinator.pk == user.pk
            or not Membership.objects.filter(user=coordinator, unit=unit, role=Role.KOORDINATOR)
            .valid_on(today())
            .exists()
        )
        and "unit_id" not in errors
    ):
        errors["coordinator_id"] = "Vælg en koordinator i den valgte enhed."
    return source, unit, coordinator


def refer_citizen(
    user: User,
    *,
    from_unit_id: Any,
    unit_id: Any,
    coordinator_id: Any,
    initiative_id: Any,
    cpr: str,
    first_name: str,
    last_name: str,
    note: str = "",
    note_category: str = "plan",
) -> Referral:
    """Early contact: a unit of another organisation (a region's psychiatry, Kriminalforsorgen)
    refers a citizen into a municipality's course without becoming its coordinator.

    If the citizen has an active course, its coordinator is asked to add the referring unit to
    the team (``request_to_join``: the caller learns nothing more about the course). Else a
    course is opened in the municipality with the named coordinator as coordinator, the
    referring unit on the team from today (it sees the course once a consent covers it), and the
    coordinator is told. As at intake, a registered CPR number must come with the registered
    names, and the lookup is logged (attributed to the referring unit)."""
    from helhed.notifications.services import notify

    _require_staff(user)
    errors: dict[str, str] = {}
    source, unit, coordinator = _referral_places(
        user, from_unit_id, unit_id, coordinator_id, errors
    )
    initiative: Any = Initiative.objects.filter(pk=_uuid_or_none(initiative_id)).first()
    if initiative is None:
        errors["initiative_id"] = "Vælg en indsats fra registret."
    normalized = ""
    try:
        normalized = logic.validate_cpr(cpr, today())
    except logic.CprError as exc:
        errors["cpr"] = str(exc)
    if not first_name.strip():
        errors["first_name"] = "Angiv fornavn."
    if not last_name.strip():
        errors["last_name"] = "Angiv efternavn."
    if note_category not in logic.CATEGORY_KEYS:
        errors["note_category"] = "Vælg en kategori fra listen."
    if errors:
        raise ValidationError(errors)
    assert source is not None and unit is not None and coordinator is not None
    citizen = Citizen.objects.filter(cpr=normalized).first()
    if citizen is not None:
        found = selectors.duplicate_check(user, normalized, unit_id=source.pk)
        _check_name_matches(citizen, first_name, last_name)
        if found.active:
            sent = request_to_join(user, cpr=normalized, unit_id=source.pk, message=note)
            return Referral("existing", sent=sent)
    with transaction.atomic():
        course = _open_course(
            coordinator,
            citizen=citizen,
            cpr=normalized,
            first_name=first_name,
            last_name=last_name,
            contact=None,
            initiative=initiative,
            unit=unit,
            referred_on=today(),
            referral_note=note,
            referral_note_category=note_category,
            checklist=None,
            mandate="",
            mandate_category="plan",
            parallel_reason="",
            household_name="",
            members=None,
        )
        TeamMember.objects.create(
            course=course,
            user=user,
            name=user.get_full_name() or user.username,
            organisation=source.organisation,
            unit=source,
            welfare_area=source.welfare_area,
            role=f"Henviser, {source.name}"[:120],
            phone=user.phone,
            email=user.email,
            valid_from=today(),
        )
        log_access(
            user,
            course.citizen_id,
            "henvisning til en kommunes forløb",
            Purpose.CASEWORK,
            unit_id=source.pk,
        )
        notify(
            [coordinator.pk],
            kind="referral",
            title=str(_("Du er koordinator for et nyt forløb, som en anden enhed har henvist")),
            body=str(
                _("Henvist af %(unit)s. Næste skridt: kontakt borgeren og registrér samtykke.")
            )
            % {"unit": f"{source.name}, {source.organisation.name}"},
            url=reverse("courses:course_detail", args=[course.pk]),
            dedupe_key=f"referral:{course.pk}",
        )
    return Referral("new", course_id=course.pk)


# --------------------------------------------------------------------------------------------
# Restriction of processing (GDPR art. 18)
# --------------------------------------------------------------------------------------------

RESTRICT_ONLY_COORDINATOR = "Kun forløbets koordinator kan begrænse eller ophæve behandlingen."


@transaction.atomic
def restrict_course(user: User, *, course_id: uuid.UUID | str, reason: str) -> Course:
    """Freeze a course (»begrænset behandling«): from now on only the coordinator reads it and
    nothing in it changes or is shared (``courses.restriction``) until the restriction is lifted.
    Only the coordinator, while a member of the coordinating unit today, with a reason."""
    access = selectors.access_for(user, course_id)
    if not access.is_coordinator:
        raise PermissionDenied(RESTRICT_ONLY_COORDINATOR)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Angiv begrundelsen for at begrænse behandlingen."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "Begrundelsen må højst være 2000 tegn."})
    course = Course.objects.select_for_update().get(pk=access.course.pk)
    if course.is_restricted:
        raise ValidationError({"reason": "Behandlingen af forløbet er allerede begrænset."})
    course.restricted_since = timezone.now()
    course.restricted_reason = reason
    course.restricted_by = user
    course.save(update_fields=["restricted_since", "restricted_reason", "restricted_by"])
    log_access(
        user,
        course.citizen_id,
        "begrænsning af behandlingen",
        Purpose.CASEWORK,
        unit_id=access.unit_id,
    )
    return course


@transaction.atomic
def lift_restriction(user: User, *, course_id: uuid.UUID | str) -> Course:
    """Lift the restriction: the course is read and changed under the usual rules again."""
    access = selectors.access_for(user, course_id)
    if not access.is_coordinator:
        raise PermissionDenied(RESTRICT_ONLY_COORDINATOR)
    course = Course.objects.select_for_update().get(pk=access.course.pk)
    if not course.is_restricted:
        raise ValidationError({"reason": "Behandlingen af forløbet er ikke begrænset."})
    course.restricted_since = None
    course.restricted_reason = ""
    course.restricted_by = None
    course.save(update_fields=["restricted_since", "restricted_reason", "restricted_by"])
    reclassify_items(course_id=course.pk)  # what a legal-basis change skipped meanwhile
    log_access(
        user,
        course.citizen_id,
        "ophævelse af begrænsning af behandlingen",
        Purpose.CASEWORK,
        unit_id=access.unit_id,
    )
    return course
