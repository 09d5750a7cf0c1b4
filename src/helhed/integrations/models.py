"""An integration client: another organisation's system (a case system, a regional platform)
that reads and writes through the API with scoped, expiring credentials.

The credential itself is an OAuth 2 client of django-allauth's OpenID Connect provider
(``allauth.idp.oidc``: client credentials grant, the secret stored hashed, access tokens hashed
and short-lived); this row says whose it is and what it may do. Every request by the client acts
as its **system user** — a staff account of the organisation, member of one unit, that no person
logs in as — so the one consent guard and the one access log apply (purpose "integration")."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Organisation, Unit


class IntegrationClient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="integration_clients"
    )
    # The unit the system acts from: the guard opens the courses on whose team this unit is,
    # under a consent that covers it (or its organisation), as for a person of the unit.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="integration_clients")
    name = models.CharField(_("navn"), max_length=120)
    # allauth's OAuth 2 client (client id, hashed secret, grant types, allowed scopes)
    oauth_client = models.OneToOneField(
        "allauth_idp_oidc.Client", on_delete=models.PROTECT, related_name="integration"
    )
    system_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    scopes = models.JSONField(_("rettigheder"), default=list)
    expires_at = models.DateTimeField(_("udløber"))
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("senest brugt"), null=True, blank=True)
    secret_rotated_at = models.DateTimeField(_("hemmelighed skiftet"), default=timezone.now)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering: ClassVar = ["organisation__name", "name"]
        verbose_name = _("integrationsklient")
        verbose_name_plural = _("integrationsklienter")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="integration_client_name_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def is_active(self, at: object = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and self.expires_at > now  # type: ignore[operator]
