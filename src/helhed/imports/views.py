"""Pages of the course import: upload → mapping and dry run → import on the worker → progress
(htmx polling, no script of our own). Adapters only: the services decide."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.imports import forms as f
from helhed.imports import logic, selectors, services

FIELD_NAMES = {k: f"f_{k}" for k in logic.FIELDS}


@staff_only
def job_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    return render(request, "imports/list.html", {"jobs": list(selectors.my_jobs(user))})


@staff_only
def upload(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = f.UploadForm(
        posted(request),
        request.FILES or None,
        units=selectors.import_units(user),
        initiatives=selectors.initiatives(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.upload(
                user,
                unit_id=data["unit"],
                initiative_id=data["initiative"],
                source=data["source"],
                filename=data["file"].name,
                data=data["file"].read(),
                encoding=data["encoding"],
                delimiter=data["delimiter"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("imports:job", job.pk)
    return render(
        request, "imports/upload.html", {"form": form, "sources": selectors.saved_sources(user)}
    )


def _mapping_form(job: Any, data: Any = None) -> f.MappingForm:
    initial = {f"f_{k}": v for k, v in job.mapping.items()}
    initial |= {"encoding": "" if job.encoding_detected else job.encoding}
    initial |= {"delimiter": job.delimiter}
    return f.MappingForm(data, headers=job.headers, initial=initial)


@staff_only
def job_detail(request: HttpRequest, job_id: Any) -> HttpResponse:
    user = staff_user(request)
    job = selectors.job_for(user, job_id)
    form = _mapping_form(job, posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.dry_run(
                user,
                job_id=job.pk,
                mapping=form.mapping(),
                encoding=form.cleaned_data["encoding"],
                delimiter=form.cleaned_data["delimiter"],
            )
        except ValidationError as exc:
            apply_errors(form, exc, FIELD_NAMES)
        else:
            return redirect("imports:job", job.pk)
    return render(request, "imports/job.html", _context(job, form))


def _context(job: Any, form: Any) -> dict[str, Any]:
    return {
        "job": job,
        "form": form,
        "encoding_label": logic.ENCODINGS.get(job.encoding, "XLSX"),
        "delimiter_label": logic.DELIMITERS.get(job.delimiter, ""),
        "has_file": selectors.has_file(job),
        "more_errors": max(0, job.error_count - len(job.errors)),
    }


@staff_only
@require_POST
def job_start(request: HttpRequest, job_id: Any) -> HttpResponse:
    user = staff_user(request)
    try:
        services.start(user, job_id=job_id)
    except ValidationError as exc:
        return _refused(request, user, job_id, exc)
    return redirect("imports:job", job_id)


def _refused(request: HttpRequest, user: Any, job_id: Any, exc: ValidationError) -> HttpResponse:
    job = selectors.job_for(user, job_id)
    context = _context(job, _mapping_form(job)) | {"refusal": " ".join(exc.messages)}
    return render(request, "imports/job.html", context, status=400)


@staff_only
@require_POST
def job_cancel(request: HttpRequest, job_id: Any) -> HttpResponse:
    user = staff_user(request)
    try:
        services.cancel(user, job_id=job_id)
    except ValidationError as exc:
        return _refused(request, user, job_id, exc)
    return redirect("imports:job", job_id)


@staff_only
def job_progress(request: HttpRequest, job_id: Any) -> HttpResponse:
    """The progress bar's fragment; htmx asks again every second while the job runs."""
    job = selectors.job_for(staff_user(request), job_id)
    return render(request, "imports/_progress.html", {"job": job})
