"""Coordination in the Django admin: the list of workgroups (reference data), the instruments and
the waves (read-only, for support) and the decisions on workgroups.

**Answers are never in the admin**: ``Response``, ``TieAnswer`` and ``Draft`` are not
registered, nor who has answered (``Participation``) — not even a superuser can read an
individual's answers through Helhed (docs/coordination.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helhed.coordination.models import Instrument, Wave, Workgroup, WorkgroupDecision


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Workgroup)
class WorkgroupAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_da", "name_en", "kind", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("kind", "active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: waves and answers refer to it


@admin.register(Instrument)
class InstrumentAdmin(ReadOnly):
    list_display = ("name", "key", "version", "active", "loaded_at")
    fields = ("key", "version", "name", "source", "active", "loaded_at")
    readonly_fields = fields


@admin.register(Wave)
class WaveAdmin(ReadOnly):
    list_display = ("name", "status", "scope_kind", "period_start", "period_end", "answer_by")
    list_filter = ("status", "scope_kind")
    fields = (
        "name",
        "status",
        "scope_kind",
        "initiative",
        "period_start",
        "period_end",
        "answer_by",
        "min_respondents",
        "include_citizen_side",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
    )
    readonly_fields = fields


@admin.register(WorkgroupDecision)
class DecisionAdmin(ReadOnly):
    list_display = ("role", "organisation", "unit", "workgroup", "decided_by", "decided_at")
    fields = ("role", "organisation", "unit", "welfare_area", "workgroup", "decided_by")
    readonly_fields = fields
