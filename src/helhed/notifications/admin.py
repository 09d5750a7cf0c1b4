"""Notifications' e-mail copies in the admin (read only, technical administrator): which were
sent, which wait for a retry and why, which were given up. Titles carry no personal data
(models.py); the recipient is a staff account, shown by its username."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.admin import TechnicalAdmin
from helhed.notifications.models import Notification


@admin.register(Notification)
class NotificationEmailAdmin(TechnicalAdmin):
    list_display = (
        "title",
        "kind",
        "created_at",
        "email_status",
        "email_attempts",
        "email_next_attempt",
        "email_last_error",
    )
    list_filter = ("email_status", "kind")
    list_select_related = ("recipient",)
    ordering = ("-created_at",)
    fields = (
        "title",
        "kind",
        "url",
        "recipient_username",
        "created_at",
        "email_status",
        "email_attempts",
        "email_next_attempt",
        "email_last_error",
        "emailed_at",
    )
    readonly_fields = fields

    @admin.display(description=_("modtager"))
    def recipient_username(self, obj: Notification) -> str:
        return obj.recipient.get_username()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
