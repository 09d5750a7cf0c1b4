"""Citizens and households, courses, consent, the team, and the one shared plan.

Personal data lives here. Nothing in this module decides who may read it — that is
``selectors.py`` (through ``logic.may_see_course``) — and every read goes through the audit log.
The CPR number is never part of a URL, a log line or an exception message; pages show it masked.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Organisation, Unit, WelfareArea
from helhed.core.periods import PeriodQuerySet, WithdrawablePeriodQuerySet
from helhed.courses import logic
from helhed.registry.models import Initiative


def category_field(verbose: str = "kategori af oplysninger", default: str = "plan") -> Any:
    """A data category (``logic.DATA_CATEGORIES``): what reading the row or text reveals."""
    return models.CharField(
        _(verbose), max_length=12, choices=logic.DATA_CATEGORIES, default=default
    )


def item_category_field() -> Any:
    """A plan item's category, recomputed by the model's ``save`` from its legal basis and
    fagområde. No default: a bulk insert that forgets it fails the check constraint instead of
    filing a psychiatric measure as plan data."""
    return models.CharField(
        _("kategori af oplysninger"), max_length=12, choices=logic.DATA_CATEGORIES, editable=False
    )


def text_limit(limit: int) -> MaxLengthValidator:
    """A free text's length limit with a message that says by how much it is too long (the
    text is never cut short: the writer decides what goes)."""
    return MaxLengthValidator(
        limit,
        message=_(
            "Teksten må højst være %(limit_value)d tegn, men er %(show_value)d tegn. "
            "Forkort den, eller del den op."
        ),
    )


def known_category(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": sorted(logic.CATEGORY_KEYS)}), name=name
    )


class ContactChannel(models.TextChoices):
    DIGITAL_POST = "digital-post", _("Digital Post")
    SMS = "sms", _("SMS")
    PHONE = "telefon", _("Telefon")
    IN_PERSON = "personligt", _("Personligt via koordinatoren")


class Citizen(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cpr = models.CharField(_("CPR-nummer"), max_length=10, unique=True)
    birth_date = models.DateField(_("fødselsdato"))
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("efternavn"), max_length=100)
    preferred_name = models.CharField(_("kaldenavn"), max_length=100, blank=True)
    contact_channel = models.CharField(
        _("foretrukken kontaktform"),
        max_length=15,
        choices=ContactChannel.choices,
        default=ContactChannel.DIGITAL_POST,
    )
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    no_fixed_address = models.BooleanField(
        _("uden fast bopæl"),
        default=False,
        help_text=_("Digital Post og breve når ofte ikke frem til borgere uden fast bopæl."),
    )
    companion_wanted = models.BooleanField(_("ønsker bisidder eller ledsager"), default=False)
    contact_note = models.TextField(_("note om kontakt"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citizen",
        verbose_name=_("borgerens login"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The retention job (``helhed.retention``) anonymises a citizen no rule keeps any longer:
    # names, CPR number and contact details are gone; the row stays for anonymous figures.
    anonymised_on = models.DateField(_("anonymiseret"), null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["last_name", "first_name"]
        verbose_name = _("borger")
        verbose_name_plural = _("borgere")
        indexes: ClassVar = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_cpr(self) -> str:
        return logic.mask_cpr(self.cpr)

    def age(self, on: date) -> int:
        return logic.age_on(self.birth_date, on)


class Relative(models.Model):
    """Someone close to the citizen; a custody holder may consent for a child under 15."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="relatives")
    name = models.CharField(_("navn"), max_length=200)
    relation = models.CharField(_("relation"), max_length=100)
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    is_custody_holder = models.BooleanField(_("forældremyndighed"), default=False)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("pårørende")
        verbose_name_plural = _("pårørende")

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("navn"), max_length=200, help_text=_("Fx »Familien Jensen«."))
    members = models.ManyToManyField(Citizen, related_name="households", blank=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("husstand")
        verbose_name_plural = _("husstande")

    def __str__(self) -> str:
        return self.name


class RelationKind(models.TextChoices):
    PARENT = "forælder", _("Forælder til")
    PARTNER = "partner", _("Partner til")
    EX_PARTNER = "ekspartner", _("Tidligere partner til")
    STEP_PARENT = "stedforælder", _("Stedforælder til")
    SIBLING = "søskende", _("Søskende til")
    HALF_SIBLING = "halvsøskende", _("Halvsøskende til")


class HouseholdRelation(models.Model):
    """A directed relation inside a household: ``from_citizen`` is <kind> ``to_citizen``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="relations")
    from_citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    to_citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relation"), max_length=15, choices=RelationKind.choices)
    # For a parent or step-parent relation: ``from_citizen`` holds custody of ``to_citizen``
    # (and may consent for them while they are under 15).
    custody = models.BooleanField(_("forældremyndighed"), default=False)

    class Meta:
        verbose_name = _("familierelation")
        verbose_name_plural = _("familierelationer")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(from_citizen=F("to_citizen")), name="relation_not_self"
            ),
            models.UniqueConstraint(
                fields=["household", "from_citizen", "to_citizen", "kind"], name="relation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_citizen} {self.get_kind_display()} {self.to_citizen}"


class CourseStatus(models.TextChoices):
    REFERRED = "henvist", _("Henvist")
    CLARIFICATION = "afklaring", _("Afklaring")
    ACTIVE = "aktiv", _("Aktiv")
    PAUSED = "pause", _("Pause")
    CLOSED = "afsluttet", _("Afsluttet")


class Course(models.Model):
    """One citizen's — or one family's — course in an initiative."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="courses", verbose_name=_("indsats")
    )
    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="courses", verbose_name=_("borger")
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        verbose_name=_("familie (hvis planen dækker hele familien)"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.REFERRED
    )
    closing_reason = models.TextField(_("årsag til afslutning"), blank=True)
    referred_on = models.DateField(_("henvist"))
    start_date = models.DateField(_("startdato"), null=True, blank=True)
    end_date = models.DateField(_("slutdato"), null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_courses",
        verbose_name=_("koordinator"),
    )
    coordinator_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="coordinated_courses",
        verbose_name=_("koordinatorens enhed"),
    )
    mandate = models.TextField(
        _("koordinatorens mandat"),
        blank=True,
        help_text=_("Hvad koordinatoren kan sætte i gang uden at spørge andre (fx beløbsgrænser)."),
    )
    intake_checklist = models.JSONField(
        _("visitation: målgruppekriterier"),
        default=dict,
        blank=True,
        help_text=_(
            "Kriterium → ja/nej/ukendt, fra indsatsens objektive og skønsmæssige kriterier."
        ),
    )
    referral_note = models.TextField(_("henvisningsårsag"), blank=True)
    # Free text can say anything: its writer says which category it reveals, and a reader
    # whose consent does not cover that category is told the text is there, not what it says.
    referral_note_category = category_field("henvisningsårsagen afslører")
    mandate_category = category_field("mandatet afslører")
    parallel_reason = models.TextField(
        _("begrundelse for et forløb ved siden af et aktivt forløb"),
        blank=True,
        help_text=_("Kræves, når borgeren allerede har et aktivt forløb i Helhed."),
    )
    # Restriction of processing (GDPR art. 18): while ``restricted_since`` is set, only the
    # coordinator reads the course and nothing in it changes (``courses.restriction``).
    restricted_since = models.DateTimeField(
        _("behandlingen begrænset siden"), null=True, blank=True, editable=False
    )
    restricted_reason = models.TextField(_("begrundelse for begrænsning"), blank=True)
    restricted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("begrænset af"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-referred_on"]
        verbose_name = _("forløb")
        verbose_name_plural = _("forløb")
        indexes: ClassVar = [models.Index(fields=["coordinator", "status"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="course_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="afsluttet") | ~Q(closing_reason=""),
                name="course_closed_needs_reason",
            ),
            known_category("referral_note_category", "course_referral_category_known"),
            known_category("mandate_category", "course_mandate_category_known"),
        ]

    def __str__(self) -> str:
        return f"{self.citizen} – {self.initiative.name}"

    @property
    def is_restricted(self) -> bool:
        return self.restricted_since is not None


class CoordinatorChange(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="coordinator_changes")
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    new = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("årsag"), blank=True)
    mandate = models.TextField(_("mandat"), blank=True)

    class Meta:
        ordering: ClassVar = ["changed_at"]
        verbose_name = _("koordinatorskifte")
        verbose_name_plural = _("koordinatorskift")

    def __str__(self) -> str:
        return f"{self.previous} → {self.new}"


class GivenBy(models.TextChoices):
    CITIZEN = "borger", _("Borgeren selv")
    CUSTODY_HOLDER = "forældremyndighed", _("Indehaver af forældremyndighed")


class ConfirmedVia(models.TextChoices):
    OWN_PAGE = "egen-side", _("på sin egen side efter login")


class CategoryFlags(models.Model):
    """One flag per data category (``logic.DATA_CATEGORIES``), so access is decided in SQL."""

    cat_plan = models.BooleanField(_("plan, mål og aftaler"), default=True)
    cat_health = models.BooleanField(_("helbred"), default=False)
    cat_social = models.BooleanField(_("sociale forhold"), default=False)
    cat_crime = models.BooleanField(_("strafbare forhold"), default=False)
    cat_employment = models.BooleanField(_("beskæftigelse"), default=False)
    cat_economy = models.BooleanField(_("økonomi og forsørgelse"), default=False)

    class Meta:
        abstract = True

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(c for c, _label in logic.DATA_CATEGORIES if getattr(self, f"cat_{c}"))

    @staticmethod
    def flags(categories: frozenset[str] | set[str]) -> dict[str, bool]:
        return {f"cat_{c}": c in categories for c, _label in logic.DATA_CATEGORIES}


class Consent(CategoryFlags):
    """Samtykke: which organisations/units may share which data categories, and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(_("givet af"), max_length=20, choices=GivenBy.choices)
    given_by_name = models.CharField(_("navn på den, der giver samtykke"), max_length=200)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("organisationer")
    )
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("enheder"))
    # Children under 15 in the course's family for whom the giver consents as custody holder,
    # in the same step as her own consent (a child from 15 consents personally).
    children = models.ManyToManyField(
        Citizen,
        blank=True,
        related_name="+",
        verbose_name=_("børn, som samtykket også gives for (forældremyndighed)"),
    )
    # Purposes beyond the course's own casework that the consent names (docs/security.md).
    for_evaluation = models.BooleanField(
        _("må bruges pseudonymiseret til evaluering"),
        default=False,
        help_text=_(
            "Borgeren har samtykket til, at de omfattede organisationer bruger oplysningerne "
            "pseudonymiseret til evaluering af indsatsen."
        ),
    )
    valid_from = models.DateField(_("gyldig fra"))
    valid_to = models.DateField(_("gyldig til"), null=True, blank=True)
    withdrawn_on = models.DateField(_("trukket tilbage"), null=True, blank=True)
    withdrawn_by_name = models.CharField(_("trukket tilbage af"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Whose own consent this is when not the course's citizen's: a household member aged 15 or
    # more in a family course consents personally (issue 14). Empty: the course's citizen's.
    person = models.ForeignKey(
        Citizen,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hvis samtykke"),
    )
    # Evidence (issue 15): confirmed by the giver on their own page after logging in.
    confirmed_at = models.DateTimeField(_("bekræftet"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bekræftet af"),
    )
    confirmed_by_name = models.CharField(_("bekræftet af (navn)"), max_length=200, blank=True)
    confirmed_via = models.CharField(
        _("bekræftet hvordan"), max_length=20, choices=ConfirmedVia.choices, blank=True
    )

    objects = WithdrawablePeriodQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-valid_from"]
        verbose_name = _("samtykke")
        verbose_name_plural = _("samtykker")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="consent_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Samtykke {self.valid_from:%d.%m.%Y}"

    def valid_on(self, on: date) -> bool:
        return self.facts(set(), set()).valid_on(on)

    def facts(self, organisation_ids: set[object], unit_ids: set[object]) -> logic.ConsentFacts:
        return logic.ConsentFacts(
            organisation_ids=frozenset(organisation_ids),
            unit_ids=frozenset(unit_ids),
            categories=self.categories,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            withdrawn_on=self.withdrawn_on,
        )


def consent_document_path(instance: ConsentDocument, filename: str) -> str:
    """A random name under the course: the uploaded name (which may hold the citizen's name)
    is kept in a column, never in the storage path."""
    return f"samtykker/{instance.consent.course_id}/{uuid.uuid4().hex}"


class ConsentDocument(models.Model):
    """The signed consent (PDF or image), stored with Django's storage under MEDIA_ROOT (not
    served as a static file) and read only through the guard (``selectors.consent_document``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("fil"), upload_to=consent_document_path, max_length=200)
    content_type = models.CharField(_("filtype"), max_length=40)
    size = models.PositiveIntegerField(_("størrelse (bytes)"))
    original_name = models.CharField(_("filnavn"), max_length=200)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-uploaded_at"]
        verbose_name = _("underskrevet samtykkeerklæring")
        verbose_name_plural = _("underskrevne samtykkeerklæringer")

    def __str__(self) -> str:
        return self.original_name


class ConsentEventKind(models.TextChoices):
    GIVEN = "givet", _("Samtykke registreret")
    SCOPE_CHANGED = "omfang", _("Oplysninger ændret")
    UNITS_ADDED = "enheder-tilfoejet", _("Enheder tilføjet")
    UNITS_REMOVED = "enheder-fjernet", _("Enheder fjernet")
    EXPIRY_CHANGED = "udloeb", _("Udløbsdato ændret")
    WITHDRAWN = "tilbagekaldt", _("Trukket tilbage")
    CONFIRMED = "bekraeftet", _("Bekræftet af borgeren")
    DOCUMENT_ATTACHED = "dokument", _("Underskrevet erklæring vedhæftet")


class ConsentEvent(models.Model):
    """One change to a consent: who, when, what (written by the consent services only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="events")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("hændelse"), max_length=20, choices=ConsentEventKind.choices)
    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    by_name = models.CharField(_("af"), max_length=200)
    detail = models.CharField(_("hvad"), max_length=500, blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        verbose_name = _("ændring af samtykke")
        verbose_name_plural = _("ændringer af samtykker")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%d.%m.%Y}"


class WithoutConsentBasis(models.Model):
    """A maintained legal basis on which a public authority may read a course without the
    citizen's consent, and which data categories it opens (docs/security.md)."""

    id = models.SlugField(primary_key=True, max_length=60)
    law = models.CharField(_("lov"), max_length=120)
    paragraph = models.CharField(_("paragraf"), max_length=60)
    title = models.CharField(_("titel"), max_length=200)
    guidance = models.TextField(_("hvornår hjemlen kan bruges"), blank=True)
    categories = models.JSONField(
        _("kategorier, hjemlen åbner for"),
        default=list,
        help_text=_('Fx ["plan", "crime"] for udveksling efter retsplejelovens § 115.'),
    )
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering: ClassVar = ["law", "id"]
        verbose_name = _("hjemmel til adgang uden samtykke")
        verbose_name_plural = _("hjemler til adgang uden samtykke")

    def __str__(self) -> str:
        return f"{self.law} {self.paragraph} – {self.title}"

    @property
    def category_set(self) -> frozenset[str]:
        return frozenset(c for c in self.categories if c in logic.CATEGORY_KEYS) | {"plan"}


class WithoutConsentAccess(CategoryFlags):
    """An explicit, time-limited access to a course without consent, on a maintained legal basis,
    opened from one of the reader's units. Every read during it is flagged "uden samtykke" in the
    access log and attributed to that unit; the coordinator and the reader's leaders are told at
    once, and a leader reviews it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Empty only on accesses opened before units and bases were recorded (migration 0004).
    unit = models.ForeignKey(
        Unit,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("åbnet fra enhed"),
    )
    basis = models.ForeignKey(
        WithoutConsentBasis,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hjemmel"),
    )
    # The basis as it read when the access was opened (the list is maintained; the log is not),
    # and the categories it opened (the ``cat_*`` flags).
    legal_basis = models.CharField(_("hjemmel"), max_length=300)
    reason = models.TextField(_("note"), blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(_("gennemgået"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(_("lederens bemærkning"), blank=True)
    review_outcome = models.CharField(
        _("vurdering"),
        max_length=20,
        blank=True,
        choices=[("berettiget", _("Berettiget")), ("ikke-berettiget", _("Ikke berettiget"))],
    )

    class Meta:
        ordering: ClassVar = ["-opened_at"]
        verbose_name = _("adgang uden samtykke")
        verbose_name_plural = _("adgange uden samtykke")
        indexes: ClassVar = [models.Index(fields=["user", "course", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.legal_basis}"


class JoinStatus(models.TextChoices):
    PENDING = "afventer", _("Afventer koordinatorens svar")
    ACCEPTED = "accepteret", _("Tilføjet til teamet")
    DECLINED = "afvist", _("Afvist")


class JoinRequest(models.Model):
    """A professional who found, at intake, that the citizen already has an active course asks
    its coordinator to join the team. The requester is told nothing about the course until the
    coordinator has answered (and then only what the consent lets them see)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="join_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("besked til koordinatoren"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=JoinStatus.choices, default=JoinStatus.PENDING
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(_("svar"), blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("anmodning om at komme med i teamet")
        verbose_name_plural = _("anmodninger om at komme med i teamet")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["course", "unit"],
                condition=Q(status="afventer"),
                name="join_request_one_pending_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.course_id} ({self.status})"


class TeamMember(models.Model):
    """A professional around the citizen: in Helhed (``user``) or outside it (name only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("navn"), max_length=200)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="team_memberships"
    )
    welfare_area = models.ForeignKey(
        WelfareArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rolle"), max_length=120)
    phone = models.CharField(_("telefon"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    valid_from = models.DateField(_("fra"))
    valid_to = models.DateField(_("til"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["valid_to", "name"]
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("team")
        indexes: ClassVar = [
            # The access rule's test "is this unit on the course's team today" (for every
            # consent naming the unit: a team member's caseload checks a thousand) reads the
            # index alone, without a row per check (docs/performance.md).
            models.Index(
                fields=["unit", "course", "valid_from", "valid_to", "organisation"],
                name="teammember_unit_course",
            ),
            # Timeliness figures (contact persons and changes) per course read only these.
            models.Index(
                fields=["course", "valid_from", "valid_to"], name="teammember_course_period"
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="team_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class LegalBasis(models.Model):
    """A maintained list of laws and paragraphs that measures are given under."""

    id = models.SlugField(primary_key=True, max_length=60)
    law = models.CharField(_("lov"), max_length=100)
    paragraph = models.CharField(_("paragraf"), max_length=60)
    title = models.CharField(_("titel"), max_length=200)
    active = models.BooleanField(_("aktiv"), default=True)
    # Blank: the item's fagområde decides (``logic.item_category``).
    data_category = models.CharField(
        _("kategori af oplysninger"),
        max_length=12,
        choices=logic.DATA_CATEGORIES,
        blank=True,
        help_text=_("Hvad en indsats efter denne hjemmel afslører. Tom: fagområdet afgør det."),
    )

    class Meta:
        ordering: ClassVar = ["law", "id"]
        verbose_name = _("hjemmel")
        verbose_name_plural = _("hjemler")

    def __str__(self) -> str:
        return f"{self.law} {self.paragraph} – {self.title}"


class Plan(models.Model):
    """The one shared plan of a course. ``version`` increases with every saved change and is the
    optimistic-concurrency token: a save based on an older version is refused."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="plan")
    citizen_statement = models.TextField(
        _("det vigtigste for mig"),
        blank=True,
        help_text=_("Borgerens egne ord om, hvad der skal ske."),
        validators=[text_limit(logic.PLAN_TEXT_MAX)],
    )
    summary = models.TextField(
        _("fælles resumé"), blank=True, validators=[text_limit(logic.PLAN_TEXT_MAX)]
    )
    citizen_statement_category = category_field("borgerens egne ord afslører")
    summary_category = category_field("resuméet afslører")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("helhedsorienteret plan")
        verbose_name_plural = _("helhedsorienterede planer")
        constraints: ClassVar = [
            known_category("citizen_statement_category", "plan_statement_category_known"),
            known_category("summary_category", "plan_summary_category_known"),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.version}"


class PlanVersion(models.Model):
    """A snapshot of the whole plan after a change: who, when, what changed; restorable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=list)
    snapshot = models.JSONField()

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Horizon(models.TextChoices):
    SHORT = "kort", _("Kort sigt")
    LONG = "lang", _("Lang sigt")


class GoalStatus(models.TextChoices):
    OPEN = "aaben", _("I gang")
    REACHED = "naaet", _("Nået")
    DROPPED = "opgivet", _("Opgivet")


class Goal(models.Model):
    """A goal in the citizen's own words."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(
        _("målet med borgerens egne ord"), validators=[text_limit(logic.GOAL_TEXT_MAX)]
    )
    # Whose goal: a member of the course's family (a child), or empty for the course's citizen.
    person = models.ForeignKey(
        Citizen,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hvis mål"),
    )
    horizon = models.CharField(
        _("sigt"), max_length=5, choices=Horizon.choices, default=Horizon.SHORT
    )
    priority = models.PositiveSmallIntegerField(
        _("prioritet"), default=1, validators=[MinValueValidator(1)]
    )
    importance = models.PositiveSmallIntegerField(
        _("hvor vigtigt er det for mig (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    target_date = models.DateField(_("måldato"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["priority", "horizon"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(importance__isnull=True) | Q(importance__gte=1, importance__lte=5),
                name="goal_importance_range",
            )
        ]

    def __str__(self) -> str:
        return self.text


class SubGoal(models.Model):
    """A professional's sub-goal under the citizen's goal."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="subgoals")
    text = models.TextField(_("delmål"), validators=[text_limit(logic.GOAL_TEXT_MAX)])
    owner = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ansvarlig"),
    )
    welfare_area = models.ForeignKey(
        WelfareArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data_category = item_category_field()

    class Meta:
        verbose_name = _("delmål")
        verbose_name_plural = _("delmål")
        constraints: ClassVar = [known_category("data_category", "subgoal_category_known")]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.classify()
        _with_category(kwargs)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.classify()

    def classify(self) -> None:
        self.data_category = logic.item_category(None, self.welfare_area_id)


class ChildPerspective(models.Model):
    """Barnets eget perspektiv (barnets lov § 91): a child's own view of their situation and the
    plan, written with the child, for a child in the family the course's plan covers. Free text
    filed under the category its writer chose, like the plan's own texts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="child_perspectives")
    child = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="+", verbose_name=_("barnet")
    )
    text = models.TextField(
        _("barnets eget perspektiv"), validators=[text_limit(logic.PLAN_TEXT_MAX)]
    )
    text_category = category_field("barnets eget perspektiv afslører")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("barnets eget perspektiv")
        verbose_name_plural = _("børnenes egne perspektiver")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["plan", "child"], name="child_perspective_unique"),
            known_category("text_category", "child_perspective_category_known"),
        ]

    def __str__(self) -> str:
        return str(_("Barnets eget perspektiv"))


