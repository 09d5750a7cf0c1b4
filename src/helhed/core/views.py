"""Pages of the core app: login/logout, the start page per role, organisations and units."""

from __future__ import annotations

from typing import Any

from allauth.account import views as allauth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from rules.contrib.views import permission_required

from helhed.core import selectors
from helhed.core.forms import OrganisationFilterForm
from helhed.core.models import Role, User
from helhed.core.panels import panels_for


class LoginView(allauth_views.LoginView):
    """allauth's login (password, then the second factor when the user has one) on /log-ind/."""


class LogoutView(allauth_views.LogoutView):
    """allauth's logout, by POST only (a link or an image cannot log anyone out)."""

    http_method_names = ["post", "options"]  # noqa: RUF012 - Django's own attribute


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    role = selectors.start_role(user)
    if role is None:
        if user.is_superuser:
            # The superuser administers technical settings and reference lists, and reads no
            # personal data (docs/security.md, "The Django admin").
            return redirect("admin:index")
        return render(request, "core/no_role.html", status=403)
    context: dict[str, Any] = {"role": role, "panels": panels_for(f"home:{role}", request)}
    if role != "citizen":
        context["memberships"] = selectors.membership_list(user)
        context["colleagues"] = selectors.colleagues(user)
    if role == Role.ADMINISTRATOR:
        context["administered"] = selectors.administered_overview(user)
    return render(request, f"core/home_{role}.html", context)


@permission_required("core.view_organisations", raise_exception=True)
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    filters = {"query": "", "org_type": "", "region": ""}
    if form.is_valid():
        filters = {
            "query": form.cleaned_data["q"],
            "org_type": form.cleaned_data["org_type"],
            "region": form.cleaned_data["region"],
        }
    page = Paginator(selectors.organisations(**filters), 50).get_page(request.GET.get("side"))
    template = (
        "core/_organisation_rows.html"
        if request.headers.get("HX-Request")
        else ("core/organisation_list.html")
    )
    return render(request, template, {"form": form, "page": page})


@permission_required("core.view_organisations", raise_exception=True)
def organisation_detail(request: HttpRequest, org_id: str) -> HttpResponse:
    org = selectors.organisation_detail(org_id)
    if org is None:
        raise Http404
    return render(request, "core/organisation_detail.html", {"org": org})
