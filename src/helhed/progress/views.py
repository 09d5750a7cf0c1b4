"""Pages of the progress app: the citizen's own progress (``/mig/progression/``), a course's
progress for the team (``/forloeb/<id>/progression/``), the initiative dashboard for leaders and
the pseudonymised evaluation export. Thin: reads in ``selectors``, writes in ``services``."""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from helhed.core.models import User
from helhed.core.selectors import today
from helhed.core.spreadsheets import safe_cell
from helhed.core.web import apply_errors
from helhed.progress import charts, logic, selectors, services
from helhed.progress.forms import (
    ExportForm,
    GoalRatingForm,
    InstrumentForm,
    OutcomeForm,
    ScheduleForm,
)

INSTRUMENT_URL_KEYS = {"who5": logic.WHO5, "livsomraader": logic.LIFE_AREAS_INSTRUMENT}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------
# Charts for one course
# --------------------------------------------------------------------------------------------


def course_charts(p: selectors.CourseProgress, *, compact: bool = False) -> dict[str, Any]:
    events = p.events
    out: dict[str, Any] = {"who5": None, "life": [], "goals": [], "gas_t": None}
    if p.who5 is not None:
        out["who5"] = charts.line_chart(
            f"who5-{p.course.pk}",
            str(logic.WHO5.name),
            [(m.measured_on, m.score) for m in p.who5 if m.score is not None],
            y_range=(0, 100),
            y_step=20,
            thresholds=logic.WHO5.thresholds,
            events=events,
            axis=p.axis,
            width=360 if compact else 640,
        )
    if p.life_areas is not None:
        for item in p.life_items:  # only the areas the reader may see
            series = [
                (m.measured_on, float(m.answers[item.key]))
                for m in p.life_areas
                if item.key in m.answers
            ]
            out["life"].append(
                charts.line_chart(
                    f"life-{item.key}-{p.course.pk}",
                    str(item.short),
                    series,
                    y_range=(1, 10),
                    y_step=3,
                    events=events,
                    axis=p.axis,
                    width=200,
                    height=130,
                    compact=True,
                )
            )
    if p.goals is not None:
        for goal in p.goals:
            series = [
                (m.measured_on, m.score) for m in p.ratings.get(goal.pk, []) if m.score is not None
            ]
            out["goals"].append(
                (
                    goal,
                    charts.line_chart(
                        f"goal-{goal.pk}",
                        goal.text[:60],
                        series,
                        y_range=(-2, 2),
                        y_step=1,
                        events=events,
                        axis=p.axis,
                        width=320,
                        height=160,
                        compact=True,
                    ),
                )
            )
        t_series = [(m.measured_on, m.score) for m in p.gas_t if m.score is not None]
        out["gas_t"] = charts.line_chart(
            f"gas-t-{p.course.pk}",
            _("GAS T-score"),
            t_series,
            y_range=t_range([t for _d, t in t_series]),
            y_step=10,
            thresholds=((50, _("Forventet niveau (50)")),),
            events=events,
            axis=p.axis,
        )
    return out


def t_range(scores: list[float]) -> tuple[float, float]:
    """The T-score chart's y range: 20-80, widened to whole tens around the data (with five
    goals at +2 and importance weights, T can pass 85)."""
    lo = min([20.0, *scores])
    hi = max([80.0, *scores])
    return (math.floor(lo / 10) * 10, math.ceil(hi / 10) * 10)


def _life_table(p: selectors.CourseProgress) -> list[dict[str, Any]]:
    if not p.life_areas:
        return []
    rows = []
    for m in p.life_areas:
        given, comments = m.answers, m.comments  # the JSON answers, already limited by the selector
        rows.append(
            {
                "on": m.measured_on,
                "values": [given.get(i.key) for i in p.life_items],
                "comments": [comments.get(i.key, "") for i in p.life_items],
            }
        )
    return rows


