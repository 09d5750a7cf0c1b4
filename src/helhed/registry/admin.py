"""Administration of the registry (Django admin, Danish): initiatives with their actors,
funding sources and fagområder inline, read and write. The registry is shared reference data
(VIVE's list), kept by the technical administrator; analysts and administrators edit it in the
application's own pages (``registry.rules``)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from helhed.core.admin import TechnicalAdmin, TechnicalInline
from helhed.registry.models import (
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
)


class ActorInline(TechnicalInline):
    model = InitiativeActor
    extra = 0
    fields = ("name", "org_type", "role", "organisation", "units", "professions", "note", "order")
    autocomplete_fields = ("organisation",)


class FundingInline(TechnicalInline):
    model = FundingSource
    extra = 0
    fields = (
        "funder",
        "org_type",
        "inside",
        "amount",
        "period_start",
        "period_end",
        "counts_for_classification",
        "note",
    )


class WelfareAreaInline(TechnicalInline):
    model = InitiativeWelfareArea
    extra = 0
    fields = ("welfare_area", "raw_term")


@admin.register(Initiative)
class InitiativeAdmin(TechnicalAdmin):
    list_display = (
        "name",
        "location",
        "vive_category",
        "category_override",
        "alternative_category",
        "umbrella",
    )
    list_filter = ("vive_category", "umbrella", "phase", "collaboration_model", "welfare_areas")
    search_fields = ("name", "location", "description", "target_group")
    readonly_fields = ("source_key", "created_at", "updated_at")
    inlines = (ActorInline, FundingInline, WelfareAreaInline)
    fieldsets = (
        (None, {"fields": ("name", "location", "description", "umbrella", "source")}),
        (
            _("1. Målgruppe"),
            {
                "fields": (
                    "target_group",
                    "target_unit",
                    ("age_min", "age_max"),
                    "objective_criteria",
                    "judgement_criteria",
                    "course_length",
                    "breadth",
                    "complexity",
                )
            },
        ),
        (
            _("2. Aktører"),
            {"fields": ("volunteers", "citizen_involvement", "relatives_involvement")},
        ),
        (
            _("4.-8. Tid, modenhed, formalisering, tværfaglighed, samarbejde"),
            {
                "fields": (
                    "time_perspective",
                    "phase",
                    "since_year",
                    "evidence_level",
                    "standardisation",
                    "process_formalisation",
                    "decision_level",
                    "disciplines_count",
                    "specialisations_count",
                    "interdisciplinarity",
                    "collaboration_model",
                    "kl_scale",
                )
            },
        ),
        (
            _("De fire betingelser"),
            {
                "fields": (
                    "cond_welfare_area",
                    "cond_public_actor",
                    "cond_cross_area_coordination",
                    "policy_area_count",
                    "cond_coordinating_function",
                )
            },
        ),
        (
            _("Kategori"),
            {
                "fields": (
                    "vive_category",
                    "classification_date",
                    ("category_override", "override_source"),
                    "override_reason",
                    "alternative_category",
                    "alternative_note",
                )
            },
        ),
        (
            _("Kilde"),
            {
                "classes": ("collapse",),
                "fields": ("source_key", "provenance", "created_at", "updated_at"),
            },
        ),
    )
