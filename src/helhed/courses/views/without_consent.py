"""Access without consent (a basis from the maintained list, 24 hours) and the leaders' review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import selectors, services
from helhed.courses.views._common import (
    _bases,
    _no_access,
)

# --------------------------------------------------------------------------------------------
# Access without consent, and the leaders' review of it
# --------------------------------------------------------------------------------------------


@staff_only
def without_consent(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    units = services.without_consent_units(user)
    if not units:
        raise PermissionDenied(
            "Kun sagsbehandlere i en myndighedsenhed kan åbne et forløb uden samtykke."
        )
    form = f.WithoutConsentForm(posted(request), units=units, bases=_bases())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.open_without_consent(
                user,
                course_id=course_id,
                unit_id=data["unit"].pk,
                basis_id=data["basis"].pk,
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.warning(
                request,
                gettext(
                    "Adgangen uden samtykke er åbnet i 24 timer. Den står i borgerens adgangslog, "
                    "og koordinatoren og din leder har fået besked."
                ),
            )
            return redirect("courses:course_detail", course_id=course_id)
    return _no_access(request, course_id, form)


@login_required
def without_consent_review(request: HttpRequest) -> HttpResponse:
    """The leaders' list of every access without consent opened from their organisations."""
    user = staff_user(request)
    pending_only = request.GET.get("vis") == "afventer"
    page = Paginator(
        selectors.without_consent_reviews(user, pending_only=pending_only), 50
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "courses/without_consent_review.html",
        {"page": page, "pending_only": pending_only},
    )


@require_POST
@staff_only
def without_consent_review_save(request: HttpRequest, access_id: str) -> HttpResponse:
    form = f.WithoutConsentReviewForm(request.POST, prefix=access_id)
    if form.is_valid():
        try:
            services.review_without_consent(
                staff_user(request),
                access_id=access_id,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("Gennemgangen er registreret."))
    else:
        messages.error(request, gettext("Vælg en vurdering."))
    return redirect("courses:without_consent_review")
