"""Pages for FHIR: the course's Bundle as a download (the course page's "Eksportér som FHIR") and
the bulk export page with its progress (htmx polls the status fragment while the job runs).
Adapters only: reads through ``selectors``, the job through ``services``."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from helhed.core.web import staff_only, staff_user
from helhed.fhir import selectors, services


@staff_only
@require_GET
def course_bundle(request: HttpRequest, course_id: str) -> HttpResponse:
    """The course as a FHIR Bundle file (as far as the reader may see it; logged)."""
    pseudonymise = request.GET.get("pseudonym") == "1"
    bundle = selectors.course_bundle(staff_user(request), course_id, pseudonymise=pseudonymise)
    response = HttpResponse(json.dumps(bundle, indent=1), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="forloeb-{course_id}.fhir.json"'
    return response


@staff_only
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if request.method == "POST":
        services.request_bulk_export(user, pseudonymise=request.POST.get("pseudonym") == "1")
        return redirect("fhir:exports")
    return render(request, "fhir/exports.html", {"exports": selectors.my_bulk_exports(user)})


@staff_only
@require_GET
def export_status(request: HttpRequest, export_id: str) -> HttpResponse:
    """One export's row (the htmx poll's fragment)."""
    export = selectors.bulk_export(staff_user(request), export_id)
    return render(request, "fhir/_export_row.html", {"e": export})


@staff_only
@require_GET
def export_download(request: HttpRequest, export_id: str) -> HttpResponseBase:
    user = staff_user(request)
    export = selectors.bulk_export(user, export_id)
    if export.status != "done":
        return redirect("fhir:exports")
    response = StreamingHttpResponse(
        selectors.bulk_export_lines(user, export), content_type="application/fhir+ndjson"
    )
    response["Content-Disposition"] = f'attachment; filename="fhir-{export.pk}.ndjson"'
    return response
