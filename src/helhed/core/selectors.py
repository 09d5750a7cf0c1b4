"""Read operations of the core app. Organisations and units are not personal data; staff see them
all. Memberships are filtered to the ones valid today."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from helhed.core.logic import primary_role
from helhed.core.models import Membership, Organisation, Role, Unit, User, UserKind
from helhed.core.periods import valid_on_q
from helhed.core.prepared import Prepared


def today() -> date:
    return timezone.localdate()


def current_memberships(user: User, on: date | None = None) -> QuerySet[Membership]:
    on = on or today()
    return _current_memberships(user.pk, on)


def _current_memberships(user_id: Any, on: date) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user_id)
        .valid_on(on)
        .select_related(
            "unit", "unit__organisation", "unit__organisation__org_type", "unit__welfare_area"
        )
    )


# Every request reads its reader's memberships (the login policy, the access rule, the
# navigation): compiled once per process (``core.prepared``), read afresh each time.
_MEMBERSHIPS: Prepared[Membership] = Prepared(Membership, _current_memberships)


# Reads that many parts of one request need (the access check, the access log, the navigation)
# are cached for the duration of that request only: ``RequestCacheMiddleware`` opens the cache and
# drops it when the response is made. Outside a request (commands, tests calling selectors
# directly) nothing is cached, so a change to a membership is seen at once.
request_cache: ContextVar[dict[Any, Any] | None] = ContextVar("helhed_request_cache", default=None)


def membership_list(user: User, on: date | None = None) -> list[Membership]:
    """``current_memberships`` as a list (with unit and organisation), read once per request."""
    on = on or today()
    cache = request_cache.get()
    if cache is None:
        return _MEMBERSHIPS(user.pk, on)
    key = ("memberships", user.pk, on)
    if key not in cache:
        cache[key] = _MEMBERSHIPS(user.pk, on)
    return list(cache[key])


def roles_of(user: User, on: date | None = None) -> set[str]:
    """The roles a staff user holds today in any unit. Cached on the user object for a request,
    because templates and predicates ask many times.

    Only memberships give roles: a superuser is not an ``administrator`` (nor anything else)
    without a membership — the superuser keeps technical settings in the Django admin and reads
    no personal data (docs/security.md, "The Django admin")."""
    if not user.is_authenticated or user.kind != UserKind.STAFF:
        return set()
    on = on or today()
    cache: dict[date, set[str]] = user.__dict__.setdefault("_helhed_roles", {})
    if on not in cache:
        if request_cache.get() is not None:
            roles = {m.role for m in membership_list(user, on)}
        else:
            roles = set(current_memberships(user, on).values_list("role", flat=True))
        cache[on] = roles
    return set(cache[on])


def start_role(user: User) -> str | None:
    """Which start page a user gets: "citizen", one of the staff roles, or None (no access)."""
    if user.kind == UserKind.CITIZEN:
        return "citizen"
    return primary_role(roles_of(user))


def organisations(
    *, query: str = "", org_type: str = "", region: str = ""
) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("org_type", "region").annotate(
        unit_count=Count("units", distinct=True)
    )
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(official_code=query.strip()))
    if org_type:
        qs = qs.filter(org_type_id=org_type)
    if region:
        qs = qs.filter(Q(region__official_code=region) | Q(official_code=region))
    return qs.order_by("org_type__order", "name")


def organisation_detail(org_id: uuid.UUID | str) -> Organisation | None:
    return (
        Organisation.objects.select_related("org_type", "region")
        .prefetch_related(
            Prefetch(
                "units",
                queryset=Unit.objects.select_related("welfare_area", "parent").annotate(
                    member_count=Count("memberships", distinct=True)
                ),
            )
        )
        .filter(pk=org_id)
        .first()
    )


def administered_overview(user: User, on: date | None = None) -> list[tuple[str, int, int, int]]:
    """For an administrator's start page: per organisation they administer today, its units,
    current memberships and active users (nothing of other organisations)."""
    on = on or today()
    org_ids = {
        m.unit.organisation_id for m in membership_list(user, on) if m.role == Role.ADMINISTRATOR
    }
    current = valid_on_q(on, "memberships__")
    rows = []
    for org in Organisation.objects.filter(pk__in=org_ids).order_by("name"):
        units = Unit.objects.filter(organisation=org)
        memberships = Membership.objects.filter(unit__organisation=org).valid_on(on)
        users = (
            User.objects.filter(is_active=True, memberships__unit__organisation=org)
            .filter(current)
            .distinct()
        )
        rows.append((org.name, units.count(), memberships.count(), users.count()))
    return rows


COLLEAGUES_SHOWN = 50


def colleagues(user: User, on: date | None = None) -> list[Membership]:
    """The other staff's current memberships of the units the user belongs to — "who is in my
    team" — by unit, role and first name, the first ``COLLEAGUES_SHOWN`` (with user and unit).
    Every staff start page shows them: compiled once per process (``core.prepared``)."""
    on = on or today()
    unit_ids = [m.unit_id for m in membership_list(user, on)]
    if not unit_ids:
        return []
    return _COLLEAGUES(unit_ids, on, user.pk)


def _colleagues(unit_ids: list[Any], on: date, user_id: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(unit_id__in=unit_ids)
        .valid_on(on)
        .exclude(user_id=user_id)
        .select_related("user", "unit")
        .order_by("unit__name", "role", "user__first_name")[:COLLEAGUES_SHOWN]
    )


_COLLEAGUES: Prepared[Membership] = Prepared(Membership, _colleagues)
