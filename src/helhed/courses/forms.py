"""Forms of the course pages. They parse and check input; the writes are in ``services``.

Field names match the service's keyword arguments and the model's field names, so a
``ValidationError`` raised by a service (or by a model's ``full_clean``) lands on the right field
(``apply_errors``). Every plan form carries the hidden ``version`` the user started from
(optimistic concurrency: ``services.StalePlanError``).

Writes happen in ``services`` (the household of an intake: ``services.create_household``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import ObjectChoiceField, ObjectMultipleChoiceField
from helhed.core.models import Organisation, Unit, User, WelfareArea
from helhed.core.selectors import current_memberships
from helhed.core.web import date_field
from helhed.courses import logic, selectors
from helhed.courses.models import (
    Appointment,
    BudgetArea,
    ContactChannel,
    Course,
    CourseStatus,
    Demand,
    DemandKind,
    GivenBy,
    Goal,
    GoalStatus,
    Horizon,
    LegalBasis,
    Measure,
    MeasureStatus,
    Plan,
    TeamMember,
)
from helhed.courses.selectors import PlanChoices
from helhed.courses.services import CUSTODY_RELATIONS, MAX_HOUSEHOLD_MEMBERS, MEMBER_RELATIONS
from helhed.registry.models import Initiative


def display_value(form: forms.Form, name: str, value: Any) -> str:
    """A stored value as the user would read it in the form (choice label, dd.mm.åååå)."""
    if value in (None, "", [], ()):
        return "–"
    field = form.fields[name]
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(field, ObjectMultipleChoiceField):
        return ", ".join(field_label(field, v) for v in value) or "–"
    if isinstance(field, ObjectChoiceField):
        return field_label(field, value)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return ", ".join(str(v) for v in value)
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    if isinstance(field, forms.ChoiceField):
        labels: dict[str, str] = {}
        for key, label in cast(Any, field.choices):
            if isinstance(label, list | tuple):
                labels.update({str(k): str(v) for k, v in label})
            else:
                labels[str(key)] = str(label)
        return labels.get(str(value), str(value))
    return str(value)


def field_label(field: Any, value: Any) -> str:
    """How an object choice reads in the form; one the reader may not see is not named."""
    key = str(getattr(value, "pk", value))
    for choice_key, label in field.choices:
        if str(choice_key) == key:
            return str(label)
    return str(_("(ikke synlig for dig)"))


def category_field(label: Any, categories: list[tuple[str, str]]) -> forms.ChoiceField:
    """Which data category a free text reveals (docs/security.md, "Free text"). Left out of a
    submission, the text keeps the category it has (plan data for a new text)."""
    return forms.ChoiceField(
        label=label,
        choices=categories,
        initial="plan",
        required=False,
        help_text=_(
            "Kun læsere, hvis samtykke omfatter kategorien, kan læse teksten. Vælg fx Helbred, "
            "hvis teksten nævner behandling eller diagnoser."
        ),
    )


def organisation_field(label: Any, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=Organisation.objects.select_related("org_type").order_by(
            "org_type__order", "name"
        ),
        empty_label=_("— vælg —"),
    )


def welfare_area_field(label: Any, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=WelfareArea.objects.order_by("order"),
        empty_label=_("— vælg —"),
    )


def legal_basis_choices(current: str | None = None) -> list[Any]:
    """The active legal bases grouped by law (optgroups); an inactive one already chosen stays."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for basis in LegalBasis.objects.filter(Q(active=True) | Q(pk=current or "")).order_by(
        "law", "id"
    ):
        groups.setdefault(basis.law, []).append((basis.pk, f"{basis.paragraph} – {basis.title}"))
    return [("", _("— vælg hjemmel —")), *groups.items()]


class LegalBasisField(forms.ChoiceField):
    """A select of legal bases (grouped by law) whose cleaned value is the ``LegalBasis``."""

    def clean(self, value: Any) -> LegalBasis | None:
        key = super().clean(value)
        if not key:
            return None
        basis = LegalBasis.objects.filter(pk=key).first()
        if basis is None:
            raise ValidationError(_("Vælg en hjemmel fra listen."))
        return basis


# --------------------------------------------------------------------------------------------
# Search, intake, household
# --------------------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søg efter borger (navn eller CPR-nummer)"),
        max_length=100,
        min_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"min_length": _("Skriv mindst 2 tegn.")},
    )


