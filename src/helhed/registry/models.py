"""Initiatives (helhedsorienterede indsatser as arrangements) described on VIVE's nine variation
parameters, with their actors, financing over time, fagområder, the four conditions and category
overrides. The rules themselves are in ``logic.py``; this module stores the facts and where each
fact came from (``provenance``: a list of ``{"table": …, "line": …}`` per imported value).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Organisation, WelfareArea


class TriState(models.TextChoices):
    """A judgement that may be unknown: every judgement parameter accepts "ukendt"."""

    YES = "ja", _("Ja")
    NO = "nej", _("Nej")
    UNKNOWN = "ukendt", _("Ukendt")


class TargetUnit(models.TextChoices):
    INDIVIDUAL = "individ", _("Enkeltborgere")
    FAMILY = "familie", _("Familier")
    BOTH = "begge", _("Både enkeltborgere og familier")
    UNKNOWN = "ukendt", _("Ukendt")


class Level(models.TextChoices):
    LOW = "lav", _("Lav")
    MEDIUM = "middel", _("Middel")
    HIGH = "hoej", _("Høj")
    UNKNOWN = "ukendt", _("Ukendt")


class TimePerspective(models.TextChoices):
    ONE_YEAR = "etaarig", _("Etårig")
    MULTI_YEAR = "flerårig", _("Flerårig")
    CONTINUOUS = "løbende", _("Løbende (permanent)")
    UNKNOWN = "ukendt", _("Ukendt")


class Phase(models.TextChoices):
    """Maturity phase (VIVE §2.2.5)."""

    DEVELOPMENT = "udvikling", _("Udvikling")
    TRIAL = "afprøvning", _("Afprøvning")
    ADAPTATION = "tilpasning", _("Tilpasning")
    SPREAD = "udbredelse", _("Udbredelse")
    CONSOLIDATION = "konsolidering", _("Konsolidering")
    UNKNOWN = "ukendt", _("Ukendt")


class EvidenceLevel(models.TextChoices):
    NONE = "ingen", _("Ingen dokumentation")
    DOCUMENTED = "dokumenteret", _("Dokumenterede erfaringer")
    EVALUATED = "evalueret", _("Evalueret (før/efter, proces)")
    EFFECT = "effekt", _("Effektmålt (kontrolgruppe)")
    UNKNOWN = "ukendt", _("Ukendt")


class Standardisation(models.TextChoices):
    STANDARDISED = "standardiseret", _("Standardiseret (manual, model)")
    HAND_HELD = "håndholdt", _("Håndholdt (tilpasses den enkelte)")
    MIXED = "blandet", _("Blandet")
    UNKNOWN = "ukendt", _("Ukendt")


class ProcessFormalisation(models.TextChoices):
    FORMAL = "formel", _("Formaliseret (faste aftaler, kontrakter, navngivne roller)")
    PARTLY = "delvis", _("Delvist formaliseret")
    AD_HOC = "ad-hoc", _("Ad hoc")
    UNKNOWN = "ukendt", _("Ukendt")


class DecisionLevel(models.TextChoices):
    NATIONAL_LAW = "lov", _("National lovgivning")
    LOCAL_POLITICAL = "politisk", _("Lokalpolitisk beslutning")
    ADMINISTRATIVE = "administrativ", _("Administrativ beslutning")
    UNKNOWN = "ukendt", _("Ukendt")


class CollaborationModel(models.TextChoices):
    """VIVE Tabel 2.1: how the professionals work together."""

    SERIAL = "serielt", _("Model 1: Serielt (overgange)")
    PARALLEL = "parallelt", _("Model 2: Parallelt (arbejdsdeling, løbende koordinering)")
    INTEGRATED = "integreret", _("Model 3: Integreret (fælles tilgang)")
    UNKNOWN = "ukendt", _("Ukendt")


class KLScale(models.TextChoices):
    """KL's scale from simple coordination to integrated professional practice."""

    COORDINATION = "koordinering", _("Simpel koordinering")
    COOPERATION = "samarbejde", _("Samarbejde")
    COLLABORATION = "samskabelse", _("Tæt samarbejde med fælles mål")
    INTEGRATED = "integreret-faglighed", _("Integreret faglighed")
    UNKNOWN = "ukendt", _("Ukendt")


class Involvement(models.TextChoices):
    """Citizens and relatives as actors: working *with* the citizen or only *around* them."""

    WITH = "med", _("Med borgeren (aktiv part)")
    AROUND = "omkring", _("Omkring borgeren")
    NONE = "ingen", _("Ikke involveret")
    UNKNOWN = "ukendt", _("Ukendt")


class OverrideSource(models.TextChoices):
    VIVE = "vive", _("VIVE's placering")
    ANALYST = "analytiker", _("Analytikerens vurdering")
    OTHER = "anden", _("Anden kilde")


