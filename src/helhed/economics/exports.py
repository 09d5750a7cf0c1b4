"""XLSX files: the whole business case (assumptions, rows, results per year, per budget area and
payer, the who-pays/who-gains matrix, the Gladsaxe answer, the observed rates and SØM's caution)
and a contract's period report. Amounts are numbers in whole kroner (formatted ``#,##0``), not
text, so the file can be recalculated; suppressed cells stay text ("<5", "x")."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from helhed.core.spreadsheets import safe_cell
from helhed.economics import logic, texts
from helhed.economics.selectors import CaseView, PeriodReport

KR = "#,##0"


def _book() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]]) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_plain(v) for v in row])
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        for c in column[1:]:
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                c.number_format = KR
    return ws


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(logic.round_kr(value))
    return safe_cell(value)


def _bytes(wb: Any) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def case_xlsx(view: CaseView) -> bytes:
    case, inp, result = view.case, view.inp, view.result
    wb = _book()
    _sheet(
        wb,
        _("Forudsætninger"),
        [_("Felt"), _("Værdi")],
        [
            [_("Business case"), case.name],
            [_("Indsats"), str(case.initiative)],
            [_("Målgruppe"), case.target_group],
            [_("Succes"), case.success_label],
            [_("Antal deltagere"), case.cohort_size],
            [_("Tidshorisont (år)"), case.horizon_years],
            [_("Prisår"), case.price_year],
            [_("Diskonteringsrente (%)"), float(case.discount_rate)],
            [_("Succes uden indsatsen (%)"), float(case.baseline_rate)],
            [_("Forsigtig succesrate (%)"), float(case.rate_cautious)],
            [_("Forventet succesrate (%)"), float(case.rate_expected)],
            [_("Optimistisk succesrate (%)"), float(case.rate_optimistic)],
            [_("Scenarie i denne fil"), str(texts.SCENARIOS[view.scenario])],
            [_("Ekstra succeser i scenariet"), float(result.successes)],
            [_("Version"), case.version],
            [_("Forudsætninger og kilder"), case.notes],
            [_("Forbehold"), str(texts.CAUTION)],
        ],
    )
    _sheet(
        wb,
        _("Omkostninger"),
        [_("År"), _("Omkostning"), _("Budgetområde"), _("Betaler"), _("Beløb (kr.)")],
        [
            [
                c.year,
                c.label,
                texts.area_label(c.budget_area),
                texts.payer_label(c.payer),
                logic.to_kr(c.amount_ore),
            ]
            for c in case.costs.order_by("order")
        ],
    )
    _sheet(
        wb,
        _("Konsekvenser"),
        [_("Konsekvens"), _("Budgetområde"), _("Betaler"), _("Pris (kr., prisår)"), _("Art")]
        + [_("År %(t)s") % {"t": t} for t in range(1, case.horizon_years + 1)],
        [
            [
                row.label,
                texts.area_label(row.area),
                texts.payer_label(row.payer),
                row.price,
                row.kind,
                *[float(v) for v in row.changes],
            ]
            for row in inp.consequences
        ],
    )
    _sheet(
        wb,
        _("Resultat pr. år"),
        [_("År"), _("Omkostninger"), _("Gevinster"), _("Netto"), _("Akkumuleret netto")],
        [[y.year, y.cost, y.gain, y.net, y.cumulative] for y in result.years],
    )
    years = [_("År %(t)s") % {"t": t} for t in range(1, case.horizon_years + 1)]
    _sheet(
        wb,
        _("Akkumuleret pr. budgetområde"),
        [_("Budgetområde"), *years],
        [[texts.area_label(a), *result.area_cumulative[a]] for a in result.areas],
    )
    _sheet(
        wb,
        _("Akkumuleret pr. betaler"),
        [_("Betaler"), *years],
        [[texts.payer_label(p), *result.payer_cumulative[p]] for p in result.payers],
    )
    _sheet(
        wb,
        _("Hvem betaler – hvem vinder"),
        [_("Budgetområde"), *[texts.payer_label(p) for p in result.payers], _("I alt")],
        [
            [
                texts.area_label(a),
                *[result.matrix.get((a, p), logic.MatrixCell()).net for p in result.payers],
                result.area_total(a).net,
            ]
            for a in result.areas
        ]
        + [[_("I alt"), *[result.payer_total(p).net for p in result.payers], result.net]],
    )
    _sheet(
        wb,
        _("Break-even"),
        [_("Spørgsmål"), _("Svar")],
        [
            [_("Break-even-år"), result.break_even or _("Ikke inden for tidshorisonten")],
            *[
                [
                    _("Succeser nødvendige inden for %(n)s år: %(label)s")
                    % {"n": n.within, "label": n.label},
                    n.needed if n.needed is not None else _("Kan ikke nås"),
                ]
                for n in view.needed
            ],
        ]
        + [
            [
                _("Scenarie: %(s)s (%(r)s %%)") % {"s": texts.SCENARIOS[s], "r": rate},
                r.break_even or "–",
            ]
            for s, rate, r in view.scenarios
        ],
    )
    if view.observed is not None:
        obs = view.observed
        _sheet(
            wb,
            _("Observeret"),
            [_("Kohorte"), _("Observeret andel")],
            [[r.label, r.text] for r in [*obs.rows, obs.total]]
            + [
                [_("Antaget (forventet)"), texts.percent(case.rate_expected)],
                [
                    _("Akkumuleret netto på observeret andel"),
                    obs.result.net if obs.result is not None else "–",
                ],
            ],
        )
    return _bytes(wb)


def report_xlsx(report: PeriodReport) -> bytes:
    wb = _book()
    c = report.contract
    rows = []
    for r in report.indicators:
        rows.append(
            [
                r.indicator.name,
                texts.source_label(r.indicator.source),
                r.cells["opfyldt"],
                r.cells["ikke-opfyldt"],
                r.cells["afventer"],
                r.cells["kan-ikke-maales"],
                r.rate,
                float(r.expected),
                logic.to_kr(r.indicator.price_ore),
                r.amount,
            ]
        )
    rows.append([_("I alt"), "", "", "", "", "", "", "", "", report.total_amount])
    _sheet(
        wb,
        _("Periodeopgørelse"),
        [
            _("Indikator"),
            _("Datakilde"),
            _("Opfyldt"),
            _("Ikke opfyldt"),
            _("Afventer"),
            _("Kan ikke måles"),
            _("Andel opfyldt"),
            _("Forventet andel (%)"),
            _("Kr. pr. succes"),
            _("Beløb til betaling (kr.)"),
        ],
        rows,
    )
    _sheet(
        wb,
        _("Kontrakt"),
        [_("Felt"), _("Værdi")],
        [
            [_("Kontrakt"), c.name],
            [_("Indsats"), str(c.initiative)],
            [_("Investor"), c.investor_name],
            [_("Periode"), f"{c.period_start:%d.%m.%Y}–{c.period_end:%d.%m.%Y}"],
            [_("Opgørelsesperiode"), f"{report.start:%d.%m.%Y}–{report.end:%d.%m.%Y}"],
            [_("Forløb i kontrakten"), report.enrolled],
            [_("Budget (kr.)"), logic.to_kr(c.budget_ore)],
            [
                _("Diskretionering"),
                _("Tal under 5 vises som <5; x er skjult, så et lille tal ikke kan regnes ud."),
            ],
        ],
    )
    return _bytes(wb)
