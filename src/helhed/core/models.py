"""Organisations and their units (aktører / aktører i aktøren), the 14 fagområder, users and roles.

A user is either staff (belongs to one or more units with a role) or a citizen (sees only their own
data). Roles are per unit, because the same person may be koordinator in one team and fagperson in
another.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helhed.core import logic
from helhed.core.periods import PeriodQuerySet


class OrganisationType(models.Model):
    """kommune, region, stat, privat, civilsamfund — reference data loaded by a migration."""

    slug = models.SlugField(primary_key=True, max_length=20)
    name_da = models.CharField(_("navn (dansk)"), max_length=60)
    name_en = models.CharField(_("navn (engelsk)"), max_length=60)
    is_public = models.BooleanField(_("offentlig"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order"]
        verbose_name = _("organisationstype")
        verbose_name_plural = _("organisationstyper")

    def __str__(self) -> str:
        return self.name_da


class WelfareArea(models.Model):
    """One of VIVE's 14 fagområder (003:L338-353)."""

    slug = models.SlugField(primary_key=True, max_length=40)
    name_da = models.CharField(_("navn (dansk)"), max_length=80, unique=True)
    name_en = models.CharField(_("navn (engelsk)"), max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order"]
        verbose_name = _("fagområde")
        verbose_name_plural = _("fagområder")

    def __str__(self) -> str:
        return self.name_da


class WelfareAreaSynonym(models.Model):
    """A looser spelling used in sources (e.g. "Psykiatri") mapped onto one of the 14."""

    term = models.CharField(_("term"), max_length=80, unique=True)
    area = models.ForeignKey(WelfareArea, on_delete=models.CASCADE, related_name="synonyms")

    class Meta:
        ordering: ClassVar = ["term"]
        verbose_name = _("synonym for fagområde")
        verbose_name_plural = _("synonymer for fagområder")

    def __str__(self) -> str:
        return f"{self.term} → {self.area_id}"


class Organisation(models.Model):
    """An actor: a municipality, region, state body, private company or civil-society body."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    org_type = models.ForeignKey(
        OrganisationType, on_delete=models.PROTECT, verbose_name=_("type"), related_name="+"
    )
    official_code = models.CharField(
        _("officiel kode"),
        max_length=10,
        blank=True,
        help_text=_("Kommunekode (3 cifre) eller regionskode (4 cifre) fra Danmarks Statistik."),
    )
    region = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("region"),
        limit_choices_to={"org_type": "region"},
    )
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["org_type", "official_code"],
                condition=~Q(official_code=""),
                name="organisation_unique_official_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An "aktør i aktøren": a department, team or service inside an organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    name = models.CharField(_("navn"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("overordnet enhed"),
    )
    welfare_area = models.ForeignKey(
        WelfareArea,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("fagområde"),
    )
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # What naming this unit on a citizen's team reveals (a "Rusmiddelcenter" reveals drug
    # treatment): team readers whose consent does not cover the category are not told the name.
    data_category = models.CharField(
        _("kategori, som enhedens navn afslører"),
        max_length=12,
        choices=logic.DATA_CATEGORIES,
        blank=True,
        help_text=_(
            "Tom: udledes af navn og fagområde. Fx »Helbred« for et rusmiddelcenter: "
            "kontaktpersoner fra enheden vises kun med navn for læsere, hvis samtykke "
            "omfatter kategorien."
        ),
    )
    # docs/security.md, "Access without consent": only a public authority's casework units.
    may_open_without_consent = models.BooleanField(
        _("myndighedsenhed: må åbne forløb uden samtykke"),
        default=False,
        help_text=_(
            "Kun enheder i en offentlig myndighed, der udfører sagsbehandling med hjemmel til at "
            "indhente oplysninger uden samtykke. Aldrig private eller frivillige organisationer."
        ),
    )

    class Meta:
        ordering: ClassVar = ["organisation__name", "name"]
        verbose_name = _("enhed")
        verbose_name_plural = _("enheder")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_unique_name"),
            models.CheckConstraint(
                condition=Q(data_category__in=sorted(logic.CATEGORY_KEYS)),
                name="unit_data_category_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"

    def save(self, *args: object, **kwargs: object) -> None:
        # A unit created without a category gets the one its name and fagområde suggest (a
        # "Rusmiddelcenter" is health), never silently "plan"; the administrator may change it.
        if not self.data_category:
            self.data_category = logic.category_for_unit(self.name, self.welfare_area_id)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Role(models.TextChoices):
    """A user's role in a unit. Ordered from least to most privileged in the organisation."""

    FAGPERSON = "fagperson", _("Fagperson")
    KOORDINATOR = "koordinator", _("Koordinator")
    LEDER = "leder", _("Leder")
    ANALYTIKER = "analytiker", _("Analytiker")
    ADMINISTRATOR = "administrator", _("Administrator")


class UserKind(models.TextChoices):
    STAFF = "staff", _("Medarbejder")
    CITIZEN = "citizen", _("Borger")


class User(AbstractUser):
    """A person who logs in: a professional (member of units) or a citizen (own view only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(
        _("brugertype"), max_length=10, choices=UserKind.choices, default=UserKind.STAFF
    )
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    title = models.CharField(_("stillingsbetegnelse"), max_length=100, blank=True)
    # An integration client's system user (helhed.integrations): a staff account that no person
    # logs in as (no usable password, no e-mail). It reads through the same guard as a person;
    # its reads are logged with the purpose "integration", and it is never offered as a person
    # (team pickers, survey respondents, coordinators).
    is_system = models.BooleanField(_("systembruger"), default=False, editable=False)

    class Meta:
        ordering: ClassVar = ["first_name", "last_name", "username"]
        verbose_name = _("bruger")
        verbose_name_plural = _("brugere")
        constraints: ClassVar = [
            # A citizen account can never be Django staff/superuser: it sees its own data only.
            models.CheckConstraint(
                condition=Q(kind="staff") | Q(is_staff=False, is_superuser=False),
                name="user_citizen_not_staff",
            )
        ]

    @property
    def is_citizen(self) -> bool:
        return self.kind == UserKind.CITIZEN

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A staff user's membership of a unit with a role, optionally time-limited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(_("gyldig fra"), null=True, blank=True)
    valid_to = models.DateField(_("gyldig til"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["unit__organisation__name", "unit__name", "role"]
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="membership_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"
