"""Pages of the coordination app (``/samarbejde/…``): waves for leaders and analysts (create,
participants, open, close, results, the structural network, RC beside timeliness, export), the
answer pages for participants (made for a phone), the workgroup list and the decisions on
unknown workgroups. Thin: reads in ``selectors``, writes in ``services``; a refused action is a
403 page (with its reason when it has one) and bad input a form with field errors (422)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helhed.coordination import charts, forms, selectors, services
from helhed.coordination.labels import BAND_LABELS, DIMENSION_LABELS, DISCUSSION_QUESTIONS
from helhed.coordination.models import WaveStatus
from helhed.coordination.templatetags.coordination_tags import rk_cell, rk_num
from helhed.core.models import User
from helhed.core.spreadsheets import safe_cell
from helhed.core.web import apply_errors, staff_only, staff_user

# The services name fields as the API does; these forms keep their own (and the pages' URLs
# and posted names stay as they were).
FORM_FIELDS = {
    "organisation_ids": "organisations",
    "initiative_id": "initiative",
    "unit_ids": "units",
    "instrument_id": "instrument",
    "previous_id": "previous",
    "user_id": "user",
}


def _form_errors(form: Form, exc: ValidationError) -> None:
    """A service's errors on ``form``, each on the form's field of that name."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError({FORM_FIELDS.get(k, k): v for k, v in exc.error_dict.items()})
    apply_errors(form, exc)


def _english() -> bool:
    return (get_language() or "da").startswith("en")


# --------------------------------------------------------------------------------------------
# Overview and waves
# --------------------------------------------------------------------------------------------


