"""Forms of the core app."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from helhed.core.models import OrganisationType
from helhed.core.reference_data import REGIONS


class LoginForm(AuthenticationForm):
    """Django's login form with one generic message, whatever was wrong (no user enumeration)."""

    error_messages = {  # noqa: RUF012 - Django's own attribute
        "invalid_login": _(
            "Brugernavn eller adgangskode er forkert. Prøv igen, eller kontakt din administrator."
        ),
        "inactive": _(
            "Brugernavn eller adgangskode er forkert. Prøv igen, eller kontakt din administrator."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Brugernavn")
        self.fields["password"].label = _("Adgangskode")
        # No autofocus: the first Tab must reach the skip link, as on every other page.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Søg på navn eller kode"), required=False, max_length=100)
    org_type = forms.ChoiceField(label=_("Type"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_type = cast(forms.ChoiceField, self.fields["org_type"])
        org_type.choices = [("", _("Alle typer"))] + [
            (t.slug, t.name_da) for t in OrganisationType.objects.all()
        ]
        region = cast(forms.ChoiceField, self.fields["region"])
        region.choices = [("", _("Alle regioner")), *REGIONS]
