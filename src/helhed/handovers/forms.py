"""Forms of the handover pages. They parse input; the rules and writes are in ``services``.
Field names match the services' keyword arguments (the API's field names: ``to_unit_id`` …) and
clean to the plain values the services take, so a service's ``ValidationError`` lands on the
right field (``apply_errors``). Choices of personal data (the measures one may hand over) are lists
the selectors filtered for the reader, never querysets."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helhed.core import web
from helhed.core.models import Unit
from helhed.courses.models import Measure
from helhed.handovers import logic
from helhed.handovers.models import HandoverMode, StayKind


def plausible(value: Any) -> None:
    if value is not None and not logic.plausible_date(value):
        raise ValidationError(logic.IMPLAUSIBLE_DATE)


def date_field(label: Any, *, required: bool = False) -> forms.DateField:
    return web.date_field(label, required=required)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class HandoverForm(forms.Form):
    """A new handover. The fields are named as the service's arguments and clean to ids, so
    ``services.request_handover(user, course_id=…, **form.cleaned_data)`` is the whole write and
    its field errors land on these fields."""

    from_unit_id = UnitChoiceField(
        label=_("Fra enhed"), queryset=Unit.objects.none(), empty_label=None
    )
    to_unit_id = UnitChoiceField(
        label=_("Til enhed i Helhed"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— tilbud uden for Helhed —"),
    )
    external_organisation = forms.CharField(
        label=_("Eller: tilbud uden for Helhed"),
        required=False,
        max_length=200,
        help_text=_("Fx en privat behandler eller et tilbud i en anden kommune."),
    )
    external_contact = forms.CharField(
        label=_("Kontaktperson og telefon hos modtager"), required=False, max_length=200
    )
    measure_id = forms.ChoiceField(label=_("Overdrag kun denne indsats"), required=False)
    mode = forms.ChoiceField(
        label=_("Form"), choices=HandoverMode.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Hvad skal modtageren hjælpe borgeren med?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Skriv kun det, borgerens samtykke dækker for modtageren."),
        error_messages={"required": _("Skriv hvad modtageren skal hjælpe borgeren med.")},
    )
    appointment_date = date_field(_("Aftale hos modtager"))
    expected_start = date_field(_("Forventet første fremmøde hos modtager"))

    def __init__(self, *args: Any, senders: list[Unit], measures: list[Measure], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.measure_by_id = {str(m.pk): m for m in measures}
        sender_field = cast(forms.ModelChoiceField, self.fields["from_unit_id"])
        sender_field.queryset = Unit.objects.filter(pk__in=[u.pk for u in senders]).select_related(
            "organisation"
        )
        receiver = cast(forms.ModelChoiceField, self.fields["to_unit_id"])
        receiver.queryset = Unit.objects.select_related("organisation").order_by(
            "organisation__name", "name"
        )
        cast(forms.ChoiceField, self.fields["measure_id"]).choices = [
            ("", _("— hele forløbet —")),
            *((key, m.title) for key, m in self.measure_by_id.items()),
        ]
        if len(senders) == 1:
            self.fields["from_unit_id"].initial = senders[0].pk

    def clean_from_unit_id(self) -> Any:
        unit = self.cleaned_data.get("from_unit_id")
        return unit.pk if unit is not None else None

    def clean_to_unit_id(self) -> Any:
        unit = self.cleaned_data.get("to_unit_id")
        return unit.pk if unit is not None else None

    def clean_measure_id(self) -> Any:
        measure = self.measure_by_id.get(self.cleaned_data.get("measure_id") or "")
        return measure.pk if measure is not None else None


class AnswerForm(forms.Form):
    """The receiver's (or, for an external receiver, the sender's) answer and notes."""

    reason = forms.CharField(
        label=_("Begrundelse"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    answered_by = forms.CharField(
        label=_("Hvem hos modtageren har svaret"), required=False, max_length=200
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The same words as ``logic.CONFIRM_ARRIVAL_LABEL`` (which the refusal quotes).
    confirm_arrival = forms.BooleanField(
        label=_(
            "Jeg bekræfter, at borgeren er mødt op, selv om det er før den forventede dato, "
            "eller borgeren er registreret i et ophold"
        ),
        required=False,
    )


class RescheduleForm(forms.Form):
    """A new appointment after a no-show (``services.reschedule``)."""

    appointment_date = date_field(_("Ny aftale hos modtager"), required=True)
    expected_start = date_field(_("Nyt forventet første fremmøde"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["appointment_date"].error_messages["required"] = _(
            "Angiv datoen for den nye aftale hos modtageren."
        )


class StayForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("— vælg —")), *StayKind.choices])

    def __init__(self, *args: Any, kinds: Any = None, **kw: Any) -> None:
        """``kinds``: the kinds of stay the reader may record (their categories)."""
        super().__init__(*args, **kw)
        if kinds is not None:
            allowed = set(kinds)
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                ("", _("— vælg —")),
                *((k, label) for k, label in StayKind.choices if k in allowed),
            ]

    institution = forms.CharField(label=_("Institution"), required=False, max_length=200)
    start_date = date_field(_("Start"), required=True)
    expected_end = date_field(_("Forventet løsladelse/udskrivning"), required=True)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EndStayForm(forms.Form):
    actual_end = date_field(_("Faktisk slut"), required=True)
