"""Helhed's side of django-allauth: the adapter and the login form (docs/security.md, "Log ind").

``settings.ACCOUNT_ADAPTER`` and ``settings.ACCOUNT_FORMS`` point here. Accounts are created by an
organisation's administrator (or, for OpenID Connect logins, from the identity broker's claims),
never by self-service signup. Every refusal of a login says the same generic thing, whatever was
wrong (no user enumeration).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter  # type: ignore[import-untyped]
from allauth.account.forms import LoginForm as AllauthLoginForm  # type: ignore[import-untyped]
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

GENERIC_REFUSAL = _(
    "Brugernavn eller adgangskode er forkert. Prøv igen, eller kontakt din administrator."
)


class AccountAdapter(DefaultAccountAdapter):
    """Signup closed; Danish messages for the refusals a user meets."""

    error_messages = {  # noqa: RUF012 - allauth's own attribute
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": GENERIC_REFUSAL,
        "email_password_mismatch": GENERIC_REFUSAL,
        "invalid_login": GENERIC_REFUSAL,
        "account_inactive": GENERIC_REFUSAL,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """allauth lets a deactivated account's right password through to an "inactive" page,
        which tells a guesser the password was right; here it is refused like a wrong one."""
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user


class LoginForm(AllauthLoginForm):
    """allauth's login form labelled in Danish, without autofocus (the first Tab must reach the
    skip link, as on every other page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Brugernavn")
        login.widget.attrs.pop("autofocus", None)
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocomplete"] = "username"
        password = self.fields["password"]
        password.label = _("Adgangskode")
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)
        password.widget.attrs["autocomplete"] = "current-password"
