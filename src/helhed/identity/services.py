"""Who a login through an organisation's OpenID Connect provider is, in one transaction.

``user_for_login`` takes the verified claims and either returns the Helhed user (creating a staff
user with their membership, or a citizen's login for an existing citizen) or refuses with
``LoginRefusedError`` — and then nothing has been written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Membership, User, UserKind
from helhed.core.selectors import today
from helhed.courses.logic import CprError, normalize_cpr
from helhed.courses.models import Citizen
from helhed.identity import logic
from helhed.identity.models import LoginMembership, OrganisationLogin

logger = logging.getLogger("helhed.identity")

NO_SUB = "no_sub"
NO_MAPPING = "no_mapping"
MEMBERSHIP_ENDED = "membership_ended"
UNKNOWN_CITIZEN = "unknown_citizen"
WRONG_ACCOUNT = "wrong_account"
NOT_CONFIGURED = "not_configured"
TOKEN_REJECTED = "token_rejected"

MESSAGES = {
    NO_SUB: _("Login-tjenesten sendte ikke, hvem du er."),
    NO_MAPPING: _(
        "Dit login siger ikke, hvilken enhed og rolle du har i Helhed, eller enheden eller "
        "rollen er ikke sat op i Helhed. Kontakt din administrator."
    ),
    MEMBERSHIP_ENDED: _(
        "Dit medlemskab af enheden er afsluttet i Helhed. Kontakt din administrator."
    ),
    UNKNOWN_CITIZEN: _(
        "Vi kan ikke finde dig i Helhed. Du kan logge ind, når en medarbejder har oprettet et "
        "forløb med dig."
    ),
    WRONG_ACCOUNT: _("Dit login passer ikke til en bruger i Helhed. Kontakt din administrator."),
    NOT_CONFIGURED: _("Dette login er ikke sat op i Helhed. Kontakt din administrator."),
    TOKEN_REJECTED: _(
        "Svaret fra login-tjenesten kunne ikke godkendes, eller login-forsøget var udløbet eller "
        "allerede brugt. Prøv at logge ind igen."
    ),
}


class LoginRefusedError(Exception):
    """A login Helhed will not accept; ``reason`` is one of the codes above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(MESSAGES[self.reason])


@dataclass(frozen=True)
class SignedIn:
    user: User
    created: bool
    acr: str


def private_claims(*, app_id: int) -> set[str]:
    """Claims Helhed must not keep in the stored social account (allauth keeps the token's
    claims): the CPR number, under the configured name and the usual ones."""
    names = {logic.ClaimNames().cpr, "cpr", "dk:gov:cpr"}
    login = OrganisationLogin.objects.filter(app_id=app_id).first()
    if login is not None and login.cpr_claim:
        names.add(login.cpr_claim)
    return names


def user_for_login(
    *, app_id: int, claims: Mapping[str, Any], linked_user_id: uuid.UUID | None
) -> SignedIn:
    """The Helhed user for verified ``claims`` from the provider configured as ``app_id``.

    ``linked_user_id`` is the user the provider's account (issuer + sub) is already linked to.
    Raises ``LoginRefusedError`` (and writes nothing) when the claims do not map."""
    login = (
        OrganisationLogin.objects.select_related("app")
        .prefetch_related("unit_mappings", "role_mappings")
        .filter(app_id=app_id)
        .first()
    )
    if login is None:
        raise LoginRefusedError(NOT_CONFIGURED)
    identity = logic.read_identity(claims, login.claim_names())
    if not identity.sub:
        raise LoginRefusedError(NO_SUB)
    with transaction.atomic():
        if login.audience == UserKind.CITIZEN:
            user, created = _citizen(identity, linked_user_id)
        else:
            user, created = _staff(login, identity, linked_user_id)
    return SignedIn(user=user, created=created, acr=identity.acr)


