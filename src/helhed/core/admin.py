"""Administration of organisations, units, users, memberships and reference data (Django admin).

docs/security.md, "The Django admin". The admin holds no personal data. Two kinds of people use
it (``helhed.core.admin_site``):

- an organisation's **administrators** (an ``administrator`` membership current today) see and
  change that organisation's units and memberships, and the users whose memberships all lie in
  their organisations; a user who is also a member elsewhere, or a superuser, is read-only for
  them (a password reset would open another organisation's data). Users they create start with
  a membership in one of their units. They never see or set ``is_staff``, ``is_superuser``,
  groups, permissions or the user's kind.
- the **technical administrator** (superuser) keeps the shared reference lists (organisation
  types, fagområder, organisations, legal bases, the registry) and bootstraps an organisation:
  creates it, a unit and its first administrator. They see every staff user but change only
  users whose memberships are all administrator memberships, and grant only the administrator
  role: every other role is the organisation's own decision.

``AdminScope`` is the one place that says what a requester may administer; every ModelAdmin
here asks it for its querysets, its form choices and its object permissions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.admin_site import administered_organisation_ids, is_technical_administrator
from helhed.core.models import (
    Membership,
    Organisation,
    OrganisationType,
    Role,
    Unit,
    User,
    UserKind,
    WelfareArea,
    WelfareAreaSynonym,
)


class AdminScope:
    """What one requester may administer: every organisation (technical administrator) for the
    reference lists and administrator memberships, and the organisations where they hold a
    current administrator membership for everything in them."""

    def __init__(self, user: Any) -> None:
        self.technical = is_technical_administrator(user)
        self.org_ids = administered_organisation_ids(user)
        self._editable: dict[Any, bool] = {}  # per target user, decided once per request

    @classmethod
    def of(cls, request: HttpRequest) -> AdminScope:
        scope = getattr(request, "_helhed_admin_scope", None)
        if scope is None:
            scope = cls(request.user)
            request._helhed_admin_scope = scope  # type: ignore[attr-defined]
        return scope

    @property
    def any(self) -> bool:
        return self.technical or bool(self.org_ids)

    def organisations(self) -> QuerySet[Organisation]:
        qs = Organisation.objects.select_related("org_type")
        return qs if self.technical else qs.filter(pk__in=self.org_ids)

    def units(self) -> QuerySet[Unit]:
        qs = Unit.objects.select_related("organisation", "organisation__org_type")
        return qs if self.technical else qs.filter(organisation_id__in=self.org_ids)

    def memberships(self) -> QuerySet[Membership]:
        where = Q(unit__organisation_id__in=self.org_ids)
        if self.technical:
            where |= Q(role=Role.ADMINISTRATOR)
        return (
            Membership.objects.filter(where)
            .exclude(user__is_system=True)
            .select_related("user", "unit__organisation")
        )

    def users(self) -> QuerySet[User]:
        """The staff users the requester sees: all (technical administrator), else those with a
        membership (current or not) in one of the requester's organisations."""
        # An integration client's system user is administered on its own page (Integrationer):
        # no password, name or membership of it is changed here.
        qs = User.objects.filter(kind=UserKind.STAFF, is_system=False)
        if self.technical:
            return qs
        inside = Membership.objects.filter(
            user=OuterRef("pk"), unit__organisation_id__in=self.org_ids
        )
        return qs.filter(Exists(inside))

    def may_edit_user(self, target: User) -> bool:
        """Whether the requester may change ``target`` (names, password, active, memberships):
        every membership of ``target`` that has not ended must be one the requester administers
        — so a user who is also a member elsewhere (today or from a future date) is read-only."""
        if target.pk not in self._editable:
            self._editable[target.pk] = self._may_edit_user(target)
        return self._editable[target.pk]

    def _may_edit_user(self, target: User) -> bool:
        if target.kind != UserKind.STAFF:
            return False
        if target.is_superuser and not self.technical:
            return False
        if not self.users().filter(pk=target.pk).exists():
            return False
        today = timezone.localdate()
        open_memberships = Membership.objects.filter(user=target).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )
        return all(
            self.may_grant(org_id, role)
            for org_id, role in open_memberships.values_list("unit__organisation_id", "role")
        )

    def may_grant(self, organisation_id: Any, role: str) -> bool:
        return organisation_id in self.org_ids or (self.technical and role == Role.ADMINISTRATOR)

    def grant_error(self, unit: Unit, role: str) -> tuple[str, str] | None:
        """(field, Danish message) when the requester may not give ``role`` in ``unit``."""
        if self.may_grant(unit.organisation_id, role):
            return None
        if self.technical:
            return (
                "role",
                str(
                    _(
                        "Som teknisk administrator kan du kun give rollen administrator. "
                        "Andre roller gives af organisationens egne administratorer."
                    )
                ),
            )
        return (
            "unit",
            str(
                _(
                    "Du kan kun give medlemskaber i enheder i de organisationer, du er "
                    "administrator for."
                )
            ),
        )


