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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.models import Organisation, Unit, User, UserKind
from helhed.courses import logic, selectors
from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    CoordinatorChange,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    GivenBy,
    Goal,
    Household,
    HouseholdRelation,
    Measure,
    Plan,
    PlanVersion,
    RelationKind,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
)
from helhed.registry.models import Initiative


class StalePlanError(Exception):
    """The plan changed since the user opened it. ``changes`` says what the other save did."""

    def __init__(self, current_version: int, changes: list[str]) -> None:
        super().__init__(
            "Planen er blevet ændret af en anden, siden du åbnede den. Dine ændringer er ikke "
            "gemt. Se ændringerne nedenfor, og gem igen."
        )
        self.current_version = current_version
        self.changes = changes


def _today() -> date:
    return timezone.localdate()


def _require_staff(user: User) -> None:
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        raise PermissionDenied


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


@transaction.atomic
def intake(
    coordinator: User,
    *,
    initiative: Initiative,
    coordinator_unit: Unit,
    cpr: str,
    first_name: str,
    last_name: str,
    referred_on: date,
    referral_note: str = "",
    checklist: dict[str, str] | None = None,
    mandate: str = "",
    contact: dict[str, Any] | None = None,
) -> Course:
    """Open a course for a citizen (created if new, matched on CPR if known) with the acting
    coordinator as coordinator and first team member, and an empty plan (version 1)."""
    _require_staff(coordinator)
    if not coordinator.memberships.filter(unit=coordinator_unit).exists():
        raise ValidationError({"coordinator_unit": "Du er ikke medlem af den valgte enhed."})
    errors: dict[str, str] = {}
    try:
        normalized = logic.validate_cpr(cpr, _today())
    except logic.CprError as exc:
        errors["cpr"] = str(exc)
    if not first_name.strip():
        errors["first_name"] = "Angiv fornavn."
    if not last_name.strip():
        errors["last_name"] = "Angiv efternavn."
    if referred_on > _today():
        errors["referred_on"] = "Henvisningsdatoen kan ikke ligge i fremtiden."
    if errors:
        raise ValidationError(errors)
    citizen, _created = Citizen.objects.get_or_create(
        cpr=normalized,
        defaults={
            "birth_date": logic.cpr_birth_date(normalized),
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            **(contact or {}),
        },
    )
    course = Course.objects.create(
        initiative=initiative,
        citizen=citizen,
        status=CourseStatus.REFERRED,
        referred_on=referred_on,
        coordinator=coordinator,
        coordinator_unit=coordinator_unit,
        mandate=mandate,
        intake_checklist=checklist or {},
        referral_note=referral_note,
    )
    TeamMember.objects.create(
        course=course,
        user=coordinator,
        name=coordinator.get_full_name() or coordinator.username,
        organisation=coordinator_unit.organisation,
        unit=coordinator_unit,
        welfare_area=coordinator_unit.welfare_area,
        role="Koordinator",
        phone=coordinator.phone,
        email=coordinator.email,
        valid_from=referred_on,
    )
    plan = Plan.objects.create(course=course, updated_by=coordinator)
    _snapshot(plan, coordinator, ["Forløbet er oprettet"])
    return course


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


@transaction.atomic
def create_household(
    user: User, course: Course, name: str, members: list[dict[str, Any]]
) -> Household:
    """A family household around the course's citizen, so the plan can cover the whole family.
    Members are matched on CPR; unknown ones are created with the birth date from the CPR."""
    _require_coordinator(user, course)
    main = course.citizen
    household = Household.objects.create(name=name.strip() or f"Familien {main.last_name}")
    household.members.add(main)
    for data in members:
        member, _created = Citizen.objects.get_or_create(
            cpr=data["cpr"],
            defaults={
                "birth_date": logic.cpr_birth_date(data["cpr"]),
                "first_name": data["first_name"].strip(),
                "last_name": data["last_name"].strip(),
            },
        )
        household.members.add(member)
        _label, kind, main_first = MEMBER_RELATIONS[data["relation"]]
        HouseholdRelation.objects.create(
            household=household,
            kind=kind,
            from_citizen=main if main_first else member,
            to_citizen=member if main_first else main,
        )
    course.household = household
    course.save(update_fields=["household", "updated_at"])
    return household


@transaction.atomic
def change_status(user: User, course: Course, status: str, reason: str = "") -> Course:
    _require_coordinator(user, course)
    if status not in CourseStatus.values:
        raise ValidationError({"status": "Ukendt status."})
    if status == CourseStatus.CLOSED and not reason.strip():
        raise ValidationError({"closing_reason": "Angiv årsagen til, at forløbet afsluttes."})
    course.status = status
    if status == CourseStatus.ACTIVE and course.start_date is None:
        course.start_date = _today()
    if status == CourseStatus.CLOSED:
        course.closing_reason = reason.strip()
        course.end_date = course.end_date or _today()
    course.save()
    return course


