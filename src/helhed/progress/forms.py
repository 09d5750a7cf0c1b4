"""Forms of the progress app. They only shape input: validation of answers and writes happen in
``services`` (``apply_errors`` puts its messages on the fields)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.selectors import today
from helhed.core.web import date_field
from helhed.progress import logic


class AnswerField(forms.ChoiceField):
    """A choice whose range is checked by the instrument (``logic.validate_answers``), so that a
    bad value gets the instrument's own message, in the same place as a missing one."""

    def validate(self, value: Any) -> None:
        return None


class InstrumentForm(forms.Form):
    """An instrument's items as radio groups (or 1-10 selects), the date and a hidden key that
    makes a double click or a reloaded POST harmless."""

    # dd.mm.åååå, shown with its default: a type="date" input shows nothing for that value
    measured_on = date_field(_("Dato"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self, instrument: logic.Instrument, *args: Any, staff: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("measured_on", today())
        kwargs.setdefault("prefix", instrument.key)
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [
            (str(v), f"{v} – {label}" if instrument.scale.maximum > 5 else str(label))
            for v, label in instrument.scale.labels
        ]
        if instrument.scale.maximum > 5:
            choices = [
                (str(v), str(v))
                for v in range(instrument.scale.minimum, instrument.scale.maximum + 1)
            ]
        for item in instrument.items:
            # Required is checked by the service (with the instrument's own message).
            self.fields[item.key] = AnswerField(
                label=item.text, choices=choices, required=False, widget=forms.RadioSelect
            )
            if instrument.comments:
                self.fields[f"comment_{item.key}"] = forms.CharField(
                    label=_("Kommentar (valgfri)"), required=False, max_length=1000
                )
        if staff:
            self.fields["with_citizen"] = forms.BooleanField(
                label=_("Udfyldt sammen med borgeren"), required=False, initial=True
            )

    def item_rows(self) -> list[dict[str, Any]]:
        rows = []
        for item in self.instrument.items:
            rows.append(
                {
                    "item": item,
                    "field": self[item.key],
                    "comment": self[f"comment_{item.key}"] if self.instrument.comments else None,
                }
            )
        return rows

    def answers(self) -> dict[str, Any]:
        return {i.key: self.cleaned_data.get(i.key) or None for i in self.instrument.items}

    def comments(self) -> dict[str, str]:
        if not self.instrument.comments:
            return {}
        return {
            i.key: self.cleaned_data.get(f"comment_{i.key}", "")
            for i in self.instrument.items
            if self.cleaned_data.get(f"comment_{i.key}")
        }

    def measurement_values(self) -> dict[str, Any]:
        """``services.record_measurement``'s keyword arguments after course and instrument."""
        return {
            "answers": self.answers(),
            "measured_on": self.cleaned_data.get("measured_on"),
            "comments": self.comments(),
            "with_citizen": self.cleaned_data.get("with_citizen", False),
            "idempotency_key": self.cleaned_data.get("idempotency_key"),
        }


class GoalRatingForm(forms.Form):
    # dd.mm.åååå, shown with its default: a type="date" input shows nothing for that value
    measured_on = date_field(_("Dato"))
    with_citizen = forms.BooleanField(
        label=_("Vurderet sammen med borgeren"), required=False, initial=True
    )

    def __init__(self, goals: list[Any], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", today())
        kwargs.setdefault("prefix", "gas")
        super().__init__(*args, **kwargs)
        self.goals = goals
        choices = [("", _("Ikke vurderet"))] + [
            (str(v), str(label)) for v, label in logic.GAS_SCALE.labels
        ]
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.text, choices=choices, required=False
            )

    def levels(self) -> dict[str, Any]:
        return {str(g.pk): self.cleaned_data.get(f"goal_{g.pk}") for g in self.goals}

    def rating_values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.record_goal_ratings``."""
        return {
            "levels": self.levels(),
            "measured_on": self.cleaned_data.get("measured_on"),
            "with_citizen": self.cleaned_data.get("with_citizen", False),
        }


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"))
    value = forms.ChoiceField(label=_("Status"), required=False)
    percent = forms.FloatField(label=_("Skolefremmøde i procent"), required=False)
    # dd.mm.åååå, shown with its default: a type="date" input shows nothing for that value
    valid_from = date_field(_("Gælder fra"))
    note = forms.CharField(label=_("Note (uden personoplysninger)"), required=False, max_length=300)
    with_citizen = forms.BooleanField(label=_("Registreret sammen med borgeren"), required=False)

    def __init__(self, kinds: list[str], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("valid_from", today())
        kwargs.setdefault("prefix", "res")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (k, str(logic.OUTCOME_KINDS[k][0])) for k in kinds
        ]
        values: list[tuple[str, str]] = [("", "—")]
        for k in kinds:
            choices = logic.OUTCOME_KINDS[k][1]
            if choices:
                values += [(v, f"{logic.OUTCOME_KINDS[k][0]}: {label}") for v, label in choices]
        cast(forms.ChoiceField, self.fields["value"]).choices = values

    def outcome_values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.record_outcome``."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "value": data.get("value") or "",
            "percent": data.get("percent"),
            "valid_from": data.get("valid_from"),
            "note": data.get("note") or "",
            "with_citizen": data.get("with_citizen", False),
        }


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    date_mode = forms.ChoiceField(
        label=_("Datoer"),
        choices=[
            ("quarter", _("Grovere: kvartal")),
            ("month", _("Grovere: måned")),
            ("shift", _("Forskudt pr. borger (±90 dage)")),
        ],
    )
    purpose = forms.SlugField(
        label=_("Formål (nøgle til pseudonymer)"),
        max_length=60,
        help_text=_(
            "Samme formål giver samme pseudonymer i hvert udtræk; et nyt formål giver nye. "
            "Kun små bogstaver, tal og bindestreg."
        ),
        initial="evaluering",
    )


class ScheduleForm(forms.Form):
    """A measurement plan: an instrument at a first date and, optionally, every N weeks after it
    until an end date. The service checks the rules (``schedule_measurements``)."""

    instrument = forms.ChoiceField(label=_("Måleredskab"))
    first_on = date_field(_("Første måling"), required=True)
    every_weeks = forms.IntegerField(
        label=_("Gentag hver N. uge (frivilligt)"),
        required=False,
        min_value=1,
        max_value=52,
        help_text=_("Tomt: kun én måling."),
    )
    until = date_field(_("Til og med (frivilligt)"))

    def __init__(self, instruments: list[str], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "plan")
        kwargs.setdefault("initial", {}).setdefault("first_on", today())
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, str(logic.SCHEDULE_LABELS[key])) for key in instruments]

    def schedule_values(self) -> dict[str, Any]:
        """``services.schedule_measurements``'s keyword arguments after the course."""
        data = self.cleaned_data
        return {
            "instrument": data["instrument"],
            "first_on": data["first_on"],
            "every_weeks": data.get("every_weeks"),
            "until": data.get("until"),
        }
