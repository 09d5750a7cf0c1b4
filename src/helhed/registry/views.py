"""Pages of the registry: search and list, detail, the nine-field matrix, the distribution of
the variation parameters within each category, and the create/edit form with a live preview.

Thin by design: reads go through ``selectors`` (search, evaluate, matrix, distribution), the
one write through ``services.save_initiative``, whose refusals the form shows on the fields they
name; the rules themselves are in ``logic`` and the service. The helpers below only shape the
selectors' results for the templates (groups of labelled values, the matrix rows, chart
geometry). Every logged-in user may read the registry (it holds no personal data); changing it
is for administrators and analysts (``services.check_may_change``), refused with the one 403 page.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from helhed.core.models import User
from helhed.core.web import posted, staff_only, staff_user
from helhed.registry import logic, selectors, services
from helhed.registry.forms import (
    CATEGORY_LABELS,
    FIELD_GROUPS,
    AsOfForm,
    FilterForm,
    InitiativeForms,
    add_row,
    preview_evaluation,
)
from helhed.registry.models import FundingSource, Initiative

VIEW = "registry.view_initiative"
CHANGE = services.CHANGE

FINANCING_ROWS = (
    (logic.FinancingAxis.INTERN, "Intern finansiering"),
    (logic.FinancingAxis.KOMBINERET, "Kombineret finansiering"),
    (logic.FinancingAxis.EKSTERN, "Ekstern finansiering"),
)
ACTOR_COLUMNS = (
    (logic.ActorAxis.A, "Kommune"),
    (logic.ActorAxis.B, "Kommune og andre aktører"),
    (logic.ActorAxis.C, "Andre aktører"),
)


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for a page region (not a history restore, which needs the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _render(request: HttpRequest, page: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, partial if _is_partial(request) else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def initiative_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    rows = selectors.search(form.to_filters())
    page = Paginator(rows, 50).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    context = {
        "form": form,
        "page": page,
        "querystring": query.urlencode(),
        "can_change": request.user.has_perm(CHANGE),
    }
    return _render(
        request, "registry/initiative_list.html", "registry/_initiative_results.html", context
    )


# --------------------------------------------------------------------------------------------
# Detail
# --------------------------------------------------------------------------------------------


@dataclass
class Value:
    label: str
    text: str
    provenance: list[dict[str, Any]] = field(default_factory=list)


def _label(name: str) -> str:
    """The model field's Danish verbose name, capitalised."""
    return capfirst(str(getattr(Initiative._meta.get_field(name), "verbose_name", name))) or name


def _display(initiative: Initiative, name: str) -> str:
    model_field = Initiative._meta.get_field(name)
    value = getattr(initiative, name)
    if getattr(model_field, "choices", None):
        shown = getattr(initiative, f"get_{name}_display")()
        return str(shown) if value not in ("", None) else "Ukendt"
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if value is None or (isinstance(value, str) and not value.strip()):
        return "Ukendt"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


DETAIL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "1. Målgruppe",
        (
            "target_group",
            "target_unit",
            "age",
            "objective_criteria",
            "judgement_criteria",
            "course_length",
            "breadth",
            "complexity",
        ),
    ),
    ("2. Aktører", ("volunteers", "citizen_involvement", "relatives_involvement")),
    ("4. Tidsperspektiv", ("time_perspective",)),
    ("5. Modenhed", ("phase", "since_year", "evidence_level", "standardisation")),
    ("6. Formalisering", ("process_formalisation", "decision_level")),
    ("7. Tværfaglighed", ("disciplines_count", "specialisations_count", "interdisciplinarity")),
    ("8. Samarbejdets karakter", ("collaboration_model", "kl_scale")),
)


