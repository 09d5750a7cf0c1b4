"""Register once, view per law: printable views of the one plan for each sector.

The plan is written once; these pages select and arrange it the way each law's plan asks for:

* ``min-plan`` — the employment part, as in "Min Plan" on Jobnet (LAB § 40, stk. 3 and
  sygedagpengeloven § 13 e allow it to be part of the holistic plan);
* ``sel-141`` — a Serviceloven § 141 action plan for an adult;
* ``barnets-plan`` — a Barnets lov § 91 child plan.

Everything comes from ``selectors.course_overview``: it enforces the access rule, leaves out what
the reader's consent does not cover and logs the read. Nothing here is typed in a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from helhed.audit.models import Purpose
from helhed.core.models import User
from helhed.courses import selectors
from helhed.courses.models import Citizen, Demand, Goal, Measure, TeamMember

EMPLOYMENT_AREA = "beskaeftigelse"
EMPLOYMENT_LAWS = frozenset({"LAB", "Sygedagpengeloven", "Aktivloven"})
SEL_141_LAWS = frozenset({"Serviceloven", "Sundhedsloven", "Psykiatriloven"})
CHILD_LAW = "Barnets lov"
ADULT_AGE = 18


@dataclass(frozen=True)
class LawView:
    slug: str
    template: str
    title: str
    law: str
    paragraph: str


LAWS: dict[str, LawView] = {
    "min-plan": LawView(
        "min-plan",
        "courses/print_min_plan.html",
        "Min Plan – beskæftigelsesdelen af den helhedsorienterede plan",
        "Lov om en aktiv beskæftigelsesindsats (LAB) og sygedagpengeloven",
        "LAB § 40, stk. 3 og sygedagpengeloven § 13 e",
    ),
    "sel-141": LawView(
        "sel-141",
        "courses/print_sel_141.html",
        "Handleplan for voksne",
        "Lov om social service (serviceloven)",
        "§ 141",
    ),
    "barnets-plan": LawView(
        "barnets-plan",
        "courses/print_barnets_plan.html",
        "Barnets plan",
        "Barnets lov",
        "§ 91",
    ),
}


# --------------------------------------------------------------------------------------------
# Which part of the one plan each law's view shows (plain functions over loaded rows)
# --------------------------------------------------------------------------------------------


def _law(item: Measure | Demand) -> str:
    basis = item.legal_basis
    return basis.law if basis is not None else ""


def is_employment(item: Measure | Demand) -> bool:
    """The jobcenter's part: the employment fagområde or an employment act."""
    return item.welfare_area_id == EMPLOYMENT_AREA or _law(item) in EMPLOYMENT_LAWS


def is_sel_141(measure: Measure) -> bool:
    """Social and health measures for an adult: the areas whose data are social or health
    information, or measures under the social, health or psychiatry acts (not Barnets lov)."""
    if _law(measure) == CHILD_LAW:
        return False
    return _law(measure) in SEL_141_LAWS or measure.data_category in ("social", "health")


def is_child_law(measure: Measure) -> bool:
    return _law(measure) == CHILD_LAW


def split(
    measures: Iterable[Measure], rule: Callable[[Measure], bool]
) -> tuple[list[Measure], list[Measure]]:
    inside: list[Measure] = []
    outside: list[Measure] = []
    for m in measures:
        (inside if rule(m) else outside).append(m)
    return inside, outside


def goals_of(measures: Iterable[Measure], goals: list[Goal]) -> list[Goal]:
    """The goals the given measures work towards, in the plan's order."""
    linked = {g.pk for m in measures for g in getattr(m, "linked_goals", [])}
    return [g for g in goals if g.pk in linked]


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None

    @property
    def months(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return max(1, round((self.end - self.start).days / 30.44))


def expected_period(measures: Iterable[Measure]) -> Period:
    """From the first start to the last (expected) end of the measures."""
    measures = list(measures)
    starts = [m.start_date for m in measures if m.start_date]
    ends = [end for m in measures if (end := m.end_date or m.expected_end) is not None]
    return Period(min(starts) if starts else None, max(ends) if ends else None)


# --------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------


def _coordinator_member(team: Iterable[TeamMember], coordinator_id: Any) -> TeamMember | None:
    return next((t for t in team if t.user_id == coordinator_id), None)


def _children(user: User, overview: selectors.CourseOverview) -> list[Citizen]:
    """The children the child plan is about: the citizen if under 18, else the children under 18
    in the family the plan covers. Their names are personal data: the read is logged."""
    course = overview.access.course
    on = selectors.today()
    children: list[Citizen] = []
    if course.citizen.age(on) < ADULT_AGE:
        children.append(course.citizen)
    children += [
        m.citizen
        for m in selectors.household_members(
            user,
            overview.access,
            "barnets plan (barn i familien)",
            Purpose.PLANNING,
            keep=lambda c: c.age(on) < ADULT_AGE,
        )
    ]
    return children


@login_required
def print_view(request: HttpRequest, course_id: str, law: str) -> HttpResponse:
    view = LAWS.get(law)
    if view is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    overview = selectors.course_overview(
        user, course_id, purpose=Purpose.PLANNING, what=f"udskrift: {view.title.split(' – ')[0]}"
    )
    course = overview.access.course
    goals = overview.goals  # each with the sub-goals the reader may see (visible_subgoals)
    context: dict[str, Any] = {
        "view": view,
        "laws": LAWS.values(),
        "o": overview,
        "course": course,
        "citizen": course.citizen,
        "plan": overview.plan,
        "goals": goals,
        "printed_on": selectors.today(),
        "coordinator": course.coordinator,
        "coordinator_member": _coordinator_member(overview.team_current, course.coordinator_id),
    }
    if law == "min-plan":
        measures, _other = split(overview.measures, is_employment)
        linked = goals_of(measures, goals)
        demands = [d for d in overview.demands if is_employment(d)]
        demand_ids = {d.pk for d in demands}
        context |= {
            "measures": measures,
            "employment_goals": linked or goals,
            "goals_are_linked": bool(linked),
            "demands": demands,
            "appointments": [
                a
                for a in overview.appointments
                if a.welfare_area_id == EMPLOYMENT_AREA or a.demand_id in demand_ids
            ],
        }
    elif law == "sel-141":
        measures, others = split(overview.measures, is_sel_141)
        context |= {
            "measures": measures,
            "other_measures": others,
            "period": expected_period(measures),
        }
    else:
        measures, others = split(overview.measures, is_child_law)
        children = _children(user, overview)
        context |= {
            "measures": measures,
            "other_measures": others,
            "children": children,
            "citizen_is_child": any(c.pk == course.citizen_id for c in children),
            "child_sections": selectors.child_sections(overview.access, children, goals),
            "period": expected_period(measures),
        }
    return render(request, view.template, context)
