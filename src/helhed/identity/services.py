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
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Membership, User, UserKind
from helhed.core.selectors import today
from helhed.courses.logic import CprError, normalize_cpr
from helhed.courses.models import Citizen
from helhed.identity import logic
from helhed.identity.models import OrganisationLogin

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
    picked = logic.pick_membership(identity, unit_map, role_map)
    if picked is None:
        raise LoginRefusedError(NO_MAPPING)
    unit_id, role = picked
    day = today()
    if linked_user_id is not None:
        user = User.objects.select_for_update().filter(pk=linked_user_id).first()
        if user is None or user.kind != UserKind.STAFF or not user.is_active:
            raise LoginRefusedError(WRONG_ACCOUNT)
        mine = Membership.objects.filter(user=user, unit_id=unit_id, role=role)
        if not mine.exists():
            Membership.objects.create(user=user, unit_id=unit_id, role=role, valid_from=day)
        elif not mine.valid_on(day).exists():
            raise LoginRefusedError(MEMBERSHIP_ENDED)
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
    Membership.objects.create(user=user, unit_id=unit_id, role=role, valid_from=day)
    return user, True


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
