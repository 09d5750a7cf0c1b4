"""Economics data: the unit-price catalogue and its index, actual costs of courses, SØM-style
business cases and social-investment contracts with their indicators, phases and per-course
results.

Money is stored as **integer øre** (``*_ore``, ``BigIntegerField``): SQLite has no decimal type
(a NUMERIC column keeps 1234.56 as a binary float, and ``SUM`` over 200,000 of them drifts), while
integer sums are exact on both backends. Calculations use ``Decimal`` kroner (``logic.py``).
Quantities are ``Decimal`` with two places (1,5 timer).

Per-course costs (:class:`CostEntry`), enrolments and indicator results are personal data: they
are read only through ``selectors.py``, which checks access and consent and writes the access
log. Prices, business cases and contracts are not personal data; they keep a history of every
change as :class:`Revision` snapshots.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from helhed.core.models import Organisation
from helhed.courses.models import Course, Measure
from helhed.registry.models import Initiative


class PayerLevel(models.TextChoices):
    MUNICIPALITY = "kommune", _("Kommune")
    REGION = "region", _("Region")
    STATE = "stat", _("Stat")
    FUND = "fond", _("Fond")


class BudgetArea(models.TextChoices):
    """A budget area (søjle). SØM splits consequences by expense line; a municipality can map
    these onto its own committees."""

    CHILDREN = "boern-familie", _("Børn og familie")
    EMPLOYMENT = "beskaeftigelse", _("Beskæftigelse og forsørgelse")
    ADULTS = "voksne", _("Voksne, handicap og socialpsykiatri")
    HEALTH = "sundhed", _("Sundhed (kommunal)")
    HOSPITAL = "sygehus", _("Sygehus og psykiatri")
    JUSTICE = "kriminalitet", _("Kriminalforsorg, politi og retsvæsen")
    EDUCATION = "uddannelse", _("Uddannelse og skole")
    HOUSING = "bolig", _("Bolig og hjemløshed")
    TAXES = "skat", _("Skatter og afgifter")
    OTHER = "andet", _("Andet")


class UnitKind(models.TextChoices):
    EXPENSE = "udgift", _("Udgift (færre enheder er en gevinst)")
    REVENUE = "indtaegt", _("Indtægt (flere enheder er en gevinst)")


YEAR_RANGE = Q(year__gte=1900) & Q(year__lte=2200)


class PriceIndex(models.Model):
    """A price and wage index by year (e.g. KL's P/L); shipped rows are examples."""

    year = models.PositiveSmallIntegerField(_("år"), unique=True)
    value = models.DecimalField(_("indeks"), max_digits=10, decimal_places=4)
    source = models.CharField(_("kilde"), max_length=300)

    class Meta:
        ordering: ClassVar = ["year"]
        verbose_name = _("prisindeks")
        verbose_name_plural = _("prisindeks")
        constraints: ClassVar = [
            models.CheckConstraint(condition=YEAR_RANGE, name="economics_index_year"),
            models.CheckConstraint(condition=Q(value__gt=0), name="economics_index_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


class UnitPrice(models.Model):
    """A named unit ("anbringelse, døgn") with its price in a given year, the payer level and
    budget area it falls on, and its source. ``organisation`` empty: a shipped example that every
    organisation sees and replaces with its own (or SØM's knowledge base)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("enhed"), max_length=120)
    unit = models.CharField(_("måles i"), max_length=40, help_text=_("Fx døgn, uge, nat, time."))
    kind = models.CharField(
        _("art"), max_length=10, choices=UnitKind.choices, default=UnitKind.EXPENSE
    )
    amount_ore = models.BigIntegerField(_("pris (øre)"))
    year = models.PositiveSmallIntegerField(_("prisår"))
    payer = models.CharField(_("betaler"), max_length=10, choices=PayerLevel.choices)
    budget_area = models.CharField(_("budgetområde"), max_length=20, choices=BudgetArea.choices)
    source = models.CharField(_("kilde"), max_length=400)
    is_example = models.BooleanField(_("eksempelpris"), default=False)
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("i brug"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["budget_area", "name"]
        verbose_name = _("enhedspris")
        verbose_name_plural = _("enhedspriser")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="economics_price_amount"),
            models.CheckConstraint(condition=YEAR_RANGE, name="economics_price_year"),
            models.CheckConstraint(condition=~Q(source=""), name="economics_price_source"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class CostEntry(models.Model):
    """An actual cost of a course in one month: quantity × the unit's price (indexed to the
    entry's year, kept as it was when recorded), on a payer and budget area. ``category`` is the
    data category of the measure it belongs to, kept so that the consent rule still applies if
    the measure is later removed.

    ``initiative_id`` and ``organisation_id`` (the course's coordinating organisation) are copies
    of the course's, so that an initiative's sums are one index range in group order instead of
    a lookup per row (see docs/economics.md, Performance); a change of the course's coordinator
    or initiative updates them (``extensions.course_saved``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    initiative_id = models.UUIDField()
    organisation_id = models.UUIDField()
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(_("datakategori"), max_length=10, default="plan")
    unit_price = models.ForeignKey(
        UnitPrice, on_delete=models.PROTECT, related_name="+", verbose_name=_("enhed")
    )
    year = models.PositiveSmallIntegerField(_("år"))
    month = models.PositiveSmallIntegerField(_("måned"))
    quantity = models.DecimalField(_("antal"), max_digits=12, decimal_places=2)
    unit_amount_ore = models.BigIntegerField(_("pris pr. enhed (øre)"))
    amount_ore = models.BigIntegerField(_("beløb (øre)"))
    payer = models.CharField(_("betaler"), max_length=10, choices=PayerLevel.choices)
    budget_area = models.CharField(_("budgetområde"), max_length=20, choices=BudgetArea.choices)
    # The meeting decision on who pays that the row follows (meetings' Decision id), if any.
    decision_id = models.UUIDField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The form's (or API client's) key for one submission, on its first row: a double click or a
    # retried request is answered with the rows already recorded instead of a second set.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # The rows recorded together (one submission of "N per month for M months").
    batch = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["year", "month", "created_at"]
        verbose_name = _("udgift")
        verbose_name_plural = _("udgifter")
        indexes: ClassVar = [
            # A course's rows and "has costs in year Y" (a covering index).
            models.Index(
                fields=["course", "year", "month", "budget_area", "payer", "amount_ore"],
                name="economics_cost_course",
            ),
            # An initiative's sums for the leader's organisations, read in group order.
            models.Index(
                fields=[
                    "initiative_id",
                    "organisation_id",
                    "year",
                    "month",
                    "budget_area",
                    "payer",
                    "course",
                    "amount_ore",
                ],
                name="economics_cost_initiative",
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="economics_cost_quantity"),
            models.CheckConstraint(condition=Q(amount_ore__gte=0), name="economics_cost_amount"),
            models.CheckConstraint(
                condition=Q(unit_amount_ore__gte=0), name="economics_cost_unit_amount"
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="economics_cost_year"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="economics_cost_month"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="economics_cost_submitted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.quantity}"


class ObservedOutcome(models.TextChoices):
    NONE = "", _("Ingen (kun antagelser)")
    JOB = "beskaeftigelse", _("Fra passiv forsørgelse til job eller uddannelse")
    PLACEMENT = "anbringelse", _("Anbringelse undgået")
    WHO5 = "who5", _("Betydende forbedring i trivsel (WHO-5, mindst 10 point)")


class BusinessCase(models.Model):
    """A SØM-style business case for an initiative: target group, cohort, horizon (≤ 10 years),
    success rates per scenario against a baseline, an optional discount rate (0 % is the budget
    view), intervention costs per year (:class:`CaseCost`) and consequences
    (:class:`Consequence`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="+", verbose_name=_("indsats")
    )
    name = models.CharField(_("navn"), max_length=200)
    target_group = models.TextField(_("målgruppe"))
    cohort_size = models.PositiveIntegerField(_("antal deltagere (kohorte)"))
    horizon_years = models.PositiveSmallIntegerField(_("tidshorisont (år)"))
    price_year = models.PositiveSmallIntegerField(_("prisår"))
    discount_rate = models.DecimalField(
        _("diskonteringsrente (%)"), max_digits=5, decimal_places=2, default=0
    )
    baseline_rate = models.DecimalField(
        _("succes uden indsatsen (%)"), max_digits=5, decimal_places=2, default=0
    )
    rate_cautious = models.DecimalField(
        _("forsigtig succesrate (%)"), max_digits=5, decimal_places=2
    )
    rate_expected = models.DecimalField(
        _("forventet succesrate (%)"), max_digits=5, decimal_places=2
    )
    rate_optimistic = models.DecimalField(
        _("optimistisk succesrate (%)"), max_digits=5, decimal_places=2
    )
    success_label = models.CharField(
        _("hvad er en succes"),
        max_length=200,
        help_text=_("Fx »en anbringelse undgås« eller »i ordinært job efter et år«."),
    )
    observed_outcome = models.CharField(
        _("sammenlign med observeret resultat"),
        max_length=20,
        choices=ObservedOutcome.choices,
        blank=True,
    )
    breakeven_within = models.PositiveSmallIntegerField(_("tjent hjem inden for (år)"), default=4)
    notes = models.TextField(_("forudsætninger og kilder"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("business case")
        verbose_name_plural = _("business cases")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1) & Q(horizon_years__lte=10),
                name="economics_case_horizon",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0) & Q(discount_rate__lte=20),
                name="economics_case_discount",
            ),
            models.CheckConstraint(condition=Q(cohort_size__gte=1), name="economics_case_cohort"),
            models.CheckConstraint(
                condition=Q(baseline_rate__gte=0)
                & Q(baseline_rate__lte=100)
                & Q(rate_cautious__gte=0)
                & Q(rate_optimistic__lte=100)
                & Q(rate_cautious__lte=F("rate_expected"))
                & Q(rate_expected__lte=F("rate_optimistic")),
                name="economics_case_rates",
            ),
            models.CheckConstraint(
                condition=Q(breakeven_within__gte=1) & Q(breakeven_within__lte=10),
                name="economics_case_within",
            ),
            models.CheckConstraint(
                condition=Q(price_year__gte=1900) & Q(price_year__lte=2200),
                name="economics_case_price_year",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseCost(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="costs")
    year = models.PositiveSmallIntegerField(_("år"))
    label = models.CharField(_("omkostning"), max_length=200)
    budget_area = models.CharField(_("budgetområde"), max_length=20, choices=BudgetArea.choices)
    payer = models.CharField(_("betaler"), max_length=10, choices=PayerLevel.choices)
    amount_ore = models.BigIntegerField(_("beløb (øre)"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order", "year"]
        verbose_name = _("indsatsomkostning")
        verbose_name_plural = _("indsatsomkostninger")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(year__gte=1) & Q(year__lte=10), name="economics_casecost_year"
            ),
            models.CheckConstraint(
                condition=Q(amount_ore__gte=0), name="economics_casecost_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} år {self.year}"


class Consequence(models.Model):
    """One consequence row: per extra success, the change in units of ``unit_price`` in each year
    (``changes``: a list of decimal strings, index 0 = year 1), on a budget area and payer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="consequences")
    unit_price = models.ForeignKey(
        UnitPrice, on_delete=models.PROTECT, related_name="+", verbose_name=_("enhed")
    )
    label = models.CharField(_("konsekvens"), max_length=200)
    budget_area = models.CharField(_("budgetområde"), max_length=20, choices=BudgetArea.choices)
    payer = models.CharField(_("betaler"), max_length=10, choices=PayerLevel.choices)
    changes = models.JSONField(_("ændring i enheder pr. succes pr. år"), default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order"]
        verbose_name = _("konsekvens")
        verbose_name_plural = _("konsekvenser")

    def __str__(self) -> str:
        return self.label


class Contract(models.Model):
    """A social-investment contract (betinget tilskud) for an initiative: the municipality that
    runs it (``owner``), the investor, the period, the budget and the cut-off date after which the
    per-course results are locked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="+", verbose_name=_("indsats")
    )
    name = models.CharField(_("navn"), max_length=200)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("kommune (ansvarlig)"),
    )
    investor_name = models.CharField(_("investor eller fond"), max_length=200)
    investor = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("investor i Helhed"),
    )
    period_start = models.DateField(_("periode fra"))
    period_end = models.DateField(_("periode til"))
    cutoff = models.DateField(_("skæringsdato"))
    budget_ore = models.BigIntegerField(_("budget (øre)"))
    notes = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["period_start", "name"]
        verbose_name = _("kontrakt")
        verbose_name_plural = _("kontrakter")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="economics_contract_period"
            ),
            models.CheckConstraint(
                condition=Q(cutoff__gte=F("period_start")), name="economics_contract_cutoff"
            ),
            models.CheckConstraint(
                condition=Q(budget_ore__gte=0), name="economics_contract_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorSource(models.TextChoices):
    WHO5 = "who5-stigning", _("Trivsel: stigning i WHO-5 inden for et vindue")
    EMPLOYMENT = "beskaeftigelse", _("Beskæftigelse eller uddannelse efter N måneder")
    FIT = "raskmelding", _("Raskmeldt efter N måneder")
    GOALS = "planmaal", _("Planens mål nået (målopfyldelse) efter N måneder")
    SCHOOL = "skolefravaer", _("Skolefravær under en grænse efter N måneder")
    MEASURES = "foranstaltninger", _("Færre sociale foranstaltninger efter N måneder")


class Priority(models.TextChoices):
    PRIMARY = "primaer", _("Primært betalingsmål")
    SECONDARY = "sekundaer", _("Sekundært betalingsmål")


class Indicator(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("navn"), max_length=200)
    priority = models.CharField(_("prioritet"), max_length=10, choices=Priority.choices)
    source = models.CharField(_("datakilde"), max_length=20, choices=IndicatorSource.choices)
    min_points = models.PositiveSmallIntegerField(_("mindste stigning (point)"), null=True)
    window_weeks = models.PositiveSmallIntegerField(_("vindue (uger)"), null=True)
    months_after = models.PositiveSmallIntegerField(_("måneder efter start"), null=True)
    accepted = models.JSONField(_("tæller som succes"), default=list, blank=True)
    limit_percent = models.DecimalField(
        _("højst fravær (%)"), max_digits=5, decimal_places=2, null=True
    )
    goal_share = models.DecimalField(
        _("mindst andel mål nået (%)"), max_digits=5, decimal_places=2, null=True
    )
    price_ore = models.BigIntegerField(_("kr. pr. succes (øre)"))
    cap_ore = models.BigIntegerField(_("loft (øre)"), null=True, blank=True)
    floor_ore = models.BigIntegerField(_("gulv (øre)"), null=True, blank=True)
    expected_rate = models.DecimalField(_("forventet andel (%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["order", "name"]
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(source=""), name="economics_indicator_source"),
            models.CheckConstraint(condition=Q(price_ore__gte=0), name="economics_indicator_price"),
            models.CheckConstraint(
                condition=Q(expected_rate__gte=0) & Q(expected_rate__lte=100),
                name="economics_indicator_expected",
            ),
            models.CheckConstraint(
                condition=Q(cap_ore__isnull=True)
                | Q(floor_ore__isnull=True)
                | Q(cap_ore__gte=F("floor_ore")),
                name="economics_indicator_cap_floor",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("fase"), max_length=100)
    start_week = models.PositiveSmallIntegerField(_("fra uge"))
    end_week = models.PositiveSmallIntegerField(_("til uge"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["start_week"]
        verbose_name = _("fase")
        verbose_name_plural = _("faser")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(end_week__gt=F("start_week")), name="economics_phase_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointInstrument(models.TextChoices):
    WHO5 = "who5", _("Trivsel (WHO-5)")
    EMPLOYMENT = "beskaeftigelse", _("Beskæftigelse og forsørgelse")
    GOALS = "maalopfyldelse", _("Målopfyldelse")
    SCHOOL = "skolefremmoede", _("Skolefremmøde")


class MeasurementPoint(models.Model):
    """A planned measurement in week ``week`` of a course in the contract (week 0 = start)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="points")
    week = models.PositiveSmallIntegerField(_("uge"))
    instrument = models.CharField(_("måling"), max_length=20, choices=PointInstrument.choices)

    class Meta:
        ordering: ClassVar = ["week", "instrument"]
        verbose_name = _("planlagt måling")
        verbose_name_plural = _("planlagte målinger")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["contract", "week", "instrument"], name="economics_point_once"
            ),
            models.CheckConstraint(condition=Q(week__lte=520), name="economics_point_week"),
        ]

    def __str__(self) -> str:
        return f"uge {self.week}: {self.instrument}"


class Enrolment(models.Model):
    """A course taking part in a contract from ``start_date`` (week 0 of its phases)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField(_("start i indsatsen"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["start_date"]
        verbose_name = _("deltagelse i kontrakt")
        verbose_name_plural = _("deltagelser i kontrakter")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["contract", "course"], name="economics_enrol_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.course_id}"


class ResultStatus(models.TextChoices):
    MET = "opfyldt", _("Opfyldt")
    NOT_MET = "ikke-opfyldt", _("Ikke opfyldt")
    PENDING = "afventer", _("Afventer")
    NOT_MEASURABLE = "kan-ikke-maales", _("Kan ikke måles")


class IndicatorResult(models.Model):
    """One course's result on one indicator, computed by the daily job. An override needs a
    reason (and is kept beside the computed status); after the contract's cut-off date neither
    changes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(_("status"), max_length=20, choices=ResultStatus.choices)
    due_on = models.DateField(_("afgøres"))
    evidence = models.JSONField(_("grundlag"), default=dict, blank=True)
    evidence_on = models.DateField(_("grundlagets dato"), null=True, blank=True)
    evaluated_on = models.DateField(_("beregnet"))
    override_status = models.CharField(
        _("tilsidesat status"), max_length=20, choices=ResultStatus.choices, blank=True
    )
    override_reason = models.TextField(_("begrundelse"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["due_on"]
        verbose_name = _("indikatorresultat")
        verbose_name_plural = _("indikatorresultater")
        indexes: ClassVar = [
            models.Index(fields=["indicator", "due_on"], name="economics_result_due"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["enrolment", "indicator"], name="economics_result_once"
            ),
            models.CheckConstraint(
                condition=Q(override_status="") | ~Q(override_reason=""),
                name="economics_override_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.effective_status

    @property
    def effective_status(self) -> str:
        return self.override_status or self.status


class Revision(models.Model):
    """History: a snapshot of a price, business case or contract after each change."""

    KINDS = (("price", "price"), ("case", "case"), ("contract", "contract"))

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=KINDS)
    object_id = models.UUIDField()
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changes = models.JSONField(default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-version"]
        verbose_name = _("ændring")
        verbose_name_plural = _("ændringer")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "version"], name="economics_revision_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} v{self.version}"
