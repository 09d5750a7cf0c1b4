"""Administration of courses (Django admin, Danish).

Personal data is handled in the course pages, where access is consent-checked and logged; the
admin is for support and reference data. So: the CPR number is shown masked in lists and is not
searchable as free text, plan versions are read-only (they are the plan's history), and the
maintained list of legal bases is edited here (deactivated, never deleted).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    CoordinatorChange,
    Course,
    Demand,
    DemandConflict,
    Goal,
    Household,
    HouseholdRelation,
    LegalBasis,
    Measure,
    Plan,
    PlanVersion,
    Relative,
    SubGoal,
    TeamMember,
    WithoutConsentAccess,
)


class RelativeInline(admin.TabularInline):
    model = Relative
    extra = 0


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    list_display = (
        "full_name",
        "masked_cpr_display",
        "birth_date",
        "contact_channel",
        "no_fixed_address",
    )
    list_filter = ("contact_channel", "no_fixed_address")
    search_fields = ("first_name", "last_name")
    readonly_fields = ("birth_date", "created_at")
    raw_id_fields = ("user",)
    inlines = (RelativeInline,)

    @admin.display(description=_("CPR-nummer"))
    def masked_cpr_display(self, obj: Citizen) -> str:
        return obj.masked_cpr

    @admin.display(description=_("navn"), ordering="last_name")
    def full_name(self, obj: Citizen) -> str:
        return obj.full_name


class HouseholdRelationInline(admin.TabularInline):
    model = HouseholdRelation
    extra = 0
    raw_id_fields = ("from_citizen", "to_citizen")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    raw_id_fields = ("members",)
    inlines = (HouseholdRelationInline,)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("user", "organisation", "unit")


class CoordinatorChangeInline(admin.TabularInline):
    model = CoordinatorChange
    extra = 0
    fk_name = "course"
    readonly_fields = ("previous", "new", "changed_by", "changed_at", "reason", "mandate")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = (
        "citizen",
        "initiative",
        "status",
        "coordinator",
        "coordinator_unit",
        "referred_on",
    )
    list_filter = ("status",)
    search_fields = ("citizen__first_name", "citizen__last_name", "initiative__name")
    date_hierarchy = "referred_on"
    raw_id_fields = ("citizen", "initiative", "household", "coordinator", "coordinator_unit")
    list_select_related = ("citizen", "initiative", "coordinator", "coordinator_unit")
    inlines = (TeamMemberInline, CoordinatorChangeInline)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("course", "given_by", "given_by_name", "valid_from", "valid_to", "withdrawn_on")
    list_filter = ("given_by",)
    raw_id_fields = ("course", "recorded_by", "organisations", "units")
    list_select_related = ("course__citizen", "course__initiative")


@admin.register(WithoutConsentAccess)
class WithoutConsentAccessAdmin(admin.ModelAdmin):
    """Read-only: an access without consent is a fact to supervise, not to edit."""

    list_display = ("course", "user", "legal_basis", "opened_at", "expires_at")
    readonly_fields = ("course", "user", "legal_basis", "reason", "opened_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ("id", "law", "paragraph", "title", "active")
    list_filter = ("law", "active")
    search_fields = ("id", "law", "paragraph", "title")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: old plans keep their basis


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ("text", "horizon", "priority", "importance", "status", "target_date")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Edits to the plan belong in the course page (versioned, concurrency-checked)."""

    list_display = ("course", "version", "updated_at", "updated_by")
    readonly_fields = (
        "course",
        "citizen_statement",
        "summary",
        "version",
        "updated_at",
        "updated_by",
    )
    list_select_related = ("course__citizen", "course__initiative", "updated_by")
    inlines = (GoalInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    """Read-only: the plan's history."""

    list_display = ("plan", "number", "created_at", "created_by")
    readonly_fields = ("plan", "number", "created_at", "created_by", "changes", "snapshot")
    list_select_related = ("plan__course__citizen", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("title", "welfare_area", "legal_basis", "organisation", "status", "budget_area")
    list_filter = ("status", "budget_area", "welfare_area", "legal_basis__law")
    search_fields = ("title",)
    raw_id_fields = ("plan", "organisation", "unit", "responsible", "goals")


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "organisation", "welfare_area")
    list_filter = ("kind", "welfare_area")
    search_fields = ("title",)
    raw_id_fields = ("plan", "organisation", "legal_basis")


@admin.register(DemandConflict)
class DemandConflictAdmin(admin.ModelAdmin):
    list_display = ("description", "marked_at", "resolved_at")
    raw_id_fields = ("plan", "first", "second", "marked_by", "resolved_by")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "starts_at", "ends_at")
    date_hierarchy = "starts_at"
    raw_id_fields = ("plan", "organisation", "with_member", "demand")


@admin.register(SubGoal)
class SubGoalAdmin(admin.ModelAdmin):
    list_display = ("text", "goal")
    raw_id_fields = ("goal", "owner")