class MeasureStatus(models.TextChoices):
    PLANNED = "planlagt", _("Planlagt")
    ACTIVE = "aktiv", _("I gang")
    PAUSED = "pause", _("På pause")
    ENDED = "afsluttet", _("Afsluttet")
    CANCELLED = "annulleret", _("Annulleret")


class BudgetArea(models.TextChoices):
    EMPLOYMENT = "beskaeftigelse", _("Beskæftigelse (kommune)")
    CHILDREN = "boern-unge", _("Børn og unge (kommune)")
    ADULTS = "voksne", _("Voksne, handicap og psykiatri (kommune)")
    HEALTH = "sundhed", _("Sundhed og ældre (kommune)")
    SCHOOL = "skole", _("Skole og dagtilbud (kommune)")
    HOUSING = "bolig", _("Bolig (kommune/boligselskab)")
    REGION = "region", _("Regionen")
    STATE = "stat", _("Staten")
    OTHER = "andet", _("Andet")


class Measure(models.Model):
    """An indsats/tilbud for the citizen in the plan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(_("indsats"), max_length=200)
    welfare_area = models.ForeignKey(
        WelfareArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("fagområde")
    )
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, related_name="+", verbose_name=_("hjemmel")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ansvarlig organisation"),
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ansvarlig enhed"),
    )
    responsible = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ansvarlig person"),
    )
    goals = models.ManyToManyField(Goal, blank=True, related_name="measures", verbose_name=_("mål"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("slut"), null=True, blank=True)
    expected_end = models.DateField(_("forventet slut"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    budget_area = models.CharField(_("hvem betaler"), max_length=20, choices=BudgetArea.choices)
    description = models.TextField(_("beskrivelse"), blank=True)
    # From the legal basis, else the fagområde (``logic.item_category``); kept by ``save``.
    data_category = item_category_field()

    class Meta:
        ordering: ClassVar = ["start_date", "title"]
        verbose_name = _("indsats")
        verbose_name_plural = _("indsatser")
        indexes: ClassVar = [
            # Gaps between measures (handovers' timeliness) read only these, per plan.
            models.Index(
                fields=["plan", "start_date", "end_date", "expected_end", "status"],
                name="measure_plan_period",
            )
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="measure_period_ordered",
            ),
            known_category("data_category", "measure_category_known"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.classify()
        _with_category(kwargs)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.classify()

    def classify(self) -> None:
        self.data_category = logic.item_category(
            _basis_category(self.legal_basis_id), self.welfare_area_id
        )


class DemandKind(models.TextChoices):
    ATTENDANCE = "fremmoede", _("Fremmøde")
    JOB_SEARCH = "jobsoegning", _("Jobsøgning")
    SOBRIETY = "afholdenhed", _("Afholdenhed (stoffer/alkohol)")
    TREATMENT = "behandling", _("Behandling")
    REPORTING = "indberetning", _("Indberetning og tilsyn")
    OTHER = "andet", _("Andet")


class Demand(models.Model):
    """A requirement a sector places on the citizen."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="demands")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("stillet af")
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("stillet af enhed"),
    )
    welfare_area = models.ForeignKey(
        WelfareArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("sektor")
    )
    kind = models.CharField(_("type"), max_length=15, choices=DemandKind.choices)
    title = models.CharField(_("krav"), max_length=200)
    details = models.TextField(_("uddybning"), blank=True)
    frequency = models.CharField(_("hyppighed"), max_length=100, blank=True)
    consequence = models.CharField(_("konsekvens ved brud"), max_length=200, blank=True)
    legal_basis = models.ForeignKey(
        LegalBasis,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hjemmel"),
    )
    start_date = models.DateField(_("fra"), null=True, blank=True)
    end_date = models.DateField(_("til"), null=True, blank=True)
    data_category = item_category_field()

    class Meta:
        ordering: ClassVar = ["welfare_area__order", "title"]
        verbose_name = _("krav til borgeren")
        verbose_name_plural = _("krav til borgeren")
        constraints: ClassVar = [known_category("data_category", "demand_category_known")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.classify()
        _with_category(kwargs)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.classify()

    def classify(self) -> None:
        self.data_category = logic.item_category(
            _basis_category(self.legal_basis_id), self.welfare_area_id
        )


class DemandConflict(models.Model):
    """Two demands a coordinator has marked as contradictory; flagged until resolved."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="conflicts")
    first = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="+")
    description = models.TextField(_("hvorfor er kravene i modstrid"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(_("beslutning"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["resolved_at", "-marked_at"]
        verbose_name = _("modstridende krav")
        verbose_name_plural = _("modstridende krav")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(first=F("second")), name="conflict_two_demands"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""),
                name="conflict_resolution_recorded",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="appointments")
    title = models.CharField(_("aftale"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("hos")
    )
    welfare_area = models.ForeignKey(
        WelfareArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    with_member = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("med"),
    )
    place = models.CharField(_("sted"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starter"))
    ends_at = models.DateTimeField(_("slutter"))
    demand = models.ForeignKey(
        Demand,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("krav om fremmøde"),
    )
    note = models.TextField(_("note"), blank=True)
    data_category = item_category_field()

    class Meta:
        ordering: ClassVar = ["starts_at"]
        verbose_name = _("aftale")
        verbose_name_plural = _("aftaler")
        indexes: ClassVar = [models.Index(fields=["plan", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_period_ordered"
            ),
            known_category("data_category", "appointment_category_known"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.classify()
        _with_category(kwargs)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.classify()

    def classify(self) -> None:
        self.data_category = logic.item_category(None, self.welfare_area_id)


def _basis_category(basis_id: str | None) -> str | None:
    if not basis_id:
        return None
    return LegalBasis.objects.filter(pk=basis_id).values_list("data_category", flat=True).first()


def _with_category(kwargs: dict[str, Any]) -> None:
    """A save with ``update_fields`` also writes the recomputed category."""
    fields = kwargs.get("update_fields")
    if fields is not None:
        kwargs["update_fields"] = {*fields, "data_category"}
