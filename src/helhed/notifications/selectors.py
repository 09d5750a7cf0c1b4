"""Reading notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from helhed.core.models import User
from helhed.core.prepared import Prepared
from helhed.notifications.models import Notification


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")


# The header's badge asks on every page (and by itself every minute): compiled once per process.
_UNREAD: Prepared[tuple[int]] = Prepared(
    Notification,
    lambda user_id: (
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n")
        .order_by()
    ),
)


def unread_count(user: User) -> int:
    rows = _UNREAD(user.pk)
    return rows[0][0] if rows else 0


def notification_of(user: User, notification_id: Any) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=notification_id).first()
