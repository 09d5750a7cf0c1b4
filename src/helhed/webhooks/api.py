"""``/api/events``: the pull feed of events and a client's webhook subscriptions.

The feed and the subscriptions are the integration client's (its system user's session or, at
merge, its token with the scope ``events:read``); the guard decides which events it sees."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import ValidationError

from helhed.core.apikit import user_of
from helhed.outbox.models import EventType
from helhed.webhooks import selectors, services
from helhed.webhooks.schemas import FeedOut, SubscriptionCreated, SubscriptionIn, SubscriptionOut

router = Router(tags=["events"])


def _types(text: str) -> list[str]:
    types = [t.strip() for t in text.split(",") if t.strip()]
    if not set(types) <= set(EventType.values):
        raise ValidationError(
            [{"loc": ["query", "type"], "msg": "Ukendt hændelsestype.", "type": "value_error"}]
        )
    return types


@router.get("", response=FeedOut)
def event_feed(
    request: HttpRequest,
    after: int = Query(0, ge=0, le=2**62, description="the last `seq` read (0: the start)"),
    limit: int = Query(100, ge=1, le=500),
    type: str = Query("", description="event types, comma-separated (default: all)"),
) -> dict[str, Any]:
    """Events after the cursor, oldest first, about courses the caller may see now (logged
    as a list: one entry per citizen on the page)."""
    events, cursor = selectors.feed(user_of(request), after=after, limit=limit, types=_types(type))
    return {"events": events, "next": cursor}


@router.get("/subscriptions", response=list[SubscriptionOut])
def list_event_subscriptions(request: HttpRequest) -> Any:
    """The calling integration client's webhook subscriptions (without their secrets)."""
    return selectors.subscriptions(user_of(request))


@router.post("/subscriptions", response={201: SubscriptionCreated})
def create_event_subscription(request: HttpRequest, body: SubscriptionIn) -> Any:
    """A webhook subscription; the answer holds its signing secret, shown only this once."""
    subscription, secret = services.create_subscription(
        user_of(request), url=body.url, event_types=body.event_types
    )
    return Status(201, {**SubscriptionOut.from_orm(subscription).dict(), "secret": secret})


@router.delete("/subscriptions/{subscription_id}", response={204: None})
def delete_event_subscription(request: HttpRequest, subscription_id: uuid.UUID) -> Any:
    """Delete one of the calling client's own subscriptions."""
    services.delete_subscription(user_of(request), subscription_id=subscription_id)
    return Status(204, None)
