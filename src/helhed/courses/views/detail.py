"""The course page in tabs: a first screen that answers "what needs me now" and sub-pages for
the plan, the demands, the appointments and the history, each at its own URL under
``/forloeb/<id>/`` with the same header and tab bar (``courses/_course_header.html``). Other apps'
sub-pages (meetings, handovers, progress) are tabs in the same bar (``courses.sections``).

Every page goes through the guard (``selectors.course_overview``: access, filtering, the access
log) on every request and reads only what it shows: a constant number of queries whatever the
size of the plan, and no rendered HTML is cached (it would hold personal data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import Purpose
from helhed.core.web import staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors
from helhed.courses.models import Appointment
from helhed.courses.sections import first_screen_sections
from helhed.courses.views._common import CATEGORY_LABELS, PRINT_LAWS, _no_access

HISTORY_VERSIONS = 30  # the latest versions on the history tab; the rest on the versions page


def _timeline(appointments: list[Appointment]) -> list[tuple[date, list[Appointment]]]:
    days: dict[date, list[Appointment]] = {}
    for appointment in sorted(appointments, key=lambda a: a.starts_at):
        days.setdefault(timezone.localtime(appointment.starts_at).date(), []).append(appointment)
    return list(days.items())


def _item_url(name: str, course_id: Any) -> Callable[[Any], str]:
    """``reverse(name, args=[course_id, pk])`` for many items of one course: reversed once, then
    formatted (a ``{% url %}`` per row of a large plan costs more than the rest of the row)."""
    marker = "00000000-0000-0000-0000-000000000000"
    prefix, suffix = reverse(name, args=[course_id, marker]).split(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _overview(
    request: HttpRequest, course_id: str, what: str, *, goals: bool = False
) -> selectors.CourseOverview:
    """The guard for every tab: access checked, the read logged as ``what``."""
    return selectors.course_overview(
        staff_user(request),
        course_id,
        items=False,
        goals=goals,
        what=what,
        purpose=Purpose.CASEWORK,
    )


def _page(
    request: HttpRequest, template: str, o: selectors.CourseOverview, tab: str, **extra: Any
) -> HttpResponse:
    """A tab of the course page: the header (name, status, tab bar), the banners every tab
    shows (an access without consent, what the reader may not see), then the tab's content."""
    access = o.access
    context = {
        "o": o,
        "course": access.course,
        "citizen": access.course.citizen,
        "tab": tab,
        "is_coordinator": access.is_coordinator,
        "grant": access.without_consent if not access.is_coordinator else None,
        "hidden_categories": o.hidden_categories,
        **extra,
    }
    return render(request, template, context)


# --------------------------------------------------------------------------------------------
# The first screen
# --------------------------------------------------------------------------------------------


def _consents(o: selectors.CourseOverview, today: date) -> list[dict[str, Any]]:
    consents = []
    children = selectors.consent_children_names(o.access, list(o.consents))
    for consent in o.consents:
        scope = selectors.consent_scope(o.access, consent)
        consents.append(
            {
                "consent": consent,
                "valid": consent.valid_on(today),
                # evidence (issue 15): confirmed by the citizen, by a signed document, or not
                "confirmation": selectors.consent_confirmation(consent),
                "has_document": bool(getattr(consent, "has_document", False)),
                "may_download": o.access.may_all(),
                # whose consent, and which children a parent's consent covers (issue 14)
                "person": consent.person.full_name if consent.person is not None else "",
                "children": children.get(consent.pk, []),
                "categories": [
                    CATEGORY_LABELS[c] for c, _l in logic.DATA_CATEGORIES if c in consent.categories
                ],
                "scope": [org.name for org in scope.organisations]
                + [unit.name for unit in scope.units],
                "scope_hidden": scope.hidden,
                "note": scope.note,
            }
        )
    return consents


def _name_team(o: selectors.CourseOverview) -> None:
    for member in o.team_current + o.team_past:
        member.org_name = member.organisation.name  # type: ignore[attr-defined]
        member.unit_name = member.unit.name if member.unit else ""  # type: ignore[attr-defined]


@login_required
def course_detail(request: HttpRequest, course_id: str) -> HttpResponse:
    """The first screen: status, alerts, coordinator and team, consent, what waits for a
    decision, the next appointments and the latest progress — no plan rendering."""
    try:
        o = _overview(request, course_id, "forløb (overblik)")
    except PermissionDenied:
        return _no_access(request, course_id)
    access, course = o.access, o.access.course
    today = timezone.localdate()
    selectors.load_upcoming(o, timezone.now())
    household = (
        selectors.household_members(staff_user(request), access, "familiemedlem i forløb")
        if course.household_id is not None
        else []
    )
    _name_team(o)
    team_end_url = _item_url("courses:team_end", course.pk)
    for member in o.team_current:
        member.edit_url = team_end_url(member.pk)  # type: ignore[attr-defined]
    consents = _consents(o, today)
    child_plan = course.citizen.age(today) < 18 or any(m.age < 18 for m in household)
    context: dict[str, Any] = {
        "today": today,
        "age": course.citizen.age(today),
        "household": household,
        "open_conflicts": [c for c in o.conflicts if c.is_open],
        "consents": [c for c in consents if not c["consent"].withdrawn_on],
        "consent_history": selectors.consent_history(access)[-5:],
        "valid_consents": sum(1 for c in consents if c["valid"]),
        "withdrawn_consents": sum(1 for c in consents if c["consent"].withdrawn_on),
        "laws": [(s, label) for s, label in PRINT_LAWS if s != "barnets-plan" or child_plan],
        "join_requests": selectors.join_requests_for_course(access),
        "digital_post_risk": course.citizen.no_fixed_address
        and course.citizen.contact_channel == "digital-post",
        "sections": _sections(request, o),
    }
    if access.is_coordinator:
        # The change-coordinator form (up to 300 candidates) is on its own page.
        context["status_form"] = f.StatusForm(prefix="status", initial={"status": course.status})
    return _page(request, "courses/course_detail.html", o, "overblik", **context)


