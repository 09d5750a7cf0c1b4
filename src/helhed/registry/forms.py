"""Forms of the registry: the search filters, the "as of" date, the initiative form with its
actor and funding formsets, and the live preview of conditions and category.

The initiative forms only parse (types, choices, Danish dates and amounts): the rules — a
primary actor, a funding period in order, a manual category's reason and source, … — are
``services.save_initiative``'s, which refuses with the same field errors the API reports, and
``InitiativeForms.apply_errors`` shows them on the rows they name. The live preview is
``selectors.evaluate_values`` over the unsaved form data, with ``logic``'s own messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.models import OrganisationType, WelfareArea
from helhed.core.web import PlausibleDateField, apply_errors
from helhed.registry import logic, selectors, services
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.models import (
    ActorRoleChoice,
    CollaborationModel,
    FundingSource,
    Initiative,
    InitiativeActor,
    Phase,
)

DATE_FORMATS = ["%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATE_FORMAT = "%d.%m.%Y"

CATEGORY_LABELS: dict[int, str] = {
    1: "1 – Kommune, intern finansiering",
    2: "2 – Kommune og andre aktører, intern finansiering",
    3: "3 – Andre aktører, intern finansiering",
    4: "4 – Kommune, kombineret finansiering",
    5: "5 – Kommune og andre aktører, kombineret finansiering",
    6: "6 – Andre aktører, kombineret finansiering",
    7: "7 – Kommune, ekstern finansiering",
    8: "8 – Kommune og andre aktører, ekstern finansiering",
    9: "9 – Andre aktører, ekstern finansiering",
}
CATEGORY_CHOICES: list[tuple[int | str, str]] = [("", "–"), *CATEGORY_LABELS.items()]

FINANCING_CHOICES = [
    ("", _("Alle")),
    ("intern", _("Intern (kategori 1-3)")),
    ("kombineret", _("Kombineret (kategori 4-6)")),
    ("ekstern", _("Ekstern (kategori 7-9)")),
]
WITHIN_CHOICES = [
    ("", _("Alle")),
    ("ja", _("Ja, alle fire betingelser er opfyldt")),
    ("nej", _("Nej, mindst én betingelse er ikke opfyldt")),
    ("ukendt", _("Uafklaret")),
]


def _style(form: forms.BaseForm) -> None:
    """DKFDS classes on the widgets (inputs, selects, textareas)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-input"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
        if isinstance(widget, forms.Textarea):
            widget.attrs["rows"] = 3


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return PlausibleDateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format=DATE_FORMAT, attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Skriv datoen som dd.mm.åååå, fx 01.01.2025.")},
        **kwargs,
    )


