"""Helhed's side of django-allauth: the adapter and the login form (docs/security.md, "Log ind").

``settings.ACCOUNT_ADAPTER`` and ``settings.ACCOUNT_FORMS`` point here. Accounts are created by an
organisation's administrator (or, for OpenID Connect logins, from the identity broker's claims),
never by self-service signup. Every refusal of a login says the same generic thing, whatever was
wrong (no user enumeration).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core import logic
from helhed.core.models import Membership, User

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
        "too_many_login_attempts": _(
            "Der har været for mange forkerte forsøg på at logge ind. Af sikkerhedshensyn er "
            "log ind spærret i op til %(minutes)s minutter. Prøv igen senere, eller kontakt din "
            "administrator."
        ),
        "memberships_ended": _(
            "Din adgang til Helhed er ophørt, fordi du ikke længere er medlem af en enhed. "
            "Kontakt din administrator, hvis det er en fejl."
        ),
    }

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        if code == "too_many_login_attempts":
            message = self.error_messages[code] % {"minutes": lockout_minutes()}
            return ValidationError(message, code=code)
        return super().validation_error(code, *args)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_password_reset_mail(
        self, user: AbstractBaseUser, email: str, context: dict[str, Any]
    ) -> None:
        """No reset link for an integration client's system user (it has no password to reset
        and no e-mail; this holds even if someone gave it an address)."""
        if getattr(user, "is_system", False):
            return
        super().send_password_reset_mail(user, email, context)

    def get_reset_password_from_key_url(self, key: str) -> str:
        """The reset link on the address users reach Helhed on (``HELHED_BASE_URL``), not on
        whatever Host header the request that asked for it carried."""
        path = super().get_reset_password_from_key_url(key)
        return settings.HELHED_BASE_URL + urlsplit(path)._replace(scheme="", netloc="").geturl()

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """The first authenticator is enrolled right after the password login, in the same
        session, without typing the password again; changing or removing one asks for it."""
        from allauth.core import context

        request = context.request
        user = getattr(request, "user", None)
        if (
            app.endswith("mfa")
            and user is not None
            and user.is_authenticated
            and not has_authenticator(user)
        ):
            return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """allauth lets a deactivated account's right password through to an "inactive" page,
        which tells a guesser the password was right; here it is refused like a wrong one."""
        user = super().authenticate(request, **credentials)
        if user is not None and (not user.is_active or getattr(user, "is_system", False)):
            # a deactivated account, or an integration client's system user (no person logs
            # in as a system, even if someone gave it a password)
            return None
        if isinstance(user, User) and memberships_ended(user):
            # The password was right, so the refusal may say why; no session is opened.
            raise self.validation_error("memberships_ended")
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


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    """allauth's "add security key" form with a Danish label (``MFA_FORMS``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nøglens navn")


# --------------------------------------------------------------------------------------------
# The session's policy, asked on every request by core.middleware.LoginPolicyMiddleware
# --------------------------------------------------------------------------------------------

# Written by the OpenID Connect login: the identity provider's ``acr`` (NSIS level) of this
# session's login. Absent for a password login.
SESSION_ACR = "helhed_acr"
# The user the identity provider's level was recorded for: a level left in a session by one login
# (an OIDC login abandoned at its code step) must not count for another user's password login,
# which Django's login() keeps the session's contents for.
SESSION_ACR_USER = "helhed_acr_user"
# Seconds since the epoch of the session's last request (the idle timeout).
SESSION_LAST_ACTIVITY = "helhed_last_activity"

# While a second factor is still needed, only these pages may be reached (enrolment, logout,
# language), by URL name.
ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
        "mfa_reauthenticate_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "core:logout",
        "set_language",
    }
)


def password_login(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Whether this session was opened with a password (allauth records each login's methods)."""
    from allauth.account.authentication import (
        get_authentication_records,
    )

    return any(r.get("method") == "password" for r in get_authentication_records(request, user))


def has_authenticator(user: AbstractBaseUser) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def recorded_acr(request: HttpRequest, user: User) -> str | None:
    """The NSIS level the identity provider gave for this user's login, or None."""
    if request.session.get(SESSION_ACR_USER) != str(user.pk):
        return None
    acr = request.session.get(SESSION_ACR)
    return acr if isinstance(acr, str) else None


# Set once this session's user has an authenticator: later requests need not ask the database.
SESSION_ENROLLED = "helhed_enrolled_user"


def needs_second_factor(request: HttpRequest, user: User) -> bool:
    if user.is_citizen or not settings.HELHED_REQUIRE_SECOND_FACTOR:
        return False
    enrolled = request.session.get(SESSION_ENROLLED) == str(user.pk)
    if not enrolled and has_authenticator(user):
        request.session[SESSION_ENROLLED] = str(user.pk)
        enrolled = True
    return logic.second_factor_needed(
        password_login=password_login(request, user),
        acr=recorded_acr(request, user),
        enrolled=enrolled,
        required=True,
    )


def memberships_ended(user: User) -> bool:
    """Whether a staff account's last membership has ended (the superuser and citizens never)."""
    if user.is_superuser or user.is_citizen:
        return False
    from helhed.core.selectors import membership_list

    if membership_list(user):  # a current membership (read once per request, the pages reuse it)
        return False
    periods = Membership.objects.filter(user=user).values_list("valid_from", "valid_to")
    return logic.memberships_have_ended(periods, timezone.localdate())


def lockout_minutes() -> int:
    """The longest window of allauth's ``login_failed`` rate limit, in minutes (for the
    refusal's "try again in … minutes")."""
    from allauth.account import app_settings as account_settings
    from allauth.core.internal.ratelimit import parse_rates

    rates = parse_rates(account_settings.RATE_LIMITS.get("login_failed") or "")
    seconds = max((rate.duration for rate in rates), default=300)
    return max(1, round(seconds / 60))
