"""The course list — filters, sorting and a name search that also finds a family's children, in
the query string — and the search for a citizen by CPR number (POSTed, never put in a URL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from helhed.core.selectors import membership_list
from helhed.core.web import posted, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors
from helhed.courses.forms_caseload import CourseListForm
from helhed.courses.models import CourseStatus

# --------------------------------------------------------------------------------------------
# The list and the search
# --------------------------------------------------------------------------------------------


def _cpr_search(request: HttpRequest, user: Any) -> tuple[f.SearchForm, list[Any] | None, str]:
    search = f.SearchForm(posted(request))
    if request.method != "POST" or not search.is_valid():
        return search, None, ""
    query = search.cleaned_data["q"]
    results = selectors.search_citizens(user, query)
    try:
        searched_cpr = logic.mask_cpr(logic.normalize_cpr(query))
    except logic.CprError:
        searched_cpr = ""
    if searched_cpr:
        # A CPR number is not echoed back into the page either.
        search = f.SearchForm()
    return search, results, searched_cpr


def _day(value: date | datetime | None) -> str:
    """A day as the template's ``|date:"d.m.Y"`` shows it (a moment in the current time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y")


def _shown(rows: list[selectors.CourseListRow]) -> list[dict[str, Any]]:
    """The table's cells, one plain value each: a page holds 50 rows, and the template's lookups
    through course, citizen and plan, its ``|date`` filters and a ``{% url %}`` per row cost
    several times what the rest of the page does (docs/performance.md)."""
    marker = "00000000-0000-0000-0000-000000000000"
    prefix, suffix = reverse("courses:course_detail", args=[marker]).split(marker)
    # The status labels translated once per page (``get_status_display`` translates every
    # label of the field's choices on each call).
    statuses = {value: str(label) for value, label in CourseStatus.choices}
    shown = []
    for row in rows:
        course = row.course
        plan = getattr(course, "plan", None)
        shown.append(
            {
                "url": f"{prefix}{course.pk}{suffix}",
                "name": course.citizen.full_name,
                "family": [member.full_name for member in row.family_matches],
                "initiative": course.initiative.name,
                "mine": row.mine,
                "coordinator": "" if row.mine else course.coordinator.get_full_name(),
                "status": statuses.get(course.status, course.status),
                "start": _day(course.start_date),
                "referred": _day(course.referred_on),
                "activity": _day(plan.updated_at) if plan is not None else "",
                "alerts": row.alerts,
            }
        )
    return shown


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    search, results, searched_cpr = _cpr_search(request, user)
    filters = CourseListForm(request.GET or None, choices=selectors.course_list_choices(user))
    chosen = filters.filters()
    if filters.has_error("navn", "cpr"):
        # Out of the address bar at once; the CPR search is the form below (POSTed).
        messages.warning(request, str(filters.errors["navn"][0]))
        kept = request.GET.copy()
        kept.pop("navn", None)
        return redirect(reverse("courses:course_list") + (f"?{kept.urlencode()}" if kept else ""))
    page = selectors.course_list_page(user, chosen, request.GET.get("side"))
    return render(
        request,
        "courses/course_list.html",
        {
            "search": search,
            "results": results,
            "searched_cpr": searched_cpr,
            "filters": filters,
            "filter_fields": filters.rendered_fields(),
            "filtered": any(
                request.GET.get(k) for k in ("navn", "status", "indsats", "advarsel", "koordinator")
            ),
            "name_searched": bool(chosen.q),
            "page": page,
            "rows": _shown(page.object_list),
            "may_intake": bool(membership_list(user)),
            "join_requests": selectors.my_join_requests(user),
        },
    )
