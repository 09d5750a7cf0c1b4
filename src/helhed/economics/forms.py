"""Forms of the economics app. They only shape input — numbers typed the Danish way
(``1.250,50``) become ``Decimal``, blank rows are dropped — and receive their choices as lists.
Validation of values and writes happen in ``services``; :func:`apply_errors` puts the service's
messages on the right field, also inside the row formsets (``costs-0-amount``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from helhed.core.selectors import today
from helhed.economics import logic, texts
from helhed.economics.models import (
    BudgetArea,
    IndicatorSource,
    ObservedOutcome,
    PayerLevel,
    PointInstrument,
    Priority,
    ResultStatus,
    UnitKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTHS = [
    ("1", _("januar")),
    ("2", _("februar")),
    ("3", _("marts")),
    ("4", _("april")),
    ("5", _("maj")),
    ("6", _("juni")),
    ("7", _("juli")),
    ("8", _("august")),
    ("9", _("september")),
    ("10", _("oktober")),
    ("11", _("november")),
    ("12", _("december")),
]


class AmountField(forms.CharField):
    """A number as people type it (``1.250,50``, ``1250.5``) → ``Decimal``; blank → ``None``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        self.limit = kwargs.pop("max_length", 30)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs["maxlength"] = str(self.limit)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in (None, ""):
            return None
        if len(text) > self.limit:
            raise ValidationError(texts.error("too-large"))
        try:
            return logic.parse_decimal(text)
        except ValueError:
            raise ValidationError(texts.error("number")) from None


