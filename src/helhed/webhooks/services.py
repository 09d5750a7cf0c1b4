"""The webhooks' use cases: a client's subscriptions, and the pieces of a delivery — who may
receive an event now, the CloudEvent, the signed POST (the attempts themselves are the worker's
tasks, ``webhooks.tasks``)."""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from helhed.core.mail import describe_error
from helhed.core.models import User
from helhed.courses.selectors import visible_courses
from helhed.integrations.models import IntegrationClient
from helhed.outbox import logic as outbox_logic
from helhed.outbox.models import Event, EventType
from helhed.webhooks import logic, signing
from helhed.webhooks.models import Delivery, DeliveryStatus, Subscription

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


BLOCKED = (
    "Adressen peger på et internt eller reserveret net (fx 127.0.0.1, 10.x, 169.254.x), som "
    "Helhed ikke sender til; spørg driften, om nettet kan tillades."
)
MAX_SUBSCRIPTIONS = 10


def _allowed_networks() -> list[Any]:
    return logic.parse_networks(settings.HELHED_WEBHOOKS_ALLOWED_NETWORKS)


def blocked_destination(host: str, *, resolve: bool = True) -> bool:
    """Would a POST to ``host`` reach an address Helhed does not send to? An IP literal is
    judged as it is; a name by every address it resolves to (at sending time: ``resolve``), so a
    name pointing inward is refused too. A name that does not resolve is not blocked here (the
    POST fails by itself)."""
    allowed = _allowed_networks()
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not resolve:
            return False
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return False
        return any(not logic.address_allowed(str(info[4][0]), allowed) for info in infos)
    return not logic.address_allowed(host.strip("[]"), allowed)


def check_subscription(url: str, event_types: list[str]) -> list[str]:
    """The event types, without repeats; ``ValidationError`` naming ``url`` or
    ``event_types``."""
    errors: dict[str, str] = {}
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.HELHED_WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        errors["url"] = "Angiv en https-adresse."
    elif blocked_destination(parts.hostname, resolve=False):
        errors["url"] = BLOCKED
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
    if Subscription.objects.filter(client=client).count() >= MAX_SUBSCRIPTIONS:
        raise ValidationError(
            {"url": f"En klient kan højst have {MAX_SUBSCRIPTIONS} abonnementer; slet et først."}
        )
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


def may_receive(
    client: IntegrationClient, course_id: Any, on: datetime, event: Event | None = None
) -> bool:
    """The client is active, holds the scope, and its system user may see the course now — or,
    for an event that ends its view (consent withdrawn, course closed), is in the event's
    audience: it could see the course just before the change, so it learns (ids only) that a
    course it knew of ended."""
    if not client.is_active(on) or logic.SCOPE not in (client.scopes or []):
        return False
    user = client.system_user
    if not user.is_active:
        return False
    if (
        event is not None
        and event.type in outbox_logic.ENDING
        and str(client.pk) in (event.audience or [])
    ):
        return True
    return visible_courses(user).filter(pk=course_id).exists()


def audience(event_type: str, course_id: Any) -> list[str]:
    """The clients subscribed to ``event_type`` that may see the course now (asked by the
    outbox before an ending change: the consent still holds, the course is still open)."""
    now = timezone.now()
    return [
        str(s.client_id)
        for s in Subscription.objects.filter(active=True).select_related("client__system_user")
        if event_type in s.event_types and may_receive(s.client, course_id, now)
    ]


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


def _cut(connection: http.client.HTTPConnection, passed: threading.Event) -> None:
    """The whole attempt's deadline passed: shut the socket, so that a read blocked on a
    receiver that trickles its answer a byte at a time returns at once."""
    passed.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str]:
    """POST; the HTTP status, or None and what went wrong (never the answer's body). A redirect
    is an answer, not a new address (not followed: not delivered). The timeout is the whole
    attempt's — connecting, sending and the answer's status line and headers — not each read's,
    so a receiver cannot hold the worker by answering slowly."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if blocked_destination(host):  # resolved now: a name may have been pointed inward since
        return None, "Adressen er ikke tilladt (internt eller reserveret net)."
    seconds = float(settings.HELHED_WEBHOOKS_TIMEOUT_SECONDS)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(host, parts.port, timeout=seconds)
    passed = threading.Event()
    deadline = threading.Timer(seconds, _cut, args=(connection, passed))
    deadline.daemon = True
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        if passed.is_set():  # whatever the cut socket made the read raise
            return None, describe_error(TimeoutError())
        return None, describe_error(exc)
    finally:
        deadline.cancel()
        connection.close()
    return int(status), "" if 200 <= status < 300 else f"HTTP {status}"


def finish(delivery: Delivery, status: str, **fields: Any) -> str:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, finished_at=timezone.now(), next_attempt_at=None, **fields
    )
    return status


def delete_delivered_events(before: datetime) -> tuple[int, dict[str, int]]:
    """Retention, category *Hændelser og webhook-leveringer*: the events that occurred before
    ``before``, with their deliveries, once they are dispatched and no delivery waits for another
    attempt (an event the daily sweep has yet to dispatch, or a subscriber's retry, is kept). A
    given-up delivery (a dead letter) goes with its event. The newest event is always kept: the
    next one is numbered from it (``outbox.services.record``: highest ``seq`` + 1), and a pull
    client's cursor ``after=<seq>`` must never see a number again."""
    waiting = Delivery.objects.filter(event=OuterRef("pk"), status=DeliveryStatus.PENDING)
    old = Event.objects.filter(occurred_at__lt=before, dispatched_at__isnull=False)
    newest = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    if newest is None:
        return 0, {}
    return old.filter(~Exists(waiting)).exclude(seq=newest).delete()
