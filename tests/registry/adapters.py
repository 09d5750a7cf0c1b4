"""One input, every adapter: the registry's write use cases driven through the page form and the
API (``save_initiative``), the import page and ``helhed registry import``
(``import_initiatives``), with what each shows and what each leaves in the database in one
comparable shape."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from helhed.audit.models import AccessLogEntry
from helhed.registry import cli
from helhed.registry.models import FundingSource, Initiative, InitiativeWelfareArea
from helhed.registry.schemas import InitiativeFields

SCALAR_FIELDS = tuple(InitiativeFields.model_fields)
FUNDING_FIELD_NAMES = {"period_start": "start", "period_end": "end"}


# --------------------------------------------------------------------------------------------
# What is stored
# --------------------------------------------------------------------------------------------


def stored() -> list[dict[str, Any]]:
    """Every initiative with its actors, funding, fagområder and provenance, without ids and
    timestamps; and the access log, which the registry (no personal data) never writes."""
    rows: list[dict[str, Any]] = []
    for initiative in Initiative.objects.order_by("name", "location"):
        funding = FundingSource.objects.filter(initiative=initiative).values_list(
            "funder",
            "org_type_id",
            "inside",
            "amount",
            "period_start",
            "period_end",
            "counts_for_classification",
            "note",
            "provenance",
        )
        rows.append(
            {
                **{name: getattr(initiative, name) for name in SCALAR_FIELDS},
                "provenance": initiative.provenance,
                "actors": list(
                    initiative.actors.order_by("order").values(
                        "name",
                        "org_type_id",
                        "role",
                        "units",
                        "professions",
                        "note",
                        "organisation_id",
                        "provenance",
                        "order",
                    )
                ),
                "funding": sorted(funding, key=repr),
                "areas": list(
                    InitiativeWelfareArea.objects.filter(initiative=initiative)
                    .order_by("pk")
                    .values_list("welfare_area_id", "raw_term", "provenance")
                ),
            }
        )
    return [*rows, {"access_log_entries": AccessLogEntry.objects.count()}]


def forget() -> None:
    """Remove every initiative, so the next adapter starts where the first one did."""
    Initiative.objects.all().delete()


# --------------------------------------------------------------------------------------------
# The page form and the API
# --------------------------------------------------------------------------------------------


def _form_value(value: Any) -> Any:
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    return str(value)


def page_data(body: dict[str, Any]) -> dict[str, Any]:
    """The API body ``body`` as the page's form posts it (every field, as a browser would)."""
    defaults = {name: field.default for name, field in InitiativeFields.model_fields.items()}
    values = {**defaults, **{k: v for k, v in body.items() if k in SCALAR_FIELDS}}
    data: dict[str, Any] = {name: _form_value(value) for name, value in values.items()}
    data["welfare_area_slugs"] = list(body.get("welfare_areas", []))
    actors = [
        {"name": a["name"], "org_type": a["org_type"], "role": a["role"]}
        | {key: a.get(key) or "" for key in ("units", "professions", "note")}
        for a in body.get("actors", [])
    ]
    funding = [
        {
            "funder": f["funder"],
            "org_type": f["org_type"],
            "inside": str(f["inside"]),
            "amount": _form_value(f.get("amount")),
            "period_start": _form_value(f.get("start")),
            "period_end": _form_value(f.get("end")),
            "note": f.get("note") or "",
        }
        | ({"counts_for_classification": "on"} if f.get("counts_for_classification", True) else {})
        for f in body.get("funding", [])
    ]
    for prefix, rows in (("actors", actors), ("funding", funding)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for n, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{n}-{key}"] = value
    return data


def page_errors(response: Any) -> dict[str, list[str]]:
    """The page's field errors keyed as the API names the fields (``funding.0.start``)."""
    forms_ = response.context["forms"]
    errors: dict[str, list[str]] = {}
    for name, messages in forms_.form.errors.items():
        errors["welfare_areas" if name == "welfare_area_slugs" else name] = list(messages)
    for prefix, formset in (("actors", forms_.actors), ("funding", forms_.funding)):
        for n, form in enumerate(formset.forms):
            for name, messages in form.errors.items():
                errors[f"{prefix}.{n}.{FUNDING_FIELD_NAMES.get(name, name)}"] = list(messages)
    return errors


def api_field(loc: list[Any]) -> str:
    """A 422 error's field as a path, after ``body`` (and ninja's ``payload``)."""
    parts = [str(part) for part in loc[1:]]
    return ".".join(parts[1:] if parts[:1] == ["payload"] else parts)


def api_errors(response: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        errors.setdefault(api_field(error["loc"]), []).append(error["msg"])
    return errors


def post_page(client: Client, body: dict[str, Any], initiative: Initiative | None = None) -> Any:
    url = (
        reverse("registry:initiative_edit", args=[initiative.pk])
        if initiative
        else reverse("registry:initiative_create")
    )
    return client.post(url, page_data(body))


def post_api(client: Client, body: dict[str, Any], initiative: Initiative | None = None) -> Any:
    if initiative is None:
        return client.post("/api/registry/initiatives", json.dumps(body), "application/json")
    url = f"/api/registry/initiatives/{initiative.pk}"
    return client.put(url, json.dumps(body), "application/json")


# --------------------------------------------------------------------------------------------
# The import page and the command
# --------------------------------------------------------------------------------------------

SUMMARY = re.compile(r"(\d+) oprettet, (\d+) opdateret, (\d+) uændret")


def upload(client: Client, filename: str, content: bytes, *, dry_run: bool) -> dict[str, Any]:
    """The import page's answer: status, counts, and errors and warnings as the command's
    lines."""
    data: dict[str, Any] = {"file": SimpleUploadedFile(filename, content)}
    if dry_run:
        data["dry_run"] = "on"
    response = client.post(reverse("registry:import"), data)
    result = response.context["result"] if response.status_code == 200 else None
    if result is None:
        return {"status": response.status_code}
    return {
        "status": response.status_code,
        "counts": None if result.errors else (result.created, result.updated, result.unchanged),
        "errors": [cli.error_line(e) for e in result.errors],
        "warnings": [cli.error_line(w) for w in result.warnings],
    }


def command(
    tmp_path: Path, username: str, filename: str, content: bytes, *, dry_run: bool
) -> dict[str, Any]:
    """``helhed registry import``'s answer in the same shape (exit status 0 or 2)."""
    path = tmp_path / filename
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    args = [
        "registry",
        "import",
        str(path),
        "--user",
        username,
        *(["--dry-run"] if dry_run else []),
    ]
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        lines = err.getvalue().splitlines()
        return {
            "status": exc.returncode,
            "counts": None,
            "errors": [line for line in lines if not line.startswith("advarsel: ")],
            "warnings": [
                line.removeprefix("advarsel: ") for line in lines if line.startswith("advarsel: ")
            ],
            "message": str(exc),
        }
    lines = err.getvalue().splitlines()
    found = SUMMARY.search(out.getvalue())
    assert found is not None, out.getvalue()
    return {
        "status": 0,
        "counts": tuple(int(n) for n in found.groups()),
        "errors": [],
        "warnings": [line.removeprefix("advarsel: ") for line in lines],
    }


def today() -> str:
    return date.today().isoformat()
