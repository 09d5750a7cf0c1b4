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
from helhed.meetings.logic import OtherPerson
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

    def __init__(self, *args: Any, team: Any = (), relatives: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team_by_id = {str(t.pk): t for t in team}
        self.relatives_by_id = {str(r.pk): r for r in relatives}
        _choices(self, "team_members").choices = [(str(t.pk), f"{t.name} ({t.role})") for t in team]
        _choices(self, "relatives").choices = [
            (str(r.pk), f"{r.name} ({r.relation})") for r in relatives
        ]
        if not relatives:
            del self.fields["relatives"]

    def clean_proposed_times(self) -> list[datetime]:
        return parse_times(self.cleaned_data.get("proposed_times") or "")

    def clean_others(self) -> list[OtherPerson]:
        people = []
        for line in (self.cleaned_data.get("others") or "").splitlines():
            if line.strip():
                name, _sep, role = line.partition(",")
                people.append(OtherPerson(name.strip(), role.strip()))
        return people

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "purpose": d.get("purpose", ""),
            "place": d.get("place", ""),
            "virtual_link": d.get("virtual_link", ""),
            "team_members": [self.team_by_id[i] for i in d.get("team_members", [])],
            "include_citizen": bool(d.get("include_citizen")),
            "relatives": [self.relatives_by_id[i] for i in d.get("relatives", [])],
            "others": d.get("others", []),
            "proposed_times": d.get("proposed_times", []),
            "duration_minutes": d["duration_minutes"],
            "idempotency_key": self.key(),
        }


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
        self.team_by_id = {str(t.pk): t for t in [*team, *kept]}
        hidden = _("en kontaktperson fra et område, du ikke har adgang til")
        choices = (
            [("", _("— vælg —"))]
            + [(str(t.pk), f"{t.name} ({t.role})") for t in team]
            + [(str(t.pk), hidden) for t in kept]
        )
        _choices(self, "coordinated_by").choices = choices
        _choices(self, "keeps_in_step").choices = choices
        _choices(self, "present").choices = [
            (str(p.pk), getattr(p, "label", p.name)) for p in participants
        ]
        _choices(self, "minutes_category").choices = list(categories)

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        present = d.get("citizen_present")
        texts = {
            name: d.get(name, "")
            for name in (
                "problem_focus",
                "what_works",
                "what_worries",
                "exceptions",
                "legal_options",
                "motivation",
                "organisational_options",
                "plain_summary",
                "citizen_absence_reason",
            )
        }
        return {
            **texts,
            "citizen_present": {"ja": True, "nej": False}.get(present or ""),
            "coordinated_by": self.team_by_id.get(d.get("coordinated_by") or ""),
            "keeps_in_step": self.team_by_id.get(d.get("keeps_in_step") or ""),
            "next_meeting_date": d.get("next_meeting_date"),
            "present_participant_ids": d.get("present", []),
            "minutes_category": d.get("minutes_category") or None,
        }


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
        self.participant_by_id = {str(p.pk): p for p in participants}
        self.goal_by_id = {str(g.pk): g for g in goals}
        self.measure_by_id = {str(m.pk): m for m in measures}
        empty = [("", _("— vælg —"))]
        _choices(self, "task_owner").choices = empty + [
            (k, _person(p)) for k, p in self.participant_by_id.items()
        ]
        _choices(self, "task_goal").choices = empty + [
            (k, str(g)[:80]) for k, g in self.goal_by_id.items()
        ]
        measure_choices = empty + [(k, m.title) for k, m in self.measure_by_id.items()]
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
                {
                    "title": d.get("task_title", ""),
                    "owner": self.participant_by_id.get(d.get("task_owner") or ""),
                    "due_date": d.get("task_due_date"),
                    "goal": self.goal_by_id.get(d.get("task_goal") or ""),
                    "measure": self.measure_by_id.get(d.get("task_measure") or ""),
                }
            )
        return {
            "text": d.get("text", ""),
            "payer": d.get("payer", ""),
            "measure": self.measure_by_id.get(d.get("measure") or ""),
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
        self.measure_by_id = {str(m.pk): m for m in measures}
        self.unit_by_id = {str(u.pk): u for u in units}
        empty = [("", _("— vælg —"))]
        _choices(self, "measure").choices = empty + [
            (k, m.title) for k, m in self.measure_by_id.items()
        ]
        _choices(self, "authority_unit").choices = empty + [
            (k, f"{u.name} ({u.organisation.name})") for k, u in self.unit_by_id.items()
        ]

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "measure": self.measure_by_id.get(d.get("measure") or ""),
            "recommends": d["recommends"],
            "reasoning": d.get("reasoning", ""),
            "authority_unit": self.unit_by_id.get(d.get("authority_unit") or ""),
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
            "legal_basis": d.get("legal_basis"),
            "justification": d.get("justification", ""),
            "decided_on": d.get("decided_on"),
        }
