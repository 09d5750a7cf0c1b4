"""Course pages: caseload and search, intake, the course page, and editing the one shared plan.

Thin: reads go through ``selectors`` (the guard: they check access, filter what the reader may
see and write the access log), writes through ``services`` (which check the same rights and run
in one transaction). A service's ``ValidationError`` becomes field errors in the form;
``PermissionDenied`` becomes a 403 page; a plan save based on an older version
(``StalePlanError``) shows the form again with the user's input, what changed meanwhile and the
values stored now, bound to the new version. Forms receive lists from the selectors, never
querysets of personal data (``scripts/check_guard.py``).

CPR numbers are never put in a URL: the search form and the intake form are POSTed. Intake that
finds an active course tells only that one exists and offers to ask its coordinator to join
(``services.request_to_join``) — docs/security.md, "Intake and duplicates".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from helhed.audit.models import Purpose
from helhed.core.models import User
from helhed.core.selectors import membership_list
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors, services
from helhed.courses.models import (
    Appointment,
    Demand,
    DemandConflict,
    Goal,
    Measure,
    Plan,
    WithoutConsentBasis,
)
from helhed.courses.sections import course_sections

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


def _detail(course: Any, anchor: str = "") -> HttpResponse:
    url = reverse("courses:course_detail", args=[course.pk])
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


# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def _intake_context(form: Any, family: Any, **extra: Any) -> dict[str, Any]:
    return {"form": form, "family": family, **extra}


@staff_only
def intake(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not membership_list(user):
        raise PermissionDenied("Du skal være medlem af en enhed for at visitere.")
    partial = request.headers.get("HX-Request") and "initiative" in request.GET
    if request.method == "GET" and partial:
        form = f.IntakeForm(initial={"initiative": request.GET["initiative"]}, user=user)
        return render(request, "courses/_checklist.html", {"form": form})
    duplicate: services.DuplicateCourseError | None = None
    join_form: f.JoinRequestForm | None = None
    if request.method == "POST":
        form = f.IntakeForm(request.POST, user=user)
        family = cast(f.BaseHouseholdFormSet, f.HouseholdFormSet(request.POST, prefix="familie"))
        form_ok = form.is_valid()
        family.main_cpr = form.cleaned_data.get("cpr") if form_ok else None
        if form_ok and family.is_valid():
            data = form.cleaned_data
            try:
                course = services.intake(
                    user,
                    initiative_id=data["initiative"].pk,
                    coordinator_unit_id=data["coordinator_unit"].pk,
                    cpr=data["cpr"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    referred_on=data["referred_on"],
                    referral_note=data["referral_note"],
                    referral_note_category=data["referral_note_category"] or "plan",
                    checklist=form.checklist(),
                    mandate=data["mandate"],
                    mandate_category=data["mandate_category"] or "plan",
                    contact=form.contact(),
                    parallel_reason=data["parallel_reason"],
                    household_name=data["household_name"],
                    members=family.members(),
                )
            except services.DuplicateCourseError as exc:
                duplicate = exc
                join_form = f.JoinRequestForm(
                    initial={"cpr": data["cpr"], "unit": data["coordinator_unit"].pk}
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, "Forløbet er oprettet. Næste skridt: registrér borgerens samtykke."
                )
                return _detail(course)
    else:
        initial = {}
        if request.GET.get("initiative"):
            initial["initiative"] = request.GET["initiative"]
        form = f.IntakeForm(initial=initial, user=user)
        family = cast(f.BaseHouseholdFormSet, f.HouseholdFormSet(prefix="familie"))
    form.fields["initiative"].widget.attrs.update(
        {
            "hx-get": reverse("courses:intake"),
            "hx-trigger": "change",
            "hx-target": "#checklist",
            "hx-swap": "outerHTML",
        }
    )
    return render(
        request,
        "courses/intake.html",
        _intake_context(form, family, duplicate=duplicate, join_form=join_form),
    )


@require_POST
@staff_only
def join_request(request: HttpRequest) -> HttpResponse:
    """Ask the coordinator of the citizen's active course to let the caller's unit join."""
    user = staff_user(request)
    form = f.JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            sent = services.request_to_join(
                user,
                cpr=form.cleaned_data["cpr"],
                unit_id=form.cleaned_data["unit"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if sent:
                messages.success(
                    request,
                    "Anmodningen er sendt til forløbets koordinator. Du får besked, når "
                    "koordinatoren har svaret.",
                )
            else:
                messages.info(
                    request,
                    "Din enhed er allerede med i teamet eller har allerede bedt om det.",
                )
    else:
        messages.error(request, "Anmodningen kunne ikke sendes. Prøv visitationen igen.")
    return redirect(reverse("courses:course_list") + "#anmodninger")


@require_POST
@staff_only
def join_answer(request: HttpRequest, course_id: str, request_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    form = f.JoinAnswerForm(request.POST)
    accept = request.POST.get("svar") == "accepter"
    if form.is_valid():
        try:
            services.answer_join_request(
                staff_user(request),
                request_id=request_id,
                accept=accept,
                role=form.cleaned_data["role"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                "Enheden er tilføjet til teamet. Husk samtykket."
                if accept
                else "Anmodningen er afvist.",
            )
    return _detail(access.course, "anmodninger")


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


# --------------------------------------------------------------------------------------------
# Access without consent, and the leaders' review of it
# --------------------------------------------------------------------------------------------


@staff_only
def without_consent(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    units = services.without_consent_units(user)
    if not units:
        raise PermissionDenied(
            "Kun sagsbehandlere i en myndighedsenhed kan åbne et forløb uden samtykke."
        )
    form = f.WithoutConsentForm(posted(request), units=units, bases=_bases())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.open_without_consent(
                user,
                course_id=course_id,
                unit_id=data["unit"].pk,
                basis_id=data["basis"].pk,
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(
                request,
                "Adgangen uden samtykke er åbnet i 24 timer. Den står i borgerens adgangslog, "
                "og koordinatoren og din leder har fået besked.",
            )
            return redirect("courses:course_detail", course_id=course_id)
    return _no_access(request, course_id, form)


@login_required
def without_consent_review(request: HttpRequest) -> HttpResponse:
    """The leaders' list of every access without consent opened from their organisations."""
    user = staff_user(request)
    pending_only = request.GET.get("vis") == "afventer"
    page = Paginator(
        selectors.without_consent_reviews(user, pending_only=pending_only), 50
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "courses/without_consent_review.html",
        {"page": page, "pending_only": pending_only},
    )


