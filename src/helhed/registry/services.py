"""Write operations of the registry: loading VIVE's dataset and saving initiatives.

``load_vive`` is idempotent: initiatives are matched on a stable source key (name + location),
and the enrichment of the 11 in-depth examples replaces their actors, funding and fagområder
inside one transaction, so running it twice leaves the database as running it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import timezone

from helhed.registry.models import (
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
    OverrideSource,
    TriState,
)

VIVE_SOURCE = "VIVE 2026: Helhedsorienterede indsatser – Begrebsafklaring og praksiseksempler"


def _data(name: str) -> dict[str, Any]:
    text = resources.files("helhed.registry").joinpath("data", name).read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def vive_key(name: str, location: str) -> str:
    return f"vive:{name} ({location})"


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    enriched: int

    @property
    def total(self) -> int:
        return self.created + self.updated


@transaction.atomic
def load_vive() -> LoadResult:
    """Load Bilag 2's 117 examples and enrich the 11 in-depth examples of chapter 3."""
    bilag = _data("vive_bilag2.json")
    indepth = _data("vive_indepth.json")
    created = updated = 0
    by_key: dict[str, Initiative] = {}
    for row in bilag["initiatives"]:
        key = vive_key(row["name"], row["location"])
        prov = row["provenance"]
        initiative, was_created = Initiative.objects.update_or_create(
            source_key=key,
            defaults={
                "name": row["name"],
                "location": row["location"],
                "description": row["description"],
                "vive_category": row["vive_category"],
                "umbrella": row["umbrella"],
                "source": VIVE_SOURCE,
                # VIVE included every example because it meets the four conditions (Bilag 2,
                # intro; chapter 2): recorded as such, with the table row as provenance.
                "cond_welfare_area": TriState.YES,
                "cond_cross_area_coordination": TriState.YES,
                "cond_coordinating_function": TriState.YES,
                "cond_public_actor": TriState.YES,
                "provenance": {
                    field: [{"table": prov["table"], "line": prov["line"]}]
                    for field in (
                        "name",
                        "location",
                        "description",
                        "vive_category",
                        "umbrella",
                        "conditions",
                    )
                },
            },
        )
        created += was_created
        updated += not was_created
        by_key[key] = initiative

    enriched = 0
    for example in indepth["examples"]:
        key = vive_key(example["name"], example["location"])
        joined = by_key.get(key)
        if joined is None:
            raise ValueError(f"In-depth example {key!r} has no Bilag 2 row to join")
        _enrich(joined, example)
        enriched += 1
    return LoadResult(created=created, updated=updated, enriched=enriched)


def _enrich(initiative: Initiative, example: dict[str, Any]) -> None:
    prov: dict[str, Any] = dict(initiative.provenance)
    prov.update(example.get("provenance", {}))
    initiative.target_group = example["target_group"] or ""
    lowered = initiative.target_group.lower()
    initiative.target_unit = (
        "familie"
        if lowered.startswith("famil")
        else "individ"
        if lowered.startswith(("enkelt", "unge", "borger"))
        else "ukendt"
    )
    initiative.classification_date = date.fromisoformat(example["classification_date"])
    initiative.alternative_category = example.get("alternative_category")
    initiative.alternative_note = example.get("alternative_category_note") or ""
    initiative.provenance = prov
    initiative.save()

    initiative.actors.all().delete()
    InitiativeActor.objects.bulk_create(
        InitiativeActor(
            initiative=initiative,
            name=actor["name"],
            org_type_id=actor["org_type"],
            role=actor["role"],
            note=actor.get("note") or "",
            provenance=actor.get("provenance", []),
            order=n,
        )
        for n, actor in enumerate(example["actors"])
    )
    initiative.funding_sources.all().delete()
    FundingSource.objects.bulk_create(
        FundingSource(
            initiative=initiative,
            funder=source["funder"],
            org_type_id=source["org_type"],
            inside=source["inside"],
            amount=Decimal(source["amount"]) if source.get("amount") is not None else None,
            period_start=date.fromisoformat(source["period_start"]),
            period_end=date.fromisoformat(source["period_end"])
            if source.get("period_end")
            else None,
            counts_for_classification=source.get("counts_for_vive_placement", True),
            note="\n".join(
                n
                for n in (source.get("amount_note"), source.get("period_note"), source.get("note"))
                if n
            ),
            provenance=source.get("provenance", []),
        )
        for source in example["funding_sources"]
    )
    InitiativeWelfareArea.objects.filter(initiative=initiative).delete()
    seen: set[str] = set()
    links = []
    for area in example["fagomraader"]:
        if area["slug"] in seen:
            continue
        seen.add(area["slug"])
        links.append(
            InitiativeWelfareArea(
                initiative=initiative,
                welfare_area_id=area["slug"],
                raw_term=area["raw"],
                provenance=area.get("provenance", prov.get("fagomraader", [])),
            )
        )
    InitiativeWelfareArea.objects.bulk_create(links)


def set_category_override(
    initiative: Initiative, category: int | None, *, reason: str, source: str
) -> Initiative:
    """Set or clear a manual category. A category without a reason and source is refused."""
    from django.core.exceptions import ValidationError

    if category is not None:
        errors = {}
        if not 1 <= category <= 9:
            errors["category_override"] = "Kategorien skal være 1-9."
        if not reason.strip():
            errors["override_reason"] = "En manuel kategori kræver en begrundelse."
        if source not in OverrideSource.values:
            errors["override_source"] = "Angiv kilden til den manuelle kategori."
        if errors:
            raise ValidationError(errors)
    initiative.category_override = category
    initiative.override_reason = reason.strip() if category is not None else ""
    initiative.override_source = source if category is not None else ""
    initiative.save(
        update_fields=["category_override", "override_reason", "override_source", "updated_at"]
    )
    return initiative


def save_initiative(form: Any, formsets: list[Any]) -> Initiative:
    """Save a valid initiative form with its actor and funding formsets and fagområder in one
    transaction: nothing is half-written if any part fails.

    Values edited in the form lose the provenance of the import they came from and are marked as
    registered by hand.
    """
    with transaction.atomic():
        initiative: Initiative = form.save(commit=False)
        provenance = dict(initiative.provenance or {})
        today = timezone.localdate().isoformat()
        for name in form.changed_data:
            key = "fagomraader" if name == "welfare_area_slugs" else name
            provenance[key] = [{"table": "Registreret i Helhed", "line": None, "date": today}]
        initiative.provenance = provenance
        initiative.save()
        for formset in formsets:
            formset.instance = initiative
            formset.save()
            if formset.model is InitiativeActor:
                kept = [f for f in formset.forms if f not in formset.deleted_forms]
                for n, actor_form in enumerate(kept):
                    InitiativeActor.objects.filter(
                        pk=actor_form.instance.pk, initiative=initiative
                    ).exclude(order=n).update(order=n)
        wanted = list(dict.fromkeys(form.cleaned_data.get("welfare_area_slugs") or []))
        InitiativeWelfareArea.objects.filter(initiative=initiative).exclude(
            welfare_area_id__in=wanted
        ).delete()
        existing = set(
            InitiativeWelfareArea.objects.filter(initiative=initiative).values_list(
                "welfare_area_id", flat=True
            )
        )
        InitiativeWelfareArea.objects.bulk_create(
            InitiativeWelfareArea(initiative=initiative, welfare_area_id=slug)
            for slug in wanted
            if slug not in existing
        )
    return initiative
