"""Reading notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from helhed.core.models import User
from helhed.notifications.models import Notification


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")


def unread_count(user: User) -> int:
    return notifications_for(user, unread_only=True).count()


def notification_of(user: User, notification_id: Any) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=notification_id).first()
