"""Handovers in the Django admin: read-only, for support. No citizen is shown (the course is
referred to by id); the pages, with their access rules and access log, are where handovers are
read and answered. Institutional stays are not in the admin at all (health and crime data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helhed.handovers.models import Handover, HandoverEvent


class HandoverEventInline(admin.TabularInline):
    model = HandoverEvent
    fields = ("at", "action", "from_status", "to_status", "actor_name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("id", "from_unit", "to_unit", "external_organisation", "status", "requested_at")
    list_filter = ("status", "mode", "arrival")
    fields = (
        "course_id",
        "from_unit",
        "to_unit",
        "external_organisation",
        "mode",
        "status",
        "requested_at",
        "acknowledged_at",
        "knows_situation_at",
        "arrival",
        "reopened_count",
        "closed_at",
    )
    readonly_fields = fields
    inlines = (HandoverEventInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
