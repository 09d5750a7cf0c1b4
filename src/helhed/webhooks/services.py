"""The webhooks' use cases: a client's subscriptions, and the pieces of a delivery — who may
receive an event now, the CloudEvent, the signed POST (the attempts themselves are the worker's
tasks, ``webhooks.tasks``)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from helhed.core.mail import describe_error
from helhed.core.models import User
from helhed.courses.selectors import visible_courses
from helhed.integrations.models import IntegrationClient
from helhed.outbox.models import Event, EventType
from helhed.webhooks import logic, signing
from helhed.webhooks.models import Delivery, Subscription

logger = logging.getLogger(__name__)

NOT_A_CLIENT = "Kun en integrationsklient kan abonnere på hændelser."


# --------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------


def client_of(user: User) -> IntegrationClient:
    """The integration client ``user`` is the system user of, or ``PermissionDenied``."""
    client = IntegrationClient.objects.filter(system_user_id=user.pk).first()
    if client is None or not client.is_active():
        raise PermissionDenied(NOT_A_CLIENT)
    return client


def check_subscription(url: str, event_types: list[str]) -> list[str]:
    """The event types, without repeats; ``ValidationError`` naming ``url`` or
    ``event_types``."""
    errors: dict[str, str] = {}
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.HELHED_WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        errors["url"] = "Angiv en https-adresse."
    types = list(dict.fromkeys(event_types))
    if not types:
        errors["event_types"] = "Vælg mindst én hændelsestype."
    elif not set(types) <= set(EventType.values):
        errors["event_types"] = "Ukendt hændelsestype."
    if errors:
        raise ValidationError(errors)
    return types


@transaction.atomic
def create_subscription(
    user: User, *, url: str, event_types: list[str]
) -> tuple[Subscription, str]:
    """A subscription of the caller's client; returns it with its signing secret — the only
    time the secret is shown."""
    client = client_of(user)
    types = check_subscription(url, event_types)
    secret = signing.new_secret()
    subscription = Subscription.objects.create(
        client=client,
        url=url.strip(),
        event_types=types,
        secret_encrypted=signing.encrypt(secret),
    )
    return subscription, secret


@transaction.atomic
def delete_subscription(user: User, *, subscription_id: Any) -> None:
    """The caller's own subscription only; another's is ``Subscription.DoesNotExist`` (404),
    as one that does not exist."""
    client = client_of(user)
    Subscription.objects.get(pk=subscription_id, client=client).delete()


# --------------------------------------------------------------------------------------------
# Dispatch and delivery
# --------------------------------------------------------------------------------------------


def may_receive(client: IntegrationClient, course_id: Any, on: datetime) -> bool:
    """The client is active, holds the scope, and its system user may see the course now."""
    if not client.is_active(on) or logic.SCOPE not in (client.scopes or []):
        return False
    user = client.system_user
    return user.is_active and visible_courses(user).filter(pk=course_id).exists()


def payload(event: Event) -> tuple[dict[str, str], bytes]:
    """The event as a structured-mode CloudEvent: headers and body (ids and type only)."""
    attributes = logic.attributes(
        event_id=event.pk,
        event_type=event.type,
        course_id=event.course_id,
        occurred_at=event.occurred_at,
        source=settings.HELHED_BASE_URL.rstrip("/") + "/api/events",
    )
    message = to_structured_event(CloudEvent(attributes=attributes, data=dict(event.data)))
    return dict(message.headers), message.body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address: not followed (it is not delivered)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str]:
    """POST; the HTTP status, or None and what went wrong (never the answer's body)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.HELHED_WEBHOOKS_TIMEOUT_SECONDS) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, BaseException) else exc
        return None, describe_error(reason)
    except OSError as exc:  # a timeout while reading the answer, a reset
        return None, describe_error(exc)


def finish(delivery: Delivery, status: str, **fields: Any) -> str:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, finished_at=timezone.now(), next_attempt_at=None, **fields
    )
    return status
