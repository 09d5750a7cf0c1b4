"""The course list — filters, sorting and a name search that also finds a family's children, in
the query string — and the search for a citizen by CPR number (POSTed, never put in a URL)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from helhed.core.selectors import membership_list
from helhed.core.web import posted, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors
from helhed.courses.forms_caseload import CourseListForm

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
    rows = list(page.object_list)
    # Each row's link: reversed once and formatted (a {% url %} per row costs more than the rest
    # of the row).
    marker = "00000000-0000-0000-0000-000000000000"
    prefix, suffix = reverse("courses:course_detail", args=[marker]).split(marker)
    for row in rows:
        row.course.detail_url = f"{prefix}{row.course.pk}{suffix}"
    return render(
        request,
        "courses/course_list.html",
        {
            "search": search,
            "results": results,
            "searched_cpr": searched_cpr,
            "filters": filters,
            "filtered": any(
                request.GET.get(k) for k in ("navn", "status", "indsats", "advarsel", "koordinator")
            ),
            "name_searched": bool(chosen.q),
            "page": page,
            "rows": rows,
            "may_intake": bool(membership_list(user)),
            "join_requests": selectors.my_join_requests(user),
        },
    )
