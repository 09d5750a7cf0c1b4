"""Access-log pages: supervision for leaders/administrators, and the citizen's own log."""

from __future__ import annotations

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helhed.audit import selectors
from helhed.audit.forms import AccessLogFilterForm
from helhed.core.models import User
from helhed.core.panels import citizen_id_for_user


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """The entries attributed to units of the viewer's organisations. The rule is asked itself
    (``rules.has_perm``), not ``user.has_perm``, which lets every superuser through."""
    user: User = request.user  # type: ignore[assignment]
    if not rules.has_perm("core.view_access_log", user):
        raise PermissionDenied
    form = AccessLogFilterForm(request.GET or None)
    entries = selectors.entries_for_supervision(user)
    if form.is_bound and form.is_valid():
        entries = selectors.entries_for_supervision(
            user,
            citizen_id=form.cleaned_data["citizen"],
            actor_query=form.cleaned_data["actor"],
            without_consent_only=form.cleaned_data["without_consent"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    elif form.is_bound:
        entries = entries.none()
    only_without_consent = bool(
        form.is_bound and form.is_valid() and form.cleaned_data["without_consent"]
    )
    # Reads without consent stand out: counted above the list, with a link that keeps the
    # other filters and shows only them.
    without_consent_query = request.GET.copy()
    without_consent_query["without_consent"] = "on"
    without_consent_query.pop("side", None)
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    return render(
        request,
        "audit/supervision.html",
        {
            "form": form,
            "page": page,
            "organisations": selectors.supervised_organisations(user),
            "without_consent_count": (
                0 if only_without_consent else entries.filter(without_consent=True).count()
            ),
            "without_consent_query": without_consent_query.urlencode(),
        },
    )


@login_required
def my_log(request: HttpRequest) -> HttpResponse:
    """The citizen's "who has looked at my data": other people's reads (the citizen's own reads
    of their own data are logged but not listed here). Reading one's own log is not logged."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied
    citizen_id = citizen_id_for_user(user)
    if citizen_id is None:
        return render(request, "audit/my_log.html", {"page": None, "lists": []})
    # Openings of the record first and on their own; the lists the citizen's name appeared in
    # (caseloads, search results) grouped below, so the openings are easy to see.
    openings = selectors.record_openings_for_citizen(citizen_id, exclude_actor=user)
    lists = selectors.list_appearances_for_citizen(citizen_id, exclude_actor=user)
    return render(
        request,
        "audit/my_log.html",
        {
            "page": Paginator(openings, 25).get_page(request.GET.get("side")),
            "lists": lists,
            "list_times": sum(group.times for group in lists),
        },
    )