@transaction.atomic
def change_coordinator(
    user: User, course: Course, new: User, new_unit: Unit, *, reason: str, mandate: str = ""
) -> Course:
    _require_coordinator(user, course)
    if new.kind != UserKind.STAFF or not new.memberships.filter(unit=new_unit).exists():
        raise ValidationError({"new": "Den nye koordinator skal være medarbejder i enheden."})
    if new.pk == course.coordinator_id:
        raise ValidationError({"new": "Personen er allerede koordinator."})
    if not reason.strip():
        raise ValidationError({"reason": "Angiv årsagen til skiftet."})
    CoordinatorChange.objects.create(
        course=course,
        previous=course.coordinator,
        new=new,
        changed_by=user,
        reason=reason.strip(),
        mandate=mandate or course.mandate,
    )
    on = _today()
    TeamMember.objects.filter(
        course=course, user=course.coordinator, role="Koordinator", valid_to__isnull=True
    ).update(valid_to=on)
    TeamMember.objects.create(
        course=course,
        user=new,
        name=new.get_full_name() or new.username,
        organisation=new_unit.organisation,
        unit=new_unit,
        welfare_area=new_unit.welfare_area,
        role="Koordinator",
        phone=new.phone,
        email=new.email,
        valid_from=on,
    )
    course.coordinator, course.coordinator_unit = new, new_unit
    if mandate:
        course.mandate = mandate
    course.save()
    return course


def _require_coordinator(user: User, course: Course) -> None:
    _require_staff(user)
    if course.coordinator_id != user.pk:
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
) -> Consent:
    """Record a consent. The citizen from age 15 consents personally; for a younger child a
    custody holder does. A consent must name whom it covers and which data."""
    if user.kind == UserKind.CITIZEN:
        citizen = selectors.citizen_for_user(user)
        if citizen is None or citizen.pk != course.citizen_id:
            raise PermissionDenied
    else:
        _require_coordinator(user, course)
    organisations, units, categories = list(organisations), list(units), set(categories)
    errors: dict[str, str] = {}
    if not organisations and not units:
        errors["units"] = "Vælg mindst én organisation eller enhed, som samtykket omfatter."
    known = {c for c, _label in logic.DATA_CATEGORIES}
    if not categories:
        errors["categories"] = "Vælg mindst én kategori af oplysninger."
    elif not categories <= known:
        errors["categories"] = "Ukendt kategori af oplysninger."
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "Slutdatoen skal ligge efter startdatoen."
    required = logic.who_consents(course.citizen.birth_date, valid_from)
    if required == "citizen" and given_by != GivenBy.CITIZEN:
        errors["given_by"] = "Borgeren er fyldt 15 år og skal selv give samtykke."
    if required == "custody_holder" and given_by != GivenBy.CUSTODY_HOLDER:
        errors["given_by"] = "Borgeren er under 15 år: samtykke gives af forældremyndigheden."
    if not given_by_name.strip():
        errors["given_by_name"] = "Angiv navnet på den, der giver samtykke."
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
        **{f"cat_{c}": c in categories for c in known},
    )
    consent.organisations.set(organisations)
    consent.units.set(units)
    return consent


@transaction.atomic
def withdraw_consent(user: User, consent: Consent, *, by_name: str = "") -> Consent:
    """Withdraw at once: from today the consent no longer gives anyone access."""
    course = consent.course
    if user.kind == UserKind.CITIZEN:
        citizen = selectors.citizen_for_user(user)
        if citizen is None or citizen.pk != course.citizen_id:
            raise PermissionDenied
        by_name = by_name or citizen.full_name
    else:
        _require_coordinator(user, course)
    if consent.withdrawn_on is not None:
        raise ValidationError("Samtykket er allerede trukket tilbage.")
    consent.withdrawn_on = _today()
    consent.withdrawn_by_name = by_name or (user.get_full_name() or user.username)
    consent.save(update_fields=["withdrawn_on", "withdrawn_by_name"])
    return consent


WITHOUT_CONSENT_HOURS = 24