class LongText(forms.CharField):
    """A free text whose length limit the service checks (the model's ``text_limit``): no
    ``maxlength`` attribute, so the browser never cuts a pasted text short without a word; a
    text over the limit comes back whole with a field error saying by how much."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def _limit_hint(limit: int) -> str:
    return _("Højst %(limit)s tegn.") % {"limit": f"{limit:,}".replace(",", ".")}


def long_text(label: Any, limit: int, *, rows: int, required: bool = False) -> LongText:
    return LongText(
        label=label,
        required=required,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=lazy(_limit_hint, str)(limit),
    )


CHECKLIST_CHOICES = [("ja", _("Ja")), ("nej", _("Nej")), ("ukendt", _("Ukendt"))]


class IntakeForm(forms.Form):
    initiative = forms.ModelChoiceField(
        label=_("Indsats (fra registret)"),
        queryset=Initiative.objects.order_by("name"),
        empty_label=_("— vælg indsats —"),
    )
    coordinator_unit = forms.ModelChoiceField(
        label=_("Din enhed (koordinatorens enhed)"),
        queryset=Unit.objects.none(),
        empty_label=None,
    )
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        max_length=11,
        help_text=_("ddmmåå-xxxx"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Efternavn"), max_length=100)
    contact_channel = forms.ChoiceField(
        label=_("Foretrukken kontaktform"),
        choices=ContactChannel.choices,
        initial=ContactChannel.DIGITAL_POST,
        widget=forms.RadioSelect,
    )
    no_fixed_address = forms.BooleanField(label=_("Borgeren er uden fast bopæl"), required=False)
    phone = forms.CharField(
        label=_("Borgerens telefon"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    companion_wanted = forms.BooleanField(
        label=_("Borgeren ønsker bisidder eller ledsager"), required=False
    )
    referred_on = date_field(_("Henvist den"), required=True)
    referral_note = forms.CharField(
        label=_("Henvisningsårsag"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referral_note_category = category_field(
        _("Hvad afslører henvisningsårsagen?"), list(logic.DATA_CATEGORIES)
    )
    mandate = forms.CharField(
        label=_("Koordinatorens mandat"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Hvad du kan sætte i gang uden at spørge andre (fx beløbsgrænser)."),
    )
    mandate_category = category_field(_("Hvad afslører mandatet?"), list(logic.DATA_CATEGORIES))
    household_name = forms.CharField(
        label=_("Familiens navn"),
        max_length=200,
        required=False,
        help_text=_("Fx »Familien Jensen«. Udfyldes kun, hvis planen skal dække hele familien."),
    )
    parallel_reason = forms.CharField(
        label=_("Begrundelse for et forløb ved siden af det aktive forløb"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kun hvis borgeren allerede har et aktivt forløb og der er grund til et forløb mere. "
            "Kræver rollen koordinator i din enhed."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_ids = current_memberships(user).values_list("unit_id", flat=True)
        units = cast(forms.ModelChoiceField, self.fields["coordinator_unit"])
        units.queryset = Unit.objects.filter(pk__in=unit_ids).select_related("organisation")
        units.label_from_instance = lambda u: f"{u.name}, {u.organisation.name}"  # type: ignore[method-assign,assignment]
        self.initial.setdefault("referred_on", timezone.localdate())
        self.criteria = checklist_items(self._chosen_initiative())
        for index, (kind, text) in enumerate(self.criteria):
            self.fields[f"kriterie_{index}"] = forms.ChoiceField(
                label=text,
                choices=CHECKLIST_CHOICES,
                initial="ukendt",
                widget=forms.RadioSelect,
                help_text=kind,
            )

    def _chosen_initiative(self) -> Initiative | None:
        raw = self.data.get("initiative") if self.is_bound else self.initial.get("initiative")
        if isinstance(raw, Initiative):
            return raw
        try:
            return Initiative.objects.filter(pk=uuid.UUID(str(raw))).first() if raw else None
        except ValueError:
            return None

    @property
    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"kriterie_{i}"] for i in range(len(self.criteria))]

    def clean_cpr(self) -> str:
        try:
            return logic.validate_cpr(self.cleaned_data["cpr"], timezone.localdate())
        except logic.CprError as exc:
            raise ValidationError(str(exc)) from None

    def clean_referred_on(self) -> date:
        value: date = self.cleaned_data["referred_on"]
        if not 1900 <= value.year <= 2200:
            raise ValidationError(_("Angiv en dato mellem år 1900 og 2200."))
        if value > timezone.localdate():
            raise ValidationError(_("Henvisningsdatoen kan ikke ligge i fremtiden."))
        return value

    def checklist(self) -> dict[str, str]:
        return {
            text: self.cleaned_data[f"kriterie_{i}"]
            for i, (_kind, text) in enumerate(self.criteria)
        }

    def contact(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "contact_channel": data["contact_channel"],
            "no_fixed_address": data["no_fixed_address"],
            "phone": data["phone"],
            "companion_wanted": data["companion_wanted"],
        }


def checklist_items(initiative: Initiative | None) -> list[tuple[str, str]]:
    from helhed.courses.services import checklist_for

    return checklist_for(initiative) if initiative is not None else []


class HouseholdMemberForm(forms.Form):
    """One more person in the family: name, CPR number, relation to the citizen and, between
    parent and child, whether the parent holds custody (``services.check_members`` checks the
    same for the API)."""

    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Efternavn"), max_length=100)
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        max_length=11,
        help_text=_("ddmmåå-xxxx"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    relation = forms.ChoiceField(
        label=_("Relation til borgeren"),
        choices=[("", _("— vælg —")), *((k, v[0]) for k, v in MEMBER_RELATIONS.items())],
    )
    custody = forms.BooleanField(
        label=_("Forælderen har forældremyndighed over barnet"),
        required=False,
        help_text=_(
            "Kun mellem forælder og barn. Forældremyndigheden giver samtykke for børn under 15 år."
        ),
    )

    def clean_cpr(self) -> str:
        try:
            return logic.validate_cpr(self.cleaned_data["cpr"], timezone.localdate())
        except logic.CprError as exc:
            raise ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        relation = data.get("relation")
        if data.get("custody") and relation and relation not in CUSTODY_RELATIONS:
            self.add_error("custody", _("Forældremyndighed gælder kun mellem forælder og barn."))
        return data


class BaseHouseholdFormSet(forms.BaseFormSet):
    """Any number of household members (up to ``services.MAX_HOUSEHOLD_MEMBERS``); blank rows
    are left out. »Tilføj person« posts the form back with one more row (no JavaScript)."""

    main_cpr: str | None = None

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            cpr = form.cleaned_data.get("cpr") if hasattr(form, "cleaned_data") else None
            if not cpr:
                continue
            if cpr in seen or cpr == self.main_cpr:
                form.add_error("cpr", _("Personen er allerede med i familien."))
            seen.add(cpr)

    def members(self) -> list[dict[str, Any]]:
        return [f.cleaned_data for f in self.forms if getattr(f, "cleaned_data", None)]

    def add_row_errors(self, exc: ValidationError) -> ValidationError | None:
        """Put a service's ``members.<row>.<field>`` errors on the row's field; what is left
        (the rest of the intake's errors) is returned."""
        rest: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else ():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "members" and parts[1].isdigit():
                row = [form for form in self.forms if getattr(form, "cleaned_data", None)]
                index = int(parts[1])
                if index < len(row) and parts[2] in row[index].fields:
                    row[index].add_error(parts[2], messages)
                    continue
            rest[key] = messages
        if not hasattr(exc, "error_dict"):
            return exc
        return ValidationError(rest) if rest else None


def posted_rows(data: Any, prefix: str = "familie") -> list[dict[str, Any]]:
    """The household rows a page posted, blank ones left out: the initial rows of the form
    shown again with one more row (»Tilføj person«)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_HOUSEHOLD_MEMBERS)
    except ValueError:
        total = 0
    names = list(HouseholdMemberForm.base_fields)
    rows = []
    for index in range(total):
        row = {name: data.get(f"{prefix}-{index}-{name}", "") for name in names}
        row["custody"] = bool(row["custody"])
        if any(v for k, v in row.items() if k != "custody"):
            rows.append(row)
    return rows


HouseholdFormSet = forms.formset_factory(
    HouseholdMemberForm,
    formset=BaseHouseholdFormSet,
    extra=1,
    max_num=MAX_HOUSEHOLD_MEMBERS,
    validate_max=True,
)


# --------------------------------------------------------------------------------------------
# Course: status, coordinator, consent, access without consent, team
# --------------------------------------------------------------------------------------------


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Ny status"), choices=CourseStatus.choices)
    closing_reason = forms.CharField(
        label=_("Årsag til afslutning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Skal udfyldes, når forløbet afsluttes."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == CourseStatus.CLOSED and not data.get("closing_reason", "").strip():
            self.add_error("closing_reason", _("Angiv årsagen til, at forløbet afsluttes."))
        return data


class RestrictionForm(forms.Form):
    """Restrict processing (GDPR art. 18) with a reason, or lift the restriction."""

    reason = forms.CharField(
        label=_("Begrundelse"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Fx at borgeren har bestridt oplysningernes rigtighed, eller at oplysningerne skal "
            "bevares til et retskrav (databeskyttelsesforordningens art. 18, stk. 1)."
        ),
    )


class JoinRequestForm(forms.Form):
    """Sent from intake when the citizen already has an active course: the CPR number and unit
    come again from the intake form (POSTed, never in a URL)."""

    cpr = forms.CharField(max_length=11, widget=forms.HiddenInput)
    unit = forms.CharField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Besked til koordinatoren (valgfri)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Fx hvorfor din enhed skal med i teamet. Skriv ikke helbredsoplysninger."),
    )


class JoinAnswerForm(forms.Form):
    role = forms.CharField(
        label=_("Rolle i teamet"),
        max_length=120,
        required=False,
        help_text=_("Fx »Sagsbehandler, jobcenter«. Tomt: Kontaktperson."),
    )
    note = forms.CharField(
        label=_("Svar til fagpersonen (valgfri)"), required=False, max_length=2000
    )


CATEGORY_CHOICES = list(logic.DATA_CATEGORIES)


class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(
        label=_("Samtykket gives af"), choices=GivenBy.choices, widget=forms.RadioSelect
    )
    given_by_name = forms.CharField(label=_("Navn på den, der giver samtykke"), max_length=200)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisationer (hele organisationen)"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Enheder"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Oplysninger, der må deles"),
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["plan"],
        error_messages={"required": _("Vælg mindst én kategori af oplysninger.")},
    )
    valid_from = date_field(_("Gyldigt fra"), required=True)
    valid_to = date_field(
        _("Gyldigt til"), help_text=_("dd.mm.åååå – tomt: til det trækkes tilbage")
    )
    for_evaluation = forms.BooleanField(
        label=_("Oplysningerne må bruges pseudonymiseret til evaluering af indsatsen"),
        required=False,
        help_text=_(
            "Kun de organisationer og enheder, samtykket omfatter, og kun pseudonymiseret."
        ),
    )
    child_ids = ObjectMultipleChoiceField(
        label=_("Samtykket gives også for disse børn (som indehaver af forældremyndigheden)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Børn under 15 år i familien, som borgeren har forældremyndigheden over. Et barn på "
            "15 år eller derover giver selv samtykke."
        ),
    )
    person_id = ObjectChoiceField(
        label=_("Hvis samtykke"),
        required=False,
        empty_label=_("Forløbets borger"),
        help_text=_(
            "Et familiemedlem på 15 år eller derover giver selv samtykke: vælg personen, og "
            "skriv personens navn som den, der giver samtykke."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        course: Course,
        organisations: list[Organisation],
        units: list[Unit],
        children: list[Any] | None = None,
        own_consent_members: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if own_consent_members:
            cast(ObjectChoiceField, self.fields["person_id"]).set_objects(
                own_consent_members, lambda c: f"{c.full_name} ({c.masked_cpr})"
            )
        else:
            del self.fields["person_id"]
        if children:
            cast(ObjectMultipleChoiceField, self.fields["child_ids"]).set_objects(
                children, lambda c: f"{c.full_name} ({c.masked_cpr})"
            )
        else:
            del self.fields["child_ids"]
        cast(
            forms.ModelMultipleChoiceField, self.fields["organisations"]
        ).queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by(
            "name"
        )
        unit_field = cast(forms.ModelMultipleChoiceField, self.fields["units"])
        unit_field.queryset = (
            Unit.objects.filter(pk__in=[u.pk for u in units])
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        unit_field.label_from_instance = lambda u: f"{u.name}, {u.organisation.name}"  # type: ignore[method-assign,assignment]
        self.initial.setdefault("valid_from", timezone.localdate())
        born = course.citizen.birth_date
        self.initial.setdefault(
            "given_by",
            logic.who_consents(born, timezone.localdate())
            .replace("custody_holder", GivenBy.CUSTODY_HOLDER)
            .replace("citizen", GivenBy.CITIZEN),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organisations") and not data.get("units") and not self.has_error("units"):
            self.add_error(
                "units", _("Vælg mindst én organisation eller enhed, som samtykket omfatter.")
            )
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("Slutdatoen skal ligge efter startdatoen."))
        if data.get("person_id") is not None:
            data["person_id"] = data["person_id"].pk
        return data


class ConsentDocumentForm(forms.Form):
    """The signed consent; the service checks type by content and size (field errors)."""

    file = forms.FileField(
        label=_("Underskrevet samtykkeerklæring"),
        help_text=_("PDF, PNG eller JPEG, højst 10 MB."),
        error_messages={
            "required": _("Vælg filen med den underskrevne erklæring."),
            "empty": _("Filen er tom."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class ConsentChangeForm(forms.Form):
    """A consent's units, organisations, categories and expiry, changed as the citizen asked."""

    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisationer (hele organisationen)"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Enheder"),
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Oplysninger, der må deles"),
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst én kategori af oplysninger.")},
    )
    valid_to = date_field(
        _("Gyldigt til"), help_text=_("dd.mm.åååå – tomt: til det trækkes tilbage")
    )

    def __init__(
        self,
        *args: Any,
        consent: Any,
        organisations: list[Organisation],
        units: list[Unit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # the current scope stays choosable even if a unit has left the team since
        org_ids = {o.pk for o in organisations} | {o.pk for o in consent.organisations.all()}
        unit_ids = {u.pk for u in units} | {u.pk for u in consent.units.all()}
        cast(
            forms.ModelMultipleChoiceField, self.fields["organisations"]
        ).queryset = Organisation.objects.filter(pk__in=org_ids).order_by("name")
        unit_field = cast(forms.ModelMultipleChoiceField, self.fields["units"])
        unit_field.queryset = (
            Unit.objects.filter(pk__in=unit_ids)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        unit_field.label_from_instance = lambda u: f"{u.name}, {u.organisation.name}"  # type: ignore[method-assign,assignment]
        self.initial.setdefault("organisations", [o.pk for o in consent.organisations.all()])
        self.initial.setdefault("units", [u.pk for u in consent.units.all()])
        self.initial.setdefault("categories", sorted(consent.categories))
        self.initial.setdefault("valid_to", consent.valid_to)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organisations") and not data.get("units") and not self.has_error("units"):
            self.add_error(
                "units", _("Vælg mindst én organisation eller enhed, som samtykket omfatter.")
            )
        return data


class WithdrawConsentForm(forms.Form):
    by_name = forms.CharField(
        label=_("Hvem trækker samtykket tilbage?"),
        max_length=200,
        required=False,
        help_text=_("Fx borgerens navn. Tomt: dit eget navn registreres."),
    )
    confirm = forms.BooleanField(
        label=_("Ja, træk samtykket tilbage nu. Adgangen ophører med det samme."),
        error_messages={"required": _("Bekræft, at samtykket skal trækkes tilbage.")},
    )


class WithoutConsentForm(forms.Form):
    unit = ObjectChoiceField(
        label=_("Åbnes fra enhed"),
        label_of=lambda u: f"{u.name}, {u.organisation.name}",
        help_text=_("Adgangen står i loggen under denne enhed, og enhedens leder får besked."),
    )
    basis = ObjectChoiceField(
        label=_("Hjemmel"),
        label_of=lambda b: f"{b.law} {b.paragraph} – {b.title}",
        empty_label=_("— vælg hjemmel —"),
    )
    note = forms.CharField(
        label=_("Note (valgfri)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Fx sagsnummeret på underretningen. Skriv ikke mere end nødvendigt."),
    )

    def __init__(self, *args: Any, units: list[Unit], bases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ObjectChoiceField, self.fields["unit"]).set_objects(
            units, lambda u: f"{u.name}, {u.organisation.name}"
        )
        cast(ObjectChoiceField, self.fields["basis"]).set_objects(
            bases, lambda b: f"{b.law} {b.paragraph} – {b.title}"
        )
        if len(units) == 1:
            self.initial.setdefault("unit", units[0].pk)


REVIEW_CHOICES = [
    ("berettiget", _("Berettiget")),
    ("ikke-berettiget", _("Ikke berettiget")),
]


class WithoutConsentReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Vurdering"), choices=REVIEW_CHOICES)
    note = forms.CharField(
        label=_("Bemærkning"),
        required=False,
        max_length=2000,
        help_text=_("Skal udfyldes, hvis adgangen ikke var berettiget."),
    )


class TeamMemberForm(forms.Form):
    organisation = organisation_field(_("Organisation"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Enhed"),
        required=False,
        queryset=Unit.objects.select_related("organisation").order_by("organisation__name", "name"),
        empty_label=_("— ingen enhed i Helhed —"),
        help_text=_("Vælg enheden, hvis personen arbejder i en enhed i Helhed."),
    )
    member_user = forms.ModelChoiceField(
        label=_("Bruger i Helhed (valgfri)"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— ingen —"),
        help_text=_("Medarbejdere i den valgte enhed."),
    )
    name = forms.CharField(
        label=_("Navn"), max_length=200, required=False, help_text=_("Tomt: brugerens navn.")
    )
    role = forms.CharField(
        label=_("Rolle"),
        max_length=120,
        help_text=_("Fx »Sagsbehandler, jobcenter« eller »Behandler«."),
    )
    welfare_area = welfare_area_field(_("Fagområde"), required=False)
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    valid_from = date_field(_("Fra"), required=True)
    valid_to = date_field(_("Til"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast(forms.ModelChoiceField, self.fields["unit"])
        unit_field.label_from_instance = lambda u: f"{u.name}, {u.organisation.name}"  # type: ignore[method-assign,assignment]
        self.initial.setdefault("valid_from", timezone.localdate())
        unit_id = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        users = cast(forms.ModelChoiceField, self.fields["member_user"])
        try:
            unit_uuid = uuid.UUID(str(unit_id)) if unit_id else None
        except ValueError:
            unit_uuid = None
        if unit_uuid is not None:
            # active staff with a current membership of the unit (no integration client's
            # account): the same rule add_team_member checks
            users.queryset = selectors.linkable_users(unit_uuid)
        users.label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, org = data.get("unit"), data.get("organisation")
        if unit is not None and org is None:
            data["organisation"] = unit.organisation
        elif unit is None and org is None and not self.has_error("organisation"):
            self.add_error("organisation", _("Vælg en organisation eller en enhed."))
        member = data.get("member_user")
        if not data.get("name", "").strip():
            if member is not None:
                data["name"] = member.get_full_name() or member.username
            else:
                self.add_error("name", _("Angiv navn."))
        if member is not None:
            data["phone"] = data.get("phone") or member.phone
            data["email"] = data.get("email") or member.email
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("Slutdatoen skal ligge efter startdatoen."))
        return data


class TeamEndForm(forms.Form):
    valid_to = date_field(_("Sidste dag i teamet"), required=True)


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """Base of every plan form: the version the user started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, plan: Plan, choices: PlanChoices, **kwargs: Any) -> None:
        self.plan = plan
        self.choices = choices
        super().__init__(*args, **kwargs)
        self.initial.setdefault("version", plan.version)

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def with_version(self, version: int) -> PlanForm:
        """The same input, bound again to a newer version (after a refused stale save)."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(version)
        self.plan.version = version
        return type(self)(data, plan=self.plan, choices=self.choices, **self.extra_kwargs())

    def extra_kwargs(self) -> dict[str, Any]:
        return {}

    def current_values(self, instance: Any) -> list[tuple[str, str]]:
        """(label, value) of what is stored now, to show beside the user's own input."""
        values = []
        for name, field in self.fields.items():
            if name == "version" or instance is None:
                continue
            value = getattr(instance, name, None)
            if isinstance(field, ObjectMultipleChoiceField):
                value = getattr(instance, f"linked_{name}", [])
            values.append((str(field.label), display_value(self, name, value)))
        return values


class PlanTextForm(PlanForm):
    """The plan's two free texts, each with the category it is filed under. A text filed under a
    category the reader may not see is left out of the form (and stays as it is)."""

    citizen_statement = long_text(
        _("Det vigtigste for mig (borgerens egne ord)"), logic.PLAN_TEXT_MAX, rows=5
    )
    citizen_statement_category = category_field(
        _("Hvad afslører borgerens egne ord?"), list(logic.DATA_CATEGORIES)
    )
    summary = long_text(_("Fælles resumé"), logic.PLAN_TEXT_MAX, rows=5)
    summary_category = category_field(_("Hvad afslører resuméet?"), list(logic.DATA_CATEGORIES))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = {c for c, _label in self.choices.categories}
        self.hidden_texts = []
        for text_field in ("citizen_statement", "summary"):
            category_name = f"{text_field}_category"
            cast(forms.ChoiceField, self.fields[category_name]).choices = self.choices.categories
            if getattr(self.plan, category_name) not in allowed:
                del self.fields[text_field], self.fields[category_name]
                self.hidden_texts.append(text_field)

    def service_fields(self) -> dict[str, Any]:
        """The texts shown in the form, and a category only where one was chosen."""
        return {
            name: value
            for name, value in super().service_fields().items()
            if not (name.endswith("_category") and not value)
        }

    @staticmethod
    def initial_for(plan: Plan) -> dict[str, Any]:
        return {
            "citizen_statement": plan.citizen_statement,
            "citizen_statement_category": plan.citizen_statement_category,
            "summary": plan.summary,
            "summary_category": plan.summary_category,
        }


class ChildPerspectiveForm(PlanForm):
    """Barnets eget perspektiv (barnets lov § 91): the child's own view, in the child's words."""

    text = long_text(_("Barnets eget perspektiv"), logic.PLAN_TEXT_MAX, rows=6, required=True)
    text_category = category_field(
        _("Hvad afslører barnets eget perspektiv?"), list(logic.DATA_CATEGORIES)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["text_category"])
        field.choices = self.choices.categories
        field.required = True


IMPORTANCE_CHOICES = [("", _("— ikke angivet —"))] + [(str(i), str(i)) for i in range(1, 6)]


class GoalForm(PlanForm):
    """A goal in the citizen's own words — or, in a family's plan, a child's own goal."""

    text = long_text(_("Målet med borgerens egne ord"), logic.GOAL_TEXT_MAX, rows=3, required=True)
    person = ObjectChoiceField(
        label=_("Hvis mål"),
        required=False,
        empty_label=_("Borgerens eget mål"),
        help_text=_("I en families plan kan målet være et barns eller et andet familiemedlems."),
    )
    horizon = forms.ChoiceField(label=_("Sigt"), choices=Horizon.choices, initial=Horizon.SHORT)
    priority = forms.IntegerField(
        label=_("Prioritet (1 er vigtigst)"), min_value=1, max_value=99, initial=1
    )
    importance = forms.TypedChoiceField(
        label=_("Hvor vigtigt er målet for borgeren (1-5)"),
        choices=IMPORTANCE_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=GoalStatus.choices, initial=GoalStatus.OPEN
    )
    target_date = date_field(_("Måldato"))

    def __init__(self, *args: Any, people: list[Any] | None = None, **kwargs: Any) -> None:
        self.people = people or []
        super().__init__(*args, **kwargs)
        if self.people:
            person = cast(ObjectChoiceField, self.fields["person"])
            person.set_objects([m.citizen for m in self.people], lambda c: c.full_name)
        else:
            del self.fields["person"]

    def extra_kwargs(self) -> dict[str, Any]:
        return {"people": self.people}

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        if "person" in fields:
            person = fields.pop("person")
            fields["person_id"] = person.pk if person else None
        return fields

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        return {
            "person": goal.person_id,
            "text": goal.text,
            "horizon": goal.horizon,
            "priority": goal.priority,
            "importance": goal.importance,
            "status": goal.status,
            "target_date": goal.target_date,
        }


def member_label(member: TeamMember) -> str:
    return f"{member.name} ({member.role})"


def team_members_field(label: Any) -> ObjectChoiceField:
    return ObjectChoiceField(label=label, required=False, empty_label=_("— ingen —"))


def unit_label(unit: Unit) -> str:
    return f"{unit.name}, {unit.organisation.name}"


class SubGoalForm(PlanForm):
    text = long_text(_("Delmål"), logic.GOAL_TEXT_MAX, rows=2, required=True)
    owner = team_members_field(_("Ansvarlig"))
    welfare_area = welfare_area_field(_("Fagområde"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ObjectChoiceField, self.fields["owner"]).set_objects(self.choices.team, member_label)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        area = data.get("welfare_area")
        return {
            "text": data["text"],
            "owner": data.get("owner"),
            "welfare_area_id": area.pk if area else None,
        }


class MeasureForm(PlanForm):
    title = forms.CharField(label=_("Indsats"), max_length=200)
    welfare_area = welfare_area_field(_("Fagområde"))
    legal_basis = LegalBasisField(
        label=_("Hjemmel"),
        error_messages={"required": _("Angiv hjemmel (lov og paragraf) for indsatsen.")},
    )
    organisation = organisation_field(_("Ansvarlig organisation"))
    unit = ObjectChoiceField(label=_("Ansvarlig enhed"), required=False, empty_label=_("— ingen —"))
    responsible = team_members_field(_("Ansvarlig person"))
    goals = ObjectMultipleChoiceField(
        label=_("Mål, indsatsen skal hjælpe med"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = date_field(_("Start"))
    end_date = date_field(_("Slut"))
    expected_end = date_field(_("Forventet slut"))
    status = forms.ChoiceField(
        label=_("Status"), choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED
    )
    budget_area = forms.ChoiceField(
        label=_("Hvem betaler"), choices=[("", _("— vælg —")), *BudgetArea.choices]
    )
    description = forms.CharField(
        label=_("Beskrivelse"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("legal_basis")
        cast(LegalBasisField, self.fields["legal_basis"]).choices = legal_basis_choices(current)
        choices = self.choices
        cast(ObjectChoiceField, self.fields["responsible"]).set_objects(choices.team, member_label)
        cast(ObjectMultipleChoiceField, self.fields["goals"]).set_objects(
            choices.goals, lambda g: str(g.text)[:80]
        )
        cast(ObjectChoiceField, self.fields["unit"]).set_objects(choices.units, unit_label)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatoen skal ligge efter startdatoen."))
        unit, org = data.get("unit"), data.get("organisation")
        if unit is not None and org is not None and unit.organisation_id != org.pk:
            self.add_error("unit", _("Enheden hører ikke til den valgte organisation."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(super().service_fields())
        data.pop("goals", None)
        return data

    @staticmethod
    def initial_for(m: Measure) -> dict[str, Any]:
        return {
            "title": m.title,
            "welfare_area": m.welfare_area_id,
            "legal_basis": m.legal_basis_id,
            "organisation": m.organisation_id,
            "unit": m.unit_id,
            "responsible": m.responsible_id,
            "goals": [g.pk for g in getattr(m, "linked_goals", [])],
            "start_date": m.start_date,
            "end_date": m.end_date,
            "expected_end": m.expected_end,
            "status": m.status,
            "budget_area": m.budget_area,
            "description": m.description,
        }


class DemandForm(PlanForm):
    organisation = organisation_field(_("Stillet af (organisation)"))
    welfare_area = welfare_area_field(_("Sektor"))
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("— vælg —")), *DemandKind.choices])
    title = forms.CharField(label=_("Krav"), max_length=200)
    details = forms.CharField(
        label=_("Uddybning"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    frequency = forms.CharField(
        label=_("Hyppighed"),
        max_length=100,
        required=False,
        help_text=_("Fx »hver mandag« eller »2 gange om ugen«."),
    )
    consequence = forms.CharField(label=_("Konsekvens ved brud"), max_length=200, required=False)
    legal_basis = LegalBasisField(label=_("Hjemmel"), required=False)
    start_date = date_field(_("Fra"))
    end_date = date_field(_("Til"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(LegalBasisField, self.fields["legal_basis"]).choices = legal_basis_choices(
            self.initial.get("legal_basis")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatoen skal ligge efter startdatoen."))
        return data

    @staticmethod
    def initial_for(d: Demand) -> dict[str, Any]:
        return {
            "organisation": d.organisation_id,
            "welfare_area": d.welfare_area_id,
            "kind": d.kind,
            "title": d.title,
            "details": d.details,
            "frequency": d.frequency,
            "consequence": d.consequence,
            "legal_basis": d.legal_basis_id,
            "start_date": d.start_date,
            "end_date": d.end_date,
        }


class AppointmentForm(PlanForm):
    title = forms.CharField(label=_("Aftale"), max_length=200)
    organisation = organisation_field(_("Hos (organisation)"))
    welfare_area = welfare_area_field(_("Fagområde"), required=False)
    with_member = team_members_field(_("Med (kontaktperson)"))
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)
    day = date_field(_("Dato"), required=True)
    start_time = forms.TimeField(
        label=_("Starter kl."),
        help_text=_("tt:mm"),
        widget=forms.TimeInput(attrs={"inputmode": "numeric"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("Slutter kl."),
        help_text=_("tt:mm"),
        widget=forms.TimeInput(attrs={"inputmode": "numeric"}, format="%H:%M"),
    )
    demand = ObjectChoiceField(
        label=_("Krav om fremmøde"), required=False, empty_label=_("— intet —")
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = self.choices
        cast(ObjectChoiceField, self.fields["with_member"]).set_objects(choices.team, member_label)
        cast(ObjectChoiceField, self.fields["demand"]).set_objects(
            choices.demands, lambda d: f"{d.title} ({d.organisation.name})"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end))
            if end <= start:
                self.add_error("end_time", _("Aftalen skal slutte efter, den begynder."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(super().service_fields())
        for key in ("day", "start_time", "end_time"):
            data.pop(key, None)
        return data

    def current_values(self, instance: Any) -> list[tuple[str, str]]:
        values = [
            v
            for v in super().current_values(instance)
            if v[0] not in {str(self.fields[k].label) for k in ("day", "start_time", "end_time")}
        ]
        if instance is not None:
            start = timezone.localtime(instance.starts_at)
            end = timezone.localtime(instance.ends_at)
            values.append((str(_("Tidspunkt")), f"{start:%d.%m.%Y} {start:%H:%M}–{end:%H:%M}"))
        return values

    @staticmethod
    def initial_for(a: Appointment) -> dict[str, Any]:
        start, end = timezone.localtime(a.starts_at), timezone.localtime(a.ends_at)
        return {
            "title": a.title,
            "organisation": a.organisation_id,
            "welfare_area": a.welfare_area_id,
            "with_member": a.with_member_id,
            "place": a.place,
            "day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "demand": a.demand_id,
            "note": a.note,
        }


class ConflictForm(forms.Form):
    first = ObjectChoiceField(label=_("Første krav"))
    second = ObjectChoiceField(label=_("Andet krav"))
    description = forms.CharField(
        label=_("Hvorfor er kravene i modstrid?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, demands: list[Demand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            cast(ObjectChoiceField, self.fields[name]).set_objects(
                demands, lambda d: f"{d.title} ({d.organisation.name})"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") is not None and data.get("first") == data.get("second"):
            self.add_error("second", _("Vælg to forskellige krav."))
        return data


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Beslutning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvad er besluttet, og hvem har besluttet det?"),
    )
