"""What the course pages share: the guard for a page, the access-log line, the coordinator-only
rule, the redirect to the course page, the generic form page and the 403 page for a course."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from helhed.audit.models import Purpose
from helhed.core.models import User
from helhed.core.web import staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors, services
from helhed.courses.models import (
    WithoutConsentBasis,
)

CATEGORY_LABELS = dict(logic.DATA_CATEGORIES)
PRINT_LAWS = (
    ("min-plan", "Min Plan (beskæftigelse)"),
    ("sel-141", "Handleplan, Serviceloven § 141"),
    ("barnets-plan", "Barnets plan, Barnets lov"),
)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _access(request: HttpRequest, course_id: Any, *, category: str = "plan") -> selectors.Access:
    access = selectors.access_for(staff_user(request), course_id)
    if not access.may(category):
        raise PermissionDenied
    return access


def _log(
    request: HttpRequest, access: selectors.Access, what: str, purpose: str = Purpose.PLANNING
) -> None:
    selectors.log_course_read(cast(User, request.user), access, what, purpose)


def _coordinator_only(access: selectors.Access) -> None:
    if not access.is_coordinator:
        raise PermissionDenied("Kun forløbets koordinator kan gøre dette.")


# Where a save lands: the sub-page that shows what was saved (``views.detail``), at its anchor.
ANCHOR_PAGES = {
    "plan": "courses:course_plan",
    "maal": "courses:course_plan",
    "indsatser": "courses:course_plan",
    "krav": "courses:course_demands",
    "modstrid": "courses:course_demands",
    "aftaler": "courses:course_appointments",
}


def _detail(course: Any, anchor: str = "") -> HttpResponse:
    """Back to the course after a save: to the sub-page that shows ``anchor`` (the plan, the
    demands, the appointments), else to the first screen (team, consent, join requests)."""
    url = reverse(ANCHOR_PAGES.get(anchor, "courses:course_detail"), args=[course.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _render_form(
    request: HttpRequest,
    access: selectors.Access | None,
    form: Any,
    *,
    title: str,
    intro: str = "",
    submit: str = "Gem",
    **extra: Any,
) -> HttpResponse:
    context = {
        "course": access.course if access else None,
        "form": form,
        "title": title,
        "intro": intro,
        "submit": submit,
        **extra,
    }
    return render(request, "courses/form_page.html", context)


def _no_access(request: HttpRequest, course_id: str, form: Any = None) -> HttpResponse:
    """The 403 page for a course: names no fact about it; offers an access without consent only
    to a caller who may open one."""
    user = staff_user(request)
    units = services.without_consent_units(user)
    if form is None and units:
        form = f.WithoutConsentForm(units=units, bases=_bases())
    return render(
        request,
        "courses/no_access.html",
        {
            "course_id": course_id,
            "form": form if units else None,
        },
        status=403,
    )


def _bases() -> list[WithoutConsentBasis]:
    return selectors.without_consent_bases()