def _sections(request: HttpRequest, o: selectors.CourseOverview) -> list[dict[str, Any]]:
    """Sections other apps show on the first screen (``courses.sections``; their sub-pages are
    tabs): inline ones are rendered with the page, lazy ones are loaded by htmx from their own
    view."""
    result = []
    for section in first_screen_sections():
        entry: dict[str, Any] = {"key": section.key, "label": section.label}
        if section.url_name is not None:
            entry["url"] = reverse(section.url_name, args=[o.access.course.pk])
        elif section.context is not None:
            extra = section.context(request, o)
            if extra is None:
                continue
            entry["template"] = section.template
            entry["context"] = extra
        result.append(entry)
    return result


# --------------------------------------------------------------------------------------------
# The sub-pages
# --------------------------------------------------------------------------------------------


def _tab(view: Callable[[HttpRequest, str], HttpResponse]) -> Callable[..., HttpResponse]:
    """A sub-page answers a reader without access as the first screen does (the 403 page)."""

    def wrapped(request: HttpRequest, course_id: str) -> HttpResponse:
        try:
            return view(request, str(course_id))
        except PermissionDenied:
            return _no_access(request, str(course_id))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _plan_view(request: HttpRequest, course_id: str) -> HttpResponse:
    """The plan: the citizen's own words, the summary, goals with sub-goals and the measures."""
    o = _overview(request, course_id, "plan", goals=True)
    selectors.load_plan_items(o, frozenset({"measures"}))
    course = o.access.course
    goal_url = _item_url("courses:goal_edit", course.pk)
    subgoal_url = _item_url("courses:subgoal_add", course.pk)
    for goal in o.goals:
        goal.edit_url = goal_url(goal.pk)  # type: ignore[attr-defined]
        goal.subgoal_url = subgoal_url(goal.pk)  # type: ignore[attr-defined]
    measure_url = _item_url("courses:measure_edit", course.pk)
    for measure in o.measures:
        measure.edit_url = measure_url(measure.pk)  # type: ignore[attr-defined]
    # Whose goal (issue 14): grouped by person in a family course, filtered by ?person=<id>.
    groups = selectors.goal_groups(staff_user(request), o.access, o.goals)
    person = request.GET.get("person", "")
    family = course.household_id is not None
    return _page(
        request,
        "courses/course_plan.html",
        o,
        "plan",
        family=family,
        goal_groups=[g for g in groups if not person or str(g.person_id) == person],
        person_choices=[(str(g.person_id), g.name) for g in groups],
        person=person,
    )


def _demands_view(request: HttpRequest, course_id: str) -> HttpResponse:
    """The demands on the citizen side by side per sector, and the conflicts between them."""
    o = _overview(request, course_id, "krav til borgeren")
    selectors.load_plan_items(o, frozenset({"demands"}))
    demand_url = _item_url("courses:demand_edit", o.access.course.pk)
    for demand in o.demands:
        demand.edit_url = demand_url(demand.pk)  # type: ignore[attr-defined]
    open_conflicts = [c for c in o.conflicts if c.is_open]
    return _page(
        request,
        "courses/course_demands.html",
        o,
        "krav",
        open_conflicts=open_conflicts,
        resolved_conflicts=[c for c in o.conflicts if not c.is_open],
        conflicted={d for c in open_conflicts for d in (c.first_id, c.second_id)},
    )


def _appointments_view(request: HttpRequest, course_id: str) -> HttpResponse:
    """Every appointment across sectors by day, overlaps flagged."""
    o = _overview(request, course_id, "aftaler")
    selectors.load_plan_items(o, frozenset({"appointments"}))
    appointment_url = _item_url("courses:appointment_edit", o.access.course.pk)
    for appointment in o.appointments:
        appointment.edit_url = appointment_url(appointment.pk)  # type: ignore[attr-defined]
    return _page(
        request,
        "courses/course_appointments.html",
        o,
        "aftaler",
        timeline=_timeline(o.appointments),
        overlap_ids={a.pk for pair in o.overlapping for a in pair},
    )


def _history_view(request: HttpRequest, course_id: str) -> HttpResponse:
    """What happened: the plan's versions (for a reader who may see every category), resolved
    conflicts, former contact persons, withdrawn and expired consents, the intake's answers."""
    o = _overview(request, course_id, "forløbets historik")
    access = o.access
    versions = selectors.plan_versions(access) if access.may_all() else None  # newest first
    _name_team(o)
    today = timezone.localdate()
    return _page(
        request,
        "courses/course_history.html",
        o,
        "historik",
        versions=versions[:HISTORY_VERSIONS] if versions is not None else None,
        more_versions=len(versions) > HISTORY_VERSIONS if versions is not None else False,
        resolved_conflicts=[c for c in o.conflicts if not c.is_open],
        old_consents=[c for c in _consents(o, today) if not c["valid"]],
        consent_history=selectors.consent_history(access),
        checklist=list((access.course.intake_checklist or {}).items()),
    )


course_plan = _tab(_plan_view)
course_demands = _tab(_demands_view)
course_appointments = _tab(_appointments_view)
course_history = _tab(_history_view)