@require_POST
@staff_only
def without_consent_review_save(request: HttpRequest, access_id: str) -> HttpResponse:
    form = f.WithoutConsentReviewForm(request.POST, prefix=access_id)
    if form.is_valid():
        try:
            services.review_without_consent(
                staff_user(request),
                access_id=access_id,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Gennemgangen er registreret.")
    else:
        messages.error(request, "Vælg en vurdering.")
    return redirect("courses:without_consent_review")


# --------------------------------------------------------------------------------------------
# Status, coordinator, consent, team (the coordinator's)
# --------------------------------------------------------------------------------------------


@staff_only
def course_status(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    form = f.StatusForm(posted(request), prefix="status", initial={"status": course.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_status(
                staff_user(request),
                course,
                form.cleaned_data["status"],
                form.cleaned_data["closing_reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Status er nu »{course.get_status_display()}«.")
            return _detail(course)
    _log(request, access, "forløbets status", Purpose.CASEWORK)
    return _render_form(
        request, access, form, title="Skift status for forløbet", submit="Skift status"
    )


@staff_only
def change_coordinator(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    user = staff_user(request)
    form = f.CoordinatorForm(posted(request), prefix="koordinator", course=course)
    if request.method == "POST" and form.is_valid():
        new, unit = form.chosen()
        try:
            services.change_coordinator(
                user,
                course,
                new,
                unit,
                reason=form.cleaned_data["reason"],
                mandate=form.cleaned_data["mandate"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{new.get_full_name()} er nu koordinator for forløbet.")
            try:
                selectors.access_for(user, course.pk)
            except PermissionDenied:
                return redirect("courses:course_list")
            return _detail(course)
    _log(request, access, "koordinatorskifte", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title="Skift koordinator",
        intro="Den nye koordinator overtager forløbet og mandatet. Skiftet "
        "gemmes i forløbets historik.",
        submit="Skift koordinator",
    )


@staff_only
def consent_create(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    organisations, units = selectors.consent_scope_choices(access)
    form = f.ConsentForm(posted(request), course=course, organisations=organisations, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_consent(staff_user(request), course, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Samtykket er registreret.")
            return _detail(course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title="Registrér samtykke",
        submit="Registrér samtykke",
        intro="Samtykket afgør, hvem der må se hvad. En ung på 15 år eller derover giver selv "
        "samtykke; for et barn under 15 gives det af forældremyndigheden. Vælg de "
        "organisationer eller enheder i teamet, som samtykket omfatter.",
    )


@staff_only
def consent_withdraw(request: HttpRequest, course_id: str, consent_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    consent = selectors.consent_of(access, consent_id)
    form = f.WithdrawConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(
                staff_user(request), consent, by_name=form.cleaned_data["by_name"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, "Samtykket er trukket tilbage. Det giver ikke længere adgang fra i dag."
            )
            return _detail(access.course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    scope = [o.name for o in consent.organisations.all()] + [u.name for u in consent.units.all()]
    return _render_form(
        request,
        access,
        form,
        title="Træk samtykke tilbage",
        submit="Træk samtykket tilbage",
        intro=f"Samtykket fra {consent.valid_from:%d.%m.%Y} omfatter: {', '.join(scope)}. "
        "Når det trækkes tilbage, mister disse straks adgangen til forløbet.",
        danger=True,
    )


@staff_only
def team_add(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    if request.method == "GET" and request.headers.get("HX-Request") and "unit" in request.GET:
        form = f.TeamMemberForm(initial={"unit": request.GET["unit"]})
        return render(request, "courses/_member_user_field.html", {"field": form["member_user"]})
    form = f.TeamMemberForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = data["welfare_area"]
        try:
            services.add_team_member(
                staff_user(request),
                course,
                organisation=data["organisation"],
                unit=data["unit"],
                name=data["name"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                member_user=data["member_user"],
                phone=data["phone"],
                email=data["email"],
                welfare_area_id=area.pk if area else None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{data['name']} er tilføjet til teamet.")
            return _detail(course, "team")
    form.fields["unit"].widget.attrs.update(
        {
            "hx-get": reverse("courses:team_add", args=[course.pk]),
            "hx-trigger": "change",
            "hx-target": "#member-user-field",
            "hx-swap": "outerHTML",
        }
    )
    _log(request, access, "team", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title="Tilføj en kontaktperson til teamet",
        submit="Tilføj til teamet",
        member_user_htmx=True,
        intro="En enhed i teamet får adgang til forløbet, når et gyldigt samtykke omfatter den.",
    )


@staff_only
def team_end(request: HttpRequest, course_id: str, member_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    member = selectors.team_member_of(access, member_id)
    form = f.TeamEndForm(posted(request), initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_team_member(staff_user(request), member, form.cleaned_data["valid_to"])
        except ValidationError as exc:
            apply_errors(form, exc, {"on": "valid_to"})
        else:
            messages.success(request, f"{member.name} er ikke længere med i teamet.")
            return _detail(access.course, "team")
    _log(request, access, "team", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=f"Afslut {member.name} ({member.role})",
        submit="Afslut i teamet",
    )


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def _plan_form(
    request: HttpRequest,
    access: selectors.Access,
    plan: Plan,
    form_class: type[f.PlanForm],
    *,
    title: str,
    initial: dict[str, Any] | None,
    save: Callable[[User, Plan, int, Any], Any],
    current: Callable[[], Any],
    anchor: str,
    success: str,
    intro: str = "",
    extra_buttons: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Show, check and save one plan form with optimistic concurrency. The form's choices come
    from the guard (``selectors.plan_choices``): only what the reader may see."""
    user = staff_user(request)
    choices = selectors.plan_choices(access)
    stale: services.StalePlanError | None = None
    current_values: list[tuple[str, str]] = []
    if request.method == "POST":
        form = form_class(request.POST, plan=plan, choices=choices)
        if form.is_valid():
            try:
                save(user, plan, form.cleaned_data["version"], form)
            except services.StalePlanError as exc:
                stale = exc
                form = form.with_version(exc.current_version)
                current_values = form.current_values(current())
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                if str(exc) != selectors.ITEM_NOT_SEEN:
                    raise
                form.add_error(
                    None,
                    "Punktet findes ikke længere i planen, eller du har ikke adgang til det. Det "
                    "kan være slettet af en anden eller ved en gendannelse.",
                )
            else:
                messages.success(request, success)
                return _detail(access.course, anchor)
    else:
        form = form_class(initial=initial or {}, plan=plan, choices=choices)
    _log(request, access, "plan (redigering)")
    return _render_form(
        request,
        access,
        form,
        title=title,
        intro=intro,
        stale=stale,
        current_values=current_values,
        extra_buttons=extra_buttons or [],
    )


@staff_only
def plan_edit(request: HttpRequest, course_id: str) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.update_plan_text(user, plan.pk, version, **form.service_fields())

    return _plan_form(
        request,
        access,
        plan,
        f.PlanTextForm,
        title="Redigér planens tekst",
        initial=f.PlanTextForm.initial_for(plan),
        save=save,
        current=lambda: selectors.access_plan(staff_user(request), course_id)[1],
        anchor="plan",
        success="Planen er gemt.",
        intro="Skriv med borgerens egne ord, hvad der er vigtigst – ikke rettigheder og pligter. "
        "Vælg for hver tekst, hvad den afslører: kun læsere med samtykke til den kategori kan "
        "læse den.",
    )


@staff_only
def goal_edit(request: HttpRequest, course_id: str, goal_id: str | None = None) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    goal = selectors.plan_item(access, Goal, goal_id) if goal_id else None
    if goal is not None and request.method == "POST" and "_delete" in request.POST:
        try:
            version = int(request.POST.get("version", ""))
            services.delete_goal(staff_user(request), plan.pk, version, goal.pk)
        except (services.StalePlanError, ValueError):
            messages.error(
                request,
                "Planen er blevet ændret af en anden, siden du åbnede den. Målet er ikke slettet.",
            )
            return redirect("courses:goal_edit", course_id=course_id, goal_id=goal.pk)
        messages.success(request, "Målet er fjernet fra planen.")
        return _detail(access.course, "maal")

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.save_goal(
            user, plan.pk, version, goal_id=goal.pk if goal else None, **form.service_fields()
        )

    return _plan_form(
        request,
        access,
        plan,
        f.GoalForm,
        title="Redigér mål" if goal else "Nyt mål i borgerens egne ord",
        initial=f.GoalForm.initial_for(goal) if goal else None,
        save=save,
        current=lambda: selectors.current_plan_item(access, Goal, goal.pk) if goal else None,
        anchor="maal",
        success="Målet er gemt.",
        extra_buttons=[("_delete", "Slet målet")] if goal else None,
    )


@staff_only
def subgoal_add(request: HttpRequest, course_id: str, goal_id: str) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    goal = selectors.plan_item(access, Goal, goal_id)

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.add_subgoal(
            user, plan.pk, version, goal_id=goal.pk, **form.service_fields()
        )

    return _plan_form(
        request,
        access,
        plan,
        f.SubGoalForm,
        title=f"Nyt delmål til »{goal.text[:80]}«",
        initial=None,
        save=save,
        current=lambda: None,
        anchor="maal",
        success="Delmålet er gemt.",
        intro="Et delmål er fagpersonernes skridt på vejen mod borgerens mål.",
    )


@staff_only
def measure_edit(
    request: HttpRequest, course_id: str, measure_id: str | None = None
) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    measure = selectors.plan_item(access, Measure, measure_id) if measure_id else None

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.save_measure(
            user,
            plan.pk,
            version,
            measure_id=measure.pk if measure else None,
            goals=form.cleaned_data["goals"],
            **form.service_fields(),
        )

    return _plan_form(
        request,
        access,
        plan,
        f.MeasureForm,
        title="Redigér indsats" if measure else "Ny indsats",
        initial=f.MeasureForm.initial_for(measure) if measure else None,
        save=save,
        current=lambda: (
            selectors.current_plan_item(access, Measure, measure.pk) if measure else None
        ),
        anchor="indsatser",
        success="Indsatsen er gemt.",
        intro="Hver indsats skal have en hjemmel (lov og paragraf) fra den vedligeholdte liste.",
    )


@staff_only
def demand_edit(request: HttpRequest, course_id: str, demand_id: str | None = None) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    demand = selectors.plan_item(access, Demand, demand_id) if demand_id else None

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.save_demand(
            user, plan.pk, version, demand_id=demand.pk if demand else None, **form.service_fields()
        )

    return _plan_form(
        request,
        access,
        plan,
        f.DemandForm,
        title="Redigér krav" if demand else "Nyt krav til borgeren",
        initial=f.DemandForm.initial_for(demand) if demand else None,
        save=save,
        current=lambda: selectors.current_plan_item(access, Demand, demand.pk) if demand else None,
        anchor="krav",
        success="Kravet er gemt.",
        intro="Krav fra alle sektorer vises side om side, så modstridende krav bliver set.",
    )


@staff_only
def appointment_edit(
    request: HttpRequest, course_id: str, appointment_id: str | None = None
) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    appointment = (
        selectors.plan_item(access, Appointment, appointment_id) if appointment_id else None
    )

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.save_appointment(
            user,
            plan.pk,
            version,
            appointment_id=appointment.pk if appointment else None,
            **form.service_fields(),
        )

    return _plan_form(
        request,
        access,
        plan,
        f.AppointmentForm,
        title="Redigér aftale" if appointment else "Ny aftale",
        initial=f.AppointmentForm.initial_for(appointment) if appointment else None,
        save=save,
        current=lambda: (
            selectors.current_plan_item(access, Appointment, appointment.pk)
            if appointment
            else None
        ),
        anchor="aftaler",
        success="Aftalen er gemt.",
    )


@staff_only
def conflict_mark(request: HttpRequest, course_id: str) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    _coordinator_only(access)
    form = f.ConflictForm(posted(request), demands=selectors.plan_choices(access).demands)
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_conflict(staff_user(request), plan.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(
                request,
                "Kravene er markeret som modstridende. De vises som en "
                "åben modstrid, indtil der er truffet en beslutning.",
            )
            return _detail(access.course, "modstrid")
    _log(request, access, "krav til borgeren")
    return _render_form(
        request, access, form, title="Markér modstridende krav", submit="Markér som modstridende"
    )


@staff_only
def conflict_resolve(request: HttpRequest, course_id: str, conflict_id: str) -> HttpResponse:
    access, _plan = selectors.access_plan(staff_user(request), course_id)
    _coordinator_only(access)
    conflict = selectors.plan_item(access, DemandConflict, conflict_id)
    form = f.ResolveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.resolve_conflict(staff_user(request), conflict, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Beslutningen er registreret, og modstriden er løst.")
            return _detail(access.course, "modstrid")
    _log(request, access, "krav til borgeren")
    return _render_form(
        request,
        access,
        form,
        title="Løs modstrid",
        submit="Registrér beslutning",
        intro=f"»{conflict.first.title}« og »{conflict.second.title}«: {conflict.description}",
    )


@staff_only
def versions(request: HttpRequest, course_id: str) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    all_versions = selectors.plan_versions(access)
    diff: dict[str, Any] | None = None
    shown = request.GET.get("vis", "")
    if shown.isdigit():
        by_number = {v.number: v for v in all_versions}
        version = by_number.get(int(shown))
        if version is not None:
            previous = max(
                (v for v in all_versions if v.number < version.number),
                key=lambda v: v.number,
                default=None,
            )
            before = previous.snapshot if previous else {}
            diff = {
                "version": version,
                "previous": previous,
                "changes": logic.diff_snapshots(before, version.snapshot),
                "texts": [
                    (label, before.get(key, ""), version.snapshot.get(key, ""))
                    for key, label in (
                        ("citizen_statement", "Det vigtigste for mig"),
                        ("summary", "Fælles resumé"),
                    )
                    if before.get(key, "") != version.snapshot.get(key, "")
                ],
            }
    _log(request, access, "planens versionshistorik")
    return render(
        request,
        "courses/versions.html",
        {
            "course": access.course,
            "plan": plan,
            "versions": all_versions,
            "diff": diff,
        },
    )


@require_POST
@staff_only
def version_restore(request: HttpRequest, course_id: str, number: int) -> HttpResponse:
    access, plan = selectors.access_plan(staff_user(request), course_id)
    selectors.plan_versions(access)  # every category, or a 403 with the reason
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = -1
    try:
        services.restore_version(staff_user(request), plan.pk, expected, number)
    except services.StalePlanError as exc:
        messages.error(request, f"{exc} Ændringer: {'; '.join(exc.changes) or '–'}")
        return redirect("courses:versions", course_id=course_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("courses:versions", course_id=course_id)
    messages.success(request, f"Version {number} er gendannet som en ny version.")
    return _detail(access.course, "plan")