class ScopedAdmin(admin.ModelAdmin):
    """Entered by anyone the scope lets in; objects outside the scope are not found."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return AdminScope.of(request).any

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return AdminScope.of(request).any


class TechnicalAdmin(admin.ModelAdmin):
    """Reference lists and technical settings: the technical administrator only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_technical_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_technical_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)


class TechnicalInline(admin.TabularInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)


# --------------------------------------------------------------------------------------------
# Memberships
# --------------------------------------------------------------------------------------------


class MembershipForm(forms.ModelForm):
    scope: ClassVar[AdminScope | None] = None

    class Meta:
        model = Membership
        fields = ("user", "unit", "role", "valid_from", "valid_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, role = data.get("unit"), data.get("role")
        if self.scope is not None and unit is not None and role:
            error = self.scope.grant_error(unit, role)
            if error is not None:
                self.add_error(*error)
        return data


def _bound_form(form: type[forms.ModelForm], scope: AdminScope) -> type[forms.ModelForm]:
    return type(form.__name__, (form,), {"scope": scope})


def _scoped_choices(db_field: Any, scope: AdminScope, kwargs: dict[str, Any]) -> None:
    """Limit a membership's user and unit to the scope: what a form may be given, not only what
    it shows (a posted id outside the scope is an invalid choice)."""
    if db_field.name == "unit":
        kwargs["queryset"] = scope.units()
    elif db_field.name == "user":
        kwargs["queryset"] = scope.users()


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    fields = ("unit", "role", "valid_from", "valid_to")
    extra = 0
    autocomplete_fields = ("unit",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return AdminScope.of(request).memberships()

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = _bound_form(self.form, AdminScope.of(request))
        kwargs["validate_min"] = True
        return super().get_formset(request, obj, **kwargs)

    def get_min_num(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        # A user an organisation's administrator creates starts with a membership in one of its
        # units (else the new user would at once be out of the administrator's sight).
        scope = AdminScope.of(request)
        return 1 if obj is None and not scope.technical else 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _scoped_choices(db_field, AdminScope.of(request), kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_edit(self, request: HttpRequest, obj: Any) -> bool:
        scope = AdminScope.of(request)
        return scope.any if obj is None else scope.may_edit_user(obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return AdminScope.of(request).any

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "unit", "role", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__first_name", "user__last_name", "user__username", "unit__name")
    autocomplete_fields = ("user", "unit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return AdminScope.of(request).memberships()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return _bound_form(form, AdminScope.of(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _scoped_choices(db_field, AdminScope.of(request), kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _in_scope(self, request: HttpRequest, obj: Membership | None) -> bool:
        scope = AdminScope.of(request)
        if obj is None:
            return scope.any
        return scope.may_grant(obj.unit.organisation_id, obj.role)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return AdminScope.of(request).any

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_scope(request, obj)


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "is_active")
    list_filter = ("is_active",)
    readonly_fields = ("kind", "last_login", "date_joined")
    inlines = (MembershipInline,)

    # The technical administrator's form: Django's own, the user's kind shown but never set.
    technical_fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Helhed"), {"fields": ("kind", "title", "phone")}),
    )
    # An organisation's administrator's form: no global flags, groups or permissions.
    organisation_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personoplysninger"), {"fields": ("first_name", "last_name", "email")}),
        (_("Helhed"), {"fields": ("title", "phone")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        fieldsets = (
            self.technical_fieldsets
            if AdminScope.of(request).technical
            else self.organisation_fieldsets
        )
        if not self.has_change_permission(request, obj):
            # Read-only: not even the password hash is shown.
            fieldsets = tuple(
                (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
                for name, options in fieldsets
            )
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return AdminScope.of(request).users()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return AdminScope.of(request).any

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return AdminScope.of(request).any

    def has_add_permission(self, request: HttpRequest) -> bool:
        return AdminScope.of(request).any

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = AdminScope.of(request)
        return scope.any if obj is None else scope.may_edit_user(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the access log keeps referring to the user


# --------------------------------------------------------------------------------------------
# Organisations and units
# --------------------------------------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    """Every organisation for the technical administrator; an organisation's administrator
    sees their own, read-only (the organisations are shared reference data)."""

    list_display = ("name", "org_type", "official_code", "region")
    list_filter = ("org_type", "region")
    search_fields = ("name", "official_code", "cvr")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return AdminScope.of(request).organisations()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_technical_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_technical_administrator(request.user)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = (
            "organisation",
            "name",
            "parent",
            "welfare_area",
            "phone",
            "email",
            "data_category",
            "may_open_without_consent",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation: Organisation | None = data.get("organisation")
        parent: Unit | None = data.get("parent")
        if organisation is None:
            return data
        if parent is not None and parent.organisation_id != organisation.pk:
            self.add_error("parent", _("Den overordnede enhed skal høre til samme organisation."))
        elif parent is not None and self.instance.pk is not None and parent.pk == self.instance.pk:
            self.add_error("parent", _("En enhed kan ikke være sin egen overordnede enhed."))
        if data.get("may_open_without_consent") and not organisation.org_type.is_public:
            self.add_error(
                "may_open_without_consent",
                _(
                    "Kun enheder i en offentlig myndighed (kommune, region eller stat) kan åbne "
                    "forløb uden samtykke. %(organisation)s er en %(type)s organisation."
                )
                % {
                    "organisation": organisation.name,
                    "type": organisation.org_type.name_da.lower(),
                },
            )
        return data


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitForm
    list_display = (
        "name",
        "organisation",
        "welfare_area",
        "data_category",
        "may_open_without_consent",
    )
    list_filter = ("data_category", "may_open_without_consent", "welfare_area")
    search_fields = ("name", "organisation__name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return AdminScope.of(request).units()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = AdminScope.of(request)
        if db_field.name == "organisation":
            kwargs["queryset"] = scope.organisations()
        elif db_field.name == "parent":
            kwargs["queryset"] = scope.units()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _in_scope(self, request: HttpRequest, obj: Unit | None) -> bool:
        scope = AdminScope.of(request)
        if obj is None or scope.technical:
            return scope.any
        return obj.organisation_id in scope.org_ids

    def has_add_permission(self, request: HttpRequest) -> bool:
        return AdminScope.of(request).any

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._in_scope(request, obj)


# --------------------------------------------------------------------------------------------
# Reference lists (technical administrator)
# --------------------------------------------------------------------------------------------


class SynonymInline(TechnicalInline):
    model = WelfareAreaSynonym
    extra = 0


@admin.register(WelfareArea)
class WelfareAreaAdmin(TechnicalAdmin):
    list_display = ("name_da", "name_en", "slug", "order")
    inlines = (SynonymInline,)


@admin.register(WelfareAreaSynonym)
class WelfareAreaSynonymAdmin(TechnicalAdmin):
    list_display = ("term", "area")
    list_filter = ("area",)
    search_fields = ("term",)


@admin.register(OrganisationType)
class OrganisationTypeAdmin(TechnicalAdmin):
    list_display = ("name_da", "name_en", "slug", "is_public", "order")


# django-allauth registers its models in the admin. Addresses, authenticators (TOTP secrets,
# recovery codes), identity-provider accounts (claims) and tokens are the users' own: they are
# not shown in the admin. The identity providers (SocialApp) stay for the superuser. The OAuth
# clients and tokens of allauth's provider are integration clients' credentials: administered
# (created, narrowed, rotated, revoked) on the administrators' page "Integrationer" only.
def _unregister_allauth_models() -> None:
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client, Token
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount, SocialToken

    for model in (EmailAddress, Authenticator, SocialAccount, SocialToken, Client, Token):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_allauth_models()
