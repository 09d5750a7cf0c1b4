"""Integration clients for the tests: created through the administrators' service, with a token
fetched from the real token endpoint (HTTP Basic with the client id and secret)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.integrations import services
from tests.courses.conftest import (  # noqa: F401  (fixtures re-used here)
    coordinator_unit,
    course,
    initiative,
    jobcenter_unit,
    jobcenter_user,
)

ALL_READS = ["courses:read", "registry:read", "meetings:read", "progress:read", "handovers:read"]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def fetch_token(http: Client, client_id: str, secret: str, scope: str = "") -> Any:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    return http.post("/api/oauth/token", data, HTTP_AUTHORIZATION=basic(client_id, secret))


@pytest.fixture
def administrator(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("administrator", unit, first_name="Ada")


@pytest.fixture
def make_client(administrator: User) -> Callable[..., services.Credentials]:
    def make(
        unit: Unit,
        scopes: list[str] | None = None,
        name: str = "Fagsystemet",
        actor: User | None = None,
    ) -> services.Credentials:
        return services.create_client(
            actor_id=(actor or administrator).pk,
            name=name,
            unit_id=unit.pk,
            scopes=scopes or [*ALL_READS, "courses:write", "plans:write"],
            expires_at=timezone.now() + timedelta(days=30),
        )

    return make


@pytest.fixture
def bearer(client: Client) -> Callable[..., str]:
    """The Authorization header of a fresh access token for the given credentials."""

    def get(credentials: services.Credentials, scope: str = "") -> str:
        response = fetch_token(client, credentials.client_id, credentials.client_secret, scope)
        assert response.status_code == 200, response.content
        return f"Bearer {response.json()['access_token']}"

    return get
