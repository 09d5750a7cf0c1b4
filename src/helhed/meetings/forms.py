"""Forms of the meeting pages. They parse and label input; the rules live in ``services`` and
``logic`` and come back as field errors (``apply_errors``). Their choices are lists the selectors
filtered for the reader (team members they may name, measures they may see), never querysets of
personal data; people are labelled as the selectors labelled them (``p.label``)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.web import date_field
from helhed.courses.models import BudgetArea, LegalBasis
from helhed.meetings.logic import MINUTES_FIELDS, FamilyInvite, OtherPerson, TaskSpec
from helhed.meetings.models import MeetingKind, RulingOutcome

TIME_LINE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})\s*$")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def parse_times(text: str) -> list[datetime]:
    """Proposed times, one per line as ``dd.mm.åååå tt:mm`` (local time)."""
    result = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = TIME_LINE.match(line)
        if not m:
            raise ValidationError(
                _("Linje %(n)d: skriv tidspunktet som dd.mm.åååå tt:mm, fx 03.12.2026 10:00."),
                params={"n": n},
            )
        day, month, year, hour, minute = (int(g) for g in m.groups())
        try:
            value = datetime(year, month, day, hour, minute)
        except ValueError:
            raise ValidationError(
                _("Linje %(n)d: datoen eller klokkeslættet findes ikke."), params={"n": n}
            ) from None
        result.append(timezone.make_aware(value))
    return result


class SubmittedOnce(forms.Form):
    """A hidden key per rendered form: a double click or a reloaded POST sends the same key, and
    the service answers with what the first submission created instead of a second one."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def key(self) -> str | None:
        return self.cleaned_data.get("idempotency_key") or None


