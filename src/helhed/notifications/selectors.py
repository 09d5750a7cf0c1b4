"""Reading notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet

from helhed.core.models import User
from helhed.core.prepared import Fixed, Prepared
from helhed.notifications.models import Notification


def _mine(user_id: Any, unread_only: bool) -> QuerySet[Notification]:
    """The user's notifications (only the unread ones), newest first."""
    qs = Notification.objects.filter(recipient_id=user_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")


def latest(user: User, *, unread_only: bool = False, at_most: int = 200) -> list[Notification]:
    """The user's newest notifications (the API's list)."""
    return _PAGE(user.pk, unread_only, Fixed(0), Fixed(at_most))


def notification_page(
    user: User, *, unread_only: bool = False, page_number: Any = None, per_page: int = 30
) -> Page[Notification]:
    """The page of the user's notifications (newest first) that ``Paginator.get_page`` gives (not
    a whole number: the first page; past the last: the last), from kept queries."""
    counted = _COUNT(user.pk, unread_only)
    paginator: Paginator[Notification] = Paginator([], per_page)
    paginator.count = counted[0][0] if counted else 0
    try:
        number = paginator.validate_number(page_number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    offset = (number - 1) * per_page
    if number <= KEPT_PAGES:
        rows = _PAGE(user.pk, unread_only, Fixed(offset), Fixed(per_page))
    else:  # a page is a shape of its own: the first few are kept, the rest built each time
        rows = list(_mine(user.pk, unread_only)[offset : offset + per_page])
    return Page(rows, number, paginator)


# The list page and the API's list: compiled once per process and shape (filter and page; the
# first ``KEPT_PAGES`` pages only, so one reader paging far does not crowd out the others').
KEPT_PAGES = 5
_COUNT: Prepared[tuple[int]] = Prepared(
    Notification,
    lambda user_id, unread_only: (
        _mine(user_id, unread_only)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n")
        .order_by()
    ),
)
_PAGE: Prepared[Notification] = Prepared(
    Notification,
    lambda user_id, unread_only, offset, limit: _mine(user_id, unread_only)[
        offset : offset + limit
    ],
    kept=32,
)


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