class WholeField(forms.IntegerField):
    """A whole number; its messages in Danish and field-level (not the browser's)."""

    default_error_messages = {  # noqa: RUF012 - Django's own pattern
        "invalid": _("Skriv et helt tal."),
        "max_value": _("Tallet er for stort."),
        "min_value": _("Tallet er for lille."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", -1_000_000)
        kwargs.setdefault("max_value", 1_000_000_000)
        super().__init__(*args, **kwargs)
        self.widget.attrs.pop("min", None)
        self.widget.attrs.pop("max", None)
        self.widget.attrs["inputmode"] = "numeric"


class DayField(forms.DateField):
    default_error_messages = {"invalid": _("Skriv en dato som dd.mm.åååå.")}  # noqa: RUF012

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", DATE)
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and day.year not in logic.YEARS:
            raise ValidationError(texts.error("year"))
        return day


class Styled(forms.Form):
    """DKFDS classes on the widgets (inputs, selects, textareas)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-input"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _choice(label: Any, choices: Sequence[tuple[str, Any]], **kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=list(choices), required=False, **kw)


def apply_errors(
    exc: ValidationError,
    form: forms.Form,
    formsets: dict[str, tuple[Any, list[int]]] | None = None,
) -> None:
    """Put a service's errors on the fields. The service names them as the API does (``owner_id``,
    rows as ``costs.0.amount``); ``formsets`` maps a prefix to (formset, the form index of each
    submitted row) — the service counts only the rows it received."""
    formsets = formsets or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        prefix, _sep, rest = name.partition(".")
        if prefix in formsets and rest:
            formset, positions = formsets[prefix]
            index, _sep2, fieldname = rest.partition(".")
            try:
                sub = formset.forms[positions[int(index)]]
            except (ValueError, IndexError):
                sub = None
            target = _field_of(sub, fieldname) if sub is not None else None
            if target is not None:
                for m in messages:
                    sub.add_error(target, m)
                continue
        target = _field_of(form, name)
        for m in messages:
            form.add_error(target, m)


def _field_of(form: forms.Form, name: str) -> str | None:
    """The form's field for the API's field ``name`` (``unit_price_id`` → ``unit_price``)."""
    for candidate in (name, name.removesuffix("_id")):
        if candidate in form.fields:
            return candidate
    return None


def error_list(form: forms.Form, formsets: Sequence[tuple[Any, Any]] = ()) -> list[dict[str, str]]:
    """Every error with the id of its field, for the error summary at the top of the page."""
    items = [{"id": "", "label": "", "message": str(e)} for e in form.non_field_errors()]
    for field in form:
        for e in field.errors:
            items.append({"id": field.id_for_label, "label": str(field.label), "message": str(e)})
    for title, formset in formsets:
        for n, sub in enumerate(formset.forms, start=1):
            for field in sub:
                for e in field.errors:
                    items.append(
                        {
                            "id": field.id_for_label,
                            "label": f"{title} {n}, {str(field.label).lower()}",
                            "message": str(e),
                        }
                    )
    return items


def rows_of(formset: Any) -> list[tuple[int, dict[str, Any]]]:
    """(form index, cleaned data) of the rows that are filled in and not marked for deletion."""
    out = []
    for i, sub in enumerate(formset.forms):
        data = getattr(sub, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        if all(v in (None, "", [], False) for k, v in data.items() if k != "DELETE"):
            continue
        out.append((i, data))
    return out


def quiet(*parts: Any) -> None:
    """Validate, then drop the errors: an "add a row" submit shows the rows as typed, without
    scolding the user for rows they have not finished."""
    from django.forms.utils import ErrorDict

    for part in parts:
        part.is_valid()
        for f in getattr(part, "forms", [part]):
            f._errors = ErrorDict()
        if hasattr(part, "forms"):
            part._non_form_errors = part.error_class()


def with_extra_row(data: Any, prefix: str) -> Any:
    """A copy of the POSTed data with one more (empty) row in formset ``prefix``."""
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    copy[key] = str(int(copy.get(key, 0) or 0) + 1)
    return copy


# --------------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------------


class PriceForm(Styled):
    organisation = _choice(_("Organisation"), [])
    name = forms.CharField(
        label=_("Enhed"), max_length=120, required=False, help_text=_("Fx »anbringelse, døgn«.")
    )
    unit = forms.CharField(
        label=_("Måles i"), max_length=40, required=False, help_text=_("Fx døgn, uge, nat, time.")
    )
    kind = _choice(_("Art"), UnitKind.choices, initial=UnitKind.EXPENSE)
    amount = AmountField(label=_("Pris pr. enhed (kr.)"))
    year = WholeField(label=_("Prisår"), help_text=_("Året prisen gælder for."))
    payer = _choice(_("Betaler"), PayerLevel.choices)
    budget_area = _choice(_("Budgetområde"), BudgetArea.choices)
    source = forms.CharField(
        label=_("Kilde"),
        max_length=400,
        required=False,
        help_text=_("Hvor prisen kommer fra, fx »Egen takst 2025« eller SØM's vidensdatabase."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organisations: Sequence[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["organisation"].choices = list(organisations)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Business case
# --------------------------------------------------------------------------------------------


class CaseForm(Styled):
    name = forms.CharField(label=_("Navn"), max_length=200, required=False)
    target_group = forms.CharField(
        label=_("Målgruppe"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    success_label = forms.CharField(
        label=_("Hvad er en succes?"),
        max_length=200,
        required=False,
        help_text=_("Fx »en anbringelse undgås« eller »i ordinært job efter et år«."),
    )
    cohort_size = WholeField(label=_("Antal deltagere (kohorte)"))
    horizon_years = WholeField(label=_("Tidshorisont (år, højst 10)"))
    price_year = WholeField(label=_("Prisår"), help_text=_("Priserne fremskrives til dette år."))
    baseline_rate = AmountField(
        label=_("Succes uden indsatsen (%)"),
        help_text=_("Baseline: andelen, der ville opnå det samme uden indsatsen."),
    )
    rate_cautious = AmountField(label=_("Forsigtig succesrate (%)"))
    rate_expected = AmountField(label=_("Forventet succesrate (%)"))
    rate_optimistic = AmountField(label=_("Optimistisk succesrate (%)"))
    discount_rate = AmountField(
        label=_("Diskonteringsrente (%)"),
        help_text=_("0 % er budgetvisningen (standard). Højst 20 %."),
    )
    breakeven_within = WholeField(
        label=_("Tjent hjem inden for (år)"),
        help_text=_("Bruges til spørgsmålet: hvor mange succeser skal der til?"),
    )
    observed_outcome = _choice(_("Sammenlign med observeret resultat"), ObservedOutcome.choices)
    notes = forms.CharField(
        label=_("Forudsætninger og kilder"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


NARROW = {"class": "input-char-4"}


class CaseCostForm(Styled):
    year = WholeField(label=_("År"), widget=forms.NumberInput(attrs=NARROW))
    label = forms.CharField(label=_("Omkostning"), max_length=200, required=False)
    budget_area = _choice(_("Budgetområde"), BudgetArea.choices)
    payer = _choice(_("Betaler"), PayerLevel.choices)
    amount = AmountField(label=_("Beløb (kr.)"))


YEAR_FIELDS = [f"t{t}" for t in range(1, logic.MAX_HORIZON + 1)]


class ConsequenceForm(Styled):
    unit_price = _choice(_("Enhed fra priskataloget"), [])
    label = forms.CharField(
        label=_("Konsekvens"),
        max_length=200,
        required=False,
        help_text=_("Fx »færre anbringelsesår«. Tom: enhedens navn."),
    )
    budget_area = _choice(_("Budgetområde"), BudgetArea.choices)
    payer = _choice(_("Betaler"), PayerLevel.choices)

    def __init__(
        self, *args: Any, price_choices: Sequence[tuple[str, str]] = (), **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["unit_price"].choices = [("", "–"), *price_choices]  # type: ignore[attr-defined]
        for t, name in enumerate(YEAR_FIELDS, start=1):
            self.fields[name] = AmountField(
                label=_("År %(t)s") % {"t": t},
                max_length=15,
                widget=forms.TextInput(attrs={"size": 5}),
            )
        self.style()

    def year_fields(self) -> list[Any]:
        return [self[n] for n in YEAR_FIELDS]


CaseCostFormSet = formset_factory(CaseCostForm, extra=0, can_delete=True)
ConsequenceFormSet = formset_factory(ConsequenceForm, extra=0, can_delete=True)


class CaseForms:
    """The case form and its two row formsets, handled as one."""

    def __init__(
        self,
        data: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        costs: list[dict[str, Any]] | None = None,
        consequences: list[dict[str, Any]] | None = None,
        price_choices: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.form = CaseForm(data, initial=initial)
        self.costs = CaseCostFormSet(data, initial=costs, prefix="costs")
        self.consequences = ConsequenceFormSet(
            data,
            initial=consequences,
            prefix="consequences",
            form_kwargs={"price_choices": price_choices},
        )

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.costs.is_valid(), self.consequences.is_valid()])

    def errors(self) -> list[dict[str, str]]:
        return error_list(
            self.form, [(_("Omkostning"), self.costs), (_("Konsekvens"), self.consequences)]
        )


# --------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------


def employment_choices() -> list[tuple[str, str]]:
    from helhed.progress.logic import EMPLOYMENT

    return [(k, str(label)) for k, label in EMPLOYMENT]


class ContractForm(Styled):
    name = forms.CharField(label=_("Navn"), max_length=200, required=False)
    owner = _choice(_("Kommune (ansvarlig)"), [])
    investor_name = forms.CharField(label=_("Investor eller fond"), max_length=200, required=False)
    investor = _choice(
        _("Investoren i Helhed (frivilligt)"),
        [],
        help_text=_("Investorens ledere og analytikere ser så periodeopgørelsen."),
    )
    period_start = DayField(label=_("Periode fra"))
    period_end = DayField(label=_("Periode til"))
    cutoff = DayField(
        label=_("Skæringsdato"),
        help_text=_("Derefter låses resultaterne for forløbene."),
    )
    budget = AmountField(label=_("Budget (kr.)"))
    notes = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        owners: Sequence[tuple[str, str]] = (),
        investors: Sequence[tuple[str, str]] = (),
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["owner"].choices = list(owners)  # type: ignore[attr-defined]
        self.fields["investor"].choices = list(investors)  # type: ignore[attr-defined]


class IndicatorForm(Styled):
    name = forms.CharField(label=_("Navn"), max_length=200, required=False)
    priority = _choice(_("Prioritet"), Priority.choices)
    source = _choice(_("Datakilde i Helhed"), [("", "–"), *IndicatorSource.choices])
    min_points = WholeField(label=_("Mindste stigning i WHO-5 (point)"))
    window_weeks = WholeField(label=_("Inden for (uger fra start)"))
    months_after = WholeField(label=_("Måles (måneder efter start)"))
    accepted = forms.MultipleChoiceField(
        label=_("Tæller som succes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    limit_percent = AmountField(label=_("Højst fravær (%)"))
    goal_share = AmountField(label=_("Mindst andel mål nået (%)"))
    price = AmountField(label=_("Kr. pr. succes"))
    cap = AmountField(label=_("Loft (kr., frivilligt)"))
    floor = AmountField(label=_("Gulv (kr., frivilligt)"))
    expected_rate = AmountField(label=_("Forventet andel (%)"))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["accepted"].choices = employment_choices()  # type: ignore[attr-defined]


class PhaseForm(Styled):
    name = forms.CharField(label=_("Fase"), max_length=100, required=False)
    start_week = WholeField(label=_("Fra uge"), widget=forms.NumberInput(attrs=NARROW))
    end_week = WholeField(label=_("Til uge"), widget=forms.NumberInput(attrs=NARROW))


class PointForm(Styled):
    week = WholeField(label=_("Uge"), widget=forms.NumberInput(attrs=NARROW))
    instrument = _choice(_("Måling"), [("", "–"), *PointInstrument.choices])


IndicatorFormSet = formset_factory(IndicatorForm, extra=0, can_delete=True)
PhaseFormSet = formset_factory(PhaseForm, extra=0, can_delete=True)
PointFormSet = formset_factory(PointForm, extra=0, can_delete=True)


class ContractForms:
    def __init__(
        self,
        data: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        indicators: list[dict[str, Any]] | None = None,
        phases: list[dict[str, Any]] | None = None,
        points: list[dict[str, Any]] | None = None,
        owners: Sequence[tuple[str, str]] = (),
        investors: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.form = ContractForm(data, initial=initial, owners=owners, investors=investors)
        self.indicators = IndicatorFormSet(data, initial=indicators, prefix="indicators")
        self.phases = PhaseFormSet(data, initial=phases, prefix="phases")
        self.points = PointFormSet(data, initial=points, prefix="points")

    def is_valid(self) -> bool:
        return all(
            [
                self.form.is_valid(),
                self.indicators.is_valid(),
                self.phases.is_valid(),
                self.points.is_valid(),
            ]
        )

    def errors(self) -> list[dict[str, str]]:
        return error_list(
            self.form,
            [
                (_("Indikator"), self.indicators),
                (_("Fase"), self.phases),
                (_("Målepunkt"), self.points),
            ],
        )


# --------------------------------------------------------------------------------------------
# One course
# --------------------------------------------------------------------------------------------


class CostForm(Styled):
    measure = _choice(_("Indsats"), [])
    unit_price = _choice(_("Enhed"), [])
    quantity = AmountField(label=_("Antal pr. måned"))
    year = WholeField(label=_("Fra år"))
    month = _choice(_("Fra måned"), MONTHS)
    months = WholeField(label=_("Antal måneder"), initial=1)
    payer = _choice(
        _("Betaler"),
        [("", _("Som besluttet for indsatsen")), *PayerLevel.choices],
    )
    budget_area = _choice(
        _("Budgetområde"),
        [("", _("Som besluttet for indsatsen")), *BudgetArea.choices],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self,
        *args: Any,
        measures: Sequence[tuple[str, str]] = (),
        prices: Sequence[tuple[str, str]] = (),
        **kw: Any,
    ) -> None:
        on = today()
        kw.setdefault(
            "initial",
            {
                "year": on.year,
                "month": str(on.month),
                "months": 1,
                "idempotency_key": uuid.uuid4().hex,
            },
        )
        super().__init__(*args, **kw)
        self.fields["measure"].choices = [  # type: ignore[attr-defined]
            ("", _("Ingen bestemt indsats (fx koordinering)")),
            *measures,
        ]
        self.fields["unit_price"].choices = [("", "–"), *prices]  # type: ignore[attr-defined]


class EnrolForm(Styled):
    contract = _choice(_("Kontrakt"), [])
    start_date = DayField(label=_("Start i indsatsen (uge 0)"))

    def __init__(self, *args: Any, contracts: Sequence[tuple[str, str]] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["contract"].choices = list(contracts)  # type: ignore[attr-defined]


class OverrideForm(Styled):
    status = _choice(_("Status"), [("", _("Brug den beregnede status")), *ResultStatus.choices])
    reason = forms.CharField(
        label=_("Begrundelse"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
