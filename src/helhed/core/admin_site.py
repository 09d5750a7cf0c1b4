"""Helhed's Django admin site: who may enter it, and nothing else.

The admin holds no personal data (docs/security.md, "The Django admin"). It is entered by

- a *technical administrator*: an active superuser, who keeps the shared reference lists and
  bootstraps organisations with their first administrator; and
- an *organisation administrator*: a staff user with an ``administrator`` membership current
  today, who administers the units, users and memberships of that organisation.

Neither needs Django's global ``is_staff`` flag: the site asks the memberships, so an
administrator whose membership ends is out the same day. What each may see and change is decided
per model in ``helhed.core.admin`` (``AdminScope``).

The site replaces Django's default one through ``HelhedAdminConfig.default_site``; this module
is imported while the app registry loads, so it imports no models at module level.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


def is_technical_administrator(user: Any) -> bool:
    """An active superuser on a staff account (a citizen account can never be one)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_superuser
        and getattr(user, "kind", "") == "staff"
    )


def administered_organisation_ids(user: Any) -> frozenset[Any]:
    """The organisations in which ``user`` holds an ``administrator`` membership today."""
    if not (user.is_authenticated and user.is_active and getattr(user, "kind", "") == "staff"):
        return frozenset()
    from helhed.core.models import Role
    from helhed.core.selectors import membership_list

    return frozenset(
        m.unit.organisation_id for m in membership_list(user) if m.role == Role.ADMINISTRATOR
    )


class HelhedAdminSite(AdminSite):
    site_header = _("Helhed – administration")
    site_title = _("Helhed")
    index_title = _("Organisationer, brugere og referencedata")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_technical_administrator(user) or bool(administered_organisation_ids(user))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """One login for the whole application (its generic failure message, its session
        rules): the admin sends anonymous users there and refuses logged-in users who may not
        enter, rather than offering them a second login form."""
        user = request.user
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = ""
        target = target or reverse("admin:index", current_app=self.name)
        if not user.is_authenticated:
            # Imported here, as Django's own site does: this module loads before the models.
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(target, settings.LOGIN_URL)
        if not self.has_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(target)


class HelhedAdminConfig(AdminConfig):
    """``django.contrib.admin`` with Helhed's site as the default ``admin.site``."""

    default_site = "helhed.core.admin_site.HelhedAdminSite"
