"""Integration clients: the OAuth 2 token endpoint (allauth's, behind a check of the client's
state) and the administrators' pages (list, create, change, rotate the secret, revoke)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

import rules
from allauth.core.internal import httpkit
from allauth.idp.oidc import views as oidc_views
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from helhed.core.models import User
from helhed.integrations import forms, selectors, services
from helhed.integrations.auth import active_client


@csrf_exempt
@login_not_required
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """allauth's token endpoint for integration clients only: an OAuth client that is no
    integration client, or whose client is revoked or expired, gets OAuth's ``invalid_client``
    before allauth looks at the secret."""
    client_id, _secret = httpkit.extract_basic_auth(request.headers)
    client_id = client_id or request.POST.get("client_id")
    _client, refusal = active_client(client_id)
    if refusal:
        response = JsonResponse(
            {"error": "invalid_client", "error_description": refusal}, status=401
        )
        response["WWW-Authenticate"] = 'Basic realm="helhed"'
        return response
    return oidc_views.token(request)


revoke = oidc_views.revoke


def administrator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, and ``core.administer`` (an administrator membership today)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not rules.has_perm("core.administer", request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _show_credentials(request: HttpRequest, credentials: services.Credentials) -> HttpResponse:
    """The one time the secret is shown: rendered into this response only, never stored in
    plain text, never in a session or message; the page may not be cached."""
    response = render(
        request,
        "integrations/credentials.html",
        {
            "client": credentials.client,
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@administrator
def client_list(request: HttpRequest) -> HttpResponse:
    clients = selectors.clients_for_administrator(_user(request))
    return render(request, "integrations/list.html", {"clients": clients})


@administrator
def client_new(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_administrator(_user(request))
    form = forms.ClientForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            credentials = services.create_client(
                actor_id=_user(request).pk,
                name=form.cleaned_data["name"],
                unit_id=form.cleaned_data["unit"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _show_credentials(request, credentials)
    return render(request, "integrations/form.html", {"form": form})


def _add_errors(form: Any, exc: ValidationError) -> None:
    mapping = {"expires_at": "expires_on"}
    for name, errors in exc.message_dict.items():
        field = mapping.get(name, name)
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@administrator
def client_detail(request: HttpRequest, client_id: UUID) -> HttpResponse:
    client = selectors.client_for_administrator(_user(request), client_id)
    initial = {"scopes": client.scopes, "expires_on": timezone.localdate(client.expires_at)}
    form = forms.ScopesExpiryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_client(
                actor_id=_user(request).pk,
                client_id=client.pk,
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Klienten er gemt."))
            return redirect("integrations:detail", client_id=client.pk)
    return render(
        request,
        "integrations/detail.html",
        {"client": client, "form": form},
    )


@administrator
@require_POST
def client_rotate(request: HttpRequest, client_id: UUID) -> HttpResponse:
    credentials = services.rotate_secret(actor_id=_user(request).pk, client_id=client_id)
    return _show_credentials(request, credentials)


@administrator
@require_POST
def client_revoke(request: HttpRequest, client_id: UUID) -> HttpResponse:
    services.revoke_client(actor_id=_user(request).pk, client_id=client_id)
    messages.success(request, _("Klienten er tilbagekaldt. Dens adgangstokens virker ikke mere."))
    return redirect("integrations:list")
