"""Courses API: courses, the shared plan, team and consent — with the same access rules as the
pages.

Every read goes through ``selectors`` (``visible_courses``, ``access_for``, ``course_overview``)
and is written to the access log; every write goes through ``services``. An outsider gets the same
403 for a course that exists and one that does not. The full CPR number is accepted in the intake
body only and never returned (responses carry ``ddmmåå-xxxx``).

Errors are rendered once, by ``helhed.api``'s handlers: the guard's refusal
(``selectors.NoAccessError``) and ``PermissionDenied`` → 403; the services' ``ValidationError``
(naming the fields of these request bodies) → 422; ``services.StalePlanError`` → 409 with the
current version and what changed meanwhile; ``services.DuplicateCourseError`` → 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError

from helhed.audit.models import Purpose
from helhed.audit.services import log_access
from helhed.core.apikit import (
    invalid,
    user_of,
)
from helhed.core.models import Organisation, Unit, User, UserKind, WelfareArea
from helhed.courses import logic, selectors, services
from helhed.courses.models import (
    Appointment,
    Consent,
    ContactChannel,
    Course,
    CourseStatus,
    Demand,
    DemandConflict,
    Goal,
    LegalBasis,
    Measure,
    Plan,
    TeamMember,
)
from helhed.courses.schemas import (
    AppointmentIn,
    AppointmentOut,
    BasisOut,
    CitizenOut,
    ConflictOut,
    ConsentIn,
    ConsentOut,
    CoordinatorOut,
    CourseDetail,
    CourseListItem,
    CoursePage,
    CreatedCourseOut,
    DemandIn,
    DemandOut,
    DuplicateProblemOut,
    EndMemberIn,
    GoalIn,
    GoalOut,
    IntakeIn,
    JoinAnswerIn,
    JoinRequestIn,
    JoinRequestOut,
    LegalBasisOut,
    MeasureIn,
    MeasureOut,
    PlanOut,
    PlanSummaryOut,
    PlanTextIn,
    ProblemOut,
    RefOut,
    SavedOut,
    StaleProblemOut,
    SubGoalIn,
    SubGoalOut,
    TeamMemberIn,
    TeamMemberOut,
    TeamOut,
    TeamStatsOut,
    WithdrawIn,
    WithoutConsentIn,
    WithoutConsentOut,
)

router = Router(tags=["courses"])

NO_ACCESS = "Du har ikke adgang til dette forløb."
NOT_FOUND = "Findes ikke i dette forløb."


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _saved(obj_id: uuid.UUID, plan: Plan) -> SavedOut:
    """The answer to a plan save: ``plan`` is the row the service locked and saved, so its
    version is the one this save wrote — not a later one another user's save wrote since (a
    client sending that newer version on would overwrite their change unseen)."""
    return SavedOut(
        id=obj_id,
        version=plan.version,
        changes=selectors.version_changes(plan.pk, plan.version),
    )


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _get_or_422(model: type[Any], pk: object, field: str, msg: str) -> Any:
    obj = model.objects.filter(pk=pk).first() if pk is not None else None
    if pk is not None and obj is None:
        raise invalid(field, msg)
    return obj


def _team_member_or_422(access: selectors.Access, member_id: uuid.UUID | None, field: str) -> Any:
    if member_id is None:
        return None
    try:
        return selectors.team_member_of(access, member_id)
    except PermissionDenied:
        raise invalid(field, "Personen er ikke på forløbets team.") from None


def _check_choice(value: str, choices: Iterable[str], field: str) -> None:
    if value not in set(choices):
        raise invalid(field, "Ugyldig værdi.")


def _check_area(slug: str | None, field: str = "welfare_area") -> None:
    if slug is not None and not WelfareArea.objects.filter(pk=slug).exists():
        raise invalid(field, "Ukendt fagområde.")


def _categories(access: selectors.Access) -> list[str]:
    return [c for c, _label in logic.DATA_CATEGORIES if access.may(c)]


def _member_out(member: TeamMember, on: date) -> TeamMemberOut:
    return TeamMemberOut(
        id=member.id,
        user_id=member.user_id,
        name=member.name,
        organisation_id=member.organisation_id,
        organisation=member.organisation.name,
        unit_id=member.unit_id,
        unit=member.unit.name if member.unit else None,
        welfare_area=member.welfare_area_id,
        role=member.role,
        phone=member.phone,
        email=member.email,
        valid_from=member.valid_from,
        valid_to=member.valid_to,
        current=member.valid_from <= on and (member.valid_to is None or on <= member.valid_to),
    )


def _stats_out(stats: logic.TeamOverview) -> TeamStatsOut:
    return TeamStatsOut(
        current=stats.current,
        joined_last_12_months=stats.joined_last_12_months,
        left_last_12_months=stats.left_last_12_months,
        turnover=stats.turnover,
    )


def _consent_out(consent: Consent, on: date, access: selectors.Access) -> ConsentOut:
    scope = selectors.consent_scope(access, consent)
    return ConsentOut(
        id=consent.id,
        given_by=consent.given_by,
        given_by_name=consent.given_by_name,
        organisations=[RefOut(id=o.id, name=o.name) for o in scope.organisations],
        units=[RefOut(id=u.id, name=u.name) for u in scope.units],
        hidden_scope=scope.hidden,
        categories=sorted(consent.categories),
        valid_from=consent.valid_from,
        valid_to=consent.valid_to,
        withdrawn_on=consent.withdrawn_on,
        withdrawn_by_name=consent.withdrawn_by_name,
        note=scope.note,
        valid_today=consent.valid_on(on),
    )


def _legal_basis_out(basis: LegalBasis | None) -> LegalBasisOut | None:
    if basis is None:
        return None
    return LegalBasisOut(id=basis.id, law=basis.law, paragraph=basis.paragraph, title=basis.title)


def _list_item(course: Course) -> CourseListItem:
    return CourseListItem(
        id=course.id,
        initiative_id=course.initiative_id,
        initiative=course.initiative.name,
        status=course.status,
        referred_on=course.referred_on,
        citizen_name=course.citizen.full_name,
        cpr_masked=course.citizen.masked_cpr,
        coordinator_id=course.coordinator_id,
        coordinator=_name(course.coordinator),
    )


# --------------------------------------------------------------------------------------------
# Courses
# --------------------------------------------------------------------------------------------


@router.get("/courses", response=CoursePage)
def course_list(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=10**9),
    status: str = Query("", description="henvist, afklaring, aktiv, pause eller afsluttet"),
) -> CoursePage:
    """The courses you may see today (as coordinator, by team membership with consent, or by an
    access without consent). Logged: one entry per citizen on the page."""
    user = user_of(request)
    if status:
        _check_choice(status, CourseStatus.values, "status")
    qs = selectors.visible_courses(user).select_related("citizen", "initiative", "coordinator")
    if status:
        qs = qs.filter(status=status)
    qs = qs.order_by("-referred_on", "id")
    count = qs.count()
    page = list(qs[offset : offset + limit])
    selectors.log_course_list(user, page)
    return CoursePage(count=count, items=[_list_item(c) for c in page])


@router.post(
    "/courses",
    response={201: CreatedCourseOut, 403: ProblemOut, 409: DuplicateProblemOut, 422: ProblemOut},
)
def course_create(request: HttpRequest, payload: IntakeIn) -> Any:
    """Intake: open a course with you as coordinator and an empty plan (version 1). If the
    citizen already has an active course the answer is 409 saying only that — ask its
    coordinator to let your unit join (``join_request``), or give a ``parallel_reason`` (needs the
    koordinator role in the unit). A registered CPR number must come with the registered names."""
    user = user_of(request)
    if user.kind != UserKind.STAFF:
        raise PermissionDenied("Kun medarbejdere kan visitere.")
    contact = payload.contact.model_dump() if payload.contact else {}
    if contact:
        _check_choice(contact["contact_channel"], ContactChannel.values, "contact_channel")
    course = services.intake(
        user,
        initiative_id=payload.initiative_id,
        coordinator_unit_id=payload.coordinator_unit_id,
        cpr=payload.cpr,
        first_name=payload.first_name,
        last_name=payload.last_name,
        referred_on=payload.referred_on,
        referral_note=payload.referral_note,
        referral_note_category=payload.referral_note_category,
        checklist=dict(payload.checklist),
        mandate=payload.mandate,
        mandate_category=payload.mandate_category,
        contact=contact,
        parallel_reason=payload.parallel_reason,
    )
    citizen = course.citizen
    log_access(user, citizen.id, "visitation", Purpose.CASEWORK, unit_id=course.coordinator_unit_id)
    return Status(
        201,
        CreatedCourseOut(
            id=course.id,
            initiative=course.initiative.name,
            status=course.status,
            citizen_name=citizen.full_name,
            cpr_masked=citizen.masked_cpr,
            coordinator=_name(user),
            plan_version=course.plan.version,
        ),
    )


@router.post("/join-requests", response={201: JoinRequestOut, 403: ProblemOut, 422: ProblemOut})
def join_request_create(request: HttpRequest, payload: JoinRequestIn) -> Any:
    """Ask the coordinators of the citizen's active courses to add your unit to the team. You
    learn nothing about the courses; each coordinator answers in Helhed."""
    sent = services.request_to_join(
        user_of(request), cpr=payload.cpr, unit_id=payload.unit_id, message=payload.message
    )
    return Status(201, JoinRequestOut(sent=sent))


@router.post(
    "/courses/{course_id}/join-requests/{request_id}/answer",
    response={200: JoinRequestOut, 403: ProblemOut, 422: ProblemOut},
)
def join_request_answer(
    request: HttpRequest, course_id: uuid.UUID, request_id: uuid.UUID, payload: JoinAnswerIn
) -> Any:
    """Accept (the unit joins the team from today) or decline a request (coordinator only)."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    if not access.is_coordinator:
        raise PermissionDenied("Kun forløbets koordinator kan gøre dette.")
    services.answer_join_request(
        user, request_id=request_id, accept=payload.accept, role=payload.role, note=payload.note
    )
    return JoinRequestOut(sent=1)


