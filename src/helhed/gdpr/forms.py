from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.web import date_field
from helhed.gdpr.models import Channel

STAFF_CHANNEL_CHOICES = [
    (c.value, c.label) for c in (Channel.IN_PERSON, Channel.LETTER, Channel.PHONE)
]


class AccessRequestForm(forms.Form):
    """The coordinator records a citizen's request for access: when and how it came."""

    received_on = date_field(_("Modtaget"), required=True)
    channel = forms.ChoiceField(
        label=_("Hvordan kom anmodningen?"),
        choices=STAFF_CHANNEL_CHOICES,
        widget=forms.RadioSelect,
    )
