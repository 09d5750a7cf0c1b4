"""Access-log pages: supervision for leaders/administrators, and the citizen's own log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rules.contrib.views import permission_required

from helhed.audit import selectors
from helhed.audit.forms import AccessLogFilterForm
from helhed.core.models import User
from helhed.core.panels import citizen_id_for_user


@permission_required("core.view_access_log", raise_exception=True)
def supervision(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    entries = selectors.entries_for_supervision(request.user)  # type: ignore[arg-type]
    if form.is_bound and form.is_valid():
        entries = selectors.entries_for_supervision(
            request.user,  # type: ignore[arg-type]
            citizen_id=form.cleaned_data["citizen"],
            actor_query=form.cleaned_data["actor"],
            without_consent_only=form.cleaned_data["without_consent"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    elif form.is_bound:
        entries = entries.none()
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    return render(request, "audit/supervision.html", {"form": form, "page": page})


@login_required
def my_log(request: HttpRequest) -> HttpResponse:
    """The citizen's "who has looked at my data": other people's reads (the citizen's own reads
    of their own data are logged but not listed here). Reading one's own log is not logged."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied
    citizen_id = citizen_id_for_user(user)
    entries = selectors.entries_for_citizen(citizen_id, exclude_actor=user) if citizen_id else None
    page = Paginator(entries, 25).get_page(request.GET.get("side")) if entries is not None else None
    return render(request, "audit/my_log.html", {"page": page})
