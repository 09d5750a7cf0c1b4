"""Role predicates (django-rules). Object-level, consent-aware predicates live in the apps that
own the objects (courses, meetings…); these are the organisation-wide ones.

Roles come from current memberships only (``core.selectors.roles_of``). Django's
``user.has_perm`` answers yes to every active superuser whatever the rule says, so a view that
guards personal data asks the rule itself — ``rules.has_perm(name, user)`` — as the access log's
supervision page does: a superuser without a membership is no leader or administrator there."""

from __future__ import annotations

import rules

from helhed.core.models import Role, User, UserKind
from helhed.core.selectors import roles_of


@rules.predicate
def is_staff_member(user: User) -> bool:
    return bool(user.is_authenticated and user.kind == UserKind.STAFF and roles_of(user))


@rules.predicate
def is_citizen(user: User) -> bool:
    return bool(user.is_authenticated and user.kind == UserKind.CITIZEN)


@rules.predicate
def is_administrator(user: User) -> bool:
    return Role.ADMINISTRATOR in roles_of(user)


@rules.predicate
def is_leader(user: User) -> bool:
    return Role.LEDER in roles_of(user)


@rules.predicate
def is_analyst(user: User) -> bool:
    return Role.ANALYTIKER in roles_of(user)


rules.add_perm("core.view_organisations", is_staff_member)
rules.add_perm("core.view_access_log", is_administrator | is_leader)
rules.add_perm("core.administer", is_administrator)