# --------------------------------------------------------------------------------------------
# Search and "as of"
# --------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The list page's filters; field names are the attributes of ``selectors.Filters`` so the
    same query string works for the list, the export and the API."""

    query = forms.CharField(
        label=_("Søg i navn, sted og beskrivelse"), required=False, max_length=100
    )
    category = forms.TypedChoiceField(
        label=_("Kategori"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Alle kategorier")), *CATEGORY_LABELS.items()],
    )
    welfare_area = forms.ChoiceField(label=_("Fagområde"), required=False)
    location = forms.CharField(label=_("Sted"), required=False, max_length=100)
    actor_type = forms.ChoiceField(label=_("Aktørtype i indsatsen"), required=False)
    financing = forms.ChoiceField(
        label=_("Finansiering"), required=False, choices=FINANCING_CHOICES
    )
    target_group = forms.CharField(label=_("Målgruppe (nøgleord)"), required=False, max_length=100)
    phase = forms.ChoiceField(
        label=_("Modenhed: fase"), required=False, choices=[("", _("Alle faser")), *Phase.choices]
    )
    collaboration_model = forms.ChoiceField(
        label=_("Samarbejdets karakter"),
        required=False,
        choices=[("", _("Alle modeller")), *CollaborationModel.choices],
    )
    within_definition = forms.ChoiceField(
        label=_("Inden for definitionen"), required=False, choices=WITHIN_CHOICES
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = cast(forms.ChoiceField, self.fields["welfare_area"])
        area.choices = [("", _("Alle fagområder"))] + [
            (a.slug, a.name_da) for a in WelfareArea.objects.all()
        ]
        actor_type = cast(forms.ChoiceField, self.fields["actor_type"])
        actor_type.choices = [("", _("Alle typer"))] + [
            (t.slug, t.name_da) for t in OrganisationType.objects.all()
        ]
        _style(self)

    def to_filters(self) -> selectors.Filters:
        """The valid filters (an invalid form filters on nothing)."""
        if not self.is_valid():
            return selectors.Filters()
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        return selectors.Filters(**data)


class AsOfForm(forms.Form):
    """``pr``: the date the category is read on (financing changes over time)."""

    pr = _date_field(_("Beregn kategorien pr. dato (dd.mm.åååå)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def as_of(self) -> date | None:
        return self.cleaned_data.get("pr") if self.is_valid() else None


# --------------------------------------------------------------------------------------------
# The initiative form
# --------------------------------------------------------------------------------------------

INITIATIVE_FIELDS = [
    "name",
    "location",
    "description",
    "umbrella",
    "source",
    # 1. Målgruppe
    "target_group",
    "target_unit",
    "age_min",
    "age_max",
    "objective_criteria",
    "judgement_criteria",
    "course_length",
    "breadth",
    "complexity",
    # 2. Aktører
    "volunteers",
    "citizen_involvement",
    "relatives_involvement",
    # 4. Tidsperspektiv, 5. Modenhed
    "time_perspective",
    "phase",
    "since_year",
    "evidence_level",
    "standardisation",
    # 6. Formalisering, 7. Tværfaglighed, 8. Samarbejdets karakter
    "process_formalisation",
    "decision_level",
    "disciplines_count",
    "specialisations_count",
    "interdisciplinarity",
    "collaboration_model",
    "kl_scale",
    # The four conditions
    "cond_welfare_area",
    "cond_public_actor",
    "cond_cross_area_coordination",
    "policy_area_count",
    "cond_coordinating_function",
    # Categorisation
    "vive_category",
    "classification_date",
    "category_override",
    "override_reason",
    "override_source",
    "alternative_category",
    "alternative_note",
]

# The template renders the form in these groups (heading, field names).
FIELD_GROUPS: list[tuple[str, list[str]]] = [
    ("Indsatsen", ["name", "location", "description", "umbrella", "source"]),
    (
        "1. Målgruppe",
        [
            "target_group",
            "target_unit",
            "age_min",
            "age_max",
            "objective_criteria",
            "judgement_criteria",
            "course_length",
            "breadth",
            "complexity",
        ],
    ),
    (
        "2. Aktører: frivillige, borgere og pårørende",
        ["volunteers", "citizen_involvement", "relatives_involvement"],
    ),
    ("4. Tidsperspektiv", ["time_perspective"]),
    ("5. Modenhed", ["phase", "since_year", "evidence_level", "standardisation"]),
    ("6. Formalisering", ["process_formalisation", "decision_level"]),
    ("7. Tværfaglighed", ["disciplines_count", "specialisations_count", "interdisciplinarity"]),
    ("8. Samarbejdets karakter", ["collaboration_model", "kl_scale"]),
    (
        "De fire betingelser (VIVE, Boks 2.1)",
        [
            "cond_welfare_area",
            "cond_public_actor",
            "cond_cross_area_coordination",
            "policy_area_count",
            "cond_coordinating_function",
        ],
    ),
    (
        "Kategori",
        [
            "classification_date",
            "vive_category",
            "alternative_category",
            "alternative_note",
            "category_override",
            "override_source",
            "override_reason",
        ],
    ),
]


def _model_fields(model: type[Any], names: list[str], **kwargs: Any) -> dict[str, forms.Field]:
    """The model's own form fields (labels, help texts, choices, validators) for a plain form:
    the forms parse, ``services.save_initiative`` decides."""
    return cast(dict[str, forms.Field], forms.fields_for_model(model, fields=names, **kwargs))


class InitiativeForm(forms.Form):
    """The initiative's own fields and its fagområder, parsed into the values
    ``services.save_initiative`` takes (the rules across fields are the service's)."""

    welfare_area_slugs = forms.MultipleChoiceField(
        label=_("Fagområder"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("VIVE's 14 fagområder. Betingelse 3 kræver mindst to."),
    )
    classification_date = _date_field(
        _("Kategoriseret pr. (dd.mm.åååå)"),
        required=False,
        help_text=_("Datoen finansieringen læses på. Tom: i dag."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = cast(forms.MultipleChoiceField, self.fields["welfare_area_slugs"])
        areas.choices = [(a.slug, a.name_da) for a in WelfareArea.objects.all()]
        self.fields["name"].error_messages["required"] = services.NAME_REQUIRED
        self.fields["override_source"].help_text = _("Påkrævet sammen med en manuel kategori.")
        _style(self)

    @staticmethod
    def initial_for(initiative: Initiative) -> dict[str, Any]:
        initial = forms.model_to_dict(initiative, fields=INITIATIVE_FIELDS)
        initial["welfare_area_slugs"] = selectors.area_slugs(initiative)
        return initial

    def values(self) -> services.InitiativeValues:
        data = self.cleaned_data
        return services.InitiativeValues(**{name: data[name] for name in INITIATIVE_FIELDS})


InitiativeForm.base_fields = {
    **_model_fields(
        Initiative,
        INITIATIVE_FIELDS,
        widgets={
            "vive_category": forms.Select(choices=CATEGORY_CHOICES),
            "category_override": forms.Select(choices=CATEGORY_CHOICES),
            "alternative_category": forms.Select(choices=CATEGORY_CHOICES),
        },
    ),
    **InitiativeForm.declared_fields,
}


class ActorForm(forms.Form):
    """One actor row: name, type, role and what it brings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_type = cast(forms.ModelChoiceField, self.fields["org_type"])
        org_type.empty_label = "–"
        role = cast(forms.TypedChoiceField, self.fields["role"])
        role.choices = [("", "–"), *ActorRoleChoice.choices]
        _style(self)

    @staticmethod
    def initial_for(actor: InitiativeActor) -> dict[str, Any]:
        return forms.model_to_dict(actor, fields=ACTOR_FIELDS)

    def to_logic(self) -> logic.Actor | None:
        """The actor as the rules see it, or None if the row is empty, deleted or unreadable."""
        data = getattr(self, "cleaned_data", {})
        if not data or data.get("DELETE"):
            return None
        name, org_type, role = data.get("name"), data.get("org_type"), data.get("role")
        if not name or org_type is None or not role:
            return None
        try:
            return logic.Actor(name, logic.OrgType(org_type.pk), logic.ActorRole(role))
        except ValueError:
            return None

    def row(self) -> ActorRow:
        data = self.cleaned_data
        return ActorRow(
            data["name"],
            logic.OrgType(data["org_type"].pk),
            logic.ActorRole(data["role"]),
            units=data["units"],
            professions=data["professions"],
            note=data["note"],
        )


ACTOR_FIELDS = ["name", "org_type", "role", "units", "professions", "note"]
ActorForm.base_fields = _model_fields(
    InitiativeActor, ACTOR_FIELDS, labels={"name": _("Aktørens navn")}
)


class DanishDecimalField(forms.DecimalField):
    """Accepts Danish notation: "1.234.567", "1.234.567,50", "1234567", "12,5 kr."."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower().removesuffix("kr.").removesuffix("kr").strip()
            text = text.replace(" ", "").replace("\xa0", "")
            if "," in text:
                text = text.replace(".", "").replace(",", ".")
            elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
                text = text.replace(".", "")
            value = text
        return super().to_python(value)


class FundingForm(forms.Form):
    """One funding source row: who pays, from inside or outside, how much, over which period."""

    inside = forms.TypedChoiceField(
        label=_("Er kilden aktør i indsatsen?"),
        coerce=lambda v: v == "True",
        choices=[
            ("", "–"),
            ("True", _("Ja – aktør i indsatsen (intern finansiering)")),
            ("False", _("Nej – uden for indsatsen (ekstern finansiering)")),
        ],
        error_messages={"required": _("Angiv, om finansieringskilden er aktør i indsatsen.")},
    )
    amount = DanishDecimalField(
        label=_("Beløb (kr.)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Fx 1.234.567"),
    )
    period_start = _date_field(_("Periode fra (dd.mm.åååå)"), required=False)
    period_end = _date_field(
        _("Periode til (dd.mm.åååå)"), required=False, help_text=_("Tom: løbende.")
    )

    # The service names a source's fields as the API does.
    FIELD_NAMES: ClassVar[dict[str, str]] = {"start": "period_start", "end": "period_end"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_type = cast(forms.ModelChoiceField, self.fields["org_type"])
        org_type.empty_label = "–"
        _style(self)

    @staticmethod
    def initial_for(source: FundingSource) -> dict[str, Any]:
        initial = forms.model_to_dict(source, fields=FUNDING_FIELDS)
        initial["inside"] = str(source.inside)
        return initial

    def to_logic(self, *, partial: bool = False) -> logic.FundingSource | None:
        """The source as the rules see it; with ``partial`` also without a valid type/side."""
        data = getattr(self, "cleaned_data", {})
        if not data or data.get("DELETE"):
            return None
        org_type = data.get("org_type")
        inside = data.get("inside")
        if not partial and (org_type is None or inside is None or not data.get("funder")):
            return None
        if not data.get("funder") and org_type is None and inside is None:
            return None
        try:
            kind = logic.OrgType(org_type.pk) if org_type is not None else logic.OrgType.PRIVAT
        except ValueError:
            return None
        return logic.FundingSource(
            funder=data.get("funder") or "",
            org_type=kind,
            inside=bool(inside),
            amount=data.get("amount"),
            start=data.get("period_start"),
            end=data.get("period_end"),
        )

    def row(self) -> FundingRow:
        data = self.cleaned_data
        return FundingRow(
            data["funder"],
            logic.OrgType(data["org_type"].pk),
            data["inside"],
            data["amount"],
            data["period_start"],
            data["period_end"],
            data["counts_for_classification"],
            data["note"],
        )


FUNDING_FIELDS = [
    "funder",
    "org_type",
    "inside",
    "amount",
    "period_start",
    "period_end",
    "counts_for_classification",
    "note",
]
FundingForm.base_fields = {
    **_model_fields(FundingSource, FUNDING_FIELDS),
    **FundingForm.declared_fields,
}

MAX_ROWS = 50


def _formset(form: type[forms.Form], extra: int) -> type[forms.BaseFormSet[Any]]:
    return forms.formset_factory(
        form,
        extra=extra,
        can_delete=True,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )


@dataclass
class InitiativeForms:
    """The initiative form and its actor and funding formsets, bound or not, handled as one."""

    form: InitiativeForm
    actors: forms.BaseFormSet[Any]
    funding: forms.BaseFormSet[Any]

    @classmethod
    def build(
        cls,
        data: QueryDict | None = None,
        initiative: Initiative | None = None,
        extra_rows: int = 0,
    ) -> InitiativeForms:
        """Bound to ``data``; or unbound, showing the stored ``initiative`` (if any) and
        ``extra_rows`` empty actor and funding rows."""
        extra = extra_rows if data is None else 0
        form_initial: dict[str, Any] = {}
        actors: list[dict[str, Any]] = []
        funding: list[dict[str, Any]] = []
        if initiative is not None and data is None:
            form_initial = InitiativeForm.initial_for(initiative)
            actors = [ActorForm.initial_for(a) for a in initiative.actors.all()]
            funding = [FundingForm.initial_for(f) for f in initiative.funding_sources.all()]
        return cls(
            form=InitiativeForm(data, initial=form_initial),
            actors=_formset(ActorForm, extra)(data, initial=actors or None, prefix="actors"),
            funding=_formset(FundingForm, extra)(data, initial=funding or None, prefix="funding"),
        )

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), self.actors.is_valid(), self.funding.is_valid()]
        return all(results)

    def error_count(self) -> int:
        count = len(self.form.errors) + len(self.actors.non_form_errors())
        count += len(self.funding.non_form_errors())
        for formset in (self.actors, self.funding):
            count += sum(len(errors) for errors in formset.errors)
        return count

    def _kept(self, formset: forms.BaseFormSet[Any]) -> list[forms.Form]:
        """The rows to save, in order: filled in and not deleted."""
        return [
            form
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def save_arguments(self) -> dict[str, Any]:
        """The valid forms as ``services.save_initiative``'s keyword arguments."""
        return {
            "values": self.form.values(),
            "welfare_areas": list(dict.fromkeys(self.form.cleaned_data["welfare_area_slugs"])),
            "actors": [cast(ActorForm, f).row() for f in self._kept(self.actors)],
            "funding": [cast(FundingForm, f).row() for f in self._kept(self.funding)],
        }

    def apply_errors(self, exc: ValidationError) -> None:
        """Put a ``save_initiative`` refusal on the fields it names: ``actors.1.role`` on the
        second saved actor row's role, ``funding.0.start`` on the first source's start date,
        ``welfare_areas.…`` on the fagområder, the rest on the form's own fields."""
        own: dict[str, list[str]] = {}
        rows = {"actors": self._kept(self.actors), "funding": self._kept(self.funding)}
        for path, messages in exc.message_dict.items():
            prefix, _dot, rest = path.partition(".")
            index, _dot, name = rest.partition(".")
            if prefix in rows and index.isdigit() and int(index) < len(rows[prefix]):
                row = rows[prefix][int(index)]
                name = FundingForm.FIELD_NAMES.get(name, name)
                for message in messages:
                    row.add_error(name if name in row.fields else None, message)
            else:
                key = "welfare_area_slugs" if prefix == "welfare_areas" else path
                own.setdefault(key, []).extend(messages)
        if own:
            apply_errors(self.form, ValidationError(own))


def add_row(data: QueryDict, prefix: str) -> QueryDict:
    """A copy of the POSTed data with one more (empty) row in formset ``prefix``."""
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(copy.get(key, "0"))
    except ValueError:
        total = 0
    copy[key] = str(min(max(total, 0) + 1, MAX_ROWS))
    return copy


# --------------------------------------------------------------------------------------------
# Live preview: an evaluation of unsaved form data
# --------------------------------------------------------------------------------------------

_TRI = {"ja": True, "nej": False}


def _tri(value: Any) -> bool | None:
    return _TRI.get(str(value)) if value is not None else None


def preview_evaluation(forms_: InitiativeForms) -> selectors.Evaluation:
    """What the initiative would be if saved now: the four conditions, the verdict and the
    category with its explanation — computed from whatever parts of the (possibly invalid)
    form data can be read. Nothing is saved. Mirrors ``selectors.evaluate``."""
    form = forms_.form
    form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    raw = form.data

    actors: list[logic.Actor] = []
    for actor_form in forms_.actors.forms:
        actor_form.is_valid()
        actor = cast(ActorForm, actor_form).to_logic()
        if actor is not None:
            actors.append(actor)
    funding: list[logic.FundingSource] = []
    for funding_form in forms_.funding.forms:
        funding_form.is_valid()
        source = cast(FundingForm, funding_form).to_logic(partial=True)
        counts = getattr(funding_form, "cleaned_data", {}).get("counts_for_classification", True)
        if source is not None and counts:
            funding.append(source)

    areas = set(data.get("welfare_area_slugs") or [])
    override = data.get("category_override")
    reason = (data.get("override_reason") or "").strip() or "(begrundelse mangler)"
    return selectors.evaluate_values(
        actors=actors,
        funding=funding,
        as_of=data.get("classification_date") or timezone.localdate(),
        area_count=len(areas) if areas else data.get("policy_area_count"),
        welfare_area=_tri(raw.get("cond_welfare_area")),
        public_actor=_tri(raw.get("cond_public_actor")),
        cross_area_coordination=_tri(raw.get("cond_cross_area_coordination")),
        coordinating_function=_tri(raw.get("cond_coordinating_function")),
        override=override,
        override_text=f": {reason}" if override is not None else "",
        vive_category=data.get("vive_category"),
        alternative=data.get("alternative_category"),
    )
