"""Retention rules in the admin: the technical administrator edits the periods (in Danish).

Only the period, whether the rule is active and its grounds are edited; what a category's expiry
does (anonymise or delete) is fixed in ``logic.CATEGORIES`` and shown. A rule saved here is no
longer marked as Helhed's default. Erasure requests are not shown: the admin holds no data about
citizens (docs/security.md, "The Django admin").
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.admin import TechnicalAdmin
from helhed.retention import logic
from helhed.retention.models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(TechnicalAdmin):
    list_display = ("category", "years", "action", "active", "is_default")
    fields = ("category", "action", "what", "years", "active", "legal_basis", "is_default")
    readonly_fields = ("category", "action", "what", "is_default")

    @admin.display(description=_("når perioden er gået"))
    def action(self, obj: RetentionRule) -> str:
        return obj.action_label

    @admin.display(description=_("hvad sker der"))
    def what(self, obj: RetentionRule) -> str:
        return logic.BY_KEY[obj.category].what

    def save_model(self, request: HttpRequest, obj: RetentionRule, form: Any, change: bool) -> None:
        if form.changed_data:
            obj.is_default = False
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one rule per category, created by the migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead
