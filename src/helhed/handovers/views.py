"""Handover pages: the course section, requesting a handover, one handover with its answers,
institutional stays, and the overview of handovers and transitions ahead.

Thin: reads go through ``selectors`` (fetched, checked and logged in one step; forms get the
lists the reader may choose from), writes through ``services`` (the same checks). A
refused step (``logic.HandoverError``) is shown on the handover page with the reason and the
HTTP status the API would give (409 for an illegal state change, 403 for the wrong party).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from helhed.core.models import User
from helhed.core.selectors import today
from helhed.core.web import apply_errors, staff_only, staff_user
from helhed.handovers import forms as f
from helhed.handovers import logic, selectors, services


@staff_only
def course_section(request: HttpRequest, course_id: str) -> HttpResponse:
    """The section "Overdragelser og overgange" of the course page: a fragment for htmx, a
    whole page otherwise."""
    user = staff_user(request)
    data = selectors.course_handovers(user, course_id)
    context = {
        "d": data,
        "course": data.access.course,
        "is_coordinator": data.access.is_coordinator,
        "today": today(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "handovers/_section.html", context)
    return render(request, "handovers/section_page.html", context)


@staff_only
def handover_create(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    choices = selectors.handover_choices(user, course_id)
    course = choices.access.course
    form = f.HandoverForm(
        request.POST if request.method == "POST" else None,
        senders=choices.senders,
        measures=choices.measures,
    )
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.request_handover(user, course_id=course.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                gettext(
                    "Overdragelsen er sendt. I har ansvaret, indtil modtageren har kvitteret og "
                    "bekræftet at kende borgerens situation."
                ),
            )
            return redirect("handovers:detail", handover.pk)
    return render(
        request,
        "handovers/form_page.html",
        {
            "title": "Ny overdragelse",
            "intro": (
                "Afsenderen har ansvaret for borgeren, indtil modtageren har kvitteret og "
                "bekræftet at kende borgerens situation. Kun de oplysninger, borgerens samtykke "
                "dækker for modtageren, følger med."
            ),
            "form": form,
            "submit": "Send overdragelse",
            "course": course,
        },
        status=422 if form.errors else 200,
    )


def _detail_context(
    user: User,
    handover_id: str,
    form: f.AnswerForm | None = None,
    reschedule_form: f.RescheduleForm | None = None,
) -> dict[str, Any]:
    view = selectors.handover_detail(user, handover_id)
    form = form or f.AnswerForm()
    return {
        "v": view,
        "h": view.handover,
        "form": form,
        "reschedule_form": reschedule_form or f.RescheduleForm(auto_id="reschedule-%s"),
        "labels": logic.EVENT_LABELS,
        "external": view.handover.is_external,
        "receiver_side": logic.responsible_side(view.handover.status) == logic.RECEIVER,
    }


@staff_only
def handover_detail(request: HttpRequest, handover_id: str) -> HttpResponse:
    user = staff_user(request)
    return render(request, "handovers/detail.html", _detail_context(user, handover_id))


@staff_only
@require_POST
def handover_action(request: HttpRequest, handover_id: str, action: str) -> HttpResponse:
    user = staff_user(request)
    if action not in logic.ACTIONS:
        raise Http404
    form = f.AnswerForm(request.POST)
    form.is_valid()
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    try:
        services.act(
            user,
            handover_id=handover_id,
            action=action,
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            answered_by=data.get("answered_by", ""),
            confirm_arrival=bool(data.get("confirm_arrival")),
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        context = _detail_context(user, handover_id, form)
        context["failed_action"] = action
        return render(request, "handovers/detail.html", context, status=422)
    except logic.HandoverError as exc:
        context = _detail_context(user, handover_id)
        context["refused"] = exc.message
        return render(request, "handovers/detail.html", context, status=exc.status)
    messages.success(request, f"{logic.ACTION_LABELS[action]}.")
    return redirect("handovers:detail", handover_id)


@staff_only
@require_POST
def handover_reschedule(request: HttpRequest, handover_id: str) -> HttpResponse:
    """After a no-show: a new appointment and expected first attendance (sender or
    coordinator)."""
    user = staff_user(request)
    form = f.RescheduleForm(request.POST, auto_id="reschedule-%s")
    if form.is_valid():
        try:
            services.reschedule(user, handover_id=handover_id, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except logic.HandoverError as exc:
            context = _detail_context(user, handover_id)
            context["refused"] = exc.message
            return render(request, "handovers/detail.html", context, status=exc.status)
        else:
            messages.success(
                request, gettext("Den nye aftale er gemt, og modtageren har fået besked.")
            )
            return redirect("handovers:detail", handover_id)
    context = _detail_context(user, handover_id, reschedule_form=form)
    return render(request, "handovers/detail.html", context, status=422)


@staff_only
def stay_create(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    access, kinds = selectors.stay_choices(user, course_id)
    form = f.StayForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_stay(user, course_id=access.course.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, gettext("Opholdet er registreret."))
            return redirect(reverse("handovers:course_section", args=[access.course.pk]))
    return render(
        request,
        "handovers/form_page.html",
        {
            "title": "Registrér institutionsophold",
            "intro": (
                "Fx varetægt, afsoning, indlæggelse på psykiatrisk afdeling eller anbringelse. "
                "Overgangen ud af opholdet beregnes fra den forventede slutdato."
            ),
            "form": form,
            "submit": "Registrér ophold",
            "course": access.course,
        },
        status=422 if form.errors else 200,
    )


@staff_only
@require_POST
def stay_end(request: HttpRequest, stay_id: str) -> HttpResponse:
    user = staff_user(request)
    form = f.EndStayForm(request.POST)
    stay, _access = selectors.check_stay(user, stay_id)  # 403 before anything else
    if form.is_valid():
        try:
            services.end_stay(user, stay_id=stay_id, actual_end=form.cleaned_data["actual_end"])
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, gettext("Opholdet er afsluttet."))
    elif form.data.get("actual_end") and form.errors.get("actual_end"):
        for error in form.errors["actual_end"]:
            messages.error(request, str(error))
    else:
        messages.error(request, gettext("Angiv en gyldig slutdato (dd.mm.åååå)."))
    return redirect(reverse("handovers:course_section", args=[stay.course_id]))


@staff_only
def overview(request: HttpRequest) -> HttpResponse:
    """Handovers waiting for my units, and (for coordinators) my courses' open handovers and
    the transitions ahead."""
    user = staff_user(request)
    waiting = selectors.waiting_for_my_units(user, limit=200)
    mine = selectors.coordinator_overview(user, horizon_days=365)
    return render(
        request,
        "handovers/overview.html",
        {"waiting": waiting, "mine": mine, "today": today()},
    )