@router.get("/without-consent/bases", response=list[BasisOut])
def without_consent_bases(request: HttpRequest) -> list[BasisOut]:
    """The maintained legal bases for access without consent, with the categories each opens."""
    user_of(request)
    return [
        BasisOut(
            id=b.id,
            law=b.law,
            paragraph=b.paragraph,
            title=b.title,
            guidance=b.guidance,
            categories=sorted(b.category_set),
        )
        for b in selectors.without_consent_bases()
    ]


@router.post(
    "/courses/{course_id}/without-consent",
    response={201: WithoutConsentOut, 403: ProblemOut, 422: ProblemOut},
)
def without_consent_open(
    request: HttpRequest, course_id: uuid.UUID, payload: WithoutConsentIn
) -> Any:
    """Open the course without consent for 24 hours on a basis from the maintained list, from
    one of your casework-authority units (koordinator or fagperson). The coordinator and your
    unit's leaders are told; every read is flagged in the citizen's access log."""
    grant = services.open_without_consent(
        user_of(request),
        course_id=course_id,
        unit_id=payload.unit_id,
        basis_id=payload.basis_id,
        note=payload.note,
    )
    return Status(
        201,
        WithoutConsentOut(
            id=grant.id,
            legal_basis=grant.legal_basis,
            categories=sorted(grant.categories),
            expires_at=grant.expires_at,
        ),
    )