@transaction.atomic
def open_without_consent(
    user: User, course_id: uuid.UUID | str, *, legal_basis: str, reason: str
) -> WithoutConsentAccess:
    """An explicit access without consent for a legally authorised purpose: time-limited, named
    legal basis, and flagged in the access log (now and on every read while it lasts)."""
    _require_staff(user)
    errors = {}
    if not legal_basis.strip():
        errors["legal_basis"] = "Angiv hjemlen (lov og paragraf) for adgang uden samtykke."
    if not reason.strip():
        errors["reason"] = "Angiv begrundelsen."
    if errors:
        raise ValidationError(errors)
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise PermissionDenied
    grant = WithoutConsentAccess.objects.create(
        course=course,
        user=user,
        legal_basis=legal_basis.strip(),
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(hours=WITHOUT_CONSENT_HOURS),
    )
    log_access(
        user,
        course.citizen_id,
        f"adgang uden samtykke åbnet: {reason.strip()[:120]}",
        Purpose.LEGAL_OBLIGATION,
        without_consent=True,
        legal_basis=grant.legal_basis,
    )
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
    if unit is not None and unit.organisation_id != organisation.pk:
        errors["unit"] = "Enheden hører ikke til den valgte organisation."
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "Slutdatoen skal ligge efter startdatoen."
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
        raise ValidationError({"valid_to": "Slutdatoen skal ligge efter startdatoen."})
    member.valid_to = on
    member.save(update_fields=["valid_to"])
    return member


# --------------------------------------------------------------------------------------------
# The plan: snapshots, optimistic concurrency, edits
# --------------------------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The whole plan as plain data: what a version stores and what a restore brings back."""
    return {
        "citizen_statement": plan.citizen_statement,
        "summary": plan.summary,
        "goals": [
            {
                "id": str(g.id),
                "text": g.text,
                "horizon": g.horizon,
                "priority": g.priority,
                "importance": g.importance,
                "status": g.status,
                "target_date": _iso(g.target_date),
                "subgoals": [
                    {
                        "id": str(s.id),
                        "text": s.text,
                        "owner": str(s.owner_id) if s.owner_id else None,
                        "welfare_area": s.welfare_area_id,
                    }
                    for s in g.subgoals.all()
                ],
            }
            for g in plan.goals.all().order_by("priority", "id")
        ],
        "measures": [
            {
                "id": str(m.id),
                "title": m.title,
                "welfare_area": m.welfare_area_id,
                "legal_basis": m.legal_basis_id,
                "organisation": str(m.organisation_id),
                "unit": str(m.unit_id) if m.unit_id else None,
                "responsible": str(m.responsible_id) if m.responsible_id else None,
                "goals": sorted(str(g.pk) for g in m.goals.all()),
                "start_date": _iso(m.start_date),
                "end_date": _iso(m.end_date),
                "expected_end": _iso(m.expected_end),
                "status": m.status,
                "budget_area": m.budget_area,
                "description": m.description,
            }
            for m in plan.measures.all().order_by("id")
        ],
        "demands": [
            {
                "id": str(d.id),
                "title": d.title,
                "kind": d.kind,
                "organisation": str(d.organisation_id),
                "welfare_area": d.welfare_area_id,
                "details": d.details,
                "frequency": d.frequency,
                "consequence": d.consequence,
                "legal_basis": d.legal_basis_id,
                "start_date": _iso(d.start_date),
                "end_date": _iso(d.end_date),
            }
            for d in plan.demands.all().order_by("id")
        ],
        "appointments": [
            {
                "id": str(a.id),
                "title": a.title,
                "organisation": str(a.organisation_id),
                "welfare_area": a.welfare_area_id,
                "place": a.place,
                "with_member": str(a.with_member_id) if a.with_member_id else None,
                "starts_at": _iso(a.starts_at),
                "ends_at": _iso(a.ends_at),
                "demand": str(a.demand_id) if a.demand_id else None,
                "note": a.note,
            }
            for a in plan.appointments.all().order_by("id")
        ],
    }


def _snapshot(plan: Plan, user: User, changes: list[str]) -> PlanVersion:
    return PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        created_by=user,
        changes=changes,
        snapshot=plan_snapshot(plan),
    )


def _lock_plan(user: User, plan_id: uuid.UUID | str, expected_version: int) -> Plan:
    """Lock the plan row, check the user may edit it and that nobody saved in between."""
    plan = Plan.objects.select_for_update().select_related("course").filter(pk=plan_id).first()
    if plan is None:
        raise PermissionDenied
    access = selectors.access_for(user, plan.course_id)
    if not access.may("plan"):
        raise PermissionDenied
    if plan.version != expected_version:
        # Re-describe each change for this user: items in data categories their consent does
        # not cover are not named (the stored texts could name a measure they may not see).
        visible = frozenset(c for c, _label in logic.DATA_CATEGORIES if access.may(c))
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
    return plan


