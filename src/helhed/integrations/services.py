"""Write use cases for integration clients (keyword-only ids and plain values, one transaction).

A client is three rows that live and die together: allauth's OAuth client (confidential, client
credentials grant only, its allowed scopes, the secret stored hashed), the system user the
client acts as (staff, ``is_system``, no usable password, no e-mail; its first name is the
client's name so the access log says which system read), and that user's membership of the
client's unit with the role ``fagperson`` — so the one guard decides what it may read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from allauth.idp.oidc.models import Client, Token
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core.models import Membership, Role, User, UserKind
from helhed.core.scopes import unknown_scopes
from helhed.integrations import selectors
from helhed.integrations.models import IntegrationClient

MAX_VALIDITY = timedelta(days=2 * 366)


@dataclass(frozen=True)
class Credentials:
    """What an administrator sees once, right after creating a client or rotating its secret."""

    client: IntegrationClient
    client_id: str
    client_secret: str


def _check(*, scopes: list[str], expires_at: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if not scopes:
        errors["scopes"] = [_("Vælg mindst én rettighed.")]
    elif unknown := unknown_scopes(scopes):
        errors["scopes"] = [_("Ukendt rettighed: %(names)s.") % {"names": ", ".join(unknown)}]
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = [_("Udløbsdatoen skal ligge i fremtiden.")]
    elif expires_at > now + MAX_VALIDITY:
        errors["expires_at"] = [_("Adgangen kan højst gælde i to år.")]
    if errors:
        raise ValidationError(errors)


def _administered_client(actor_id: UUID, client_id: UUID) -> IntegrationClient:
    actor = User.objects.get(pk=actor_id)
    client = selectors.client_for_administrator(actor, client_id)
    return IntegrationClient.objects.select_for_update().get(pk=client.pk)


def _new_secret(oauth: Client) -> str:
    secret = secrets.token_urlsafe(32)
    oauth.set_secret(secret)
    return secret


@transaction.atomic
def create_client(
    *, actor_id: UUID, name: str, unit_id: UUID, scopes: list[str], expires_at: datetime
) -> Credentials:
    actor = User.objects.get(pk=actor_id)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Skriv et navn.")]})
    unit = selectors.units_for_administrator(actor).filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({"unit": [_("Vælg en enhed i din egen organisation.")]})
    _check(scopes=scopes, expires_at=expires_at)
    if IntegrationClient.objects.filter(organisation=unit.organisation, name=name).exists():
        raise ValidationError({"name": [_("Der findes allerede en klient med det navn.")]})
    oauth = Client(
        name=f"{unit.organisation.name}: {name}"[:100],
        type=Client.Type.CONFIDENTIAL,
        skip_consent=True,
    )
    oauth.set_grant_types([Client.GrantType.CLIENT_CREDENTIALS])
    oauth.set_response_types([])
    oauth.set_redirect_uris([])
    oauth.set_scopes(sorted(scopes))
    oauth.set_default_scopes(sorted(scopes))
    secret = _new_secret(oauth)
    oauth.save()
    user = User(
        username=f"system-{oauth.id}"[:150],
        kind=UserKind.STAFF,
        is_system=True,
        first_name=name[:150],
        last_name="",
        email="",
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, unit=unit, role=Role.FAGPERSON)
    client = IntegrationClient.objects.create(
        organisation=unit.organisation,
        unit=unit,
        name=name,
        oauth_client=oauth,
        system_user=user,
        scopes=sorted(scopes),
        expires_at=expires_at,
        created_by=actor,
    )
    return Credentials(client=client, client_id=oauth.id, client_secret=secret)


@transaction.atomic
def rotate_secret(*, actor_id: UUID, client_id: UUID) -> Credentials:
    """A new secret; the old one stops working at once and the tokens issued with it go."""
    client = _administered_client(actor_id, client_id)
    if client.revoked_at is not None:
        raise PermissionDenied(_("Klienten er tilbagekaldt."))
    oauth = client.oauth_client
    secret = _new_secret(oauth)
    oauth.save(update_fields=["secret"])
    Token.objects.filter(client=oauth).delete()
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_rotated_at"])
    return Credentials(client=client, client_id=oauth.id, client_secret=secret)


@transaction.atomic
def update_client(
    *, actor_id: UUID, client_id: UUID, scopes: list[str], expires_at: datetime
) -> IntegrationClient:
    """New scopes and expiry. Tokens already issued keep no scope the client lost: the API
    checks the client's current scopes as well as the token's."""
    client = _administered_client(actor_id, client_id)
    if client.revoked_at is not None:
        raise PermissionDenied(_("Klienten er tilbagekaldt."))
    _check(scopes=scopes, expires_at=expires_at)
    client.scopes = sorted(scopes)
    client.expires_at = expires_at
    client.save(update_fields=["scopes", "expires_at"])
    oauth = client.oauth_client
    oauth.set_scopes(sorted(scopes))
    oauth.set_default_scopes(sorted(scopes))
    oauth.save(update_fields=["scopes", "default_scopes"])
    return client


@transaction.atomic
def revoke_client(*, actor_id: UUID, client_id: UUID) -> IntegrationClient:
    """The end of a client: its tokens deleted, its system user deactivated, its membership
    ended (the row is kept, so the access log still names the system)."""
    client = _administered_client(actor_id, client_id)
    if client.revoked_at is not None:
        return client
    now = timezone.now()
    client.revoked_at = now
    client.save(update_fields=["revoked_at"])
    Token.objects.filter(client=client.oauth_client).delete()
    user = client.system_user
    user.is_active = False
    user.save(update_fields=["is_active"])
    yesterday = timezone.localdate() - timedelta(days=1)
    for membership in Membership.objects.filter(user=user):
        # valid_to is inclusive: the membership ends yesterday, so it gives no role today
        membership.valid_to = max(yesterday, membership.valid_from or yesterday)
        membership.save(update_fields=["valid_to"])
    return client


def mark_used(client: IntegrationClient, at: datetime | None = None) -> None:
    """Record use at most once a minute per client (no write on most requests)."""
    now = at or timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < timedelta(minutes=1):
        return
    IntegrationClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
