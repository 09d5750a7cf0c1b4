"""An organisation's OpenID Connect login and how its claims map into Helhed."""

from __future__ import annotations

from typing import ClassVar

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Membership, Organisation, Role, Unit, UserKind
from helhed.identity import logic

_DEFAULTS = logic.ClaimNames()


class OrganisationLogin(models.Model):
    """Who logs in through one OpenID Connect provider (an identity broker) and how."""

    app = models.OneToOneField(
        SocialApp,
        on_delete=models.CASCADE,
        related_name="helhed_login",
        verbose_name=_("OpenID Connect-forbindelse"),
        limit_choices_to={"provider": "openid_connect"},
        help_text=_(
            "Forbindelsen under »Sociale applikationer«: udbyder OpenID Connect, udbyder-id "
            "(bruges i adressen), klient-id, hemmelighed og i indstillinger "
            '{"server_url": "<issuer>"}. Navnet vises på knappen »Log ind med …«.'
        ),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="logins",
        verbose_name=_("organisation"),
    )
    audience = models.CharField(
        _("hvem logger ind"), max_length=10, choices=UserKind.choices, default=UserKind.STAFF
    )
    shown = models.BooleanField(_("vis på log ind-siden"), default=True)
    sub_claim = models.CharField(_("claim med brugerens id"), max_length=100, default=_DEFAULTS.sub)
    name_claim = models.CharField(_("claim med navn"), max_length=100, default=_DEFAULTS.name)
    email_claim = models.CharField(_("claim med e-mail"), max_length=100, default=_DEFAULTS.email)
    unit_claim = models.CharField(
        _("claim med enhedskode"), max_length=100, default=_DEFAULTS.unit, blank=True
    )
    role_claim = models.CharField(
        _("claim med rolle"), max_length=100, default=_DEFAULTS.role, blank=True
    )
    cpr_claim = models.CharField(
        _("claim med CPR-nummer"),
        max_length=100,
        default=_DEFAULTS.cpr,
        blank=True,
        help_text=_("Kun for borgere. Borgeren skal allerede findes i Helhed."),
    )
    acr_claim = models.CharField(
        _("claim med sikringsniveau (NSIS)"), max_length=100, default=_DEFAULTS.acr
    )

    class Meta:
        ordering: ClassVar = ["organisation__name", "app__name"]
        verbose_name = _("log ind med OpenID Connect")
        verbose_name_plural = _("log ind med OpenID Connect")

    def __str__(self) -> str:
        return f"{self.app.name} ({self.organisation.name})"

    def claim_names(self) -> logic.ClaimNames:
        return logic.ClaimNames(
            sub=self.sub_claim,
            name=self.name_claim,
            email=self.email_claim,
            unit=self.unit_claim,
            role=self.role_claim,
            cpr=self.cpr_claim,
            acr=self.acr_claim,
        )

    def clean(self) -> None:
        if self.app_id and self.app.provider != "openid_connect":
            raise ValidationError({"app": _("Forbindelsen skal bruge udbyderen OpenID Connect.")})
        if self.app_id and not str(self.app.settings.get("server_url", "")).startswith("http"):
            raise ValidationError(
                {"app": _("Forbindelsen mangler »server_url« (udbyderens issuer) i indstillinger.")}
            )


class UnitMapping(models.Model):
    """A value of the unit claim → a unit of the organisation."""

    login = models.ForeignKey(
        OrganisationLogin, on_delete=models.CASCADE, related_name="unit_mappings"
    )
    value = models.CharField(_("værdi i claim"), max_length=200)
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("enhed")
    )

    class Meta:
        verbose_name = _("enhedskode")
        verbose_name_plural = _("enhedskoder")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["login", "value"], name="unit_mapping_unique_value")
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.unit_id}"

    def clean(self) -> None:
        if (
            self.login_id
            and self.unit_id
            and self.unit.organisation_id != self.login.organisation_id
        ):
            raise ValidationError({"unit": _("Enheden skal høre til organisationen.")})


class RoleMapping(models.Model):
    """A value of the role claim → a Helhed role."""

    login = models.ForeignKey(
        OrganisationLogin, on_delete=models.CASCADE, related_name="role_mappings"
    )
    value = models.CharField(_("værdi i claim"), max_length=200)
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["login", "value"], name="role_mapping_unique_value")
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.role}"


class LoginMembership(models.Model):
    """A membership that an OpenID Connect login created (the broker granted it), as opposed to
    one an administrator made by hand. Only these are ended by a later login whose claims no
    longer name them; ``ended_on`` is the day such a login ended it (then a later login that
    names it again may reopen it — one ended by an administrator is never reopened)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="granted_by_login"
    )
    login = models.ForeignKey(
        OrganisationLogin, on_delete=models.CASCADE, related_name="granted_memberships"
    )
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("medlemskab fra login")
        verbose_name_plural = _("medlemskaber fra login")

    def __str__(self) -> str:
        return f"{self.membership_id} ← {self.login_id}"
