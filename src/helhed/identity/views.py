"""The login and callback URLs of an organisation's OpenID Connect login (allauth's views with
Helhed's adapter, see ``provider``)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest, HttpResponse
from requests import RequestException

from helhed.identity.adapter import refusal
from helhed.identity.provider import HelhedOIDCAdapter
from helhed.identity.services import TOKEN_REJECTED


def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2LoginView.adapter_view(HelhedOIDCAdapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except (OAuth2Error, RequestException) as e:
        # The provider's discovery document is unreachable or names another issuer.
        return refusal(request, TOKEN_REJECTED, provider_id, detail=type(e).__name__)
    return response


def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(HelhedOIDCAdapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except (OAuth2Error, RequestException) as e:
        return refusal(request, TOKEN_REJECTED, provider_id, detail=type(e).__name__)
    return response