class Initiative(models.Model):
    """An arrangement such as "FAMKO in Odense", on VIVE's nine variation parameters."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("navn"), max_length=300)
    location = models.CharField(_("sted"), max_length=200, blank=True)
    description = models.TextField(_("kort beskrivelse"), blank=True)
    umbrella = models.BooleanField(
        _("del af en overordnet type"),
        default=False,
        help_text=_(
            "Markeret med * hos VIVE: boligsociale helhedsplaner, KUI, udskrivningsaftaler…"
        ),
    )

    # 1. Målgruppe
    target_group = models.TextField(_("målgruppe"), blank=True)
    target_unit = models.CharField(
        _("enkeltborgere eller familier"),
        max_length=10,
        choices=TargetUnit.choices,
        default=TargetUnit.UNKNOWN,
    )
    age_min = models.PositiveSmallIntegerField(_("alder fra"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("alder til"), null=True, blank=True)
    objective_criteria = models.TextField(
        _("objektive kriterier"),
        blank=True,
        help_text=_("Fx alder, problemer, antal sager, forsørgelsestype. Ét kriterium pr. linje."),
    )
    judgement_criteria = models.TextField(
        _("skønsmæssige kriterier"),
        blank=True,
        help_text=_(
            "Fx forbedringspotentiale, økonomisk potentiale, progressionspotentiale. "
            "Ét kriterium pr. linje."
        ),
    )
    course_length = models.CharField(
        _("forløbets længde"),
        max_length=10,
        choices=[
            ("kort", _("Kortere forløb")),
            ("langt", _("Længere eller livslangt forløb")),
            ("ukendt", _("Ukendt")),
        ],
        default="ukendt",
    )
    breadth = models.CharField(_("bredde og volumen"), max_length=200, blank=True)
    complexity = models.CharField(
        _("kompleksitet"), max_length=10, choices=Level.choices, default=Level.UNKNOWN
    )

    # 2. Aktører (the organisations are InitiativeActor rows)
    volunteers = models.CharField(
        _("frivillige involveret"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )
    citizen_involvement = models.CharField(
        _("borgerens rolle"),
        max_length=10,
        choices=Involvement.choices,
        default=Involvement.UNKNOWN,
    )
    relatives_involvement = models.CharField(
        _("pårørendes rolle"),
        max_length=10,
        choices=Involvement.choices,
        default=Involvement.UNKNOWN,
    )

    # 3. Fagområder
    welfare_areas = models.ManyToManyField(
        WelfareArea,
        through="InitiativeWelfareArea",
        related_name="initiatives",
        verbose_name=_("fagområder"),
        blank=True,
    )

    # 4. Tidsperspektiv
    time_perspective = models.CharField(
        _("tidsperspektiv"),
        max_length=10,
        choices=TimePerspective.choices,
        default=TimePerspective.UNKNOWN,
    )
    # 5. Modenhed
    phase = models.CharField(_("fase"), max_length=15, choices=Phase.choices, default=Phase.UNKNOWN)
    since_year = models.PositiveSmallIntegerField(
        _("siden år"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    evidence_level = models.CharField(
        _("evidensniveau"),
        max_length=15,
        choices=EvidenceLevel.choices,
        default=EvidenceLevel.UNKNOWN,
    )
    standardisation = models.CharField(
        _("standardiseret eller håndholdt"),
        max_length=15,
        choices=Standardisation.choices,
        default=Standardisation.UNKNOWN,
    )
    # 6. Formalisering
    process_formalisation = models.CharField(
        _("formalisering af samarbejdet"),
        max_length=10,
        choices=ProcessFormalisation.choices,
        default=ProcessFormalisation.UNKNOWN,
    )
    decision_level = models.CharField(
        _("beslutningsniveau"),
        max_length=15,
        choices=DecisionLevel.choices,
        default=DecisionLevel.UNKNOWN,
    )
    # 7. Tværfaglighed
    disciplines_count = models.PositiveSmallIntegerField(
        _("antal fagdiscipliner"), null=True, blank=True
    )
    specialisations_count = models.PositiveSmallIntegerField(
        _("antal faglige specialiseringer"), null=True, blank=True
    )
    interdisciplinarity = models.CharField(
        _("grad af tværfaglighed"), max_length=10, choices=Level.choices, default=Level.UNKNOWN
    )
    # 8. Samarbejdets karakter
    collaboration_model = models.CharField(
        _("samarbejdsmodel"),
        max_length=15,
        choices=CollaborationModel.choices,
        default=CollaborationModel.UNKNOWN,
    )
    kl_scale = models.CharField(
        _("KL's skala"), max_length=25, choices=KLScale.choices, default=KLScale.UNKNOWN
    )
    # 9. Finansiering: FundingSource rows.

    # The four conditions (Boks 2.1). Condition 2 is derived from the actors when there are any;
    # condition 3 uses the number of fagområder together with the coordination judgement.
    cond_welfare_area = models.CharField(
        _("1. rettet til borgere på velfærdsområderne"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )
    cond_public_actor = models.CharField(
        _("2. offentlig aktør involveret"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
        help_text=_("Bruges kun, når der ikke er registreret aktører."),
    )
    cond_cross_area_coordination = models.CharField(
        _("3. behov for koordinering på tværs af fagområder"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )
    policy_area_count = models.PositiveSmallIntegerField(
        _("antal politikområder (uden for velfærdsområderne)"),
        null=True,
        blank=True,
        help_text=_("Kun for arrangementer uden for velfærdsområderne, fx klima og landbrug."),
    )
    cond_coordinating_function = models.CharField(
        _("4. koordinerende eller styrende funktion på tværs af borgere"),
        max_length=10,
        choices=TriState.choices,
        default=TriState.UNKNOWN,
    )

    # Categorisation: VIVE's own placement, the date the computed category is read on, and a
    # manual override (reason and source required) with an optional alternative.
    vive_category = models.PositiveSmallIntegerField(
        _("VIVE's kategori"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    classification_date = models.DateField(
        _("kategoriseret pr."),
        null=True,
        blank=True,
        help_text=_("Datoen finansieringen læses på. Tom: i dag."),
    )
    category_override = models.PositiveSmallIntegerField(
        _("manuel kategori"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    override_reason = models.TextField(_("begrundelse for manuel kategori"), blank=True)
    override_source = models.CharField(
        _("kilde til manuel kategori"), max_length=15, choices=OverrideSource.choices, blank=True
    )
    alternative_category = models.PositiveSmallIntegerField(
        _("alternativ kategori"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    alternative_note = models.TextField(_("note om alternativ kategori"), blank=True)

    # Where the facts came from.
    source = models.CharField(_("kilde"), max_length=200, blank=True)
    source_key = models.CharField(
        _("kildenøgle"),
        max_length=400,
        blank=True,
        help_text=_("Stabil nøgle fra importen (navn + sted), så genindlæsning ikke dublerer."),
    )
    provenance = models.JSONField(_("proveniens"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name", "location"]
        verbose_name = _("helhedsorienteret indsats")
        verbose_name_plural = _("helhedsorienterede indsatser")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~Q(source_key=""),
                name="initiative_unique_source_key",
            ),
            models.CheckConstraint(
                condition=Q(category_override__isnull=True) | ~Q(override_reason=""),
                name="initiative_override_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_max__gte=models.F("age_min")),
                name="initiative_age_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})" if self.location else self.name


class ActorRoleChoice(models.TextChoices):
    PRIMARY = "primary", _("Primær aktør")
    PARTICIPATING = "participating", _("Deltagende aktør")
    CONTEXT = "context", _("Kontekst (ikke aktør i indsatsen)")


class InitiativeActor(models.Model):
    """An organisation in or around the initiative, with its role and what it brings."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="actors")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organisation i Helhed"),
    )
    name = models.CharField(_("navn"), max_length=300)
    org_type = models.ForeignKey(
        "core.OrganisationType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("type"),
    )
    role = models.CharField(_("rolle i indsatsen"), max_length=15, choices=ActorRoleChoice.choices)
    units = models.TextField(_("enheder (aktører i aktøren)"), blank=True)
    professions = models.TextField(_("faggrupper"), blank=True)
    note = models.TextField(_("note"), blank=True)
    provenance = models.JSONField(_("proveniens"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order", "name"]
        verbose_name = _("aktør")
        verbose_name_plural = _("aktører")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class FundingSource(models.Model):
    """Money into the initiative over a period; ``inside`` = the funder is an actor in it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="funding_sources"
    )
    funder = models.CharField(_("finansieringskilde"), max_length=300)
    org_type = models.ForeignKey(
        "core.OrganisationType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("type"),
    )
    inside = models.BooleanField(
        _("aktør i indsatsen"),
        help_text=_("Ja hvis finansieringskilden selv er aktør i indsatsen (intern finansiering)."),
    )
    amount = models.DecimalField(
        _("beløb (kr.)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField(_("periode fra"))
    period_end = models.DateField(_("periode til"), null=True, blank=True)
    counts_for_classification = models.BooleanField(
        _("indgår i kategoriseringen"),
        default=True,
        help_text=_("Nej for penge, som kilden nævner, men som placeringen ikke hviler på."),
    )
    note = models.TextField(_("note"), blank=True)
    provenance = models.JSONField(_("proveniens"), default=list, blank=True)

    class Meta:
        ordering: ClassVar = ["period_start", "funder"]
        verbose_name = _("finansieringskilde")
        verbose_name_plural = _("finansieringskilder")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="funding_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="funding_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.funder


class InitiativeWelfareArea(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE)
    welfare_area = models.ForeignKey(WelfareArea, on_delete=models.PROTECT)
    raw_term = models.CharField(_("kildens betegnelse"), max_length=120, blank=True)
    provenance = models.JSONField(_("proveniens"), default=list, blank=True)

    class Meta:
        verbose_name = _("fagområde for indsats")
        verbose_name_plural = _("fagområder for indsatser")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["initiative", "welfare_area"], name="initiative_area_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.welfare_area_id}"
