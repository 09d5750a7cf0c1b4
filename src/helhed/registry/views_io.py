"""Export of the registry as CSV/XLSX (with the list page's filters) and the import page.

Thin: the formats are ``registry.formats``, the all-or-nothing import is
``services.import_initiatives`` (which ``helhed registry import`` calls too).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.views import permission_required

from helhed.core.web import posted, staff_user
from helhed.registry import selectors, services
from helhed.registry.formats import sheet, tables
from helhed.registry.formats.filters import FilterError
from helhed.registry.views import VIEW, change_only

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
@permission_required(VIEW, raise_exception=True)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The registry (filtered like the list page) as CSV (UTF-8 with BOM) or XLSX."""
    if fmt not in tables.FORMATS:
        raise Http404("Ukendt eksportformat.")
    try:
        filters, as_of = selectors.filters_from_params(request.GET)
    except FilterError as exc:
        page = engines["django"].from_string(_BAD_FILTER_PAGE)
        return HttpResponse(
            page.render({"param": exc.param, "message": exc.message}, request), status=400
        )
    columns, records = sheet.export_records(selectors.export_rows(selectors.search(filters, as_of)))
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(
            tables.to_csv(columns, records).encode("utf-8"),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            tables.to_xlsx(columns, records), content_type=tables.XLSX_CONTENT_TYPE
        )
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
        if upload.size is not None and upload.size > sheet.MAX_IMPORT_BYTES:
            limit = sheet.MAX_IMPORT_BYTES // 1024 // 1024
            self.add_error(
                "file",
                _("Filen er for stor (%(size).1f MB). Den må højst være %(limit)d MB.")
                % {"size": upload.size / 1024 / 1024, "limit": limit},
            )
            return data
        fmt = data.get("fmt") or "auto"
        if fmt == "auto":
            fmt = tables.format_for(upload.name or "")
            if not fmt:
                self.add_error(
                    "file",
                    _("Filnavnet skal ende på .csv eller .xlsx - eller vælg formatet nedenfor."),
                )
        data["fmt"] = fmt
        return data


@change_only
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV/XLSX file; every row is validated and nothing is written on any error."""
    form = ImportForm(posted(request), request.FILES or None)
    result: services.ImportResult | None = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.import_initiatives(
            staff_user(request),
            content=upload.read(sheet.MAX_IMPORT_BYTES + 1),
            fmt=form.cleaned_data["fmt"],
            filename=upload.name or "",
            dry_run=form.cleaned_data["dry_run"],
        )
    context = {"form": form, "result": result, "columns": sorted(sheet.IMPORT_COLUMNS)}
    return render(request, "registry/import.html", context)