def _parameter_groups(initiative: Initiative) -> list[tuple[str, list[Value]]]:
    prov = initiative.provenance or {}
    groups = []
    for title, names in DETAIL_GROUPS:
        values = []
        for name in names:
            if name == "age":
                low, high = initiative.age_min, initiative.age_max
                text = (
                    "Ukendt"
                    if low is None and high is None
                    else f"{low if low is not None else '?'}-{high if high is not None else '?'} år"
                )
                values.append(Value("Alder", text, prov.get("age_min", [])))
                continue
            values.append(Value(_label(name), _display(initiative, name), prov.get(name, [])))
        groups.append((title, values))
    return groups


PROVENANCE_LABELS = {
    "conditions": "De fire betingelser",
    "fagomraader": "Fagområder",
    "geography": "Geografi",
    "actors": "Aktører",
    "funding": "Finansiering",
}


def _provenance_rows(initiative: Initiative) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, entries in (initiative.provenance or {}).items():
        try:
            label = _label(key)
        except FieldDoesNotExist:  # keys are free-form: not every key is a field
            label = PROVENANCE_LABELS.get(key, key)
        rows.append((label, entries))
    for actor in initiative.actors.all():
        if actor.provenance:
            rows.append((f"Aktør: {actor.name}", actor.provenance))
    for source in initiative.funding_sources.all():
        if source.provenance:
            rows.append((f"Finansiering: {source.funder}", source.provenance))
    for link in initiative.initiativewelfarearea_set.all():
        if link.provenance:
            rows.append((f"Fagområde: {link.welfare_area.name_da}", link.provenance))
    return rows


def _is_active(source: FundingSource, as_of: date) -> bool:
    if as_of < source.period_start:
        return False
    return source.period_end is None or as_of <= source.period_end


@login_required
@permission_required(VIEW, raise_exception=True)
def initiative_detail(request: HttpRequest, initiative_id: uuid.UUID) -> HttpResponse:
    initiative = selectors.initiative(initiative_id)
    as_of_form = AsOfForm(request.GET or None)
    evaluation = selectors.evaluate(initiative, as_of_form.as_of())
    funding = [
        (source, _is_active(source, evaluation.as_of))
        for source in initiative.funding_sources.all()
    ]
    context = {
        "initiative": initiative,
        "evaluation": evaluation,
        "as_of_form": as_of_form,
        "groups": _parameter_groups(initiative),
        "funding": funding,
        "areas": list(initiative.initiativewelfarearea_set.all()),
        "provenance_rows": _provenance_rows(initiative),
        "category_labels": CATEGORY_LABELS,
        "computed_differs": (
            evaluation.computed.category is not None
            and initiative.vive_category is not None
            and evaluation.computed.category != initiative.vive_category
        ),
        "errors": [i for i in evaluation.issues if i.severity == "error"],
        "warnings": [i for i in evaluation.issues if i.severity == "warning"],
        "can_change": request.user.has_perm(CHANGE),
    }
    return render(request, "registry/initiative_detail.html", context)


# --------------------------------------------------------------------------------------------
# Matrix
# --------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def matrix(request: HttpRequest) -> HttpResponse:
    as_of_form = AsOfForm(request.GET or None)
    as_of = as_of_form.as_of()
    rows = selectors.search(selectors.Filters(), as_of)
    cells = selectors.matrix(rows)
    table = []
    for axis, label in FINANCING_ROWS:
        row_cells = [cells[logic.category_for(actor, axis)] for actor, _label in ACTOR_COLUMNS]
        table.append((label, row_cells, sum(c.count for c in row_cells)))
    column_totals = [
        sum(cells[logic.category_for(actor, axis)].count for axis, _l in FINANCING_ROWS)
        for actor, _label in ACTOR_COLUMNS
    ]
    context = {
        "as_of_form": as_of_form,
        "as_of": as_of,
        "columns": [label for _axis, label in ACTOR_COLUMNS],
        "table": table,
        "column_totals": column_totals,
        "total": sum(column_totals),
        "uncategorised": [i for i, e in rows if e.category is None],
        "all_count": len(rows),
    }
    return render(request, "registry/matrix.html", context)


