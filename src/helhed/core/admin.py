"""Administration of organisations, units, users and reference data (Django admin, Danish)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from helhed.core.models import (
    Membership,
    Organisation,
    OrganisationType,
    Unit,
    User,
    WelfareArea,
    WelfareAreaSynonym,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Helhed"), {"fields": ("kind", "title", "phone")}),
    )
    list_display = ("username", "first_name", "last_name", "kind", "is_active")
    list_filter = ("kind", "is_active", "memberships__role")
    inlines = (MembershipInline,)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "org_type", "official_code", "region")
    list_filter = ("org_type", "region")
    search_fields = ("name", "official_code", "cvr")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "welfare_area")
    list_filter = ("welfare_area", "organisation__org_type")
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation", "parent")


class SynonymInline(admin.TabularInline):
    model = WelfareAreaSynonym
    extra = 0


@admin.register(WelfareArea)
class WelfareAreaAdmin(admin.ModelAdmin):
    list_display = ("name_da", "name_en", "slug", "order")
    inlines = (SynonymInline,)


admin.site.register(OrganisationType)