def _commit(plan: Plan, user: User, fallback: str, before: dict[str, Any]) -> Plan:
    plan.version += 1
    plan.updated_by = user
    plan.save()
    changes = logic.diff_snapshots(before, plan_snapshot(plan)) or [fallback]
    _snapshot(plan, user, changes)
    return plan


@transaction.atomic
def update_plan_text(
    user: User,
    plan_id: uuid.UUID | str,
    expected_version: int,
    *,
    citizen_statement: str,
    summary: str,
) -> Plan:
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    plan.citizen_statement, plan.summary = citizen_statement.strip(), summary.strip()
    return _commit(plan, user, "Planens tekst er gemt", before)


def _validate_dates(start: date | None, end: date | None, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({field: "Slutdatoen skal ligge efter startdatoen."})


M = TypeVar("M", Goal, Measure, Demand, Appointment)


def _apply_item(
    plan: Plan, model: type[M], item_id: uuid.UUID | str | None, fields: dict[str, Any]
) -> M:
    """Create or update one item of the plan from service fields, validated by the model.
    An id that does not belong to this plan raises the model's ``DoesNotExist`` (the API answers
    404, the views check ownership before they call)."""
    if item_id:
        item = model.objects.filter(pk=item_id, plan=plan).first()
        if item is None:
            raise model.DoesNotExist(f"{model._meta.verbose_name} findes ikke i denne plan.")
    else:
        item = model(plan=plan)
    for key, value in fields.items():
        setattr(item, key, value)
    item.full_clean(exclude=["plan"])
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
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not str(fields.get("text", "")).strip():
        raise ValidationError({"text": "Skriv målet – gerne med borgerens egne ord."})
    importance = fields.get("importance")
    if importance is not None and not 1 <= int(importance) <= 5:
        raise ValidationError({"importance": "Vigtighed er fra 1 til 5."})
    goal = _apply_item(plan, Goal, goal_id, fields)
    _commit(plan, user, "Mål gemt", before)
    return goal


@transaction.atomic
def delete_goal(
    user: User, plan_id: uuid.UUID | str, expected_version: int, goal_id: uuid.UUID | str
) -> None:
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    Goal.objects.filter(pk=goal_id, plan=plan).delete()
    _commit(plan, user, "Mål fjernet", before)


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
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not text.strip():
        raise ValidationError({"text": "Skriv delmålet."})
    goal = Goal.objects.filter(pk=goal_id, plan=plan).first()
    if goal is None:
        raise Goal.DoesNotExist("Målet findes ikke i denne plan.")
    sub = SubGoal.objects.create(
        goal=goal, text=text.strip(), owner=owner, welfare_area_id=welfare_area_id
    )
    _commit(plan, user, "Delmål tilføjet", before)
    return sub


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
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    if not fields.get("legal_basis") and not fields.get("legal_basis_id"):
        raise ValidationError({"legal_basis": "Angiv hjemmel (lov og paragraf) for indsatsen."})
    _validate_dates(fields.get("start_date"), fields.get("end_date"))
    goals = list(goals)
    measure = _apply_item(plan, Measure, measure_id, fields)
    if any(g.plan_id != plan.pk for g in goals):
        raise ValidationError({"goals": "Målene skal høre til samme plan."})
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
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    _validate_dates(fields.get("start_date"), fields.get("end_date"))
    demand = _apply_item(plan, Demand, demand_id, fields)
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
    plan = _lock_plan(user, plan_id, expected_version)
    before = plan_snapshot(plan)
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ValidationError({"ends_at": "Aftalen skal slutte efter, den begynder."})
    appointment = _apply_item(plan, Appointment, appointment_id, fields)
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
    """Bring the plan back to version ``number`` as a new version (history is kept)."""
    plan = _lock_plan(user, plan_id, expected_version)
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
def reclassify_items(*, legal_basis_id: str | None = None) -> int:
    """Recompute the stored data category of every plan item under ``legal_basis_id`` (or of
    every item) after the maintained list changed a basis's category. Returns the rows updated.

    Called by the admin when a legal basis is saved; a basis changed to a more sensitive category
    hides its items from readers without that category from the next request on."""
    from helhed.courses.models import LegalBasis

    basis_category = dict(LegalBasis.objects.values_list("id", "data_category"))
    updated = 0
    for model in (Measure, Demand):
        rows = model.objects.all()
        if legal_basis_id is not None:
            rows = rows.filter(legal_basis_id=legal_basis_id)
        for basis_id, area_id, pk, current in rows.values_list(
            "legal_basis_id", "welfare_area_id", "pk", "data_category"
        ).iterator():
            category = logic.item_category(basis_category.get(basis_id), area_id)
            if category != current:
                updated += model.objects.filter(pk=pk).update(data_category=category)
    return updated
