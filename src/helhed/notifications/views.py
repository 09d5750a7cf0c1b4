"""The notification list, opening one (marks it read), and the unread badge in the header."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from helhed.core.models import User
from helhed.notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    unread_only = request.GET.get("vis") == "ulaeste"
    page = selectors.notification_page(
        user, unread_only=unread_only, page_number=request.GET.get("side")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "unread": selectors.unread_count(user)},
    )


@login_required
def notification_open(request: HttpRequest, notification_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notification = selectors.notification_of(user, notification_id)
    if notification is None:
        raise Http404
    services.mark_read(user, notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(request.user)  # type: ignore[arg-type]
    return redirect("notifications:list")


@login_required
def unread_badge(request: HttpRequest) -> HttpResponse:
    """Loaded by htmx after the page: the page's own query count does not include it."""
    count = selectors.unread_count(request.user)  # type: ignore[arg-type]
    return render(request, "notifications/_badge.html", {"count": count})
