from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.web import PlausibleDateField


class AccessLogFilterForm(forms.Form):
    citizen = forms.UUIDField(label=_("Borger-id"), required=False)
    actor = forms.CharField(label=_("Medarbejder"), required=False, max_length=100)
    since = PlausibleDateField(label=_("Fra dato (dd.mm.åååå)"), required=False)
    until = PlausibleDateField(label=_("Til dato (dd.mm.åååå)"), required=False)
    without_consent = forms.BooleanField(label=_("Kun adgang uden samtykke"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("Til-datoen skal ligge efter fra-datoen."))
        return data
