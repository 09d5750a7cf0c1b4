"""The administration's forms for integration clients (Danish labels; the services check)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.scopes import scope_choices
from helhed.core.web import date_field


def end_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


class ScopesExpiryForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Rettigheder"),
        choices=scope_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Hver API-handling kræver én rettighed. Giv kun dem, systemet har brug for."),
    )
    expires_on = date_field(
        _("Udløber"), required=True, help_text=_("Senest to år fra i dag (dd.mm.åååå).")
    )

    def expires_at(self) -> datetime:
        return end_of_day(self.cleaned_data["expires_on"])


class ClientForm(ScopesExpiryForm):
    name = forms.CharField(
        label=_("Navn"), max_length=120, help_text=_("Systemets navn, som adgangsloggen viser.")
    )
    unit = forms.ChoiceField(label=_("Enhed"), help_text=_("Systemet ser det, enheden ser."))

    field_order = ("name", "unit", "scopes", "expires_on")

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = [("", "—")] + [
            (str(u.pk), f"{u.organisation.name}: {u.name}") for u in units
        ]
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + timedelta(days=365))
