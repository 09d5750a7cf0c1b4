"""Export of the registry as CSV/XLSX (with the list page's filters) and the import page.

Thin: the formats and the all-or-nothing import live in ``registry.io``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.registry import io, selectors

VIEW = "registry.view_initiative"
CHANGE = "registry.change_initiative"

_BAD_FILTER_PAGE = """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "Ugyldigt filter" %}{% endblock %}
{% block content %}
<h1>{% translate "Eksporten kunne ikke laves" %}</h1>
<div class="alert alert-error" role="alert"><div class="alert-body">
  <p class="alert-heading">{% translate "Et filter i adressen er ugyldigt" %}</p>
  <p class="alert-text">{{ param }}: {{ message }}</p>
</div></div>
<p><a href="{% url 'registry:initiative_list' %}">{% translate "Tilbage til registret" %}</a></p>
{% endblock %}"""


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The registry (filtered like the list page) as CSV (UTF-8 with BOM) or XLSX."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    if fmt not in io.FORMATS:
        raise Http404("Ukendt eksportformat.")
    try:
        filters, as_of = io.filters_from_params(request.GET)
    except io.FilterError as exc:
        page = engines["django"].from_string(_BAD_FILTER_PAGE)
        return HttpResponse(
            page.render({"param": exc.param, "message": exc.message}, request), status=400
        )
    columns, records = io.export_records(selectors.search(filters, as_of))
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(
            io.to_csv(columns, records).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(io.to_xlsx(columns, records), content_type=io.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="helhed-register-{stamp}.{fmt}"'
    return response


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (CSV eller XLSX)"),
        help_text=_("Højst 5 MB. Første række er kolonnenavnene; kolonnen name er påkrævet."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-"
                "officedocument.spreadsheetml.sheet",
                "class": "form-input",
            }
        ),
    )
    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[("auto", _("Ud fra filnavnet")), ("csv", "CSV"), ("xlsx", "XLSX")],
        initial="auto",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    dry_run = forms.BooleanField(label=_("Kontrollér kun filen (gem intet)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size is not None and upload.size > io.MAX_IMPORT_BYTES:
            self.add_error(
                "file",
                _("Filen er for stor (%(size).1f MB). Den må højst være %(limit)d MB.")
                % {"size": upload.size / 1024 / 1024, "limit": io.MAX_IMPORT_BYTES // 1024 // 1024},
            )
            return data
        fmt = data.get("fmt") or "auto"
        if fmt == "auto":
            name = (upload.name or "").lower()
            fmt = next((f for f in io.FORMATS if name.endswith("." + f)), "")
            if not fmt:
                self.add_error(
                    "file",
                    _("Filnavnet skal ende på .csv eller .xlsx - eller vælg formatet nedenfor."),
                )
        data["fmt"] = fmt
        return data


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV/XLSX file; every row is validated and nothing is written on any error."""
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    result: io.ImportResult | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = io.import_initiatives(
                upload.read(io.MAX_IMPORT_BYTES + 1),
                form.cleaned_data["fmt"],
                filename=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
            )
    else:
        form = ImportForm()
    return render(
        request,
        "registry/import.html",
        {
            "form": form,
            "result": result,
            "columns": sorted(io.IMPORT_COLUMNS),
        },
        status=200,
    )