class MeetingForm(SubmittedOnce):
    kind = forms.ChoiceField(label=_("Slags møde"), choices=MeetingKind.choices)
    purpose = forms.CharField(label=_("Formål med mødet"), max_length=300, required=False)
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)
    virtual_link = forms.URLField(
        label=_("Link til virtuelt møde"), required=False, assume_scheme="https"
    )
    team_members = forms.MultipleChoiceField(
        label=_("Kontaktpersoner fra teamet"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_citizen = forms.BooleanField(
        label=_("Borgeren deltager (det er udgangspunktet)"), required=False, initial=True
    )
    relatives = forms.MultipleChoiceField(
        label=_("Pårørende"), required=False, widget=forms.CheckboxSelectMultiple
    )
    family_required = forms.MultipleChoiceField(
        label=_("Familiemedlemmer, der skal deltage"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Mødet holdes først, når de har sagt ja til et tidspunkt."),
    )
    family_optional = forms.MultipleChoiceField(
        label=_("Familiemedlemmer, der kan deltage"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De inviteres, men mødet venter ikke på dem."),
    )
    others = forms.CharField(
        label=_("Andre deltagere"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Én pr. linje: navn, rolle – fx »Lise Holm, bisidder«."),
    )
    proposed_times = forms.CharField(
        label=_("Foreslåede tidspunkter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ét pr. linje som dd.mm.åååå tt:mm, fx 03.12.2026 10:00."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighed (minutter)"), initial=60, min_value=15, max_value=480
    )

    def __init__(
        self, *args: Any, team: Any = (), relatives: Any = (), family: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "team_members").choices = [(str(t.pk), f"{t.name} ({t.role})") for t in team]
        _choices(self, "relatives").choices = [
            (str(r.pk), f"{r.name} ({r.relation})") for r in relatives
        ]
        if not relatives:
            del self.fields["relatives"]
        _family_choices(self, family, ("family_required", "family_optional"))

    def clean_proposed_times(self) -> list[datetime]:
        return parse_times(self.cleaned_data.get("proposed_times") or "")

    def clean_others(self) -> list[OtherPerson]:
        return parse_others(self.cleaned_data.get("others") or "")

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        both = set(d.get("family_required") or ()) & set(d.get("family_optional") or ())
        if both:
            self.add_error(
                "family_optional",
                _("Vælg enten »skal deltage« eller »kan deltage« for hvert familiemedlem."),
            )
        return d

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "purpose": d.get("purpose", ""),
            "place": d.get("place", ""),
            "virtual_link": d.get("virtual_link", ""),
            "team_member_ids": d.get("team_members", []),
            "include_citizen": bool(d.get("include_citizen")),
            "relative_ids": d.get("relatives", []),
            "household_members": [
                *(FamilyInvite(i, True) for i in d.get("family_required", [])),
                *(FamilyInvite(i, False) for i in d.get("family_optional", [])),
            ],
            "others": d.get("others", []),
            "proposed_times": d.get("proposed_times", []),
            "duration_minutes": d["duration_minutes"],
            "idempotency_key": self.key(),
        }


def parse_others(text: str) -> list[OtherPerson]:
    """Other participants, one per line: "name, role"."""
    people = []
    for line in text.splitlines():
        if line.strip():
            name, _sep, role = line.partition(",")
            people.append(OtherPerson(name.strip(), role.strip()))
    return people


def _family_choices(form: forms.Form, family: Any, names: tuple[str, ...]) -> None:
    """The household members of a family course as choices (name, age, relation); the fields
    are left out when the course covers no family."""
    choices = [
        (
            str(m.citizen.pk),
            _("%(name)s (%(age)d år%(relation)s)")
            % {
                "name": m.citizen.full_name,
                "age": m.age,
                "relation": f", {m.relation}" if m.relation else "",
            },
        )
        for m in family
    ]
    for name in names:
        if choices:
            _choices(form, name).choices = choices
        else:
            del form.fields[name]


YES_NO = [("", _("— vælg —")), ("ja", _("Ja")), ("nej", _("Nej"))]


class MinutesForm(forms.Form):
    minutes_category = forms.ChoiceField(
        label=_("Hvem må læse referatet?"),
        required=False,
        help_text=_(
            "Vælg det område, referatet handler om. Kun dem, borgerens samtykke giver adgang til "
            "det område, kan læse referatet og de beslutninger, der ikke handler om en indsats. "
            "Skriver I om helbred, misbrug eller strafbare forhold, så vælg det område."
        ),
    )
    problem_focus = forms.CharField(
        label=_("Dagens problem i fokus"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    what_works = forms.CharField(
        label=_("Hvad virker"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    what_worries = forms.CharField(
        label=_("Hvad bekymrer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    exceptions = forms.CharField(
        label=_("Undtagelser – når det går godt"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    legal_options = forms.CharField(
        label=_("Lovgivningens muligheder"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    motivation = forms.CharField(
        label=_("Borgerens motivation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    organisational_options = forms.CharField(
        label=_("Organisatoriske muligheder, der passer til borgeren"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    citizen_present = forms.ChoiceField(label=_("Deltog borgeren?"), choices=YES_NO, required=False)
    citizen_absence_reason = forms.CharField(
        label=_("Hvis nej: hvorfor deltog borgeren ikke?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    present = forms.MultipleChoiceField(
        label=_("Hvem deltog"), required=False, widget=forms.CheckboxSelectMultiple
    )
    coordinated_by = forms.ChoiceField(label=_("Hvem koordinerer"), required=False)
    keeps_in_step = forms.ChoiceField(label=_("Hvem holder alle orienteret"), required=False)
    plain_summary = forms.CharField(
        label=_("Referat i et enkelt sprog til borgeren"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Borgeren ser det under »Mine møder«. Skriv kort og uden fagord."),
    )
    next_meeting_date = date_field(
        _("Dato for næste møde"),
        help_text=_("dd.mm.åååå – skal udfyldes, før referatet kan lukkes."),
    )

    def __init__(
        self,
        *args: Any,
        team: Any = (),
        kept: Any = (),
        participants: Any = (),
        categories: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        hidden = _("en kontaktperson fra et område, du ikke har adgang til")
        choices = (
            [("", _("— vælg —"))]
            + [(str(t.pk), f"{t.name} ({t.role})") for t in team]
            + [(str(t.pk), hidden) for t in kept]
        )
        _choices(self, "coordinated_by").choices = choices
        _choices(self, "keeps_in_step").choices = choices
        _choices(self, "present").choices = [(str(p.pk), _presence(p)) for p in participants]
        _choices(self, "minutes_category").choices = list(categories)

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        present = d.get("citizen_present")
        texts = {name: d.get(name, "") for name in MINUTES_FIELDS}
        return {
            **texts,
            "citizen_present": {"ja": True, "nej": False}.get(present or ""),
            "coordinated_by_id": d.get("coordinated_by") or None,
            "keeps_in_step_id": d.get("keeps_in_step") or None,
            "next_meeting_date": d.get("next_meeting_date"),
            "present_participant_ids": d.get("present", []),
            "minutes_category": d.get("minutes_category") or None,
        }


def _presence(p: Any) -> str:
    """A participant in "who took part": name, and for a family member whether they were to
    take part ("skal deltage") or could ("kan deltage")."""
    name = str(getattr(p, "label", p.name))
    if getattr(p, "kind", "") != "familie":
        return name
    return f"{name} ({_('skal deltage') if p.required else _('kan deltage')})"


def _person(p: Any) -> str:
    """A participant as the selectors labelled them (a neutral text for a hidden team member)."""
    name = getattr(p, "label", p.name)
    role = getattr(p, "role_label", p.role)
    return f"{name} ({role})" if role else str(name)


class DecisionForm(SubmittedOnce):
    text = forms.CharField(
        label=_("Beslutning"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    payer = forms.ChoiceField(
        label=_("Hvem betaler (budgetområde)"),
        required=False,
        choices=[("", _("— ikke en betalingsbeslutning —")), *BudgetArea.choices],
    )
    measure = forms.ChoiceField(label=_("Gælder indsatsen"), required=False)
    task_title = forms.CharField(label=_("Opgave"), max_length=300, required=False)
    task_owner = forms.ChoiceField(label=_("Ansvarlig for opgaven"), required=False)
    task_due_date = date_field(_("Frist for opgaven"))
    task_goal = forms.ChoiceField(label=_("Opgaven hører til målet"), required=False)
    task_measure = forms.ChoiceField(label=_("Opgaven hører til indsatsen"), required=False)

    def __init__(
        self,
        *args: Any,
        participants: Any = (),
        goals: Any = (),
        measures: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", _("— vælg —"))]
        _choices(self, "task_owner").choices = empty + [
            (str(p.pk), _person(p)) for p in participants
        ]
        _choices(self, "task_goal").choices = empty + [(str(g.pk), str(g)[:80]) for g in goals]
        measure_choices = empty + [(str(m.pk), m.title) for m in measures]
        _choices(self, "task_measure").choices = measure_choices
        _choices(self, "measure").choices = measure_choices

    def has_task(self) -> bool:
        d = self.cleaned_data
        return bool(d.get("task_title") or d.get("task_owner") or d.get("task_due_date"))

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        tasks = []
        if self.has_task():
            tasks.append(
                TaskSpec(
                    title=d.get("task_title", ""),
                    owner_id=d.get("task_owner") or None,
                    due_date=d.get("task_due_date"),
                    goal_id=d.get("task_goal") or None,
                    measure_id=d.get("task_measure") or None,
                )
            )
        return {
            "text": d.get("text", ""),
            "payer": d.get("payer", ""),
            "measure_id": d.get("measure") or None,
            "tasks": tasks,
            "idempotency_key": self.key(),
        }


class RecommendationForm(SubmittedOnce):
    measure = forms.ChoiceField(label=_("Indsats"), required=False)
    recommends = forms.ChoiceField(
        label=_("Indstilling"), choices=RulingOutcome.choices, initial=RulingOutcome.GRANTED
    )
    reasoning = forms.CharField(
        label=_("Faglig begrundelse"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    authority_unit = forms.ChoiceField(label=_("Afgøres af (enhed)"), required=False)

    def __init__(self, *args: Any, measures: Any = (), units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", _("— vælg —"))]
        _choices(self, "measure").choices = empty + [(str(m.pk), m.title) for m in measures]
        _choices(self, "authority_unit").choices = empty + [
            (str(u.pk), f"{u.name} ({u.organisation.name})") for u in units
        ]

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "measure_id": d.get("measure") or None,
            "recommends": d["recommends"],
            "reasoning": d.get("reasoning", ""),
            "authority_unit_id": d.get("authority_unit") or None,
            "idempotency_key": self.key(),
        }


class RulingForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Afgørelse"), choices=RulingOutcome.choices)
    legal_basis = forms.ModelChoiceField(
        label=_("Hjemmel"),
        required=False,
        queryset=LegalBasis.objects.filter(active=True),
        empty_label=_("— vælg —"),
    )
    justification = forms.CharField(
        label=_("Begrundelse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Skal udfyldes, når afgørelsen afviger fra indstillingen."),
    )
    decided_on = date_field(_("Afgjort den"), required=False)

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "outcome": d["outcome"],
            "legal_basis_id": d["legal_basis"].pk if d.get("legal_basis") else None,
            "justification": d.get("justification", ""),
            "decided_on": d.get("decided_on"),
        }


TIME_OF_DAY = re.compile(r"^\s*(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})\s*$")


class HeldMeetingForm(SubmittedOnce, MinutesForm):
    """ "Registrér et afholdt møde": when it was, who took part, the minutes and the next
    meeting, in one step (the minutes are closed at once)."""

    field_order = (
        "kind",
        "purpose",
        "starts_on",
        "starts_time",
        "duration_minutes",
        "place",
        "virtual_link",
        "team_members",
        "citizen_present",
        "citizen_absence_reason",
        "family",
        "relatives",
        "others",
        "minutes_category",
        *MINUTES_FIELDS[:-2],
        "coordinated_by",
        "keeps_in_step",
        "plain_summary",
        "next_meeting_date",
    )

    kind = forms.ChoiceField(label=_("Slags møde"), choices=MeetingKind.choices)
    purpose = forms.CharField(label=_("Formål med mødet"), max_length=300, required=False)
    starts_on = date_field(_("Dato for mødet"), required=False)
    starts_time = forms.CharField(
        label=_("Klokkeslæt"),
        required=False,
        max_length=8,
        help_text=_("tt:mm, fx 09:30"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighed (minutter)"), initial=60, min_value=15, max_value=480
    )
    place = forms.CharField(label=_("Sted"), max_length=200, required=False)
    virtual_link = forms.URLField(
        label=_("Link til virtuelt møde"), required=False, assume_scheme="https"
    )
    team_members = forms.MultipleChoiceField(
        label=_("Hvem deltog fra teamet"), required=False, widget=forms.CheckboxSelectMultiple
    )
    family = forms.MultipleChoiceField(
        label=_("Familiemedlemmer, der deltog"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    relatives = forms.MultipleChoiceField(
        label=_("Pårørende, der deltog"), required=False, widget=forms.CheckboxSelectMultiple
    )
    others = forms.CharField(
        label=_("Andre, der deltog"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Én pr. linje: navn, rolle – fx »Lise Holm, bisidder«."),
    )
    next_meeting_date = date_field(
        _("Dato for næste møde"),
        help_text=_("dd.mm.åååå – opfølgningsmødet planlægges på den dato."),
    )

    def __init__(
        self,
        *args: Any,
        team: Any = (),
        relatives: Any = (),
        family: Any = (),
        categories: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, team=team, categories=categories, **kwargs)
        del self.fields["present"]
        _choices(self, "team_members").choices = [(str(t.pk), f"{t.name} ({t.role})") for t in team]
        _choices(self, "relatives").choices = [
            (str(r.pk), f"{r.name} ({r.relation})") for r in relatives
        ]
        if not relatives:
            del self.fields["relatives"]
        _family_choices(self, family, ("family",))
        self.order_fields(self.field_order)

    def clean_starts_time(self) -> tuple[int, int] | None:
        text = self.cleaned_data.get("starts_time") or ""
        if not text.strip():
            return None
        m = TIME_OF_DAY.match(text)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValidationError(_("Skriv klokkeslættet som tt:mm, fx 09:30."))
        return int(m.group(1)), int(m.group(2))

    def clean_others(self) -> list[OtherPerson]:
        return parse_others(self.cleaned_data.get("others") or "")

    def starts_at(self) -> datetime | None:
        day = self.cleaned_data.get("starts_on")
        at = self.cleaned_data.get("starts_time")
        if day is None or at is None:
            return None
        return timezone.make_aware(datetime(day.year, day.month, day.day, *at))

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        minutes = super().service_fields()
        minutes.pop("present_participant_ids")
        return {
            **minutes,
            "kind": d["kind"],
            "purpose": d.get("purpose", ""),
            "place": d.get("place", ""),
            "virtual_link": d.get("virtual_link", ""),
            "starts_at": self.starts_at(),
            "duration_minutes": d["duration_minutes"],
            "team_member_ids": d.get("team_members", []),
            "relative_ids": d.get("relatives", []),
            "household_members": [FamilyInvite(i, True) for i in d.get("family", [])],
            "others": d.get("others", []),
            "idempotency_key": self.key(),
        }
