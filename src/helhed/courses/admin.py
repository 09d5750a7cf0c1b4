"""The courses app in the Django admin: only its maintained reference lists.

Citizens, households, courses, consents, plans, items, join requests and accesses without
consent are personal data and are not in the admin (docs/security.md, "The Django admin"): they
are read on the course pages, through the course guard and the access log.
``tests/core/test_admin_scope.py`` fails if one of them is registered.

The technical administrator keeps the legal bases measures and demands are given under, and the
legal bases for access without consent. Both are deactivated, never deleted (old items and
accesses keep their basis).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.core.admin import TechnicalAdmin
from helhed.core.logic import DATA_CATEGORIES
from helhed.courses.models import LegalBasis, WithoutConsentBasis
from helhed.courses.services import reclassify_items


@admin.register(LegalBasis)
class LegalBasisAdmin(TechnicalAdmin):
    list_display = ("id", "law", "paragraph", "title", "data_category", "active")
    list_filter = ("law", "data_category", "active")
    search_fields = ("id", "law", "paragraph", "title")

    def save_model(self, request: HttpRequest, obj: LegalBasis, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "data_category" in form.changed_data:
            # The items under this basis follow at once (in the admin's transaction): a basis
            # made more sensitive hides its items from readers without the category.
            reclassify_items(legal_basis_id=obj.pk)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: old plans keep their basis


class WithoutConsentBasisForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("kategorier, hjemlen åbner for"),
        choices=[(key, label) for key, label in DATA_CATEGORIES if key != "plan"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Planen (mål og aftaler) er altid med."),
    )

    class Meta:
        model = WithoutConsentBasis
        fields = ("id", "law", "paragraph", "title", "guidance", "categories", "active")


@admin.register(WithoutConsentBasis)
class WithoutConsentBasisAdmin(TechnicalAdmin):
    form = WithoutConsentBasisForm
    list_display = ("id", "law", "paragraph", "title", "active")
    list_filter = ("law", "active")
    search_fields = ("id", "law", "paragraph", "title")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: accesses opened under it keep their basis
