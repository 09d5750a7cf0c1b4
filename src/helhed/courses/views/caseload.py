"""The caseload and the search for a course (the CPR number is POSTed, never put in a URL)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helhed.core.selectors import membership_list
from helhed.core.web import posted, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors

# --------------------------------------------------------------------------------------------
# Caseload and search
# --------------------------------------------------------------------------------------------


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    search = f.SearchForm(posted(request))
    results: list[Any] | None = None
    searched_cpr = ""
    if request.method == "POST" and search.is_valid():
        query = search.cleaned_data["q"]
        results = selectors.search_citizens(user, query)
        try:
            searched_cpr = logic.mask_cpr(logic.normalize_cpr(query))
        except logic.CprError:
            searched_cpr = ""
        if searched_cpr:
            # A CPR number is not echoed back into the page either.
            search = f.SearchForm()
    rows = selectors.caseload(user)
    page = selectors.other_courses_page(user, request.GET.get("side"))
    return render(
        request,
        "courses/course_list.html",
        {
            "rows": rows,
            "search": search,
            "results": results,
            "searched_cpr": searched_cpr,
            "page": page,
            "shown": list(page.object_list),
            "may_intake": bool(membership_list(user)),
            "join_requests": selectors.my_join_requests(user),
        },
    )