def _outcome_rows(p: selectors.CourseProgress) -> list[dict[str, Any]]:
    rows = []
    for kind, states in p.outcomes.items():
        for s in states:
            rows.append(
                {
                    "kind": logic.OUTCOME_KINDS[kind][0],
                    "value": logic.outcome_label(kind, s.value, s.percent),
                    "on": s.valid_from,
                    "entered_as": s.get_entered_as_display(),
                }
            )
    rows.sort(key=lambda r: r["on"])
    return rows


# --------------------------------------------------------------------------------------------
# The citizen's own page
# --------------------------------------------------------------------------------------------


def _citizen(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_citizen:
        raise PermissionDenied
    return user


def _my_context(
    user: User, forms_by_course: dict[Any, dict[str, Any]] | None = None
) -> dict[str, Any]:
    progress = selectors.citizen_progress(user)
    forms_by_course = forms_by_course or {}
    courses = []
    for p in progress:
        given = forms_by_course.get(p.course.pk, {})
        courses.append(
            {
                "p": p,
                "charts": course_charts(p, compact=True),
                "life_table": _life_table(p),
                "who5_form": given.get("who5") or InstrumentForm(logic.WHO5),
                "life_form": given.get("livsomraader"),
                "latest": p.who5[-1] if p.who5 else None,
                "latest_interpretation": logic.who5_interpret(p.who5[-1].score)
                if p.who5 and p.who5[-1].score is not None
                else None,
            }
        )
    return {"courses": courses, "who5": logic.WHO5, "life": logic.LIFE_AREAS_INSTRUMENT}


@login_required
def my_progress(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    return render(request, "progress/my_progress.html", _my_context(user))


@login_required
def my_measure(request: HttpRequest, course_id: str, instrument: str) -> HttpResponse:
    user = _citizen(request)
    inst = INSTRUMENT_URL_KEYS.get(instrument)
    if inst is None:
        raise PermissionDenied
    if request.method != "POST":
        if inst is logic.LIFE_AREAS_INSTRUMENT:
            ctx = _my_context(user, {_uuid(course_id): {"livsomraader": InstrumentForm(inst)}})
            return render(request, "progress/my_progress.html", ctx)
        return redirect("progress:my_progress")
    form = InstrumentForm(inst, request.POST)

    def save() -> str:
        services.record_measurement(
            user, course_id=course_id, instrument=inst.key, **form.measurement_values()
        )
        return _("Tak! Dit svar er gemt, og kurven er opdateret.")

    if _submit(request, form, save):
        return redirect(reverse("progress:my_progress") + f"#kurve-{course_id}")
    ctx = _my_context(user, {_uuid(course_id): {inst.key: form}})
    return render(request, "progress/my_progress.html", ctx, status=400)


def _submit(request: HttpRequest, form: forms.Form, save: Callable[[], str]) -> bool:
    """Validate the form and ``save`` it, saying so on the next page; ``False`` when the form
    comes back with errors (the service's on their fields). A double submission is no error:
    the next page says the answers were already received."""
    if not form.is_valid():
        return False
    try:
        done = save()
    except services.DuplicateSubmissionError as exc:
        messages.info(request, exc.detail)
        return True
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    messages.success(request, done)
    return True


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise PermissionDenied from None


# --------------------------------------------------------------------------------------------
# A course's progress for the team
# --------------------------------------------------------------------------------------------


def _course_page(
    request: HttpRequest, course_id: str, given: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    p = selectors.course_progress(user, course_id)
    given = given or {}
    access = p.access
    assert access is not None
    outcome_kinds = [k for k, (_l, _c, cat) in logic.OUTCOME_KINDS.items() if access.may(cat)]
    ctx = {
        "p": p,
        "course": p.course,
        "charts": course_charts(p),
        "life_table": _life_table(p),
        "outcome_rows": _outcome_rows(p),
        "who5_form": given.get("who5")
        or (InstrumentForm(logic.WHO5, staff=True) if p.who5 is not None else None),
        "life_form": given.get("livsomraader")
        or (
            InstrumentForm(logic.LIFE_AREAS_INSTRUMENT, staff=True)
            # entering asks all ten areas: only for readers who may see every area
            if len(p.life_items) == len(logic.LIFE_AREAS)
            else None
        ),
        "gas_form": given.get("gas") or (GoalRatingForm(p.goals) if p.goals else None),
        "outcome_form": given.get("outcome")
        or (OutcomeForm(outcome_kinds) if outcome_kinds else None),
        "life_items": logic.LIFE_AREAS,
        "who5": logic.WHO5,
        "schedule_form": given.get("schedule") or _schedule_form(access),
    }
    return render(request, "progress/course.html", ctx, status=status)


def _plannable(access: Any) -> list[str]:
    """The instruments the reader may plan: the coordinator, for what they may see."""
    if not access.is_coordinator:
        return []
    return [
        k for k in logic.SCHEDULABLE if all(access.may(c) for c in logic.instrument(k).categories)
    ]


def _schedule_form(access: Any) -> ScheduleForm | None:
    instruments = _plannable(access)
    return ScheduleForm(instruments) if instruments else None


@login_required
def course_schedule(request: HttpRequest, course_id: str) -> HttpResponse:
    """The coordinator plans measurement points (``POST``); the page shows them."""
    if request.method != "POST":
        return redirect("progress:course_progress", course_id=course_id)
    user = _user(request)
    form = ScheduleForm(list(logic.SCHEDULABLE), request.POST)

    def save() -> str:
        services.schedule_measurements(user, course_id=course_id, **form.schedule_values())
        return _("Målingerne er planlagt.")

    if _submit(request, form, save):
        return redirect(reverse("progress:course_progress", args=[course_id]) + "#maaleplan")
    return _course_page(request, course_id, {"schedule": form}, status=400)


@login_required
def course_schedule_end(request: HttpRequest, course_id: str, schedule_id: str) -> HttpResponse:
    """Remove a measurement plan (``POST``)."""
    if request.method == "POST":
        services.end_measurement_schedule(_user(request), schedule_id=schedule_id)
        messages.success(request, _("Måleplanen er fjernet."))
    return redirect(reverse("progress:course_progress", args=[course_id]) + "#maaleplan")


@login_required
def course_progress(request: HttpRequest, course_id: str) -> HttpResponse:
    return _course_page(request, course_id)


@login_required
def course_measure(request: HttpRequest, course_id: str, instrument: str) -> HttpResponse:
    """A professional records an instrument (``who5``, ``livsomraader``), goal ratings
    (``maal``) or a hard outcome (``resultat``) for the course."""
    if request.method != "POST":
        return redirect("progress:course_progress", course_id=course_id)
    user = _user(request)
    name, form = _staff_form(user, course_id, instrument, request.POST)
    if _submit(request, form, lambda: _save(user, course_id, form)):
        return redirect("progress:course_progress", course_id=course_id)
    return _course_page(request, course_id, {name: form}, status=400)


def _staff_form(user: User, course_id: str, instrument: str, data: Any) -> tuple[str, forms.Form]:
    """The form a professional's POST to ``…/<instrument>/`` fills in, and its name on the course
    page; an unknown instrument is a 403."""
    if instrument in INSTRUMENT_URL_KEYS:
        inst = INSTRUMENT_URL_KEYS[instrument]
        return inst.key, InstrumentForm(inst, data, staff=True)
    if instrument == "maal":
        return "gas", GoalRatingForm(selectors.rating_goals(user, course_id), data)
    if instrument == "resultat":
        return "outcome", OutcomeForm(list(logic.OUTCOME_KINDS), data)
    raise PermissionDenied


def _save(user: User, course_id: str, form: forms.Form) -> str:
    """Record what a valid course form holds; the message that says it is saved."""
    if isinstance(form, InstrumentForm):
        services.record_measurement(
            user, course_id=course_id, instrument=form.instrument.key, **form.measurement_values()
        )
        return _("Målingen er gemt.")
    if isinstance(form, GoalRatingForm):
        services.record_goal_ratings(user, course_id=course_id, **form.rating_values())
        return _("Målopfyldelsen er gemt.")
    assert isinstance(form, OutcomeForm)
    services.record_outcome(user, course_id=course_id, **form.outcome_values())
    return _("Resultatet er gemt.")


# --------------------------------------------------------------------------------------------
# Dashboard and export
# --------------------------------------------------------------------------------------------


@login_required
def initiatives(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = selectors.visible_initiatives(user)
    by_initiative, by_category = selectors.comparison(user)
    return render(
        request,
        "progress/initiatives.html",
        {"initiatives": visible, "by_initiative": by_initiative, "by_category": by_category},
    )


def _share_bars(d: selectors.Dashboard) -> dict[str, Any]:
    """A bar per cohort: the share with a meaningful WHO-5 improvement (suppressed cohorts get
    no bar, only their "<5")."""
    bars = []
    for i, r in enumerate(d.rows):
        paired = int(r.raw.get("who5_paired") or 0)
        better = int(r.raw.get("who5_better") or 0)
        shown = paired > 0 and not logic.share_suppressed(better, paired)
        share = 100 * better / paired if shown and "who5_share" not in r.hidden else None
        bars.append(
            {
                "y": 10 + 26 * i,
                "label": r.label,
                "width": round(3 * share, 1) if share is not None else 0,
                "text": r.who5_share,
            }
        )
    summary = _("Andel med betydende forbedring i WHO-5 pr. startkohorte")
    return {"bars": bars, "height": 20 + 26 * len(bars), "summary": summary}


@login_required
def dashboard(request: HttpRequest, initiative_id: str) -> HttpResponse:
    user = _user(request)
    d = selectors.dashboard(user, initiative_id)
    may_export = bool(selectors.export_organisations(user))
    return render(
        request,
        "progress/dashboard.html",
        {"d": d, "chart": _share_bars(d), "may_export": may_export},
    )


@login_required
def dashboard_timeliness(request: HttpRequest, initiative_id: str) -> HttpResponse:
    d = selectors.dashboard_timeliness(_user(request), initiative_id)
    if request.headers.get("HX-Request"):
        return render(request, "progress/_timeliness.html", {"d": d})
    return render(request, "progress/timeliness.html", {"d": d})


@login_required
def export(request: HttpRequest, initiative_id: str) -> HttpResponseBase:
    user = _user(request)
    if not selectors.export_organisations(user):
        raise PermissionDenied
    d = selectors.dashboard(user, initiative_id)
    form = ExportForm(request.POST or None)
    refused = ""
    try:
        if request.method == "POST" and form.is_valid():
            # access checked and every exported citizen logged before the first byte is sent
            rows = selectors.export_rows(
                user,
                initiative_id,
                purpose_salt=form.cleaned_data["purpose"],
                date_mode=form.cleaned_data["date_mode"],
            )
            name = f"progression-{today():%Y%m%d}"
            if form.cleaned_data["fmt"] == "xlsx":
                return _xlsx(rows, name)
            return _csv(rows, name)
        selectors.export_scope(user, initiative_id)  # say so before the analyst fills it in
    except selectors.TooFewCitizensError as exc:
        refused = str(exc)
    context = {"d": d, "form": form, "refused": refused}
    status = 422 if refused and request.method == "POST" else 200
    return render(request, "progress/export.html", context, status=status)


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return safe_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return "" if value is None else safe_cell(value)


class _Echo:
    """A file-like object whose ``write`` returns the line (for ``csv.writer`` streaming)."""

    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterable[dict[str, Any]], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for row in rows:
            yield writer.writerow([_cell(row[c]) for c in selectors.EXPORT_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx(rows: Iterable[dict[str, Any]], name: str) -> FileResponse:
    """Written row by row (``write_only``) to a temporary file, then streamed from it (the file
    is deleted when the response is closed)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("progression")
    ws.append(list(selectors.EXPORT_COLUMNS))
    for row in rows:
        ws.append([_cell(row[c]) for c in selectors.EXPORT_COLUMNS])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    wb.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
