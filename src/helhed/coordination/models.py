"""Relational coordination: workgroups, survey waves, who takes part, and the answers.

**The one rule this module keeps: nobody can read an individual's answers.** Who takes part
(:class:`Participation`, with a :class:`Draft` only until they submit) is kept apart from what
was answered (:class:`Response` and :class:`TieAnswer`): a submitted answer carries the wave, the
respondent's workgroup and a random id that groups one respondent's ties — no user, no
participation, no time. Results are computed when a wave closes, already suppressed
(:class:`WaveResult`); answers never leave through a page, the API, an export or the admin.
See ``docs/coordination.md``.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from helhed.coordination import logic
from helhed.core.models import Organisation, Unit, WelfareArea
from helhed.registry.models import Initiative


class WorkgroupKind(models.TextChoices):
    PROFESSIONAL = "fagfolk", _("Fagpersoner")
    CITIZEN = "borger", _("Borgeren")
    RELATIVE = "paaroerende", _("Pårørende")


class Workgroup(models.Model):
    """A group of people who do the same kind of work around the citizen (a maintained list):
    respondents rate each *workgroup*, not individuals."""

    slug = models.SlugField(primary_key=True, max_length=40)
    name_da = models.CharField(_("navn (dansk)"), max_length=120, unique=True)
    name_en = models.CharField(_("navn (engelsk)"), max_length=120, blank=True)
    kind = models.CharField(
        _("slags"), max_length=12, choices=WorkgroupKind.choices, default=WorkgroupKind.PROFESSIONAL
    )
    description = models.CharField(_("beskrivelse"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=100)
    active = models.BooleanField(_("i brug"), default=True)

    class Meta:
        ordering: ClassVar = ["order", "name_da"]
        verbose_name = _("faggruppe")
        verbose_name_plural = _("faggrupper")

    def __str__(self) -> str:
        return self.name_da


class Source(models.TextChoices):
    RULE = "regel", _("Efter reglerne")
    PERSON = "person", _("Besluttet af en medarbejder")
    UNKNOWN = "ukendt", _("Ukendt – skal afgøres")


class TeamMemberWorkgroup(models.Model):
    """Which workgroup a team member (``courses.TeamMember``) belongs to. ``workgroup`` is empty
    while the rules cannot tell and nobody has decided (``source`` "ukendt")."""

    team_member = models.OneToOneField(
        "courses.TeamMember", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    workgroup = models.ForeignKey(
        Workgroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("kilde"), max_length=10, choices=Source.choices)
    signature = models.CharField(_("signatur"), max_length=300, db_index=True)
    # The team member's organisation: who may decide an unknown workgroup.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("kontaktpersons faggruppe")
        verbose_name_plural = _("kontaktpersoners faggrupper")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(source="ukendt", workgroup__isnull=True)
                | (~Q(source="ukendt") & Q(workgroup__isnull=False)),
                name="coordination_mapping_known_or_unknown",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_member_id} → {self.workgroup_id or '?'}"


class WorkgroupDecision(models.Model):
    """A person's decision: team members with this role text in this unit (or organisation) and
    welfare area belong to this workgroup — now and when they are added later."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    signature = models.CharField(_("signatur"), max_length=300, unique=True)
    role = models.CharField(_("rolle"), max_length=120)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    welfare_area = models.ForeignKey(
        WelfareArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workgroup = models.ForeignKey(Workgroup, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("afgørelse om faggruppe")
        verbose_name_plural = _("afgørelser om faggrupper")

    def __str__(self) -> str:
        return f"{self.role} → {self.workgroup_id}"


class Instrument(models.Model):
    """An item set in its JSON form (``logic.parse_instrument``). Helhed's own is loaded by a
    migration; an installation may load a licensed one as a new key or version. Never changed
    once a wave uses it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("nøgle"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("navn"), max_length=200)
    source = models.CharField(_("kilde og licens"), max_length=500, blank=True)
    data = models.JSONField()
    active = models.BooleanField(_("kan vælges til nye målinger"), default=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["key", "-version"]
        verbose_name = _("spørgeramme")
        verbose_name_plural = _("spørgerammer")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["key", "version"], name="coordination_instrument_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def parsed(self) -> logic.Instrument:
        return logic.parse_instrument(self.data)


class ScopeKind(models.TextChoices):
    INITIATIVE = "indsats", _("En indsats")
    ORGANISATION = "organisation", _("Organisationens forløb")
    NETWORK = "netvaerk", _("Et netværk af enheder")


class WaveStatus(models.TextChoices):
    DRAFT = "kladde", _("Kladde")
    OPEN = "aaben", _("Åben for svar")
    CLOSED = "lukket", _("Lukket")


class Wave(models.Model):
    """One survey round: a focal work process (an initiative, the organisations' courses, or a
    named network of units), the period the courses are taken from, its participants and the
    instrument. Draft → open (participants notified) → closed (results computed, final)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    scope_kind = models.CharField(_("hvad måles"), max_length=12, choices=ScopeKind.choices)
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisations = models.ManyToManyField(Organisation, related_name="+")
    units = models.ManyToManyField(Unit, blank=True, related_name="+")
    # The workgroups that can be rated: those on the teams in scope, the participants' and —
    # when included — the citizen and relatives.
    groups = models.ManyToManyField(Workgroup, blank=True, related_name="+")
    period_start = models.DateField(_("forløb fra"))
    period_end = models.DateField(_("forløb til"))
    answer_by = models.DateField(_("svarfrist"))
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    min_respondents = models.PositiveSmallIntegerField(
        _("mindste antal svar bag et tal"), default=logic.DEFAULT_THRESHOLD
    )
    include_citizen_side = models.BooleanField(
        _("borgeren og pårørende kan vurderes"), default=False
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-period_end", "name"]
        verbose_name = _("måling")
        verbose_name_plural = _("målinger")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(min_respondents__gte=logic.MIN_THRESHOLD),
                name="coordination_threshold_at_least_3",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="coordination_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(scope_kind="indsats") | Q(initiative__isnull=False),
                name="coordination_initiative_scope_names_one",
            ),
            models.CheckConstraint(
                condition=~Q(status="lukket") | Q(closed_at__isnull=False),
                name="coordination_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(previous__isnull=True) | ~Q(previous=F("id")),
                name="coordination_previous_not_self",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Participation(models.Model):
    """A person invited to answer a wave, as which workgroup, and whether they have submitted.
    Never linked to what they answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workgroup = models.ForeignKey(Workgroup, on_delete=models.PROTECT, related_name="+")
    added = models.BooleanField(_("tilføjet af lederen"), default=False)
    submitted = models.BooleanField(_("har svaret"), default=False)

    class Meta:
        verbose_name = _("deltager")
        verbose_name_plural = _("deltagere")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["wave", "user"], name="coordination_one_participation")
        ]
        indexes: ClassVar = [models.Index(fields=["user", "submitted"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.wave_id}"


class Draft(models.Model):
    """A participant's saved, unsubmitted answers — readable only by them, deleted on submit."""

    participation = models.OneToOneField(
        Participation, primary_key=True, on_delete=models.CASCADE, related_name="draft"
    )
    others = models.JSONField(default=dict)  # workgroup slug → {item: code}
    within = models.JSONField(null=True, blank=True)  # own workgroup: {item: code} or None
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Kladde {self.participation_id}"


class Response(models.Model):
    """One submitted response: the wave and the respondent's workgroup. Deliberately no person,
    no participation and no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    workgroup = models.ForeignKey(Workgroup, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return "Besvarelse"  # nothing that could identify it


class TieAnswer(models.Model):
    """A respondent's answers about one workgroup (their own: ``within``), as given and scored
    (``logic.score_tie``). ``mean`` is empty when fewer than the instrument's ``min_items`` items
    were answered: the tie then counts in no figure."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="ties")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    from_workgroup = models.ForeignKey(Workgroup, on_delete=models.PROTECT, related_name="+")
    about_workgroup = models.ForeignKey(Workgroup, on_delete=models.PROTECT, related_name="+")
    within = models.BooleanField()
    answers = models.JSONField()
    items_answered = models.PositiveSmallIntegerField()
    mean = models.FloatField(null=True)
    dimensions = models.JSONField(default=dict)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["response", "about_workgroup"], name="coordination_one_tie_per_group"
            ),
            models.CheckConstraint(
                condition=Q(within=True, about_workgroup=F("from_workgroup"))
                | (Q(within=False) & ~Q(about_workgroup=F("from_workgroup"))),
                name="coordination_within_is_own_group",
            ),
            models.CheckConstraint(
                condition=Q(mean__isnull=True) | Q(mean__gte=1, mean__lte=5),
                name="coordination_mean_in_range",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["wave", "from_workgroup", "about_workgroup"])]

    def __str__(self) -> str:
        return f"{self.from_workgroup_id} → {self.about_workgroup_id}"


class WaveResult(models.Model):
    """The wave's figures, computed when it closed and stored *already suppressed*: no figure
    under the wave's threshold is ever stored here (``logic.suppressed_results``)."""

    wave = models.OneToOneField(Wave, primary_key=True, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(auto_now=True)
    data = models.JSONField()

    def __str__(self) -> str:
        return f"Resultater {self.wave_id}"
