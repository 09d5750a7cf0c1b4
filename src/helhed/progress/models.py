"""Measurements and hard-outcome states of a course.

Instruments are defined in code (``logic.INSTRUMENTS``); a measurement stores the instrument's key
and version, the answers as given, and the score computed when the completeness rule was met. The
GAS T-score across a course's goals is stored as its own row (instrument ``gas-t``, the levels and
weights it was computed from in ``answers``), so the course page and the dashboard read a score
instead of recomputing it from every goal's history.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helhed.courses.models import Course, Goal


class EnteredBy(models.TextChoices):
    CITIZEN = "borger", _("Borgeren selv")
    WITH_CITIZEN = "med-borger", _("Fagperson sammen med borgeren")
    PROFESSIONAL = "fagperson", _("Fagperson")


class Measurement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="measurements")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    instrument = models.CharField(_("måleredskab"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    measured_on = models.DateField(_("dato"))
    answers = models.JSONField(_("svar"), default=dict)
    comments = models.JSONField(_("kommentarer"), default=dict, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_as = models.CharField(
        _("udfyldt af"), max_length=12, choices=EnteredBy.choices, default=EnteredBy.CITIZEN
    )
    # A key per form (or API client) that makes a double submission harmless; unique per user
    # (``entered_by``), so another user's key neither collides nor names their measurement.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["measured_on", "created_at"]
        verbose_name = _("måling")
        verbose_name_plural = _("målinger")
        indexes: ClassVar = [
            # Covers "first/last score of an instrument per course" (dashboard, course page).
            models.Index(
                fields=["course", "instrument", "measured_on", "score"],
                name="progress_course_instr",
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["course", "instrument", "measured_on"],
                condition=Q(goal__isnull=True),
                name="progress_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["course", "instrument", "goal", "measured_on"],
                condition=Q(goal__isnull=False),
                name="progress_one_per_goal_day",
            ),
            models.UniqueConstraint(
                fields=["entered_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="progress_idempotency_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.measured_on}"


class OutcomeState(models.Model):
    """A hard outcome as a dated state: from ``valid_from`` until the next state of the kind."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="outcome_states")
    kind = models.CharField(_("type"), max_length=20)
    value = models.CharField(_("status"), max_length=30, blank=True)
    percent = models.FloatField(_("procent"), null=True, blank=True)
    valid_from = models.DateField(_("fra"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_as = models.CharField(
        _("udfyldt af"), max_length=12, choices=EnteredBy.choices, default=EnteredBy.PROFESSIONAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["valid_from", "created_at"]
        verbose_name = _("resultat")
        verbose_name_plural = _("resultater")
        indexes: ClassVar = [
            models.Index(fields=["course", "kind", "valid_from"], name="progress_outcome_kind")
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["course", "kind", "valid_from"], name="progress_outcome_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value or self.percent} {self.valid_from}"


class CourseSummary(models.Model):
    """Per course, the figures the dashboard and the course page read: first and latest WHO-5,
    the latest GAS T-score, the first and latest employment state, placement. Derived data,
    rewritten by ``services.refresh_summary`` in the same transaction as every write of a
    measurement or an outcome state (and built by the demo and benchmark loaders), so that an
    initiative's dashboard is one pass over its courses instead of subqueries into a million
    measurements."""

    course = models.OneToOneField(
        Course, primary_key=True, on_delete=models.CASCADE, related_name="progress_summary"
    )
    who5_n = models.PositiveIntegerField(default=0)
    who5_first = models.FloatField(null=True)
    who5_first_on = models.DateField(null=True)
    who5_last = models.FloatField(null=True)
    who5_last_on = models.DateField(null=True)
    gas_t_last = models.FloatField(null=True)
    gas_t_on = models.DateField(null=True)
    employment_first = models.CharField(max_length=30, blank=True)
    employment_last = models.CharField(max_length=30, blank=True)
    placement_tracked = models.BooleanField(default=False)
    placement_ever = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("progressionsoversigt")
        verbose_name_plural = _("progressionsoversigter")

    def __str__(self) -> str:
        return f"{self.course_id}"


class MeasurementSchedule(models.Model):
    """Planned measurement points of a course: ``instrument`` on ``first_on`` and, with
    ``every_weeks``, every N weeks after it until ``until`` (or the course's end). A point is
    taken by a measurement of the instrument within ``logic.POINT_WINDOW_DAYS`` of its date; it
    is due while that window is open and overdue after it (``logic.point_states``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(_("måleredskab"), max_length=20)
    first_on = models.DateField(_("første måling"))
    every_weeks = models.PositiveSmallIntegerField(_("hver N. uge"), null=True, blank=True)
    until = models.DateField(_("til og med"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["first_on", "instrument"]
        verbose_name = _("måleplan")
        verbose_name_plural = _("måleplaner")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["course", "instrument"], name="progress_schedule_once"),
            models.CheckConstraint(
                condition=Q(every_weeks__isnull=True) | Q(every_weeks__gte=1, every_weeks__lte=52),
                name="progress_schedule_interval",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("first_on")),
                name="progress_schedule_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} fra {self.first_on}"
