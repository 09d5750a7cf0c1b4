"""Editing the one shared plan: goals, sub-goals, measures, demands, appointments, conflicts and
versions. A save based on an older version (``StalePlanError``) shows the form again with the
user's input, what changed meanwhile and the values stored now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from helhed.core.models import User
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors, services
from helhed.courses.logic import ADULT_AGE
from helhed.courses.models import (
    Appointment,
    Demand,
    DemandConflict,
    Goal,
    Measure,
    Plan,
)
from helhed.courses.views._common import (
    _coordinator_only,
    _detail,
    _log,
    _render_form,
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
    form_kwargs: dict[str, Any] | None = None,
    links: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Show, check and save one plan form with optimistic concurrency. The form's choices come
    from the guard (``selectors.plan_choices``): only what the reader may see."""
    user = staff_user(request)
    choices = selectors.plan_choices(access)
    stale: services.StalePlanError | None = None
    current_values: list[tuple[str, str]] = []
    if request.method == "POST":
        form = form_class(request.POST, plan=plan, choices=choices, **(form_kwargs or {}))
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
        form = form_class(initial=initial or {}, plan=plan, choices=choices, **(form_kwargs or {}))
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
        links=links or [],
    )


def _children_of_plan(user: User, access: selectors.Access) -> list[Any]:
    """The course's citizen if under 18, and the family's children under 18 (read and logged
    through the guard): whose own perspective the child plan asks for."""
    on = selectors.today()
    course = access.course
    own = [course.citizen] if course.citizen.age(on) < ADULT_AGE else []
    return own + [
        m.citizen
        for m in selectors.household_members(
            user, access, "plan: familiens børn", keep=lambda c: c.age(on) < ADULT_AGE
        )
    ]


@staff_only
def child_perspective_edit(request: HttpRequest, course_id: str, child_id: str) -> HttpResponse:
    """Barnets eget perspektiv for one child of the family (or the citizen, if a child)."""
    user = staff_user(request)
    access, plan = selectors.access_plan(user, course_id)
    child = next((c for c in _children_of_plan(user, access) if str(c.pk) == str(child_id)), None)
    if child is None:
        raise selectors.NoAccessError
    perspective = selectors.child_sections(access, [child], [])[0].perspective
    if perspective.hidden:
        raise selectors.NoAccessError

    def save(user: User, plan: Plan, version: int, form: f.PlanForm) -> Any:
        return services.save_child_perspective(
            user, plan.pk, version, child_id=child.pk, **form.service_fields()
        )

    return _plan_form(
        request,
        access,
        plan,
        f.ChildPerspectiveForm,
        title=gettext("Barnets eget perspektiv: %(name)s") % {"name": child.full_name},
        initial={"text": perspective.text, "text_category": perspective.category},
        save=save,
        current=lambda: None,
        anchor="plan",
        success=gettext("Barnets eget perspektiv er gemt."),
        intro=gettext(
            "Skriv med barnets egne ord, hvordan barnet ser sin situation, og hvad barnet "
            "ønsker (barnets lov § 91). Skriv også, hvordan og hvornår barnet er blevet hørt."
        ),
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
        title=gettext("Redigér planens tekst"),
        initial=f.PlanTextForm.initial_for(plan),
        save=save,
        current=lambda: selectors.access_plan(staff_user(request), course_id)[1],
        anchor="plan",
        success=gettext("Planen er gemt."),
        intro=gettext(
            "Skriv med borgerens egne ord, hvad der er vigtigst – ikke rettigheder og pligter. "
            "Vælg for hver tekst, hvad den afslører: kun læsere med samtykke til den kategori kan "
            "læse den."
        ),
        links=[
            (
                reverse("courses:child_perspective_edit", args=[course_id, child.pk]),
                gettext("Barnets eget perspektiv: %(name)s") % {"name": child.full_name},
            )
            for child in _children_of_plan(staff_user(request), access)
        ],
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
        messages.success(request, gettext("Målet er fjernet fra planen."))
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
        title=gettext("Redigér mål") if goal else gettext("Nyt mål i borgerens egne ord"),
        initial=f.GoalForm.initial_for(goal) if goal else None,
        save=save,
        current=lambda: selectors.current_plan_item(access, Goal, goal.pk) if goal else None,
        anchor="maal",
        success=gettext("Målet er gemt."),
        extra_buttons=[("_delete", "Slet målet")] if goal else None,
        # In a family's plan a goal can be a child's own: the family's members, read (and
        # logged) through the guard.
        form_kwargs={
            "people": selectors.household_members(
                staff_user(request), access, "plan: familiens medlemmer"
            )
        },
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
        title=gettext("Nyt delmål til »%(goal)s«") % {"goal": goal.text[:80]},
        initial=None,
        save=save,
        current=lambda: None,
        anchor="maal",
        success=gettext("Delmålet er gemt."),
        intro=gettext("Et delmål er fagpersonernes skridt på vejen mod borgerens mål."),
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
        title=gettext("Redigér indsats") if measure else gettext("Ny indsats"),
        initial=f.MeasureForm.initial_for(measure) if measure else None,
        save=save,
        current=lambda: (
            selectors.current_plan_item(access, Measure, measure.pk) if measure else None
        ),
        anchor="indsatser",
        success=gettext("Indsatsen er gemt."),
        intro=gettext(
            "Hver indsats skal have en hjemmel (lov og paragraf) fra den vedligeholdte liste."
        ),
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
        title=gettext("Redigér krav") if demand else gettext("Nyt krav til borgeren"),
        initial=f.DemandForm.initial_for(demand) if demand else None,
        save=save,
        current=lambda: selectors.current_plan_item(access, Demand, demand.pk) if demand else None,
        anchor="krav",
        success=gettext("Kravet er gemt."),
        intro=gettext(
            "Krav fra alle sektorer vises side om side, så modstridende krav bliver set."
        ),
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
        title=gettext("Redigér aftale") if appointment else gettext("Ny aftale"),
        initial=f.AppointmentForm.initial_for(appointment) if appointment else None,
        save=save,
        current=lambda: (
            selectors.current_plan_item(access, Appointment, appointment.pk)
            if appointment
            else None
        ),
        anchor="aftaler",
        success=gettext("Aftalen er gemt."),
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
                gettext(
                    "Kravene er markeret som modstridende. De vises som en "
                    "åben modstrid, indtil der er truffet en beslutning."
                ),
            )
            return _detail(access.course, "modstrid")
    _log(request, access, "krav til borgeren")
    return _render_form(
        request,
        access,
        form,
        title=gettext("Markér modstridende krav"),
        submit=gettext("Markér som modstridende"),
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
            messages.success(
                request, gettext("Beslutningen er registreret, og modstriden er løst.")
            )
            return _detail(access.course, "modstrid")
    _log(request, access, "krav til borgeren")
    return _render_form(
        request,
        access,
        form,
        title=gettext("Løs modstrid"),
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
        messages.error(
            request,
            gettext("%(error)s Ændringer: %(changes)s")
            % {"error": exc, "changes": "; ".join(exc.changes) or "–"},
        )
        return redirect("courses:versions", course_id=course_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("courses:versions", course_id=course_id)
    messages.success(
        request, gettext("Version %(number)s er gendannet som en ny version.") % {"number": number}
    )
    return _detail(access.course, "plan")