# --------------------------------------------------------------------------------------------
# Distribution
# --------------------------------------------------------------------------------------------

UNKNOWN = "Ukendt"
PANEL_W, PANEL_GAP, LABEL_W, BAR_W, ROW_H, HEAD_H = 320, 24, 184, 96, 20, 34


@dataclass
class ChartRow:
    label: str
    short: str
    count: int
    width: float
    y: float
    unknown: bool


@dataclass
class Panel:
    category: int
    total: int
    x: float
    y: float
    rows: list[ChartRow]


@dataclass
class Chart:
    key: str
    label: str
    values: list[str]
    table: list[tuple[str, list[int], int]]
    category_totals: list[int]
    panels: list[Panel]
    width: int
    height: int
    summary: str


def _short(text: str, limit: int = 27) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chart(
    key: str, label: str, per_category: dict[int, Counter[str]], totals: dict[int, int]
) -> Chart:
    """Geometry of one small-multiples chart: a panel per category laid out like the 3×3
    matrix, each with a horizontal bar per value (share of the category's initiatives)."""
    overall: Counter[str] = Counter()
    for counter in per_category.values():
        overall.update(counter)
    values = sorted(overall, key=lambda v: (v == UNKNOWN, -overall[v], v))
    panels: list[Panel] = []
    y = 0.0
    for row in range(3):
        cats = [row * 3 + col + 1 for col in range(3)]
        height = HEAD_H + ROW_H * max(1, *(len(per_category[c]) for c in cats)) + PANEL_GAP
        for col, category in enumerate(cats):
            counter = per_category[category]
            total = totals.get(category, 0)
            bars = []
            for n, value in enumerate(v for v in values if counter[v]):
                share = counter[value] / total if total else 0
                bars.append(
                    ChartRow(
                        value,
                        _short(value),
                        counter[value],
                        round(BAR_W * share, 1),
                        HEAD_H + n * ROW_H,
                        value == UNKNOWN,
                    )
                )
            panels.append(Panel(category, total, col * (PANEL_W + PANEL_GAP), y, bars))
        y += height
    table = [
        (value, [per_category[c][value] for c in range(1, 10)], overall[value]) for value in values
    ]
    parts = []
    for category in range(1, 10):
        counter = per_category[category]
        if not counter:
            parts.append(f"kategori {category}: ingen indsatser")
            continue
        top, n = min(counter.items(), key=lambda kv: (kv[0] == UNKNOWN, -kv[1], kv[0]))
        parts.append(
            f"kategori {category} ({totals.get(category, 0)} indsatser): oftest {top} ({n})"
        )
    summary = (
        f"Søjlediagram: {label} fordelt inden for hver af de ni kategorier. "
        + "; ".join(parts)
        + ". Alle tal står i tabellen under diagrammet."
    )
    return Chart(
        key=key,
        label=label,
        values=values,
        table=table,
        category_totals=[totals.get(c, 0) for c in range(1, 10)],
        panels=panels,
        width=3 * PANEL_W + 2 * PANEL_GAP,
        height=int(y),
        summary=summary,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def distribution(request: HttpRequest) -> HttpResponse:
    parameters = dict(selectors.DISTRIBUTION_PARAMETERS)
    chosen = request.GET.get("parameter", "")
    if chosen not in parameters:
        chosen = ""
    as_of_form = AsOfForm(request.GET or None)
    rows = selectors.search(selectors.Filters(), as_of_form.as_of())
    result = selectors.distribution(rows)
    totals = Counter(e.category for _i, e in rows if e.category is not None)
    keys = [chosen] if chosen else list(parameters)
    charts = [_chart(key, parameters[key], result[key], totals) for key in keys]
    context = {
        "parameters": selectors.DISTRIBUTION_PARAMETERS,
        "chosen": chosen,
        "as_of_form": as_of_form,
        "charts": charts,
        "categorised": sum(totals.values()),
        "panel_w": PANEL_W,
        "label_w": LABEL_W,
        "bar_w": BAR_W,
        "row_h": ROW_H,
    }
    return _render(
        request, "registry/distribution.html", "registry/_distribution_charts.html", context
    )


# --------------------------------------------------------------------------------------------
# Create / edit with live preview
# --------------------------------------------------------------------------------------------

ADD_ROW = {"_add_actor": "actors", "_add_funding": "funding"}


def change_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that changes the registry: log-in required, then administrators and analysts
    only (``services.check_may_change``: the one 403 page, saying who may)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.check_may_change(staff_user(request))
        return view(request, *args, **kwargs)

    return staff_only(wrapper)


def _quiet(forms_: InitiativeForms) -> None:
    """Show re-rendered data without validation messages (after "add a row")."""
    cast(Any, forms_.form)._errors = ErrorDict()
    for formset in (forms_.actors, forms_.funding):
        quiet = cast(Any, formset)
        quiet._errors = []
        quiet._non_form_errors = formset.error_class()
        for form in formset.forms:
            cast(Any, form)._errors = ErrorDict()


def _saved(user: User, forms_: InitiativeForms, initiative: Initiative | None) -> Initiative | None:
    """``services.save_initiative`` with the parsed forms; its refusal on the forms (None)."""
    if not forms_.is_valid():
        return None
    try:
        return services.save_initiative(
            user,
            initiative_id=initiative.pk if initiative else None,
            **forms_.save_arguments(),
        )
    except ValidationError as exc:
        forms_.apply_errors(exc)
    except services.DuplicateInitiativeError as exc:
        forms_.form.add_error("name", exc.detail)
    return None


def _page(
    request: HttpRequest,
    initiative: Initiative | None,
    forms_: InitiativeForms,
    preview: selectors.Evaluation,
) -> HttpResponse:
    context = {
        "initiative": initiative,
        "forms": forms_,
        "form": forms_.form,
        "groups": [(title, [forms_.form[name] for name in names]) for title, names in FIELD_GROUPS],
        "preview": preview,
        "non_field_errors": list(forms_.form.non_field_errors())
        + list(forms_.actors.non_form_errors())
        + list(forms_.funding.non_form_errors()),
    }
    return render(request, "registry/initiative_form.html", context)


def _edit(request: HttpRequest, initiative: Initiative | None) -> HttpResponse:
    data = posted(request)
    if data is None:
        forms_ = InitiativeForms.build(None, initiative, extra_rows=1 if initiative else 2)
        preview = (
            selectors.evaluate(initiative) if initiative is not None else preview_evaluation(forms_)
        )
        return _page(request, initiative, forms_, preview)
    added = next((prefix for key, prefix in ADD_ROW.items() if key in data), None)
    if added:
        data = add_row(data, added)
        forms_ = InitiativeForms.build(data)
        _quiet(forms_)
        return _page(request, initiative, forms_, preview_evaluation(InitiativeForms.build(data)))
    forms_ = InitiativeForms.build(data)
    saved = _saved(staff_user(request), forms_, initiative)
    if saved is None:
        return _page(request, initiative, forms_, preview_evaluation(InitiativeForms.build(data)))
    messages.success(request, _("Indsatsen “%(name)s” er gemt.") % {"name": saved.name})
    return redirect("registry:initiative_detail", initiative_id=saved.pk)


@change_only
def initiative_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@change_only
def initiative_edit(request: HttpRequest, initiative_id: uuid.UUID) -> HttpResponse:
    return _edit(request, selectors.initiative(initiative_id))


@change_only
@require_POST
def initiative_preview(request: HttpRequest) -> HttpResponse:
    """The conditions and category of the POSTed (unsaved, possibly incomplete) form data."""
    evaluation = preview_evaluation(InitiativeForms.build(request.POST))
    return render(request, "registry/_preview.html", {"preview": evaluation})
