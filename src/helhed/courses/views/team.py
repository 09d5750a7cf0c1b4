"""The coordinator's pages: the course's status, a change of coordinator, consent and the team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from helhed.audit.models import Purpose
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import logic, selectors, services
from helhed.courses.forms_caseload import HandOverForm
from helhed.courses.views._common import (
    _access,
    _coordinator_only,
    _detail,
    _log,
    _render_form,
)

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
            messages.success(
                request,
                gettext("Status er nu »%(status)s«.") % {"status": course.get_status_display()},
            )
            return _detail(course)
    _log(request, access, "forløbets status", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=gettext("Skift status for forløbet"),
        submit=gettext("Skift status"),
    )


@staff_only
def course_restriction(request: HttpRequest, course_id: str) -> HttpResponse:
    """Restrict processing (»begrænset behandling«, GDPR art. 18) or lift it: the coordinator's."""
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    form = f.RestrictionForm(posted(request), prefix="restriction")
    if request.method == "POST" and form.is_valid():
        try:
            if course.is_restricted:
                services.lift_restriction(staff_user(request), course_id=course.pk)
                messages.success(request, _("Begrænsningen er ophævet."))
            else:
                services.restrict_course(
                    staff_user(request), course_id=course.pk, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Behandlingen af forløbet er nu begrænset."))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _detail(course)
    _log(request, access, "begrænsning af behandlingen", Purpose.CASEWORK)
    if course.is_restricted:
        form.fields.pop("reason")
        return _render_form(
            request,
            access,
            form,
            title=_("Ophæv begrænsningen af behandlingen"),
            intro=_(
                "Når begrænsningen ophæves, kan teamet igen se forløbet efter samtykket, og "
                "forløbet kan ændres og deles igen."
            ),
            submit=_("Ophæv begrænsningen"),
        )
    return _render_form(
        request,
        access,
        form,
        title=_("Begræns behandlingen af forløbet"),
        intro=_(
            "Mens behandlingen er begrænset, kan kun du som koordinator se forløbet, og intet i "
            "det kan ændres eller deles (plan, team, møder, overdragelser, målinger, samtykke, "
            "eksport og API), før du ophæver begrænsningen."
        ),
        submit=_("Begræns behandlingen"),
    )


def _hand_over_form(request: HttpRequest, course: Any) -> HandOverForm:
    """The form with the coordinators of the organisation chosen (posted, or asked for by the
    organisation field's htmx request), by default the course's own."""
    data = posted(request)
    chosen = (data or request.GET).get("organisation") or str(
        course.coordinator_unit.organisation_id
    )
    return HandOverForm(
        data,
        organisations=selectors.coordinating_organisations(),
        candidates=selectors.coordinator_candidates(chosen, exclude_user_id=course.coordinator_id),
        initial={"organisation": chosen},
    )


@staff_only
def change_coordinator(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    user = staff_user(request)
    form = _hand_over_form(request, course)
    if request.method == "GET" and request.headers.get("HX-Request"):
        return render(
            request, "courses/_new_coordinator_field.html", {"field": form["new_coordinator"]}
        )
    if request.method == "POST" and form.is_valid():
        new_id, unit_id = form.chosen()
        try:
            services.hand_over_course(
                user,
                course_id=course.pk,
                new_coordinator_id=new_id,
                unit_id=unit_id,
                reason=form.cleaned_data["reason"],
                mandate=form.cleaned_data["mandate"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Forløbet er overdraget til den nye koordinator."))
            try:
                selectors.access_for(user, course.pk)
            except PermissionDenied:
                return redirect("courses:course_list")
            return _detail(course)
    _log(request, access, "koordinatorskifte", Purpose.CASEWORK)
    return render(request, "courses/hand_over.html", {"course": course, "form": form})


@staff_only
def consent_create(request: HttpRequest, course_id: str) -> HttpResponse:
    access = _access(request, course_id)
    _coordinator_only(access)
    course = access.course
    organisations, units = selectors.consent_scope_choices(access)
    # One step for a parent: her own consent and, as custody holder, her children's under 15.
    children = selectors.custody_children(staff_user(request), access, "samtykke: børn")
    # A household member aged 15 or more records their own consent (issue 14).
    on = selectors.today()
    own = selectors.household_members(
        staff_user(request),
        access,
        "samtykke: familiemedlemmer fra 15 år",
        keep=lambda c: logic.who_consents(c.birth_date, on) == "citizen",
    )
    form = f.ConsentForm(
        posted(request),
        course=course,
        organisations=organisations,
        units=units,
        children=children,
        own_consent_members=[m.citizen for m in own],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.give_consent(staff_user(request), course, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, gettext("Samtykket er registreret."))
            return _detail(course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=gettext("Registrér samtykke"),
        submit=gettext("Registrér samtykke"),
        intro=gettext(
            "Samtykket afgør, hvem der må se hvad. En ung på 15 år eller derover giver selv "
            "samtykke; for et barn under 15 gives det af forældremyndigheden. Vælg de "
            "organisationer eller enheder i teamet, som samtykket omfatter."
        ),
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
                request,
                gettext("Samtykket er trukket tilbage. Det giver ikke længere adgang fra i dag."),
            )
            return _detail(access.course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    scope = [o.name for o in consent.organisations.all()] + [u.name for u in consent.units.all()]
    return _render_form(
        request,
        access,
        form,
        title=gettext("Træk samtykke tilbage"),
        submit=gettext("Træk samtykket tilbage"),
        intro=gettext(
            "Samtykket fra %(day)s omfatter: %(scope)s. "
            "Når det trækkes tilbage, mister disse straks adgangen til forløbet."
        )
        % {"day": date_format(consent.valid_from, "SHORT_DATE_FORMAT"), "scope": ", ".join(scope)},
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
            messages.success(
                request, gettext("%(name)s er tilføjet til teamet.") % {"name": data["name"]}
            )
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
        title=gettext("Tilføj en kontaktperson til teamet"),
        submit=gettext("Tilføj til teamet"),
        member_user_htmx=True,
        intro=gettext(
            "En enhed i teamet får adgang til forløbet, når et gyldigt samtykke omfatter den."
        ),
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
            messages.success(
                request,
                gettext("%(name)s er ikke længere med i teamet.") % {"name": member.name},
            )
            return _detail(access.course, "team")
    _log(request, access, "team", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=gettext("Afslut %(name)s (%(role)s)") % {"name": member.name, "role": member.role},
        submit=gettext("Afslut i teamet"),
    )
