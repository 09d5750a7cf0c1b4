"""Pages of the economics app: the overview per initiative and category, the price catalogue,
an initiative's actual costs, business cases (with chart, matrix and XLSX), contracts and their
period report, and a course's costs and contract results. Thin: reads in ``selectors``, writes in
``services``; forms get their choices as lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from helhed.core.models import User
from helhed.core.selectors import today
from helhed.economics import charts, exports, forms, logic, selectors, services, texts
from helhed.economics.models import ResultStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; a malformed id in the URL is the same 403 as a forbidden one."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapper


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# Overview and prices
# --------------------------------------------------------------------------------------------


@page
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.access.economics_organisations(user):
        raise PermissionDenied
    rows, categories = selectors.comparison(user)
    contracts = selectors.visible_contracts(user)
    return render(
        request,
        "economics/index.html",
        {"rows": rows, "categories": categories, "contracts": contracts},
    )


@page
def price_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    prices = selectors.prices(user, include_inactive=True)
    index = services.price_index()
    return render(
        request,
        "economics/prices.html",
        {
            "prices": prices,
            "orgs": dict(selectors.organisation_choices(user)),
            "index": sorted(index.items()),
            "example_note": texts.EXAMPLE_PRICES,
        },
    )


def _price_form_page(
    request: HttpRequest, form: forms.PriceForm, price: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "economics/price_form.html",
        {"form": form, "price": price, "errors": forms.error_list(form)},
        status=status,
    )


def _save_price(request: HttpRequest, price: Any = None) -> HttpResponse:
    user = _user(request)
    orgs = selectors.organisation_choices(user)
    if not orgs:
        raise PermissionDenied
    if request.method != "POST":
        initial: dict[str, Any] = {"organisation": orgs[0][0]}
        if price is not None:
            initial = {
                "organisation": str(price.organisation_id),
                "name": price.name,
                "unit": price.unit,
                "kind": price.kind,
                "amount": str(logic.to_kr(price.amount_ore)).replace(".", ","),
                "year": price.year,
                "payer": price.payer,
                "budget_area": price.budget_area,
                "source": price.source,
                "note": price.note,
                "version": price.version,
            }
        return _price_form_page(
            request, forms.PriceForm(initial=initial, organisations=orgs), price
        )
    form = forms.PriceForm(request.POST, organisations=orgs)
    if form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.save_price(
                user,
                price_id=price.pk if price is not None else None,
                organisation_id=d["organisation"],
                name=d["name"],
                unit=d["unit"],
                kind=d["kind"],
                amount=d["amount"],
                year=d["year"],
                payer=d["payer"],
                budget_area=d["budget_area"],
                source=d["source"],
                note=d["note"],
                version=d.get("version"),
            )
        except services.StaleVersionError as exc:
            form.add_error("version", exc.detail)
        except ValidationError as exc:
            forms.apply_errors(exc, form)
        else:
            messages.success(request, _("Prisen er gemt."))
            return redirect("economics:price", price_id=saved.pk)
    return _price_form_page(request, form, price, status=400)


@page
def price_new(request: HttpRequest) -> HttpResponse:
    return _save_price(request)


@page
def price_detail(request: HttpRequest, price_id: str) -> HttpResponse:
    price, history, may_edit = selectors.price_detail(_user(request), price_id)
    return render(
        request,
        "economics/price_detail.html",
        {
            "price": price,
            "history": history,
            "may_edit": may_edit,
            "may_copy": bool(selectors.organisation_choices(_user(request))),
            "example_note": texts.EXAMPLE_PRICES,
        },
    )


@page
def price_edit(request: HttpRequest, price_id: str) -> HttpResponse:
    price, _history, may_edit = selectors.price_detail(_user(request), price_id)
    if not may_edit:
        raise PermissionDenied
    return _save_price(request, price)


@page
def price_copy(request: HttpRequest, price_id: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("economics:price", price_id=price_id)
    user = _user(request)
    orgs = selectors.organisation_choices(user)
    if not orgs:
        raise PermissionDenied
    copy = services.copy_price(user, price_id=price_id, organisation_id=orgs[0][0])
    messages.success(request, _("Prisen er kopieret til din organisation. Ret den til jeres tal."))
    return redirect("economics:price_edit", price_id=copy.pk)


# --------------------------------------------------------------------------------------------
# An initiative's costs
# --------------------------------------------------------------------------------------------


@page
def initiative(request: HttpRequest, initiative_id: str) -> HttpResponse:
    data = selectors.initiative_economics(
        _user(request), initiative_id, year=_int(request.GET.get("aar"))
    )
    return render(
        request,
        "economics/initiative.html",
        {
            "d": data,
            "area_rows": [
                (texts.area_label(k), cells, total) for k, cells, total in data.by_area.rows()
            ],
            "payer_rows": [
                (texts.payer_label(k), cells, total) for k, cells, total in data.by_payer.rows()
            ],
            "month_rows": [
                (texts.area_label(k), cells, total) for k, cells, total in data.by_month.rows()
            ],
            "months": [label for _v, label in forms.MONTHS],
        },
    )


# --------------------------------------------------------------------------------------------
# Business cases
# --------------------------------------------------------------------------------------------


def _case_inputs(cf: forms.CaseForms) -> tuple[dict[str, Any], list[int], list[int]]:
    d = cf.form.cleaned_data
    cost_rows = forms.rows_of(cf.costs)
    consequence_rows = forms.rows_of(cf.consequences)
    values = {
        "name": d["name"],
        "target_group": d["target_group"],
        "cohort_size": d["cohort_size"],
        "horizon_years": d["horizon_years"],
        "price_year": d["price_year"],
        "discount_rate": d["discount_rate"] if d["discount_rate"] is not None else Decimal(0),
        "baseline_rate": d["baseline_rate"] if d["baseline_rate"] is not None else Decimal(0),
        "rate_cautious": d["rate_cautious"],
        "rate_expected": d["rate_expected"],
        "rate_optimistic": d["rate_optimistic"],
        "success_label": d["success_label"],
        "observed_outcome": d["observed_outcome"],
        "breakeven_within": d["breakeven_within"],
        "notes": d["notes"],
        "version": d.get("version"),
        "costs": [
            services.CostRowIn(
                year=r.get("year"),
                label=r.get("label") or "",
                budget_area=r.get("budget_area") or "",
                payer=r.get("payer") or "",
                amount=r.get("amount"),
            )
            for _i, r in cost_rows
        ],
        "consequences": [
            services.ConsequenceIn(
                unit_price_id=r.get("unit_price") or None,
                label=r.get("label") or "",
                budget_area=r.get("budget_area") or "",
                payer=r.get("payer") or "",
                changes=_trim([r.get(n) for n in forms.YEAR_FIELDS]),
            )
            for _i, r in consequence_rows
        ],
    }
    return values, [i for i, _r in cost_rows], [i for i, _r in consequence_rows]


def _trim(values: list[Decimal | None]) -> list[Decimal | None]:
    while values and values[-1] is None:
        values.pop()
    return values


def _case_initial(case: Any) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    def num(v: Any) -> str:
        return f"{v:f}".rstrip("0").rstrip(".").replace(".", ",") if "." in f"{v:f}" else f"{v}"

    initial = {
        "name": case.name,
        "target_group": case.target_group,
        "success_label": case.success_label,
        "cohort_size": case.cohort_size,
        "horizon_years": case.horizon_years,
        "price_year": case.price_year,
        "baseline_rate": num(case.baseline_rate),
        "rate_cautious": num(case.rate_cautious),
        "rate_expected": num(case.rate_expected),
        "rate_optimistic": num(case.rate_optimistic),
        "discount_rate": num(case.discount_rate),
        "breakeven_within": case.breakeven_within,
        "observed_outcome": case.observed_outcome,
        "notes": case.notes,
        "version": case.version,
    }
    costs = [
        {
            "year": c.year,
            "label": c.label,
            "budget_area": c.budget_area,
            "payer": c.payer,
            "amount": num(logic.to_kr(c.amount_ore)),
        }
        for c in case.costs.order_by("order")
    ]
    consequences = []
    for c in case.consequences.order_by("order"):
        row = {
            "unit_price": str(c.unit_price_id),
            "label": c.label,
            "budget_area": c.budget_area,
            "payer": c.payer,
        }
        for t, v in enumerate(c.changes, start=1):
            row[f"t{t}"] = num(Decimal(v))
        consequences.append(row)
    return initial, costs, consequences


def _case_page(
    request: HttpRequest, cf: forms.CaseForms, initiative: Any, case: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "economics/case_form.html",
        {"forms": cf, "initiative": initiative, "case": case, "errors": cf.errors()},
        status=status,
    )


def _case_edit(request: HttpRequest, initiative: Any, case: Any = None) -> HttpResponse:
    user = _user(request)
    choices = selectors.price_choices(user)
    if request.method != "POST":
        if case is not None:
            initial, costs, consequences = _case_initial(case)
        else:
            initial = {
                "horizon_years": 4,
                "price_year": today().year,
                "discount_rate": "0",
                "baseline_rate": "0",
                "breakeven_within": 4,
            }
            costs = [{"year": 1}]
            consequences = [{}]
        cf = forms.CaseForms(
            initial=initial, costs=costs, consequences=consequences, price_choices=choices
        )
        return _case_page(request, cf, initiative, case)
    data = request.POST
    for button, prefix in (("_add_cost", "costs"), ("_add_consequence", "consequences")):
        if button in data:
            cf = forms.CaseForms(forms.with_extra_row(data, prefix), price_choices=choices)
            forms.quiet(cf.form, cf.costs, cf.consequences)
            return _case_page(request, cf, initiative, case)
    cf = forms.CaseForms(data, price_choices=choices)
    if cf.is_valid():
        values, cost_pos, consequence_pos = _case_inputs(cf)
        try:
            saved = services.save_case(
                user,
                initiative_id=initiative.pk,
                case_id=case.pk if case is not None else None,
                **values,
            )
        except services.StaleVersionError as exc:
            cf.form.add_error("version", exc.detail)
            messages.error(request, exc.detail)
        except ValidationError as exc:
            forms.apply_errors(
                exc,
                cf.form,
                {"costs": (cf.costs, cost_pos), "consequences": (cf.consequences, consequence_pos)},
            )
        else:
            messages.success(request, _("Business casen er gemt."))
            return redirect("economics:case", case_id=saved.pk)
    return _case_page(request, cf, initiative, case, status=400)


@page
def case_new(request: HttpRequest, initiative_id: str) -> HttpResponse:
    initiative = selectors.access.initiative_for(_user(request), initiative_id)
    return _case_edit(request, initiative)


@page
def case_edit(request: HttpRequest, case_id: str) -> HttpResponse:
    case = selectors.case_for_edit(_user(request), case_id)
    return _case_edit(request, case.initiative, case)


def case_chart(view: selectors.CaseView) -> charts.NetChart:
    r = view.result
    lines: list[tuple[str, str, list[Decimal]]] = [
        ("total", _("I alt"), [y.cumulative for y in r.years])
    ]
    lines += [(a, texts.area_label(a), r.area_cumulative[a]) for a in r.areas]
    if r.break_even:
        summary = _(
            "Akkumuleret nettoresultat pr. budgetområde over %(n)s år; indsatsen er tjent hjem i "
            "år %(year)s. Tallene står i tabellen under figuren."
        ) % {"n": len(r.years), "year": r.break_even}
    else:
        summary = _(
            "Akkumuleret nettoresultat pr. budgetområde over %(n)s år; indsatsen er ikke tjent "
            "hjem inden for tidshorisonten. Tallene står i tabellen under figuren."
        ) % {"n": len(r.years)}
    return charts.net_chart(
        lines,
        break_even=r.break_even,
        summary=summary,
        break_even_label=_("Tjent hjem (år %(y)s)") % {"y": r.break_even} if r.break_even else "",
    )


@page
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    view = selectors.business_case(
        _user(request),
        case_id,
        scenario=request.GET.get("scenarie", "forventet"),
        within=_int(request.GET.get("inden")),
    )
    r = view.result
    matrix = [
        (
            texts.area_label(a),
            [r.matrix.get((a, p)) for p in r.payers],
            r.area_total(a),
        )
        for a in r.areas
    ]
    return render(
        request,
        "economics/case_detail.html",
        {
            "v": view,
            "r": r,
            "chart": case_chart(view),
            "matrix": matrix,
            "payers": [texts.payer_label(p) for p in r.payers],
            "payer_totals": [r.payer_total(p) for p in r.payers],
            "area_rows": [(texts.area_label(a), r.area_cumulative[a]) for a in r.areas],
            "scenario_labels": texts.SCENARIOS,
            "caution": texts.CAUTION,
            "years": list(range(1, view.case.horizon_years + 1)),
        },
    )


@page
def case_history(request: HttpRequest, case_id: str) -> HttpResponse:
    case, history = selectors.case_history(_user(request), case_id)
    return render(
        request,
        "economics/history.html",
        {"object": case, "history": history, "back": reverse("economics:case", args=[case.pk])},
    )


@page
def case_xlsx(request: HttpRequest, case_id: str) -> HttpResponse:
    view = selectors.business_case(
        _user(request), case_id, scenario=request.GET.get("scenarie", "forventet")
    )
    response = HttpResponse(exports.case_xlsx(view), content_type=XLSX)
    name = f"business-case-{view.case.pk}-{view.scenario}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --------------------------------------------------------------------------------------------
# Contracts
# --------------------------------------------------------------------------------------------


def _contract_inputs(
    cf: forms.ContractForms,
) -> tuple[dict[str, Any], dict[str, tuple[Any, list[int]]]]:
    d = cf.form.cleaned_data
    ind_rows = forms.rows_of(cf.indicators)
    phase_rows = forms.rows_of(cf.phases)
    point_rows = forms.rows_of(cf.points)
    values = {
        "name": d["name"],
        "owner_id": d["owner"] or None,
        "investor_name": d["investor_name"],
        "investor_id": d["investor"] or None,
        "period_start": d["period_start"],
        "period_end": d["period_end"],
        "cutoff": d["cutoff"],
        "budget": d["budget"],
        "notes": d["notes"],
        "version": d.get("version"),
        "indicators": [
            services.IndicatorIn(
                name=r.get("name") or "",
                priority=r.get("priority") or "",
                source=r.get("source") or "",
                price=r.get("price"),
                expected_rate=r.get("expected_rate"),
                min_points=r.get("min_points"),
                window_weeks=r.get("window_weeks"),
                months_after=r.get("months_after"),
                accepted=tuple(r.get("accepted") or ()),
                limit_percent=r.get("limit_percent"),
                goal_share=r.get("goal_share"),
                cap=r.get("cap"),
                floor=r.get("floor"),
            )
            for _i, r in ind_rows
        ],
        "phases": [
            services.PhaseIn(r.get("name") or "", r.get("start_week"), r.get("end_week"))
            for _i, r in phase_rows
        ],
        "points": [
            services.PointIn(r.get("week"), r.get("instrument") or "") for _i, r in point_rows
        ],
    }
    positions = {
        "indicators": (cf.indicators, [i for i, _r in ind_rows]),
        "phases": (cf.phases, [i for i, _r in phase_rows]),
        "points": (cf.points, [i for i, _r in point_rows]),
    }
    return values, positions


def _num(v: Any) -> str:
    if v is None:
        return ""
    text = f"{Decimal(v):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _contract_initial(c: Any) -> dict[str, Any]:
    return {
        "initial": {
            "name": c.name,
            "owner": str(c.owner_id),
            "investor_name": c.investor_name,
            "investor": str(c.investor_id) if c.investor_id else "",
            "period_start": c.period_start,
            "period_end": c.period_end,
            "cutoff": c.cutoff,
            "budget": _num(logic.to_kr(c.budget_ore)),
            "notes": c.notes,
            "version": c.version,
        },
        "indicators": [
            {
                "name": i.name,
                "priority": i.priority,
                "source": i.source,
                "min_points": i.min_points,
                "window_weeks": i.window_weeks,
                "months_after": i.months_after,
                "accepted": list(i.accepted or []),
                "limit_percent": _num(i.limit_percent),
                "goal_share": _num(i.goal_share),
                "price": _num(logic.to_kr(i.price_ore)),
                "cap": _num(logic.to_kr(i.cap_ore)) if i.cap_ore is not None else "",
                "floor": _num(logic.to_kr(i.floor_ore)) if i.floor_ore is not None else "",
                "expected_rate": _num(i.expected_rate),
            }
            for i in c.indicators.order_by("order")
        ],
        "phases": [
            {"name": p.name, "start_week": p.start_week, "end_week": p.end_week}
            for p in c.phases.order_by("start_week")
        ],
        "points": [{"week": p.week, "instrument": p.instrument} for p in c.points.all()],
    }


def _contract_page(
    request: HttpRequest, cf: forms.ContractForms, initiative: Any, contract: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "economics/contract_form.html",
        {"forms": cf, "initiative": initiative, "contract": contract, "errors": cf.errors()},
        status=status,
    )


def _contract_edit(request: HttpRequest, initiative: Any, contract: Any = None) -> HttpResponse:
    user = _user(request)
    owners = selectors.organisation_choices(user)
    if contract is not None and str(contract.owner_id) not in dict(owners):
        owners = [(str(contract.owner_id), contract.owner.name), *owners]
    investors = selectors.investor_choices()
    kw: dict[str, Any] = {"owners": owners, "investors": investors}
    if request.method != "POST":
        if contract is not None:
            cf = forms.ContractForms(**_contract_initial(contract), **kw)
        else:
            cf = forms.ContractForms(
                initial={"owner": owners[0][0] if owners else ""},
                indicators=[{"priority": "primaer"}],
                phases=[{}],
                points=[{}],
                **kw,
            )
        return _contract_page(request, cf, initiative, contract)
    data = request.POST
    for button, prefix in (
        ("_add_indicator", "indicators"),
        ("_add_phase", "phases"),
        ("_add_point", "points"),
    ):
        if button in data:
            cf = forms.ContractForms(forms.with_extra_row(data, prefix), **kw)
            forms.quiet(cf.form, cf.indicators, cf.phases, cf.points)
            return _contract_page(request, cf, initiative, contract)
    cf = forms.ContractForms(data, **kw)
    if cf.is_valid():
        values, positions = _contract_inputs(cf)
        try:
            saved = services.save_contract(
                user,
                initiative_id=initiative.pk,
                contract_id=contract.pk if contract is not None else None,
                **values,
            )
        except services.StaleVersionError as exc:
            cf.form.add_error("version", exc.detail)
            messages.error(request, exc.detail)
        except ValidationError as exc:
            forms.apply_errors(exc, cf.form, positions)
        else:
            messages.success(request, _("Kontrakten er gemt."))
            return redirect("economics:contract", contract_id=saved.pk)
    return _contract_page(request, cf, initiative, contract, status=400)


@page
def contract_new(request: HttpRequest, initiative_id: str) -> HttpResponse:
    initiative = selectors.access.initiative_for(_user(request), initiative_id)
    return _contract_edit(request, initiative)


@page
def contract_edit(request: HttpRequest, contract_id: str) -> HttpResponse:
    contract = selectors.contract_for_edit(_user(request), contract_id)
    return _contract_edit(request, contract.initiative, contract)


@page
def contract_detail(request: HttpRequest, contract_id: str) -> HttpResponse:
    view = selectors.contract_view(_user(request), contract_id)
    return render(request, "economics/contract_detail.html", {"v": view})


def _period(request: HttpRequest) -> tuple[date | None, date | None]:
    def day(name: str) -> date | None:
        try:
            d = date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None
        return d if d.year in logic.YEARS else None

    return day("fra"), day("til")


@page
def contract_report(request: HttpRequest, contract_id: str) -> HttpResponse:
    start, end = _period(request)
    report = selectors.period_report(_user(request), contract_id, start, end)
    periods = selectors.report_periods(report.contract)
    return render(
        request,
        "economics/contract_report.html",
        {"rep": report, "periods": periods},
    )


@page
def contract_report_xlsx(request: HttpRequest, contract_id: str) -> HttpResponse:
    start, end = _period(request)
    report = selectors.period_report(_user(request), contract_id, start, end)
    response = HttpResponse(exports.report_xlsx(report), content_type=XLSX)
    name = f"periodeopgoerelse-{report.start:%Y%m%d}-{report.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page
def contract_history(request: HttpRequest, contract_id: str) -> HttpResponse:
    view = selectors.contract_view(_user(request), contract_id)
    return render(
        request,
        "economics/history.html",
        {
            "object": view.contract,
            "history": view.history,
            "back": reverse("economics:contract", args=[view.contract.pk]),
        },
    )


# --------------------------------------------------------------------------------------------
# One course
# --------------------------------------------------------------------------------------------


def _course_page(
    request: HttpRequest,
    course_id: str,
    *,
    cost_form: forms.CostForm | None = None,
    enrol_form: forms.EnrolForm | None = None,
    override: tuple[str, forms.OverrideForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    data = selectors.course_economics(
        user, course_id, _int(request.GET.get("aar")), _int(request.GET.get("maaned"))
    )
    choices = selectors.course_form_choices(user, course_id)
    cost_form = cost_form or forms.CostForm(measures=choices.measures, prices=choices.prices)
    enrol_form = enrol_form or (
        forms.EnrolForm(contracts=choices.contracts) if choices.contracts else None
    )
    errors = forms.error_list(cost_form) + (forms.error_list(enrol_form) if enrol_form else [])
    if override is not None:
        errors += forms.error_list(override[1])
    return render(
        request,
        "economics/course.html",
        {
            "e": data,
            "course": data.access.course,
            "cost_form": cost_form,
            "enrol_form": enrol_form,
            "override": override,
            "errors": errors,
            "statuses": ResultStatus.choices,
            "month_names": {int(k): label for k, label in forms.MONTHS},
        },
        status=status,
    )


@page
def course(request: HttpRequest, course_id: str) -> HttpResponse:
    return _course_page(request, course_id)


@page
def course_section(request: HttpRequest, course_id: str) -> HttpResponse:
    data = selectors.course_section(_user(request), course_id)
    ctx = {"s": data, "course_id": course_id}
    if request.headers.get("HX-Request"):
        return render(request, "economics/_course_section.html", ctx)
    return render(request, "economics/course_section.html", ctx)


@page
def cost_add(request: HttpRequest, course_id: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("economics:course", course_id=course_id)
    user = _user(request)
    choices = selectors.course_form_choices(user, course_id)
    form = forms.CostForm(request.POST, measures=choices.measures, prices=choices.prices)
    if form.is_valid():
        d = form.cleaned_data
        try:
            entries = services.record_costs(
                user,
                course_id=course_id,
                measure_id=d["measure"] or None,
                unit_price_id=d["unit_price"] or None,
                quantity=d["quantity"],
                year=d["year"],
                month=_int(d["month"]),
                months=d["months"] if d["months"] is not None else 1,
                payer=d["payer"] or None,
                budget_area=d["budget_area"] or None,
                note=d["note"],
                idempotency_key=d.get("idempotency_key") or None,
            )
        except services.DuplicateSubmissionError as exc:
            messages.info(request, exc.detail)
            return redirect(reverse("economics:course", args=[course_id]) + "#udgifter")
        except ValidationError as exc:
            forms.apply_errors(exc, form)
        else:
            messages.success(
                request,
                _("%(n)s udgiftslinjer er gemt (%(amount)s).")
                % {
                    "n": len(entries),
                    "amount": texts.kr(sum(e.amount_ore for e in entries), ore=True),
                },
            )
            return redirect(reverse("economics:course", args=[course_id]) + "#udgifter")
    return _course_page(request, course_id, cost_form=form, status=400)


@page
def cost_delete(request: HttpRequest, course_id: str, cost_id: str) -> HttpResponse:
    if request.method == "POST":
        services.delete_cost(_user(request), cost_id=cost_id)
        messages.success(request, _("Udgiftslinjen er slettet."))
    return redirect(reverse("economics:course", args=[course_id]) + "#udgifter")


@page
def course_enrol(request: HttpRequest, course_id: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("economics:course", course_id=course_id)
    user = _user(request)
    choices = selectors.course_form_choices(user, course_id)
    form = forms.EnrolForm(request.POST, contracts=choices.contracts)
    if form.is_valid():
        try:
            services.enrol(
                user,
                contract_id=form.cleaned_data["contract"] or "",
                course_id=course_id,
                start_date=form.cleaned_data["start_date"],
            )
        except ValidationError as exc:
            forms.apply_errors(exc, form)
        except PermissionDenied:
            form.add_error("contract", texts.error("enrol-initiative"))
        else:
            messages.success(request, _("Forløbet deltager nu i kontrakten."))
            return redirect(reverse("economics:course", args=[course_id]) + "#kontrakter")
    return _course_page(request, course_id, enrol_form=form, status=400)


@page
def result_override(request: HttpRequest, course_id: str, result_id: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("economics:course", course_id=course_id)
    form = forms.OverrideForm(request.POST, prefix=f"o-{result_id}")
    if form.is_valid():
        try:
            services.override_result(
                _user(request),
                result_id=result_id,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            forms.apply_errors(exc, form)
        else:
            messages.success(request, _("Resultatet er opdateret, og begrundelsen er gemt."))
            return redirect(reverse("economics:course", args=[course_id]) + "#kontrakter")
    return _course_page(request, course_id, override=(result_id, form), status=400)
