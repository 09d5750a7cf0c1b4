"""The organisation logins: the technical administrator sets them up (with the allauth
``SocialApp`` they use), like the other technical settings."""

from django.contrib import admin

from helhed.core.admin import TechnicalAdmin, TechnicalInline
from helhed.identity.models import OrganisationLogin, RoleMapping, UnitMapping


class UnitMappingInline(TechnicalInline):
    model = UnitMapping
    extra = 1
    autocomplete_fields = ("unit",)


class RoleMappingInline(TechnicalInline):
    model = RoleMapping
    extra = 1


@admin.register(OrganisationLogin)
class OrganisationLoginAdmin(TechnicalAdmin):
    list_display = ("__str__", "organisation", "audience", "shown")
    list_filter = ("audience", "shown")
    fieldsets = (
        (None, {"fields": ("app", "organisation", "audience", "shown")}),
        (
            "Claims",
            {
                "fields": (
                    "sub_claim",
                    "name_claim",
                    "email_claim",
                    "unit_claim",
                    "role_claim",
                    "cpr_claim",
                    "acr_claim",
                )
            },
        ),
    )
    inlines = (UnitMappingInline, RoleMappingInline)
