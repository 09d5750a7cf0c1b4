"""allauth's social-account adapter for Helhed: every OpenID Connect login is mapped by
``services.user_for_login`` before allauth logs the user in; a refusal is a Danish page and one
log line (provider and ``sub`` only — never a name, e-mail or CPR)."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helhed.core.accounts import SESSION_ACR_USER
from helhed.identity import logic, services

logger = logging.getLogger("helhed.identity")


def refusal(
    request: HttpRequest, reason: str, provider_id: str, *, detail: str = ""
) -> HttpResponse:
    """The refusal page (401 for a token or state that failed, 403 for claims that do not map)
    and its one log line."""
    logger.warning("OIDC login refused: reason=%s provider=%s %s", reason, provider_id, detail)
    status = 401 if reason == services.TOKEN_REJECTED else 403
    message = services.MESSAGES[reason]
    return render(request, "identity/refused.html", {"message": message}, status=status)


def claims_of(sociallogin: SocialLogin) -> dict[str, Any]:
    data = sociallogin.account.extra_data or {}
    return logic.merge_claims(data.get("id_token") or {}, data.get("userinfo") or {})


def _forget_private_claims(sociallogin: SocialLogin, names: set[str]) -> None:
    """Drop the CPR number from the claims allauth stores on the social account (an account
    found by ``lookup`` was already saved with them: save it again without)."""
    data = sociallogin.account.extra_data or {}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            data[part] = {k: v for k, v in data[part].items() if k not in names}
    sociallogin.account.extra_data = data
    if sociallogin.account.pk:
        sociallogin.account.save(update_fields=["extra_data"])


class OrganisationLoginAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        app = sociallogin.provider.app
        claims = claims_of(sociallogin)
        sub = str(claims.get("sub", ""))[:100]
        linked = sociallogin.user.pk if sociallogin.is_existing else None
        _forget_private_claims(sociallogin, services.private_claims(app_id=app.pk))
        try:
            with transaction.atomic():
                signed_in = services.user_for_login(
                    app_id=app.pk, claims=claims, linked_user_id=linked
                )
                if not sociallogin.is_existing:
                    sociallogin.user = signed_in.user
                    sociallogin.save(request)
        except services.LoginRefusedError as refused:
            response = refusal(request, refused.reason, app.provider_id, detail=f"sub={sub}")
            raise ImmediateHttpResponse(response) from None
        if request.user.is_authenticated and request.user.pk != signed_in.user.pk:
            get_account_adapter(request).logout(request)
        # Read by the second-factor rule (NSIS substantial or high: no TOTP of Helhed's own).
        request.session[logic.SESSION_ACR] = signed_in.acr
        request.session[SESSION_ACR_USER] = str(signed_in.user.pk)  # valid for this user only
        request.session[logic.SESSION_ISSUER] = str(claims.get("iss", ""))
        logger.info(
            "OIDC login: provider=%s sub=%s created=%s acr=%s",
            app.provider_id,
            sub,
            signed_in.created,
            signed_in.acr,
        )

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Users come into being only through the mapping above (never allauth's signup form).
        return False

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        # A forged, expired or wrongly issued token, a replayed or unknown state, a cancelled
        # login: one refusal page and one log line naming what failed (no claims, no tokens).
        provider_id = getattr(getattr(provider, "app", None), "provider_id", "?")
        detail = f"error={error} exception={type(exception).__name__ if exception else '-'}"
        if exception is not None and exception.__cause__ is not None:
            detail += f" cause={type(exception.__cause__).__name__}"
        raise ImmediateHttpResponse(
            refusal(request, services.TOKEN_REJECTED, provider_id, detail=detail)
        )
