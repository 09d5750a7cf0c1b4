"""Meeting pages: the course page's "Møder og opgaver" section, planning a meeting and finding
the earliest common time, the minutes with decisions and tasks, "Mine opgaver", recommendations
and rulings, and the citizen's own "Mine møder".

Thin: reads go through ``selectors`` (fetched, access-checked and logged in one step; forms get
lists of what the reader may choose), writes through ``services`` (the same checks,
transactional, field-level ``ValidationError``). A ``PermissionDenied`` with a message is shown on
a 403 page with that message.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms as dj
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helhed.audit.models import Purpose
from helhed.core.models import User
from helhed.core.selectors import today
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.meetings import forms as f
from helhed.meetings import logic, selectors, services
from helhed.meetings.models import Answer, Meeting, MeetingStatus


def _form_page(
    request: HttpRequest,
    form: dj.Form,
    *,
    title: str,
    course: Any = None,
    meeting: Meeting | None = None,
    intro: str = "",
    submit: str = "",
    extra_buttons: list[tuple[str, str]] | None = None,
    warning: str = "",
    facts: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "meetings/form_page.html",
        {
            "form": form,
            "title": title,
            "course": course,
            "meeting": meeting,
            "intro": intro,
            "submit": submit or _("Gem"),
            "extra_buttons": extra_buttons or [],
            "warning": warning,
            "facts": facts or [],
        },
        status=status,
    )


def _hidden_minutes(d: selectors.MeetingDetail) -> str:
    return _(
        "Referatet er skrevet under »%(category)s«, som borgerens samtykke ikke giver dig adgang "
        "til. Du kan se mødet, men ikke referatet, og du kan ikke skrive i det."
    ) % {"category": d.minutes_category_label}


def _already_received(request: HttpRequest) -> None:
    messages.info(request, _("Formularen var allerede sendt. Her er det, der blev gemt."))


def _warn(request: HttpRequest, warnings: list[str]) -> None:
    """Warnings about a saved date (a weekend, a public holiday): DKFDS warning alerts."""
    for warning in warnings:
        messages.warning(request, warning)


# --------------------------------------------------------------------------------------------
# The course page's section
# --------------------------------------------------------------------------------------------


@staff_only
def course_section(request: HttpRequest, course_id: str) -> HttpResponse:
    """Meetings, open tasks and open recommendations of a course: a fragment for htmx (the
    course page loads it lazily), a whole page otherwise."""
    user = staff_user(request)
    data = selectors.course_meetings(user, course_id)
    context = {"data": data, "course": data.access.course}
    if request.headers.get("HX-Request"):
        return render(request, "meetings/_course_section.html", context)
    return render(request, "meetings/course_section.html", context)


# --------------------------------------------------------------------------------------------
# Planning a meeting
# --------------------------------------------------------------------------------------------


@staff_only
def meeting_create(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    choices = selectors.planning_choices(user, course_id)
    course = choices.access.course
    team = choices.team
    form = f.MeetingForm(
        posted(request), team=team, relatives=choices.relatives, family=choices.family
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(user, course_id=course.pk, **form.service_fields())
        except services.DuplicateSubmissionError as exc:
            _already_received(request)
            if exc.existing is not None:
                return redirect("meetings:meeting_detail", exc.existing.pk)
            return redirect("meetings:course_section", course.pk)
        except ValidationError as exc:
            apply_errors(form, exc, {"household_members": "family_required"})
        else:
            messages.success(request, _("Mødet er oprettet, og deltagerne er inviteret."))
            return redirect("meetings:meeting_detail", meeting.pk)
    if request.method != "POST":
        form.initial["team_members"] = [str(t.pk) for t in team if t.user_id == user.pk]
    return _form_page(
        request,
        form,
        title=_("Planlæg et møde"),
        course=course,
        intro=_(
            "Foreslå et eller flere tidspunkter. Deltagernes svar viser det tidligste tidspunkt, "
            "hvor alle, der skal deltage, kan. Borgeren deltager som udgangspunkt altid."
        ),
        submit=_("Opret møde og invitér"),
        status=422 if form.errors else 200,
    )


HELD_FIELDS = {
    "starts_at": "starts_on",
    "participants": "team_members",
    "household_members": "family",
}


@staff_only
def meeting_register(request: HttpRequest, course_id: str) -> HttpResponse:
    """ "Registrér et afholdt møde": a meeting that took place, with who took part and the
    minutes, closed in one step."""
    user = staff_user(request)
    choices = selectors.planning_choices(user, course_id)
    course = choices.access.course
    form = f.HeldMeetingForm(
        posted(request),
        initial={"kind": "koordinering", "citizen_present": ""},
        team=choices.team,
        relatives=choices.relatives,
        family=choices.family,
        categories=choices.minutes_categories,
    )
    if request.method == "POST" and form.is_valid():
        try:
            held = services.register_held_meeting(
                user, course_id=course.pk, **form.service_fields()
            )
        except services.DuplicateSubmissionError as exc:
            _already_received(request)
            target = exc.existing.pk if exc.existing is not None else None
            return (
                redirect("meetings:meeting_detail", target)
                if target
                else redirect("meetings:course_section", course.pk)
            )
        except ValidationError as exc:
            apply_errors(form, exc, HELD_FIELDS)
        else:
            messages.success(
                request, _("Mødet er registreret, og referatet er lukket. Næste møde er planlagt.")
            )
            _warn(request, held.warnings)
            return redirect("meetings:meeting_detail", held.meeting.pk)
    return _form_page(
        request,
        form,
        title=_("Registrér et afholdt møde"),
        course=course,
        intro=_(
            "Registrér et møde, der allerede er holdt: hvornår, hvem der deltog, referatet og "
            "datoen for næste møde. Referatet lukkes, når du gemmer, og teamet får besked."
        ),
        submit=_("Registrér mødet"),
        status=422 if form.errors else 200,
    )


@staff_only
def meeting_detail(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    d = selectors.meeting_detail(user, meeting_id)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "d": d,
            "meeting": d.meeting,
            "course": d.access.course,
            "answers": Answer.choices,
            "planning": d.meeting.status in (MeetingStatus.PLANNING, MeetingStatus.SCHEDULED),
        },
    )


@staff_only
@require_POST
def availability(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    answers: dict[tuple[Any, Any], str] = {}
    for key, value in request.POST.items():
        if key.startswith("a:") and value:
            parts = [*key.split(":"), "", ""]
            answers[(parts[1], parts[2])] = str(value)
    try:
        services.answer_availability(user, meeting_id=meeting_id, answers=answers)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Svarene er gemt."))
    return redirect(reverse("meetings:meeting_detail", args=[meeting_id]) + "#tidspunkter")


@staff_only
@require_POST
def choose_time(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    try:
        services.choose_time(
            user, meeting_id=meeting_id, proposed_time_id=request.POST.get("proposed_time", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tidspunktet er fastlagt, og deltagerne har fået besked."))
    return redirect("meetings:meeting_detail", meeting_id)


@staff_only
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    try:
        services.cancel_meeting(user, meeting_id=meeting_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Mødet er aflyst."))
    return redirect("meetings:meeting_detail", meeting_id)


# --------------------------------------------------------------------------------------------
# Minutes, decisions, tasks
# --------------------------------------------------------------------------------------------


@staff_only
def minutes(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    d = selectors.meeting_detail(user, meeting_id)
    meeting = d.meeting
    if meeting.minutes_closed:
        messages.info(request, _("Referatet er lukket."))
        return redirect("meetings:meeting_detail", meeting.pk)
    if not d.minutes_shown:
        raise PermissionDenied(_hidden_minutes(d))
    initial = {name: getattr(meeting, name) for name in logic.MINUTES_FIELDS} | {
        "minutes_category": meeting.minutes_category,
        "citizen_present": {True: "ja", False: "nej"}.get(meeting.citizen_present, ""),  # type: ignore[arg-type]
        "coordinated_by": str(meeting.coordinated_by_id or ""),
        "keeps_in_step": str(meeting.keeps_in_step_id or ""),
        "next_meeting_date": meeting.next_meeting_date,
        "present": [str(p.pk) for p in d.participants if p.present is not False],
    }
    form = f.MinutesForm(
        posted(request),
        initial=initial,
        team=d.team,
        kept=d.kept_members,
        participants=d.participants,
        categories=d.minutes_categories,
    )
    close = "close" in request.POST
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_minutes(
                user, meeting_id=meeting.pk, close=close, **form.service_fields()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if close:
                messages.success(
                    request,
                    _("Referatet er lukket og delt med teamet. Næste møde er planlagt."),
                )
                # the date just saved, not the one the meeting had before
                _warn(request, services.day_warnings(saved.next_meeting_date))
            else:
                messages.success(request, _("Referatet er gemt som kladde."))
            return redirect("meetings:meeting_detail", meeting.pk)
    warning = ""
    if not d.citizen_invited:
        warning = _(
            "Borgeren er ikke inviteret til mødet. Borgeren deltager som udgangspunkt altid."
        )
    return _form_page(
        request,
        form,
        title=_("Referat: %(purpose)s") % {"purpose": meeting.purpose},
        course=d.access.course,
        meeting=meeting,
        intro=_(
            "Referatet følger mødets dagsorden. Beslutninger og opgaver tilføjes på mødesiden. "
            "Referatet kan først lukkes, når datoen for næste møde er sat."
        ),
        submit=_("Gem kladde"),
        extra_buttons=[("close", _("Luk referatet"))],
        warning=warning,
        status=422 if form.errors else 200,
    )


@staff_only
def decision_add(request: HttpRequest, meeting_id: str) -> HttpResponse:
    user = staff_user(request)
    c = selectors.decision_choices(user, meeting_id)
    if not c.minutes_shown:
        raise PermissionDenied(
            _(
                "Referatet er skrevet under et område, som borgerens samtykke ikke giver dig "
                "adgang til, så du kan ikke tilføje beslutninger til det."
            )
        )
    form = f.DecisionForm(
        posted(request), participants=c.participants, goals=c.goals, measures=c.measures
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_decision(user, meeting_id=c.meeting.pk, **form.service_fields())
        except services.DuplicateSubmissionError:
            _already_received(request)
            return redirect(
                reverse("meetings:meeting_detail", args=[c.meeting.pk]) + "#beslutninger"
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Beslutningen er gemt."))
            return redirect(
                reverse("meetings:meeting_detail", args=[c.meeting.pk]) + "#beslutninger"
            )
    return _form_page(
        request,
        form,
        title=_("Beslutning og opgave"),
        course=c.access.course,
        meeting=c.meeting,
        intro=_(
            "En beslutning bliver til en opgave med en ansvarlig og en frist. Knyt den gerne til "
            "et mål eller en indsats i planen. Handler beslutningen om, hvem der betaler, så "
            "angiv budgetområdet."
        ),
        submit=_("Gem beslutning"),
        status=422 if form.errors else 200,
    )


@staff_only
@require_POST
def task_done(request: HttpRequest, task_id: str) -> HttpResponse:
    user = staff_user(request)
    try:
        services.complete_task(user, task_id=task_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Opgaven er markeret som udført."))
    target = request.POST.get("next", "")
    # Only back to a page of this site: '/\evil.example' starts with '/' but a browser goes to
    # evil.example (found by tests/security/test_open_redirect.py).
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("meetings:my_tasks")


@staff_only
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    tasks = selectors.my_tasks(user)
    return render(request, "meetings/my_tasks.html", {"tasks": tasks, "today": today()})


# --------------------------------------------------------------------------------------------
# Recommendations and rulings
# --------------------------------------------------------------------------------------------


@staff_only
def recommendation_create(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    choices = selectors.recommendation_choices(user, course_id)
    course = choices.access.course
    form = f.RecommendationForm(posted(request), measures=choices.measures, units=choices.units)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommend(user, course_id=course.pk, **form.service_fields())
        except services.DuplicateSubmissionError:
            _already_received(request)
            return redirect("meetings:course_section", course.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Indstillingen er sendt til afgørelse."))
            return redirect("meetings:course_section", course.pk)
    return _form_page(
        request,
        form,
        title=_("Ny indstilling"),
        course=course,
        intro=_(
            "Indstil en indsats til afgørelse. Den enhed, der afgør sagen, får besked. Afviger "
            "afgørelsen fra indstillingen, skal den begrundes."
        ),
        submit=_("Send indstilling"),
        status=422 if form.errors else 200,
    )


@staff_only
def ruling_create(request: HttpRequest, recommendation_id: str) -> HttpResponse:
    user = staff_user(request)
    rec, access = selectors.access_recommendation(
        user, recommendation_id, purpose=Purpose.CASEWORK, what="indstilling til afgørelse"
    )
    if not selectors.may_rule(user, rec):
        raise PermissionDenied(
            _("Kun den enhed, indstillingen er sendt til, kan træffe afgørelse.")
        )
    if hasattr(rec, "ruling"):
        messages.info(request, _("Der er allerede truffet afgørelse."))
        return redirect("meetings:course_section", rec.course_id)
    form = f.RulingForm(
        posted(request),
        initial={
            "outcome": rec.recommends,
            "legal_basis": rec.measure.legal_basis_id if rec.measure else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_ruling(user, recommendation_id=rec.pk, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Afgørelsen er registreret."))
            return redirect("meetings:recommendations")
    return _form_page(
        request,
        form,
        title=_("Afgørelse om indstilling"),
        course=access.course,
        facts=[
            (_("Indsats"), rec.measure_title),
            (_("Indstilling"), rec.get_recommends_display()),
            (_("Faglig begrundelse"), rec.reasoning),
            (_("Indstillet"), rec.recommended_on.strftime("%d.%m.%Y")),
        ],
        submit=_("Registrér afgørelse"),
        status=422 if form.errors else 200,
    )


@staff_only
def recommendations(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    recs = selectors.open_recommendations(user)
    return render(request, "meetings/recommendations.html", {"recs": recs})


# --------------------------------------------------------------------------------------------
# The citizen's own meetings
# --------------------------------------------------------------------------------------------


@login_required
def my_meetings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not user.is_citizen:
        raise PermissionDenied
    view = selectors.citizen_meetings(user)
    return render(request, "meetings/my_meetings.html", {"view": view, "answers": Answer.choices})


@login_required
@require_POST
def my_answers(request: HttpRequest, meeting_id: str) -> HttpResponse:
    """The citizen says when they can come."""
    user = cast(User, request.user)
    answers = {
        key[2:]: str(value) for key, value in request.POST.items() if key.startswith("t:") and value
    }
    try:
        services.answer_as_citizen(user, meeting_id=meeting_id, answers=answers)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tak. Vi har fået dine svar."))
    return redirect("meetings:my_meetings")
