"""Art. 15 on the course page (the coordinator) and on the citizen's own page.

The coordinator records the citizen's request (when it came, how) on the course's tab
"Indsigt (art. 15)" and downloads the export as JSON or as a readable HTML document; the citizen
asks on their own page ("Få alle mine oplysninger") and downloads at once — the export holds only
their own data (the family rule in ``gdpr.selectors``). Every download is produced anew, logged
and marks the request delivered (``gdpr.services``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helhed.core.models import User
from helhed.core.selectors import today
from helhed.core.web import apply_errors, staff_only, staff_user
from helhed.gdpr import documents, selectors, services
from helhed.gdpr.forms import AccessRequestForm

FORMATS = documents.CONTENT_TYPES


CSS = ("vendor/dkfds/css/dkfds.min.css", "helhed/print.css")


def export_response(request: HttpRequest, export: selectors.Export, fmt: str) -> HttpResponse:
    """The export as a download: ``indsigt-<date>.json`` or ``.html``."""
    css_urls = [request.build_absolute_uri(static(path)) for path in CSS]
    body = documents.render(export, fmt, css_urls)
    response = HttpResponse(body, content_type=f"{FORMATS[fmt]}; charset=utf-8")
    name = f"indsigt-{export.generated_at:%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_only
@require_http_methods(["GET", "POST"])
def course_requests(request: HttpRequest, course_id: str) -> HttpResponse:
    user = staff_user(request)
    form = AccessRequestForm(
        request.POST if request.method == "POST" else None, initial={"received_on": today()}
    )
    if request.method == "POST":
        selectors.coordinator_access(user, course_id)  # a refusal before any field error
        if form.is_valid():
            try:
                services.record_request(user, course_id=course_id, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Anmodningen om indsigt er registreret."))
                return redirect("gdpr:course_requests", course_id=course_id)
    access, requests = selectors.course_requests(user, course_id)
    status = 400 if form.is_bound else 200
    context = {"course": access.course, "form": form, "requests": requests}
    return render(request, "gdpr/course_requests.html", context, status=status)


@staff_only
def course_download(
    request: HttpRequest, course_id: str, request_id: str, fmt: str
) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    user = staff_user(request)
    export = services.export_for_coordinator(user, course_id=course_id, request_id=request_id)
    return export_response(request, export, fmt)


def _citizen(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def my_requests(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    if request.method == "POST":
        services.request_own(user)
        messages.success(request, _("Dine oplysninger er klar. Hent dem herunder."))
        return redirect("gdpr:my_requests")
    found = selectors.my_requests(user)
    if found is None:
        raise PermissionDenied
    citizen, requests = found
    return render(request, "gdpr/my_requests.html", {"citizen": citizen, "requests": requests})


@login_required
def my_download(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    user = _citizen(request)
    return export_response(request, services.export_for_citizen(user, request_id=request_id), fmt)
