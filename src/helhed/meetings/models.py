"""Network meetings, their agenda and minutes, decisions and tasks, and recommendations vs rulings.

A meeting belongs to one course. It is planned with proposed times and the participants'
availability answers (``logic.earliest_common_time`` picks the time), then held: the minutes
follow a fixed structure (today's problem in focus, what works, what worries, …), decisions
become tasks with an owner and a due date, and the minutes can only be closed with the date of
the next meeting. The minutes are free text and can say anything, so they carry the data category
their writer chose (``minutes_category``, "plan" by default): a reader whose consent does not
cover it is told that the minutes exist, not what they say; a decision or task about a measure
follows that measure's category, the others the minutes'. The citizen always sees the
plain-language version in their own view.

A recommendation (indstilling) is a professional's advice about a measure; the authority's
ruling (afgørelse) records grant/refusal/partial grant with its legal basis, and a ruling that
deviates from the recommendation must say why.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrOrPromise

from helhed.core.logic import DATA_CATEGORIES
from helhed.core.models import Unit
from helhed.courses.models import (
    BudgetArea,
    Citizen,
    Course,
    Goal,
    LegalBasis,
    Measure,
    Relative,
    TeamMember,
)


def plan_link(model: type[models.Model], verbose_name: StrOrPromise) -> models.ForeignKey:
    """A link to a goal or measure of the plan that survives a plan restore: restoring a version
    deletes and recreates the plan's goals and measures with the same ids, so no database
    constraint and no cascade — a link to an item that is gone reads as empty."""
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class MeetingKind(models.TextChoices):
    NETWORK = "netvaerk", _("Netværksmøde")
    COORDINATION = "koordinering", _("Koordineringsmøde")
    FOLLOW_UP = "opfoelgning", _("Opfølgningsmøde")


class MeetingStatus(models.TextChoices):
    PLANNING = "planlaegges", _("Tidspunkt findes")
    SCHEDULED = "planlagt", _("Planlagt")
    HELD = "afholdt", _("Afholdt")
    CANCELLED = "aflyst", _("Aflyst")


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(
        _("slags møde"), max_length=15, choices=MeetingKind.choices, default=MeetingKind.NETWORK
    )
    purpose = models.CharField(_("formål med mødet"), max_length=300)
    place = models.CharField(_("sted"), max_length=200, blank=True)
    virtual_link = models.URLField(_("link til virtuelt møde"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNING
    )
    starts_at = models.DateTimeField(_("tidspunkt"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("varighed (minutter)"), default=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The structured agenda and minutes (DOMAIN.md §4).
    problem_focus = models.TextField(_("dagens problem i fokus"), blank=True)
    what_works = models.TextField(_("hvad virker"), blank=True)
    what_worries = models.TextField(_("hvad bekymrer"), blank=True)
    exceptions = models.TextField(_("undtagelser (når det går godt)"), blank=True)
    legal_options = models.TextField(_("lovgivningens muligheder"), blank=True)
    motivation = models.TextField(_("borgerens motivation"), blank=True)
    organisational_options = models.TextField(
        _("organisatoriske muligheder, der passer til borgeren"), blank=True
    )
    plain_summary = models.TextField(
        _("referat i et enkelt sprog til borgeren"),
        blank=True,
        help_text=_("Skriv kort og enkelt, hvad I aftalte. Borgeren ser det under »Mine møder«."),
    )
    # Who may read the minutes (the agenda texts above, the summary, the reason for absence and
    # the decisions not about a measure): the category the writer chose (docs/security.md).
    minutes_category = models.CharField(
        _("hvem må læse referatet"),
        max_length=12,
        choices=DATA_CATEGORIES,
        default="plan",
    )
    citizen_present = models.BooleanField(_("borgeren deltog"), null=True, blank=True)
    citizen_absence_reason = models.TextField(_("hvorfor deltog borgeren ikke"), blank=True)
    coordinated_by = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hvem koordinerer"),
    )
    keeps_in_step = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hvem holder alle orienteret"),
    )
    next_meeting_date = models.DateField(_("dato for næste møde"), null=True, blank=True)
    next_meeting = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_closed_at = models.DateTimeField(_("referatet lukket"), null=True, blank=True)
    minutes_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A form or API client's key for this submission: a double click or a retried request with
    # the same key (by the same user) is answered with the existing row instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["starts_at", "created_at"]
        verbose_name = _("møde")
        verbose_name_plural = _("møder")
        indexes: ClassVar = [models.Index(fields=["course", "status", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(minutes_closed_at__isnull=True) | Q(next_meeting_date__isnull=False),
                name="meeting_closed_needs_next_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="afholdt") | Q(starts_at__isnull=False),
                name="meeting_held_has_time",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="meeting_submitted_once",
            ),
            models.CheckConstraint(
                condition=Q(minutes_category__in=[key for key, _label in DATA_CATEGORIES]),
                name="meeting_minutes_category_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.purpose}"

    @property
    def minutes_closed(self) -> bool:
        return self.minutes_closed_at is not None

    @property
    def safe_virtual_link(self) -> str:
        """The virtual link if it is a web address, else "" (a row stored before links were
        checked is never rendered as a ``javascript:`` link)."""
        from helhed.meetings.logic import valid_link

        return self.virtual_link if self.virtual_link and valid_link(self.virtual_link) else ""


class ParticipantKind(models.TextChoices):
    TEAM = "team", _("Kontaktperson fra teamet")
    CITIZEN = "borger", _("Borgeren")
    RELATIVE = "paaroerende", _("Pårørende")
    FAMILY = "familie", _("Familiemedlem")
    OTHER = "andet", _("Anden deltager")


class Participant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("deltager"), max_length=12, choices=ParticipantKind.choices)
    team_member = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    relative = models.ForeignKey(
        Relative, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A member of the course's household (a child, a partner): required ("skal deltage") or
    # optional ("kan deltage") as ``required`` says.
    household_member = models.ForeignKey(
        Citizen,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("familiemedlem"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("navn"), max_length=200)
    role = models.CharField(_("rolle"), max_length=120, blank=True)
    required = models.BooleanField(_("skal deltage"), default=True)
    present = models.BooleanField(_("deltog"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["kind", "name"]
        verbose_name = _("mødedeltager")
        verbose_name_plural = _("mødedeltagere")
        indexes: ClassVar = [models.Index(fields=["user", "meeting"])]

    def __str__(self) -> str:
        return self.name


class ProposedTime(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proposed_times")
    starts_at = models.DateTimeField(_("foreslået tidspunkt"))

    class Meta:
        ordering: ClassVar = ["starts_at"]
        verbose_name = _("foreslået tidspunkt")
        verbose_name_plural = _("foreslåede tidspunkter")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["meeting", "starts_at"], name="proposed_time_once")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%d.%m.%Y %H:%M}"


class Answer(models.TextChoices):
    YES = "ja", _("Ja")
    MAYBE = "maaske", _("Måske")
    NO = "nej", _("Nej")


class Availability(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposed_time = models.ForeignKey(
        ProposedTime, on_delete=models.CASCADE, related_name="answers"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    answer = models.CharField(_("kan deltage"), max_length=6, choices=Answer.choices)
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("svar om tidspunkt")
        verbose_name_plural = _("svar om tidspunkter")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["proposed_time", "participant"], name="availability_once"
            )
        ]

    def __str__(self) -> str:
        return self.answer


class Decision(models.Model):
    """An agreement made at a meeting; it becomes tasks. A decision about who pays names the
    budget area (the same choices as ``courses.Measure.budget_area``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("beslutning"))
    payer = models.CharField(
        _("hvem betaler"),
        max_length=20,
        choices=BudgetArea.choices,
        blank=True,
        help_text=_("Udfyld, når beslutningen handler om, hvem der betaler."),
    )
    measure = plan_link(Measure, _("indsats"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A form or API client's key for this submission: a double click or a retried request with
    # the same key (by the same user) is answered with the existing row instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["created_at"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="decision_submitted_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="meeting_tasks")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("opgave"), max_length=300)
    owner = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("ansvarlig")
    )
    # The owner's login (a team member's user), so "Mine opgaver" is one indexed query.
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("frist"))
    goal = plan_link(Goal, _("mål"))
    measure = plan_link(Measure, _("indsats"))
    done_at = models.DateTimeField(_("udført"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["due_date", "title"]
        verbose_name = _("opgave")
        verbose_name_plural = _("opgaver")
        indexes: ClassVar = [
            models.Index(fields=["owner_user", "done_at", "due_date"]),
            models.Index(fields=["course", "done_at"]),
            models.Index(fields=["done_at", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title


class RulingOutcome(models.TextChoices):
    GRANTED = "bevilling", _("Bevilling")
    REFUSED = "afslag", _("Afslag")
    PARTIAL = "delvis", _("Delvis bevilling")


class Recommendation(models.Model):
    """A professional's recommendation (indstilling) about a measure, to the authority that
    decides it (``authority_unit``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="recommendations")
    measure = plan_link(Measure, _("indsats"))
    # What the recommendation is about, kept with it: restoring an older plan version recreates
    # the measures (same ids), and a measure may leave the plan while the ruling stays on record.
    measure_title = models.CharField(_("indsats"), max_length=200)
    data_category = models.CharField(_("kategori af oplysninger"), max_length=12, default="plan")
    recommends = models.CharField(
        _("indstilling"),
        max_length=10,
        choices=RulingOutcome.choices,
        default=RulingOutcome.GRANTED,
    )
    reasoning = models.TextField(_("faglig begrundelse"))
    authority_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("afgøres af")
    )
    recommended_on = models.DateField(_("indstillet"))
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A form or API client's key for this submission: a double click or a retried request with
    # the same key (by the same user) is answered with the existing row instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar = ["recommended_on", "created_at"]
        verbose_name = _("indstilling")
        verbose_name_plural = _("indstillinger")
        indexes: ClassVar = [models.Index(fields=["authority_unit", "recommended_on"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recommended_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="recommendation_submitted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_recommends_display()}: {self.measure_id}"


class Ruling(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, related_name="ruling"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="rulings")
    outcome = models.CharField(_("afgørelse"), max_length=10, choices=RulingOutcome.choices)
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, related_name="+", verbose_name=_("hjemmel")
    )
    justification = models.TextField(_("begrundelse"), blank=True)
    deviates = models.BooleanField(_("afviger fra indstillingen"), default=False)
    decided_on = models.DateField(_("afgjort"))
    # Days from the recommendation to the ruling, stored so timeliness is one aggregate query.
    waiting_days = models.PositiveIntegerField(_("ventetid (dage)"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("afgørelse")
        verbose_name_plural = _("afgørelser")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(deviates=False) | ~Q(justification=""),
                name="ruling_deviation_justified",
            )
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()
