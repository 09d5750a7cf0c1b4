"""The course page: what the reader may see, the plan's sections and the other apps' sections."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from helhed.core.web import staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors
from helhed.courses.models import (
    Appointment,
)
from helhed.courses.sections import course_sections
from helhed.courses.views._common import (
    CATEGORY_LABELS,
    PRINT_LAWS,
    _no_access,
)

# --------------------------------------------------------------------------------------------
# The course page
# --------------------------------------------------------------------------------------------


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


@login_required
def course_detail(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    try:
        o = selectors.course_overview(user, course_id, items=False)
    except PermissionDenied:
        return _no_access(request, course_id)
    course = o.access.course
    today = timezone.localdate()
    household = (
        selectors.household_members(user, o.access, "familiemedlem i forløb")
        if course.household is not None
        else []
    )
    age = course.citizen.age(today)
    child_plan = age < 18 or any(m.age < 18 for m in household)
    open_conflicts = [c for c in o.conflicts if c.is_open]
    consents = []
    for consent in o.consents:
        scope = selectors.consent_scope(o.access, consent)
        consents.append(
            {
                "consent": consent,
                "valid": consent.valid_on(today),
                "categories": [
                    CATEGORY_LABELS[c] for c, _l in logic.DATA_CATEGORIES if c in consent.categories
                ],
                "scope": [org.name for org in scope.organisations]
                + [unit.name for unit in scope.units],
                "scope_hidden": scope.hidden,
                "note": scope.note,
            }
        )
    for member in o.team_current + o.team_past:
        member.org_name = member.organisation.name  # type: ignore[attr-defined]
        member.unit_name = member.unit.name if member.unit else ""  # type: ignore[attr-defined]
    team_end_url = _item_url("courses:team_end", course.pk)
    for team_member in o.team_current:
        team_member.edit_url = team_end_url(team_member.pk)  # type: ignore[attr-defined]
    laws = [(slug, label) for slug, label in PRINT_LAWS if slug != "barnets-plan" or child_plan]
    context = {
        "o": o,
        "course": course,
        "citizen": course.citizen,
        "age": age,
        "today": today,
        "household": household,
        "team_current": o.team_current,
        "team_past": o.team_past,
        "open_conflicts": open_conflicts,
        **_plan_sections(request, o, open_conflicts),
        "consents": consents,
        "laws": laws,
        "is_coordinator": o.access.is_coordinator,
        "may_history": o.access.may_all(),
        "grant": o.access.without_consent if not o.access.is_coordinator else None,
        "checklist": list((course.intake_checklist or {}).items()),
        "join_requests": selectors.join_requests_for_course(o.access),
        "digital_post_risk": course.citizen.no_fixed_address
        and course.citizen.contact_channel == "digital-post",
    }
    context["sections"] = _sections(request, o)
    if o.access.is_coordinator:
        # The change-coordinator form (up to 300 candidates) is on its own page
        # (``change_coordinator``), not built on every view of the course page.
        status_form = f.StatusForm(prefix="status", initial={"status": course.status})
        context.update({"status_form": status_form})
    return render(request, "courses/course_detail.html", context)


PLAN_SECTIONS_TTL = 600  # seconds; bounds how long a renamed organisation or person shows


def _plan_sections_key(o: selectors.CourseOverview, today: date) -> str | None:
    """What the rendered plan depends on: the plan's version (every saved change to goals,
    measures, demands and appointments increases it, through ``services._commit``), the state of
    its conflicts (marked and resolved without a new version), what the reader may see (data
    categories, own units, coordinator or not), the language and the day."""
    plan = o.plan
    if plan is None:
        return None
    access = o.access
    scope = "all" if access.is_coordinator else "-".join(sorted(access.categories))
    own = ",".join(sorted(str(u) for u in access.own_units))
    conflicts = ",".join(f"{c.pk}:{c.resolved_at}" for c in o.conflicts)
    raw = (
        f"{plan.pk}:{plan.version}:{plan.updated_at.isoformat()}:{conflicts}:{scope}:{own}:"
        f"{o.team_key}:{access.is_coordinator}:{get_language()}:{today.isoformat()}"
    )
    return "courses:plan-sections:" + hashlib.sha256(raw.encode()).hexdigest()


def _plan_sections(
    request: HttpRequest, o: selectors.CourseOverview, open_conflicts: list[Any]
) -> dict[str, Any]:
    """The plan, demands side by side, conflicts and the appointments timeline (with the
    overlaps banner and the names of hidden data categories): the largest part of the course
    page, rendered once per plan version and reader scope and then served from the cache — a
    12-goal, 30-measure, 60-appointment plan takes longer to load and render than everything else
    on the page. Access is checked and the read logged on every request, before this."""
    course = o.access.course
    key = _plan_sections_key(o, timezone.localdate())
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return _safe_parts(cached, o)
    selectors.load_plan_items(o)
    goal_url = _item_url("courses:goal_edit", course.pk)
    subgoal_url = _item_url("courses:subgoal_add", course.pk)
    for goal in o.goals:
        goal.edit_url = goal_url(goal.pk)  # type: ignore[attr-defined]
        goal.subgoal_url = subgoal_url(goal.pk)  # type: ignore[attr-defined]
    rows: list[tuple[list[Any], str]] = [
        (o.measures, "courses:measure_edit"),
        (o.demands, "courses:demand_edit"),
        (o.appointments, "courses:appointment_edit"),
    ]
    for items, name in rows:
        url = _item_url(name, course.pk)
        for item in items:
            item.edit_url = url(item.pk)
    parts = {
        "plan_sections": render_to_string(
            "courses/_plan_sections.html",
            {
                "o": o,
                "course": course,
                "is_coordinator": o.access.is_coordinator,
                "timeline": _timeline(o.appointments),
                "overlap_ids": {a.pk for pair in o.overlapping for a in pair},
                "open_conflicts": open_conflicts,
                "resolved_conflicts": [c for c in o.conflicts if not c.is_open],
                "conflicted": {d for c in open_conflicts for d in (c.first_id, c.second_id)},
            },
            request=request,
        ),
        "overlaps_banner": render_to_string(
            "courses/_overlaps_banner.html", {"o": o}, request=request
        ),
        "hidden_categories": list(o.hidden_categories),
    }
    if key is not None:
        cache.set(key, parts, PLAN_SECTIONS_TTL)
    return _safe_parts(parts, o)


def _safe_parts(parts: dict[str, Any], o: selectors.CourseOverview) -> dict[str, Any]:
    # The HTML was rendered by our own autoescaping templates (above).
    return {
        "plan_sections": mark_safe(parts["plan_sections"]),
        "overlaps_banner": mark_safe(parts["overlaps_banner"]),
        "hidden_categories": sorted(set(parts["hidden_categories"]) | set(o.hidden_categories)),
    }


def _sections(request: HttpRequest, o: selectors.CourseOverview) -> list[dict[str, Any]]:
    """Sections that other apps add to the course page (``courses.sections``): inline ones are
    rendered with the page, lazy ones are loaded by htmx from their own view."""
    result = []
    for section in course_sections():
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