@router.get("/courses/{course_id}", response={200: CourseDetail, 403: ProblemOut})
def course_detail(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course with a plan summary, team and consents — only what your consent covers.
    Logged. 403 if you have no access (also if the course does not exist)."""
    user = user_of(request)
    overview = selectors.course_overview(user, course_id)
    access = overview.access
    course = access.course
    on = selectors.today()
    plan = overview.plan
    texts = overview.texts
    citizen = course.citizen
    unit = course.coordinator_unit
    return CourseDetail(
        id=course.id,
        initiative_id=course.initiative_id,
        initiative=course.initiative.name,
        status=course.status,
        closing_reason=course.closing_reason,
        referred_on=course.referred_on,
        start_date=course.start_date,
        end_date=course.end_date,
        citizen=CitizenOut(
            id=citizen.id,
            name=citizen.full_name,
            cpr_masked=citizen.masked_cpr,
            age=citizen.age(on),
            contact_channel=citizen.contact_channel,
            no_fixed_address=citizen.no_fixed_address,
            companion_wanted=citizen.companion_wanted,
        ),
        household=course.household.name if course.household else None,
        coordinator=CoordinatorOut(
            id=course.coordinator_id,
            name=_name(course.coordinator),
            unit_id=unit.id,
            unit=unit.name,
            organisation=unit.organisation.name,
            phone=course.coordinator.phone,
            email=course.coordinator.email,
        ),
        mandate=_text(texts["mandate"]),
        referral_note=_text(texts["referral_note"]),
        hidden_texts=sorted(k for k, t in texts.items() if t.hidden),
        categories=_categories(access),
        hidden_categories=overview.hidden_categories,
        without_consent=access.without_consent is not None and not access.is_coordinator,
        plan=PlanSummaryOut(
            id=plan.id,
            version=plan.version,
            updated_at=plan.updated_at,
            citizen_statement=_text(texts["citizen_statement"]),
            summary=_text(texts["summary"]),
            goals=len(overview.goals),
            measures=len(overview.measures),
            demands=len(overview.demands),
            open_conflicts=sum(1 for c in overview.conflicts if c.is_open),
            appointments=len(overview.appointments),
            overlapping_appointments=len(overview.overlapping),
        )
        if plan is not None
        else None,
        team=[_member_out(m, on) for m in overview.team_current + overview.team_past],
        team_hidden=overview.team_hidden,
        team_stats=_stats_out(overview.team_stats),
        consents=[_consent_out(c, on, access) for c in overview.consents],
    )


def _text(text: selectors.FreeText) -> str | None:
    return text.text if text.shown else None


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def _goal_out(goal: Goal) -> GoalOut:
    """Sub-goals and measure ids as the guard filtered them (``course_overview``)."""
    return GoalOut(
        id=goal.id,
        text=goal.text,
        horizon=goal.horizon,
        priority=goal.priority,
        importance=goal.importance,
        status=goal.status,
        target_date=goal.target_date,
        subgoals=[
            SubGoalOut(
                id=s.id,
                text=s.text,
                owner_id=s.owner_shown.id if s.owner_shown else None,
                welfare_area=s.welfare_area_id,
            )
            for s in getattr(goal, "visible_subgoals", [])
        ],
        measure_ids=[m.id for m in getattr(goal, "visible_measures", [])],
    )


def _measure_out(m: Measure) -> MeasureOut:
    legal_basis = _legal_basis_out(m.legal_basis)
    assert legal_basis is not None
    member = getattr(m, "member_shown", None)
    return MeasureOut(
        id=m.id,
        title=m.title,
        welfare_area=m.welfare_area_id,
        category=m.data_category,
        legal_basis=legal_basis,
        organisation_id=m.organisation_id,
        organisation=m.organisation.name,
        unit_id=m.unit_id,
        unit=m.unit.name if m.unit else None,
        responsible_id=member.id if member else None,
        responsible=member.name if member else None,
        goal_ids=[g.id for g in getattr(m, "linked_goals", [])],
        start_date=m.start_date,
        end_date=m.end_date,
        expected_end=m.expected_end,
        status=m.status,
        budget_area=m.budget_area,
        description=m.description,
    )


def _demand_out(d: Demand) -> DemandOut:
    return DemandOut(
        id=d.id,
        title=d.title,
        kind=d.kind,
        organisation_id=d.organisation_id,
        organisation=d.organisation.name,
        welfare_area=d.welfare_area_id,
        sector=d.welfare_area.name_da,
        category=d.data_category,
        details=d.details,
        frequency=d.frequency,
        consequence=d.consequence,
        legal_basis=_legal_basis_out(d.legal_basis),
        start_date=d.start_date,
        end_date=d.end_date,
    )


def _conflict_out(c: DemandConflict) -> ConflictOut:
    return ConflictOut(
        id=c.id,
        first_id=c.first_id,
        second_id=c.second_id,
        description=c.description,
        marked_by=_name(c.marked_by),
        marked_at=c.marked_at,
    )


def _appointment_out(a: Appointment, visible_demands: set[Any]) -> AppointmentOut:
    member = getattr(a, "member_shown", None)
    return AppointmentOut(
        id=a.id,
        title=a.title,
        organisation_id=a.organisation_id,
        organisation=a.organisation.name,
        welfare_area=a.welfare_area_id,
        with_member_id=member.id if member else None,
        with_member=member.name if member else None,
        place=a.place,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        demand_id=a.demand_id if a.demand_id in visible_demands else None,
        note=a.note,
    )


@router.get("/courses/{course_id}/plan", response={200: PlanOut, 403: ProblemOut})
def plan_detail(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The shared plan: goals with sub-goals, measures with legal basis, demands, open conflicts,
    appointments and the version to send with the next change. Filtered by consent; logged."""
    overview = selectors.course_overview(user_of(request), course_id, purpose=Purpose.PLANNING)
    access = overview.access
    plan = overview.plan
    if plan is None:
        raise HttpError(404, "Forløbet har ingen plan.")
    texts = overview.texts
    visible_demands = {d.pk for d in overview.demands}
    return PlanOut(
        id=plan.id,
        course_id=access.course.id,
        version=plan.version,
        updated_at=plan.updated_at,
        citizen_statement=_text(texts["citizen_statement"]),
        summary=_text(texts["summary"]),
        goals=[_goal_out(g) for g in overview.goals],
        measures=[_measure_out(m) for m in overview.measures],
        demands=[_demand_out(d) for d in overview.demands],
        open_conflicts=[_conflict_out(c) for c in overview.conflicts if c.is_open],
        appointments=[_appointment_out(a, visible_demands) for a in overview.appointments],
        overlapping=[[a.id, b.id] for a, b in overview.overlapping],
        hidden_categories=overview.hidden_categories,
        hidden_texts=sorted(k for k, t in texts.items() if t.hidden),
    )


PLAN_RESPONSES: dict[int, Any] = {
    200: SavedOut,
    403: ProblemOut,
    404: ProblemOut,
    409: StaleProblemOut,
    422: ProblemOut,
}
CREATED_RESPONSES: dict[int, Any] = {**PLAN_RESPONSES, 201: SavedOut}
del CREATED_RESPONSES[200]


@router.patch("/courses/{course_id}/plan", response=PLAN_RESPONSES)
def plan_update(request: HttpRequest, course_id: uuid.UUID, payload: PlanTextIn) -> Any:
    """Change the citizen's own words and/or the shared summary, and the category each text is
    filed under (only categories you may see). A text you leave out stays as it is. 409 with what
    changed if the plan was saved by someone else since ``version``."""
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    plan = services.update_plan_text(
        user, plan.pk, payload.version, **payload.model_dump(exclude={"version"}, exclude_none=True)
    )
    return _saved(plan.pk, plan)


def _goal_fields(payload: GoalIn) -> dict[str, Any]:
    return payload.model_dump(exclude={"version"})


@router.post("/courses/{course_id}/plan/goals", response=CREATED_RESPONSES)
def goal_create(request: HttpRequest, course_id: uuid.UUID, payload: GoalIn) -> Any:
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    goal = services.save_goal(user, plan.pk, payload.version, **_goal_fields(payload))
    return Status(201, _saved(goal.id, goal.plan))


@router.put("/courses/{course_id}/plan/goals/{goal_id}", response=PLAN_RESPONSES)
def goal_update(
    request: HttpRequest, course_id: uuid.UUID, goal_id: uuid.UUID, payload: GoalIn
) -> Any:
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    goal = services.save_goal(
        user, plan.pk, payload.version, goal_id=goal_id, **_goal_fields(payload)
    )
    return _saved(goal.id, goal.plan)


@router.delete("/courses/{course_id}/plan/goals/{goal_id}", response=PLAN_RESPONSES)
def goal_delete(
    request: HttpRequest,
    course_id: uuid.UUID,
    goal_id: uuid.UUID,
    version: int = Query(..., ge=1, le=2**31 - 1),
) -> Any:
    """Remove a goal — refused (403) when it is linked to a measure or has a sub-goal you may
    not see, or is not in this plan."""
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    plan = services.delete_goal(user, plan.pk, version, goal_id)
    return _saved(goal_id, plan)


@router.post("/courses/{course_id}/plan/goals/{goal_id}/subgoals", response=CREATED_RESPONSES)
def subgoal_create(
    request: HttpRequest, course_id: uuid.UUID, goal_id: uuid.UUID, payload: SubGoalIn
) -> Any:
    user = user_of(request)
    access, plan = selectors.access_plan(user, course_id)
    owner = _team_member_or_422(access, payload.owner_id, "owner_id")
    _check_area(payload.welfare_area)
    sub = services.add_subgoal(
        user,
        plan.pk,
        payload.version,
        goal_id=goal_id,
        text=payload.text,
        owner=owner,
        welfare_area_id=payload.welfare_area,
    )
    return Status(201, _saved(sub.id, sub.goal.plan))


@router.post("/courses/{course_id}/plan/measures", response=CREATED_RESPONSES)
def measure_create(request: HttpRequest, course_id: uuid.UUID, payload: MeasureIn) -> Any:
    """A measure (indsats) — refused without a legal basis from the maintained list, and with a
    field error in a category your consent does not cover (unless your own unit is responsible)."""
    user = user_of(request)
    access, plan = selectors.access_plan(user, course_id)
    organisation = _get_or_422(
        Organisation, payload.organisation_id, "organisation_id", "Organisationen findes ikke."
    )
    unit = _get_or_422(Unit, payload.unit_id, "unit_id", "Enheden findes ikke.")
    if unit is not None and unit.organisation_id != organisation.pk:
        raise invalid("unit_id", "Enheden hører ikke til den valgte organisation.")
    responsible = _team_member_or_422(access, payload.responsible_id, "responsible_id")
    measure = services.save_measure(
        user,
        plan.pk,
        payload.version,
        goals=selectors.plan_goals(access, list(payload.goal_ids)),
        title=payload.title,
        welfare_area_id=payload.welfare_area,
        legal_basis_id=payload.legal_basis,
        organisation=organisation,
        unit=unit,
        responsible=responsible,
        start_date=payload.start_date,
        end_date=payload.end_date,
        expected_end=payload.expected_end,
        status=payload.status,
        budget_area=payload.budget_area,
        description=payload.description,
    )
    return Status(201, _saved(measure.id, measure.plan))


@router.post("/courses/{course_id}/plan/demands", response=CREATED_RESPONSES)
def demand_create(request: HttpRequest, course_id: uuid.UUID, payload: DemandIn) -> Any:
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    organisation = _get_or_422(
        Organisation, payload.organisation_id, "organisation_id", "Organisationen findes ikke."
    )
    demand = services.save_demand(
        user,
        plan.pk,
        payload.version,
        organisation=organisation,
        welfare_area_id=payload.welfare_area,
        kind=payload.kind,
        title=payload.title,
        details=payload.details,
        frequency=payload.frequency,
        consequence=payload.consequence,
        legal_basis_id=payload.legal_basis or None,
        start_date=payload.start_date,
        end_date=payload.end_date,
    )
    return Status(201, _saved(demand.id, demand.plan))


@router.post("/courses/{course_id}/plan/appointments", response=CREATED_RESPONSES)
def appointment_create(request: HttpRequest, course_id: uuid.UUID, payload: AppointmentIn) -> Any:
    user = user_of(request)
    access, plan = selectors.access_plan(user, course_id)
    organisation = _get_or_422(
        Organisation, payload.organisation_id, "organisation_id", "Organisationen findes ikke."
    )
    with_member = _team_member_or_422(access, payload.with_member_id, "with_member_id")
    demand = None
    if payload.demand_id is not None:
        demand = selectors.current_plan_item(access, Demand, payload.demand_id)
        if demand is None:
            raise invalid("demand_id", "Kravet hører ikke til forløbets plan.")
    appointment = services.save_appointment(
        user,
        plan.pk,
        payload.version,
        title=payload.title,
        organisation=organisation,
        welfare_area_id=payload.welfare_area,
        with_member=with_member,
        place=payload.place,
        starts_at=_aware(payload.starts_at),
        ends_at=_aware(payload.ends_at),
        demand=demand,
        note=payload.note,
    )
    return Status(201, _saved(appointment.id, appointment.plan))


# --------------------------------------------------------------------------------------------
# Team
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/team", response={200: TeamOut, 403: ProblemOut})
def team_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """Who is around the citizen: current and former contact persons and the turnover; those
    from an area your consent does not cover are counted, not named. Logged."""
    user = user_of(request)
    overview = selectors.course_overview(user, course_id, items=False, what="team")
    on = selectors.today()
    return TeamOut(
        members=[_member_out(m, on) for m in overview.team_current + overview.team_past],
        hidden=overview.team_hidden,
        stats=_stats_out(overview.team_stats),
    )


@router.post(
    "/courses/{course_id}/team", response={201: TeamMemberOut, 403: ProblemOut, 422: ProblemOut}
)
def team_add(request: HttpRequest, course_id: uuid.UUID, payload: TeamMemberIn) -> Any:
    """Add a contact person (coordinator only)."""
    user = user_of(request)
    course = selectors.access_for(user, course_id).course
    organisation = _get_or_422(
        Organisation, payload.organisation_id, "organisation_id", "Organisationen findes ikke."
    )
    unit = _get_or_422(Unit, payload.unit_id, "unit_id", "Enheden findes ikke.")
    member_user = _get_or_422(User, payload.user_id, "user_id", "Brugeren findes ikke.")
    if member_user is not None and member_user.kind != UserKind.STAFF:
        raise invalid("user_id", "Kun medarbejdere kan være på teamet.")
    _check_area(payload.welfare_area)
    if payload.email:
        try:
            validate_email(payload.email)
        except DjangoValidationError:
            raise invalid("email", "Ugyldig e-mailadresse.") from None
    member = services.add_team_member(
        user,
        course,
        organisation=organisation,
        unit=unit,
        name=payload.name,
        role=payload.role,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        member_user=member_user,
        phone=payload.phone,
        email=payload.email,
        welfare_area_id=payload.welfare_area,
    )
    return Status(201, _member_out(member, selectors.today()))


@router.post(
    "/courses/{course_id}/team/{member_id}/end",
    response={200: TeamMemberOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def team_end(
    request: HttpRequest, course_id: uuid.UUID, member_id: uuid.UUID, payload: EndMemberIn
) -> Any:
    """End a contact person's period on the team (coordinator only)."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    member = services.end_team_member(user, selectors.team_member_of(access, member_id), payload.on)
    return _member_out(member, selectors.today())


# --------------------------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------------------------


@router.get("/courses/{course_id}/consents", response={200: list[ConsentOut], 403: ProblemOut})
def consent_list(request: HttpRequest, course_id: uuid.UUID) -> Any:
    """The course's consents, current and past. Logged."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    on = selectors.today()
    selectors.log_course_read(user, access, "samtykker", Purpose.CASEWORK)
    return [_consent_out(c, on, access) for c in selectors.consents_of(access)]


@router.post(
    "/courses/{course_id}/consents", response={201: ConsentOut, 403: ProblemOut, 422: ProblemOut}
)
def consent_create(request: HttpRequest, course_id: uuid.UUID, payload: ConsentIn) -> Any:
    """Record a consent (coordinator only): whom it covers, which data, from/to, and whether it
    may be used (pseudonymised) for evaluation."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    course = access.course
    organisations = list(Organisation.objects.filter(pk__in=payload.organisation_ids))
    if len(organisations) != len(set(payload.organisation_ids)):
        raise invalid("organisation_ids", "En af organisationerne findes ikke.")
    units = list(Unit.objects.filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise invalid("unit_ids", "En af enhederne findes ikke.")
    consent = services.give_consent(
        user,
        course,
        given_by=payload.given_by,
        given_by_name=payload.given_by_name,
        organisations=organisations,
        units=units,
        categories=payload.categories,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        note=payload.note,
        for_evaluation=payload.for_evaluation,
    )
    return Status(201, _consent_out(consent, selectors.today(), access))


@router.post(
    "/courses/{course_id}/consents/{consent_id}/withdraw",
    response={200: ConsentOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
)
def consent_withdraw(
    request: HttpRequest,
    course_id: uuid.UUID,
    consent_id: uuid.UUID,
    payload: WithdrawIn | None = None,
) -> Any:
    """Withdraw a consent at once (coordinator only): from today it gives nobody access."""
    user = user_of(request)
    access = selectors.access_for(user, course_id)
    consent = services.withdraw_consent(
        user, selectors.consent_of(access, consent_id), by_name=payload.by_name if payload else ""
    )
    return _consent_out(consent, selectors.today(), access)
