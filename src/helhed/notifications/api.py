"""Notifications API: the logged-in user's own notifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from helhed.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get("/", response=list[NotificationOut])
def list_notifications(request: HttpRequest, unread: bool = False) -> list[NotificationOut]:
    found = selectors.latest(request.user, unread_only=unread)  # type: ignore[arg-type]
    return [NotificationOut.from_orm(n) for n in found]


@router.post("/{notification_id}/read", response=NotificationOut)
def read_notification(request: HttpRequest, notification_id: uuid.UUID) -> NotificationOut:
    user = request.user
    n = selectors.notification_of(user, notification_id)  # type: ignore[arg-type]
    if n is None:
        raise HttpError(404, "Notifikationen findes ikke.")
    services.mark_read(user, n.pk)  # type: ignore[arg-type]
    n.refresh_from_db()
    return NotificationOut.from_orm(n)
