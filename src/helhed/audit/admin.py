"""The access log is visible in the admin but read-only: no add, change or delete."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helhed.audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_name",
        "actor_unit",
        "citizen_id",
        "what",
        "purpose",
        "without_consent",
    )
    list_filter = ("purpose", "without_consent")
    search_fields = ("actor_name", "what")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
