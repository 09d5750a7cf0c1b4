"""Intake: a new course, or "a course exists — ask to join" (``services.request_to_join``) and the
coordinator's answer (docs/security.md, "Intake and duplicates")."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from helhed.core.selectors import membership_list
from helhed.core.web import apply_errors, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import services
from helhed.courses.views._common import (
    _access,
    _coordinator_only,
    _detail,
)

# --------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------


def _intake_context(form: Any, family: Any, **extra: Any) -> dict[str, Any]:
    return {"form": form, "family": family, **extra}


def _with_another_person(request: HttpRequest, user: Any) -> HttpResponse:
    """»Tilføj person« without JavaScript: the same form shown again with what was typed (not
    yet checked) and one more empty row for a household member."""
    form = f.IntakeForm(initial=request.POST.dict(), user=user)
    rows = f.posted_rows(request.POST)
    family = f.HouseholdFormSet(prefix="familie", initial=rows)
    if len(family.forms) > len(rows):  # the new row: where the caseworker goes on typing
        family.forms[len(rows)].fields["first_name"].widget.attrs["autofocus"] = True
    _live_checklist(form)
    return render(request, "courses/intake.html", _intake_context(form, family))


def _live_checklist(form: f.IntakeForm) -> None:
    form.fields["initiative"].widget.attrs.update(
        {
            "hx-get": reverse("courses:intake"),
            "hx-trigger": "change",
            "hx-target": "#checklist",
            "hx-swap": "outerHTML",
        }
    )


def _open(user: Any, form: f.IntakeForm, family: f.BaseHouseholdFormSet) -> Any:
    data = form.cleaned_data
    return services.intake(
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


@staff_only
def intake(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not membership_list(user):
        raise PermissionDenied("Du skal være medlem af en enhed for at visitere.")
    partial = request.headers.get("HX-Request") and "initiative" in request.GET
    if request.method == "GET" and partial:
        form = f.IntakeForm(initial={"initiative": request.GET["initiative"]}, user=user)
        return render(request, "courses/_checklist.html", {"form": form})
    if request.method == "POST" and "tilfoej_person" in request.POST:
        return _with_another_person(request, user)
    duplicate: services.DuplicateCourseError | None = None
    join_form: f.JoinRequestForm | None = None
    if request.method == "POST":
        form = f.IntakeForm(request.POST, user=user)
        family = cast(f.BaseHouseholdFormSet, f.HouseholdFormSet(request.POST, prefix="familie"))
        form_ok = form.is_valid()
        family.main_cpr = form.cleaned_data.get("cpr") if form_ok else None
        if form_ok and family.is_valid():
            try:
                course = _open(user, form, family)
            except services.DuplicateCourseError as exc:
                duplicate = exc
                join_form = f.JoinRequestForm(
                    initial={
                        "cpr": form.cleaned_data["cpr"],
                        "unit": form.cleaned_data["coordinator_unit"].pk,
                    }
                )
            except ValidationError as exc:
                rest = family.add_row_errors(exc)
                if rest is not None:
                    apply_errors(form, rest)
            else:
                messages.success(
                    request,
                    gettext("Forløbet er oprettet. Næste skridt: registrér borgerens samtykke."),
                )
                return _detail(course)
    else:
        # Only the initiative is taken from the address (never a CPR number).
        initial = {k: v for k, v in request.GET.items() if k == "initiative" and v}
        form = f.IntakeForm(initial=initial, user=user)
        family = cast(f.BaseHouseholdFormSet, f.HouseholdFormSet(prefix="familie"))
    _live_checklist(form)
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
                    gettext(
                        "Anmodningen er sendt til forløbets koordinator. Du får besked, når "
                        "koordinatoren har svaret."
                    ),
                )
            else:
                messages.info(
                    request,
                    "Din enhed er allerede med i teamet eller har allerede bedt om det.",
                )
    else:
        messages.error(request, gettext("Anmodningen kunne ikke sendes. Prøv visitationen igen."))
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