@staff_only
def index(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    return render(request, "coordination/index.html", {"o": selectors.overview(user)})


def _wave_form(user: User, data: Any = None) -> forms.WaveForm:
    choices = selectors.wave_form_choices(user)
    defaults = services.new_wave_defaults()
    return forms.WaveForm(
        data,
        initial={
            "period_start": defaults["period_start"],
            "period_end": defaults["period_end"],
            "answer_by": defaults["answer_by"],
            "min_respondents": selectors.threshold(),
            "scope_kind": "indsats",
            "instrument": choices["instruments"][0][0] if choices["instruments"] else "",
        },
        **choices,
    )


@staff_only
def wave_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if not selectors.manager_organisations(user):
        raise PermissionDenied(_("Kun ledere og analytikere kan oprette målinger."))
    form = _wave_form(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            wave = services.create_wave(
                actor=user,
                name=d["name"],
                scope_kind=d["scope_kind"],
                organisation_ids=d["organisations"],
                initiative_id=d["initiative"] or None,
                unit_ids=d["units"],
                period_start=d["period_start"],
                period_end=d["period_end"],
                answer_by=d["answer_by"],
                instrument_id=d["instrument"] or None,
                min_respondents=d["min_respondents"]
                if d["min_respondents"] is not None
                else selectors.threshold(),
                include_citizen_side=d["include_citizen_side"],
                previous_id=d["previous"] or None,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Målingen er oprettet som kladde med %(n)s deltagere fra teamene. Se "
                    "deltagerne igennem, og åbn den, når I er klar."
                )
                % {"n": selectors.wave_facts(wave).invited},
            )
            return redirect("coordination:wave_detail", wave.pk)
    return render(
        request,
        "coordination/wave_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    user: User,
    wave_id: str,
    *,
    add_form: forms.AddParticipantForm | None = None,
    answer_by_form: forms.AnswerByForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    d = selectors.wave_detail(user, wave_id)
    groups = [(g.slug, selectors.group_name(g)) for g in selectors.participant_groups()]
    if add_form is None and d.wave.status != WaveStatus.CLOSED:
        add_form = forms.AddParticipantForm(
            users=[(c.user_id, c.label) for c in selectors.candidates(d.wave)], groups=groups
        )
    if answer_by_form is None and d.wave.status != WaveStatus.CLOSED:
        answer_by_form = forms.AnswerByForm(initial={"answer_by": d.wave.answer_by})
    return render(
        request,
        "coordination/wave_detail.html",
        {
            "d": d,
            "add_form": add_form,
            "answer_by_form": answer_by_form,
            "groups": groups,
            "errors": errors or [],
            "threshold": d.wave.min_respondents,
        },
        status=status,
    )


@staff_only
def wave_detail(request: HttpRequest, wave_id: str) -> HttpResponse:
    return _detail(request, staff_user(request), wave_id)


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _open(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    services.open_wave(actor=user, wave_id=wave_id)
    messages.success(request, _("Målingen er åbnet, og deltagerne har fået besked."))
    return redirect("coordination:wave_detail", wave_id)


def _close(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    services.close_wave(actor=user, wave_id=wave_id)
    messages.success(request, _("Målingen er lukket. Resultaterne er klar."))
    return redirect("coordination:results", wave_id)


def _set_answer_by(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    form = forms.AnswerByForm(request.POST)
    if not form.is_valid():
        return _detail(request, user, wave_id, answer_by_form=form, status=422)
    try:
        services.set_answer_by(
            actor=user, wave_id=wave_id, answer_by=form.cleaned_data["answer_by"]
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return _detail(request, user, wave_id, answer_by_form=form, status=422)
    messages.success(request, _("Svarfristen er ændret."))
    return redirect("coordination:wave_detail", wave_id)


def _add_participant(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    post = request.POST
    d = selectors.wave_detail(user, wave_id)
    groups = [(g.slug, selectors.group_name(g)) for g in selectors.participant_groups()]
    add = forms.AddParticipantForm(
        post,
        users=[(c.user_id, c.label) for c in selectors.candidates(d.wave)],
        groups=groups,
    )
    add.is_valid()
    try:
        services.add_participant(
            actor=user,
            wave_id=wave_id,
            user_id=post.get("user", ""),
            workgroup=post.get("workgroup", ""),
        )
    except ValidationError as exc:
        _form_errors(add, exc)
        return _detail(request, user, wave_id, add_form=add, status=422)
    messages.success(request, _("Deltageren er tilføjet."))
    return redirect("coordination:wave_detail", wave_id)


def _remove_participant(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    services.remove_participant(
        actor=user, wave_id=wave_id, participation_id=request.POST.get("participation", "")
    )
    messages.success(request, _("Deltageren er fjernet."))
    return redirect("coordination:wave_detail", wave_id)


def _change_workgroup(request: HttpRequest, user: User, wave_id: str) -> HttpResponseBase:
    services.change_participant_workgroup(
        actor=user,
        wave_id=wave_id,
        participation_id=request.POST.get("participation", ""),
        workgroup=request.POST.get("workgroup", ""),
    )
    messages.success(request, _("Faggruppen er ændret."))
    return redirect("coordination:wave_detail", wave_id)


# The actions on a wave's page, by the last part of their URL.
WAVE_ACTIONS: dict[str, Callable[[HttpRequest, User, str], HttpResponseBase]] = {
    "aabn": _open,
    "luk": _close,
    "frist": _set_answer_by,
    "tilfoej": _add_participant,
    "fjern": _remove_participant,
    "faggruppe": _change_workgroup,
}


@staff_only
@require_POST
def wave_action(request: HttpRequest, wave_id: str, action: str) -> HttpResponseBase:
    """Open, close, change the deadline, add/remove a participant or change their workgroup; a
    refusal with a reason shows the wave's page with the reason (422)."""
    user = staff_user(request)
    handler = WAVE_ACTIONS.get(action)
    if handler is None:
        raise PermissionDenied
    try:
        return handler(request, user, wave_id)
    except ValidationError as exc:
        return _detail(request, user, wave_id, errors=_messages_of(exc), status=422)


@staff_only
def wave_close(request: HttpRequest, wave_id: str) -> HttpResponse:
    """Ask before closing (closing is final)."""
    d = selectors.wave_detail(staff_user(request), wave_id)
    if d.wave.status != WaveStatus.OPEN:
        return redirect("coordination:wave_detail", wave_id)
    return render(request, "coordination/wave_close.html", {"d": d})


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _heat(r: selectors.Results) -> charts.Heat:
    names = [r.name(s) for s in r.targets]
    cells = []
    for row in r.rows:
        line = []
        for target, cell in zip(r.targets, row.cells, strict=True):
            state = "hidden" if cell.hidden else ("empty" if cell.empty else cell.band)
            text = rk_cell(cell, r.threshold) if not cell.empty else ""
            title = _("%(a)s om %(b)s: %(v)s") % {
                "a": r.name(row.group),
                "b": r.name(target),
                "v": text or "–",
            }
            line.append((state, text, title))
        cells.append(line)
    summary = _(
        "Varmekort: hvordan hver faggruppe (rækker) vurderer samarbejdet med de andre "
        "(kolonner). Tallene står i tabellen under kortet."
    )
    return charts.heat_matrix([r.name(s) for s in r.sources], names, cells, summary=summary)


def _map(r: selectors.Results) -> charts.NetworkMap:
    slugs = [s for s in r.targets if any(s in (a, b) for a, b, _c in r.edges())]
    index = {s: i for i, s in enumerate(slugs)}
    edges = []
    for a, b, cell in r.edges():
        state = "hidden" if cell.hidden else cell.band
        text = rk_cell(cell, r.threshold)
        edges.append(
            (
                index[a],
                index[b],
                state,
                _("%(a)s om %(b)s: %(v)s")
                % {
                    "a": r.name(a),
                    "b": r.name(b),
                    "v": text,
                },
            )
        )
    summary = _(
        "Netværkskort: en pil fra A til B er A's vurdering af samarbejdet med B. Stærke bånd "
        "er tykke, svage stiplede. Tallene står i tabellen under kortet."
    )
    return charts.network_map([r.name(s) for s in slugs], edges, summary=summary)


def _results_context(r: selectors.Results) -> dict[str, Any]:
    return {
        "r": r,
        "k": r.threshold,
        "heat": _heat(r),
        "map": _map(r),
        "map_markers": list(charts.STROKE.items()),
        "edges": r.edges(),
        "dimension_labels": [(d, DIMENSION_LABELS.get(d, d)) for d in r.dimensions],
        "dimension_label": DIMENSION_LABELS.get(r.dimension, "") if r.dimension else "",
        "band_labels": BAND_LABELS,
        "questions": DISCUSSION_QUESTIONS,
        "weak": rk_num(r.bands.weak_below, 1),
        "strong": rk_num(r.bands.strong_from, 1),
    }


RESULTS_CACHE_SECONDS = 3600


def _cached(
    template: str, r: selectors.Results, context: Callable[[], dict[str, Any]]
) -> SafeString:
    """A part of the results page rendered once per stored result (and the previous wave's),
    dimension, language and bands: a closed wave's figures never change (closing is final), they
    are aggregates already suppressed (nothing personal in the cache), and access has been
    checked before the cache is asked. ``context`` is built only when the cache has nothing."""
    key = "rk:" + ":".join(
        str(x)
        for x in (
            template,
            r.wave.pk,
            r.computed_at.isoformat() if r.computed_at else "",
            r.previous.pk if r.previous else "",
            r.previous_computed_at.isoformat() if r.previous_computed_at else "",
            r.dimension,
            get_language(),
            r.bands.weak_below,
            r.bands.strong_from,
        )
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, context())
        cache.set(key, html, RESULTS_CACHE_SECONDS)
    return mark_safe(html)  # our own template, rendered from the suppressed figures


@staff_only
def results(request: HttpRequest, wave_id: str) -> HttpResponse:
    user = staff_user(request)
    dimension = request.GET.get("dimension", "")
    try:
        r = selectors.results(user, wave_id, dimension)
    except PermissionDenied:
        d = selectors.wave_detail(user, wave_id)  # 403 for anyone who may not manage it
        return render(request, "coordination/not_yet.html", {"d": d}, status=409)
    if request.headers.get("HX-Request"):
        return HttpResponse(_cached("coordination/_matrix.html", r, lambda: _results_context(r)))
    ctx = {
        "r": r,
        "k": r.threshold,
        "questions": DISCUSSION_QUESTIONS,
        "weak": rk_num(r.bands.weak_below, 1),
        "strong": rk_num(r.bands.strong_from, 1),
    }

    def body() -> dict[str, Any]:
        return {
            **ctx,
            "matrix": _cached("coordination/_matrix.html", r, lambda: _results_context(r)),
        }

    html = _cached("coordination/_results_body.html", r, body)
    return render(request, "coordination/results.html", {**ctx, "body": html})


@staff_only
def structure(request: HttpRequest, wave_id: str) -> HttpResponse:
    s = selectors.structure(staff_user(request), wave_id)
    return render(
        request,
        "coordination/structure.html",
        {"s": s, "k": selectors.CITIZEN_CELL, "minimum": selectors.SPANNER_MINIMUM},
    )


@staff_only
def flow(request: HttpRequest, wave_id: str) -> HttpResponse:
    user = staff_user(request)
    try:
        f = selectors.flow(user, wave_id)
    except PermissionDenied:
        d = selectors.wave_detail(user, wave_id)
        return render(request, "coordination/not_yet.html", {"d": d}, status=409)
    return render(
        request,
        "coordination/flow.html",
        {"f": f, "k": f.threshold, "overall": list(zip(f.metrics, f.overall, strict=True))},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_only
def export(request: HttpRequest, wave_id: str) -> HttpResponseBase:
    """The suppressed figures as CSV or XLSX (never more than the page shows)."""
    rows = selectors.export_rows(staff_user(request), wave_id)
    name = "samarbejde-" + str(wave_id)[:8]
    if request.GET.get("format") == "xlsx":
        return _xlsx(rows, name)
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for row in rows:
            yield writer.writerow([safe_cell(row[c]) for c in selectors.EXPORT_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx(rows: Iterable[dict[str, Any]], name: str) -> FileResponse:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("samarbejde")
    ws.append(list(selectors.EXPORT_COLUMNS))
    for row in rows:
        ws.append([safe_cell(row[c]) for c in selectors.EXPORT_COLUMNS])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    wb.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --------------------------------------------------------------------------------------------
# Answering (made for a phone: one workgroup per page)
# --------------------------------------------------------------------------------------------


def _answer_closed(request: HttpRequest, state: selectors.AnswerState) -> HttpResponse | None:
    if state.done or state.closed:
        return render(request, "coordination/answer_done.html", {"s": state})
    return None


@staff_only
def answer_start(request: HttpRequest, wave_id: str) -> HttpResponse:
    user = staff_user(request)
    state = selectors.answer_state(user, wave_id)
    if (done := _answer_closed(request, state)) is not None:
        return done
    choices = [(g.slug, selectors.group_name(g)) for g in state.groups]
    initial = {"groups": state.chosen or state.suggested, "rate_own": state.rate_own}
    form = forms.ChooseGroupsForm(
        request.POST if request.method == "POST" else None, groups=choices, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_groups(
                actor=user,
                wave_id=wave_id,
                groups=form.cleaned_data["groups"],
                rate_own=form.cleaned_data["rate_own"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            state = selectors.answer_state(user, wave_id)
            steps = state.steps()
            return redirect("coordination:answer_group", wave_id, steps[0].slug)
    return render(
        request,
        "coordination/answer_start.html",
        {"s": state, "form": form, "own": selectors.group_name(state.own)},
        status=422 if form.errors else 200,
    )


@staff_only
def answer_group(request: HttpRequest, wave_id: str, group: str) -> HttpResponse:
    user = staff_user(request)
    state = selectors.answer_state(user, wave_id)
    if (done := _answer_closed(request, state)) is not None:
        return done
    steps = state.steps()
    slugs = [g.slug for g in steps]
    if group not in slugs:
        return redirect("coordination:answer_start", wave_id)
    index = slugs.index(group)
    target = steps[index]
    own = target.slug == state.own.slug
    name = (
        _("andre i din egen faggruppe (%(name)s)") % {"name": selectors.group_name(target)}
        if own
        else selectors.group_name(target)
    )
    form = forms.GroupAnswerForm(
        request.POST if request.method == "POST" else None,
        instrument=state.instrument,
        group_name=name,
        english=_english(),
        initial=state.answers_for(group),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_group_answers(
                actor=user, wave_id=wave_id, group=group, answers=form.answers()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.POST.get("back") and index > 0:
                return redirect("coordination:answer_group", wave_id, slugs[index - 1])
            if index + 1 < len(slugs):
                return redirect("coordination:answer_group", wave_id, slugs[index + 1])
            return redirect("coordination:answer_submit", wave_id)
    return render(
        request,
        "coordination/answer_group.html",
        {
            "s": state,
            "form": form,
            "group": target,
            "name": selectors.group_name(target),
            "own": own,
            "step": index + 1,
            "steps": len(slugs),
            "previous": slugs[index - 1] if index > 0 else None,
        },
        status=422 if form.errors else 200,
    )


@staff_only
def answer_submit(request: HttpRequest, wave_id: str) -> HttpResponse:
    user = staff_user(request)
    state = selectors.answer_state(user, wave_id)
    if (done := _answer_closed(request, state)) is not None:
        return done
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.submit(actor=user, wave_id=wave_id)
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, _("Tak! Dine svar er indsendt – anonymt."))
            return redirect("coordination:index")
    steps = [(g, selectors.group_name(g), state.complete(g.slug)) for g in state.steps()]
    return render(
        request,
        "coordination/answer_submit.html",
        {
            "s": state,
            "steps": steps,
            "errors": errors,
            "ready": bool(steps) and all(c for *_x, c in steps),
        },
        status=422 if errors else 200,
    )


# --------------------------------------------------------------------------------------------
# Workgroups and decisions
# --------------------------------------------------------------------------------------------


@staff_only
def workgroup_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    may_edit = selectors.may_maintain_workgroups(user)
    form = forms.WorkgroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Kun administratorer kan ændre listen over faggrupper."))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.save_workgroup(
                    actor=user,
                    slug=d["slug"],
                    name_da=d["name_da"],
                    name_en=d["name_en"],
                    description=d["description"],
                    kind=d["kind"],
                    order=d["order"],
                    active=d["active"],
                    create=request.POST.get("create") == "1",
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Faggruppen er gemt."))
                return redirect("coordination:workgroups")
    return render(
        request,
        "coordination/workgroups.html",
        {
            "groups": selectors.workgroups(active=False),
            "may_edit": may_edit,
            "form": form,
            "creating": request.POST.get("create") == "1" or request.method == "GET",
        },
        status=422 if form.errors else 200,
    )


@staff_only
def classification(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    groups = [(g.slug, selectors.group_name(g)) for g in selectors.participant_groups()]
    error_form = None
    if request.method == "POST":
        form = forms.DecideForm(request.POST, groups=groups)
        if form.is_valid():
            try:
                n = services.decide_workgroup(
                    actor=user,
                    signature=form.cleaned_data["signature"],
                    workgroup=form.cleaned_data["workgroup"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                error_form = form
            else:
                messages.success(request, _("Afgjort for %(n)s kontaktpersoner.") % {"n": n})
                return redirect("coordination:classification")
        else:
            error_form = form
    pending = selectors.classification(user)
    decided = selectors.classification(user, decided=True)
    rows = []
    for i, p in enumerate([*pending, *decided]):
        if error_form is not None and error_form.data.get("signature") == p.signature:
            bound = forms.DecideForm(request.POST, groups=groups, auto_id=f"rk{i}_%s")
            bound.is_valid()
            for field, errs in error_form.errors.items():
                for e in errs:
                    bound.add_error(field if field in bound.fields else None, e)
        else:
            bound = forms.DecideForm(
                groups=groups,
                initial={"signature": p.signature, "workgroup": p.current or ""},
                auto_id=f"rk{i}_%s",
            )
        rows.append((p, bound))
    return render(
        request,
        "coordination/classification.html",
        {"rows": rows, "pending": len(pending)},
        status=422 if error_form is not None else 200,
    )
