"""Consent with evidence (issue 15): the coordinator attaches the signed document, a reader who
may see every category downloads it through the guard (logged), the coordinator changes a
consent's scope or expiry, and the citizen (or custody holder) confirms on their own page.

Each write is a service that also writes the consent's history (``ConsentEvent``). A consent of
another course, a guessed id or a course the reader may not see answers 404 here: nothing says
whether a document exists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from helhed.audit.models import Purpose
from helhed.core.models import User
from helhed.core.web import apply_errors, posted, staff_only, staff_user
from helhed.courses import forms as f
from helhed.courses import selectors, services
from helhed.courses.views._common import _detail, _log, _render_form


def _guarded(request: HttpRequest, course_id: str) -> selectors.Access:
    """The guard's answer, or 404 (another organisation, an ended membership, a guessed id)."""
    try:
        return selectors.access_for(staff_user(request), course_id)
    except PermissionDenied:
        raise Http404 from None


def _consent(access: selectors.Access, consent_id: str) -> object:
    try:
        return selectors.consent_of(access, consent_id)
    except PermissionDenied:
        raise Http404 from None


@staff_only
def consent_document_upload(request: HttpRequest, course_id: str, consent_id: str) -> HttpResponse:
    """Attach the signed consent (the coordinator's): PDF, PNG or JPEG, at most 10 MB."""
    access = _guarded(request, course_id)
    if not access.is_coordinator:
        raise Http404
    consent = _consent(access, consent_id)
    form = f.ConsentDocumentForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attach_consent_document(
                staff_user(request),
                course_id=access.course.pk,
                consent_id=consent.pk,  # type: ignore[attr-defined]
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Den underskrevne samtykkeerklæring er vedhæftet."))
            return _detail(access.course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=_("Vedhæft underskrevet samtykkeerklæring"),
        submit=_("Vedhæft erklæringen"),
        intro=_(
            "Vedhæft den erklæring, borgeren (eller forældremyndigheden) har underskrevet: en "
            "PDF, PNG eller JPEG på højst 10 MB. Filen gemmes uden for det offentlige område og "
            "kan kun hentes gennem forløbet, og hver visning logges."
        ),
        multipart=True,
    )


@login_required
def consent_document_download(
    request: HttpRequest, course_id: str, consent_id: str
) -> FileResponse:
    """The signed document, through the guard and the access log; for the coordinator and a
    reader whose consent covers every category (``selectors.consent_document``)."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_citizen:
        raise Http404
    access = _guarded(request, course_id)
    try:
        document = selectors.consent_document(access, consent_id)
    except PermissionDenied:
        raise Http404 from None
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_only
def consent_change(request: HttpRequest, course_id: str, consent_id: str) -> HttpResponse:
    """Change a consent's units, categories or expiry (the coordinator's, as the citizen asked);
    each change lands in the consent's history."""
    access = _guarded(request, course_id)
    if not access.is_coordinator:
        raise Http404
    consent = _consent(access, consent_id)
    organisations, units = selectors.consent_scope_choices(access)
    form = f.ConsentChangeForm(
        posted(request), consent=consent, organisations=organisations, units=units
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_consent(
                staff_user(request),
                course_id=access.course.pk,
                consent_id=consent.pk,  # type: ignore[attr-defined]
                unit_ids=[u.pk for u in data["units"]],
                organisation_ids=[o.pk for o in data["organisations"]],
                categories=data["categories"],
                valid_to=data["valid_to"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Samtykket er ændret. Ændringen står i historikken."))
            return _detail(access.course, "samtykke")
    _log(request, access, "samtykke", Purpose.CASEWORK)
    return _render_form(
        request,
        access,
        form,
        title=_("Ret samtykke"),
        submit=_("Gem ændringen"),
        intro=_(
            "Ret samtykket, når borgeren har bedt om det: hvem det omfatter, hvilke oplysninger "
            "og hvor længe. Hver ændring gemmes i samtykkets historik med dit navn og tidspunktet."
        ),
    )


@login_required
def my_consent_confirm(request: HttpRequest, consent_id: str) -> HttpResponse:
    """The citizen (or custody holder) confirms a recorded consent on their own page: GET
    shows what they confirm, POST confirms. Someone else's consent: 404."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_citizen:
        raise PermissionDenied
    rows = selectors.consents_to_confirm(user)
    row = next((r for r in rows if str(r.consent.pk) == str(consent_id)), None)
    if row is None:
        raise Http404
    if request.method == "POST":
        try:
            services.confirm_consent(user, consent_id=row.consent.pk)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for problem in exc.messages:
                messages.info(request, problem)
        else:
            messages.success(
                request, _("Tak. Du har bekræftet samtykket. Din koordinator kan se det.")
            )
        return redirect("courses:my_consents")
    from helhed.courses.views.citizen import _consent_row

    return render(
        request,
        "courses/my_consent_confirm.html",
        {"row": _consent_row(row.consent, selectors.today()), "mine": row},
    )
