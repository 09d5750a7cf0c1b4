"""Reads of integration clients: the administration's lists (an administrator's organisations
only) and the API's lookup of the client behind an access token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from helhed.core.admin_site import administered_organisation_ids
from helhed.core.models import Unit, User
from helhed.integrations.models import IntegrationClient


def administered_organisations(user: User) -> frozenset[Any]:
    """The organisations whose clients ``user`` administers (``core.administer`` there today)."""
    return administered_organisation_ids(user)


def clients_for_administrator(user: User) -> QuerySet[IntegrationClient]:
    return IntegrationClient.objects.filter(
        organisation_id__in=administered_organisations(user)
    ).select_related("organisation", "unit", "oauth_client")


def client_for_administrator(user: User, client_id: UUID) -> IntegrationClient:
    """One client of an organisation ``user`` administers; the same refusal for a client of
    another organisation as for one that does not exist."""
    client = clients_for_administrator(user).filter(pk=client_id).first()
    if client is None:
        raise PermissionDenied
    return client


def units_for_administrator(user: User) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(organisation_id__in=administered_organisations(user))
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def client_of_oauth(oauth_client_id: str) -> IntegrationClient | None:
    """The integration client behind allauth's OAuth client id (the token endpoint, the API)."""
    return (
        IntegrationClient.objects.filter(oauth_client_id=oauth_client_id)
        .select_related("system_user", "organisation")
        .first()
    )
