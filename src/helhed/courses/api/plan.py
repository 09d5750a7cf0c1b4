"""The one shared plan: read it, change its text, goals, sub-goals, measures, demands and
appointments. A change based on an older version answers 409 with what changed meanwhile."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from helhed.audit.models import Purpose
from helhed.core.apikit import (
    invalid,
    user_of,
)
from helhed.core.models import Organisation, Unit
from helhed.courses import selectors, services
from helhed.courses.api._common import (
    _aware,
    _check_area,
    _get_or_422,
    _legal_basis_out,
    _name,
    _saved,
    _team_member_or_422,
    _text,
)
from helhed.courses.models import (
    Appointment,
    Demand,
    DemandConflict,
    Goal,
    Measure,
)
from helhed.courses.schemas import (
    AppointmentIn,
    AppointmentOut,
    ChildPerspectiveIn,
    ConflictOut,
    DemandIn,
    DemandOut,
    GoalIn,
    GoalOut,
    MeasureIn,
    MeasureOut,
    PlanOut,
    PlanTextIn,
    ProblemOut,
    SavedOut,
    StaleProblemOut,
    SubGoalIn,
    SubGoalOut,
)

router = Router()


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
        person_id=goal.person_id,
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


@router.put("/courses/{course_id}/plan/children/{child_id}/perspective", response=PLAN_RESPONSES)
def child_perspective_save(
    request: HttpRequest, course_id: uuid.UUID, child_id: uuid.UUID, payload: ChildPerspectiveIn
) -> Any:
    """Barnets eget perspektiv (barnets lov § 91) for a child under 18 in the family the course
    covers: the child's own view, filed under the category you choose (one you may see)."""
    user = user_of(request)
    _access, plan = selectors.access_plan(user, course_id)
    perspective = services.save_child_perspective(
        user,
        plan.pk,
        payload.version,
        child_id=child_id,
        text=payload.text,
        text_category=payload.text_category,
    )
    return _saved(perspective.id, perspective.plan)


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