def _staff(
    login: OrganisationLogin, identity: logic.Identity, linked_user_id: uuid.UUID | None
) -> tuple[User, bool]:
    unit_map = {m.value: m.unit_id for m in login.unit_mappings.all()}
    role_map = {m.value: m.role for m in login.role_mappings.all()}
    named = logic.pick_memberships(identity, unit_map, role_map)
    if named is None:
        raise LoginRefusedError(NO_MAPPING)
    day = today()
    if linked_user_id is not None:
        user = User.objects.select_for_update().filter(pk=linked_user_id).first()
        if user is None or user.kind != UserKind.STAFF or not user.is_active or user.is_system:
            raise LoginRefusedError(WRONG_ACCOUNT)
        _sync_memberships(login, user, named, day)
        return user, False
    first, last = logic.split_name(identity.name)
    user = User(
        username=f"oidc-{uuid.uuid4().hex[:20]}",
        first_name=first[:150],
        last_name=last[:150],
        email=identity.email[:254],
        kind=UserKind.STAFF,
    )
    user.set_unusable_password()
    user.save()
    for unit_id, role in sorted(named):
        _grant(login, user, unit_id, role, day)
    return user, True


def _grant(login: OrganisationLogin, user: User, unit_id: Any, role: str, day: date) -> None:
    membership = Membership.objects.create(user=user, unit_id=unit_id, role=role, valid_from=day)
    LoginMembership.objects.create(membership=membership, login=login)


def _valid_on(membership: Membership, day: date) -> bool:
    return (membership.valid_from is None or membership.valid_from <= day) and (
        membership.valid_to is None or membership.valid_to >= day
    )


def _sync_memberships(
    login: OrganisationLogin, user: User, named: frozenset[tuple[Any, str]], day: date
) -> None:
    """Make the user's memberships from ``login`` what the claims name today.

    A named membership that is missing is created (and marked as the login's); one this login
    ended earlier is reopened; one ended by an administrator refuses the login. A membership
    this login created that the claims no longer name ends yesterday (removed if it began
    today, as a period cannot end before it starts). Memberships made by hand, or by another
    organisation's login, are never changed."""
    mine = {
        (m.unit_id, m.role): m for m in Membership.objects.select_for_update().filter(user=user)
    }
    grants = {
        g.membership_id: g
        for g in LoginMembership.objects.select_for_update().filter(
            membership__user=user, login=login
        )
    }
    for unit_id, role in sorted(named):
        membership = mine.get((unit_id, role))
        if membership is None:
            _grant(login, user, unit_id, role, day)
            continue
        if _valid_on(membership, day):
            continue
        grant = grants.get(membership.pk)
        if grant is None or grant.ended_on is None or membership.valid_to != grant.ended_on:
            raise LoginRefusedError(MEMBERSHIP_ENDED)
        membership.valid_from, membership.valid_to = day, None
        membership.save(update_fields=["valid_from", "valid_to"])
        grant.ended_on = None
        grant.save(update_fields=["ended_on"])
    yesterday = day - timedelta(days=1)
    for pair, membership in mine.items():
        grant = grants.get(membership.pk)
        if pair in named or grant is None or not _valid_on(membership, day):
            continue
        if membership.valid_from is not None and membership.valid_from > yesterday:
            membership.delete()
            continue
        membership.valid_to = yesterday
        membership.save(update_fields=["valid_to"])
        grant.ended_on = yesterday
        grant.save(update_fields=["ended_on"])


def _citizen(identity: logic.Identity, linked_user_id: uuid.UUID | None) -> tuple[User, bool]:
    try:
        cpr = normalize_cpr(identity.cpr)
    except CprError:
        raise LoginRefusedError(UNKNOWN_CITIZEN) from None
    citizen = Citizen.objects.select_for_update().filter(cpr=cpr).first()
    if citizen is None:
        raise LoginRefusedError(UNKNOWN_CITIZEN)
    if linked_user_id is not None:
        if citizen.user_id != linked_user_id:
            raise LoginRefusedError(WRONG_ACCOUNT)
        user = User.objects.get(pk=linked_user_id)
        if user.kind != UserKind.CITIZEN or not user.is_active:
            raise LoginRefusedError(WRONG_ACCOUNT)
        return user, False
    if citizen.user_id is not None:
        user = User.objects.get(pk=citizen.user_id)
        if user.kind != UserKind.CITIZEN or not user.is_active:
            raise LoginRefusedError(WRONG_ACCOUNT)
        return user, False
    user = User(
        username=f"borger-{uuid.uuid4().hex[:20]}",
        first_name=citizen.first_name,
        last_name=citizen.last_name,
        kind=UserKind.CITIZEN,
    )
    user.set_unusable_password()
    user.save()
    citizen.user = user
    citizen.save(update_fields=["user"])
    return user, True
