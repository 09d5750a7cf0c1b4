"""The retention job and erasure (GDPR art. 5(1)(e) and 17).

``run(today=…, dry_run=…)`` applies every active rule (``RetentionRule``) as of ``today``: each
closed course in its own transaction (all or nothing per course), then notifications and
erasure requests. A dry run does the same inside one transaction that is rolled back, so its
report counts exactly what a real run would change, and changes nothing. A course whose
processing is restricted (art. 18) is left as it is and counted.

``erase(citizen_id=…)`` anonymises a citizen and their courses at once, when no open course and no
rule keeps the data; otherwise it refuses and says which obligation keeps it. Both are recorded
(``ErasureRequest``).

The access log is the audit app's: its retention is ``helhed.audit.services.prune`` and
``anonymise_citizen_entries``, to be called where this module anonymises a citizen
(``_anonymise_citizen``) and at the end of ``run`` (docs/security.md).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from helhed.audit import services as audit
from helhed.courses.models import Citizen, Course, CourseStatus, Household, PlanVersion
from helhed.courses.restriction import course_paths, unchecked
from helhed.meetings.models import Meeting
from helhed.notifications.models import Notification
from helhed.progress.models import Measurement, OutcomeState
from helhed.retention import logic
from helhed.retention.models import ErasureOutcome, ErasureRequest, RetentionRule

logger = logging.getLogger(__name__)

ANONYMISED_NAME = "Anonymiseret"
# What an anonymised course keeps (its figures, without a person): every other model that
# belongs to the course directly is deleted with it, so a new app's data goes too.
KEPT_WITH_COURSE = frozenset(
    {
        "courses.Plan",  # emptied: texts and items deleted
        "progress.Measurement",  # comments and the person who entered it removed
        "progress.OutcomeState",  # note removed
        "progress.CourseSummary",
        "economics.CostEntry",  # note removed
        "economics.Enrolment",
        # the proof that a data subject's request was answered; it follows the course's
        # (anonymous) citizen, so it does not link the anonymised course to a person
        "gdpr.DataSubjectRequest",
    }
)
MINUTES_FIELDS = (
    "problem_focus",
    "what_works",
    "what_worries",
    "exceptions",
    "legal_options",
    "motivation",
    "organisational_options",
    "plain_summary",
    "citizen_absence_reason",
)


@dataclass
class Report:
    today: date
    dry_run: bool
    # category key -> model verbose name -> rows
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    restricted_skipped: int = 0
    failed: int = 0

    def add(self, category: str, what: str, n: int) -> None:
        if n:
            self.counts.setdefault(category, Counter())[what] += n

    def total(self, category: str) -> int:
        return sum(self.counts.get(category, Counter()).values())

    def lines(self) -> list[str]:
        verb = "ville blive" if self.dry_run else "blev"
        head = "Prøvekørsel – intet er ændret" if self.dry_run else "Opbevaringsjob"
        out = [f"{head} pr. {self.today.isoformat()}"]
        for category in logic.CATEGORIES:
            done = logic.DONE_LABELS[category.action]
            counts = self.counts.get(category.key)
            if not counts:
                out.append(f"{category.label}: intet")
                continue
            out.append(f"{category.label}: {self.total(category.key)} rækker {verb} {done}")
            out.extend(f"  {what}: {n}" for what, n in sorted(counts.items()))
        if self.restricted_skipped:
            out.append(
                f"Forløb med begrænset behandling (art. 18), ikke rørt: {self.restricted_skipped}"
            )
        if self.failed:
            out.append(f"Forløb, der fejlede og er efterladt uændret (se loggen): {self.failed}")
        return out


# A sweep deletes its category's rows from before the cutoff and returns what
# ``QuerySet.delete()`` returns; registered by the app that owns the rows (``register_sweep``).
Sweep = Callable[[datetime], tuple[int, dict[str, int]]]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(category: str, sweep: Sweep) -> None:
    """Let the app that owns a category's rows delete them when its rule says so: retention
    sits below that app in the layers and cannot import its models."""
    if category not in logic.BY_KEY:
        raise ValueError(f"unknown retention category {category!r}")
    _SWEEPS[category] = sweep


def rules() -> dict[str, RetentionRule]:
    return {r.category: r for r in RetentionRule.objects.filter(active=True)}


def _ended(course: Course) -> date:
    return course.end_date or timezone.localdate(course.updated_at)


# Models whose verbose name is not Danish (no ``verbose_name`` in their Meta).
DANISH_NAMES = {
    "courses.PlanVersion": "planversioner",
    "django_tasks_database.DBTaskResult": "baggrundsjob",
}


def _label(model: type[Model], done: str = "slettet") -> str:
    name = DANISH_NAMES.get(model._meta.label, str(model._meta.verbose_name_plural))
    return f"{name} ({done})"


def _deleted(report: Report, category: str, result: tuple[int, dict[str, int]]) -> None:
    """Count deleted rows per model; the link rows of many-to-many fields are not reported."""
    for label, n in result[1].items():
        model = apps.get_model(label)
        if not model._meta.auto_created:
            report.add(category, _label(model), n)


# --------------------------------------------------------------------------------------------
# The job
# --------------------------------------------------------------------------------------------


def run(*, today: date, dry_run: bool = False) -> Report:
    """Apply every active rule as of ``today``. See the module's docstring."""
    report = Report(today, dry_run)
    active = rules()
    if not dry_run:
        _run(report, active, today)
        return report
    with transaction.atomic():
        _run(report, active, today)
        # everything done above is undone: the report counts exactly what a run does
        transaction.set_rollback(True)
    return report


def _run(report: Report, active: dict[str, RetentionRule], today: date) -> None:
    closed = Course.objects.filter(
        status=CourseStatus.CLOSED, citizen__anonymised_on__isnull=True
    ).order_by("end_date", "pk")
    for course_id, restricted in closed.values_list("pk", "restricted_since"):
        if restricted is not None:
            report.restricted_skipped += 1
            continue
        try:
            with transaction.atomic():  # all or nothing for this course
                _course(report, active, course_id, today)
        except Exception:  # one course's failure must not stop the others (nor the daily job)
            logger.exception("retention: course %s left as it was", course_id)
            report.failed += 1
    rule = active.get(logic.NOTIFICATIONS)
    if rule is not None:
        cutoff = _start_of(logic.add_years(today, -rule.years))
        _deleted(
            report,
            logic.NOTIFICATIONS,
            Notification.objects.filter(created_at__lt=cutoff).delete(),
        )
    rule = active.get(logic.REQUESTS)
    if rule is not None:
        old = ErasureRequest.objects.filter(decided_on__lt=logic.add_years(today, -rule.years))
        _deleted(report, logic.REQUESTS, old.delete())
    rule = active.get(logic.ACCESS_LOG)
    if rule is not None:  # the log's one sanctioned delete, which keeps the chain verifiable
        pruned = audit.prune(before=_start_of(logic.add_years(today, -rule.years)))
        report.add(logic.ACCESS_LOG, "adgangslogposter (slettet)", pruned.removed)
    for category, sweep in sorted(_SWEEPS.items()):
        rule = active.get(category)
        if rule is not None:
            _deleted(report, category, sweep(_start_of(logic.add_years(today, -rule.years))))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _course(report: Report, active: dict[str, RetentionRule], course_id: Any, today: date) -> None:
    """One closed course, in the caller's transaction, its row locked."""
    course = Course.objects.select_for_update().select_related("citizen").get(pk=course_id)
    if course.is_restricted:
        report.restricted_skipped += 1
        return
    ended = _ended(course)

    def passed(key: str) -> bool:
        rule = active.get(key)
        return rule is not None and logic.has_passed(ended, rule.years, today)

    if passed(logic.CLOSED_COURSE):
        anonymise_course(report, course, today)
        return
    if passed(logic.PLAN_VERSIONS):
        versions = PlanVersion.objects.filter(plan__course=course)
        latest = versions.order_by("-number").values_list("pk", flat=True).first()
        if latest is not None:
            _deleted(report, logic.PLAN_VERSIONS, versions.exclude(pk=latest).delete())
    if passed(logic.MEETING_MINUTES):
        written = Q()
        for name in MINUTES_FIELDS:
            written |= ~Q(**{name: ""})
        n = (
            Meeting.objects.filter(course=course)
            .filter(written)
            .update(**dict.fromkeys(MINUTES_FIELDS, ""))
        )
        report.add(logic.MEETING_MINUTES, _label(Meeting, "anonymiseret"), n)
    if passed(logic.MEASUREMENTS):
        n = (
            Measurement.objects.filter(course=course)
            .filter(~Q(comments={}) | Q(entered_by__isnull=False))
            .update(comments={}, entered_by=None)
        )
        report.add(logic.MEASUREMENTS, _label(Measurement, "anonymiseret"), n)


def anonymise_course(report: Report, course: Course, today: date) -> None:
    """Delete what the course holds about a person and keep its figures under an anonymous
    citizen: the course's own citizen when nothing else keeps them, else a new anonymous
    record (so the kept course no longer points at a person)."""
    key = logic.CLOSED_COURSE
    with unchecked():
        _delete_files_on_commit(_consent_files(course))
        # A rating of a goal is about the goal, which goes with the plan below: it goes too (the
        # course's figure stays in its GAS T-score row). Unlinking it instead would break the
        # one-per-day rule of goal-less measurements when two goals were rated on one day.
        _deleted(
            report, key, Measurement.objects.filter(course=course, goal__isnull=False).delete()
        )
        Measurement.objects.filter(course=course).update(comments={}, entered_by=None)
        OutcomeState.objects.filter(course=course).update(note="", entered_by=None)
        apps.get_model("economics", "CostEntry").objects.filter(course=course).update(note="")
        plan = getattr(course, "plan", None)
        if plan is not None:
            for name in ("goals", "measures", "demands", "appointments", "child_perspectives"):
                _deleted(report, key, getattr(plan, name).all().delete())
            _deleted(report, key, plan.versions.all().delete())
            plan.citizen_statement = plan.summary = ""
            plan.save(update_fields=["citizen_statement", "summary"])
        for model, path in course_paths().items():
            if len(path) == 1 and model._meta.label not in KEPT_WITH_COURSE:
                _deleted(report, key, model._default_manager.filter(**{path[0]: course}).delete())
        household = course.household
        citizen = course.citizen
        course.referral_note = course.mandate = course.parallel_reason = ""
        course.closing_reason = ANONYMISED_NAME
        course.intake_checklist = {}
        course.household = None
        if _kept(citizen, exclude=course):
            course.citizen = _anonymous_citizen(citizen, today)
            report.add(key, "anonyme borgerposter (oprettet)", 1)
            requests = apps.get_model("gdpr", "DataSubjectRequest")._default_manager
            requests.filter(course=course).update(citizen=course.citizen)
        else:
            _anonymise_citizen(citizen, today)
            report.add(key, _label(Citizen, "anonymiseret"), 1)
        course.save()
        report.add(key, _label(Course, "anonymiseret"), 1)
        if household is not None:
            _household(report, household, today)


def _consent_files(course: Course) -> list[str]:
    """The stored names of the course's signed consent documents (name, CPR number, signature):
    their rows go with the consents, the files must go with them."""
    documents = apps.get_model("courses", "ConsentDocument")
    return [
        name
        for name in documents.objects.filter(consent__course=course).values_list("file", flat=True)
        if name
    ]


def _delete_files_on_commit(names: list[str]) -> None:
    """Delete the files once the transaction that deleted their rows commits: a rolled-back run
    (the dry run, or a course that failed half-way) deletes no file."""
    if not names:
        return
    storage = apps.get_model("courses", "ConsentDocument")._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:  # logged; the row is gone, the file is found by the next check
                logger.exception("retention: could not delete the file %s", name)

    transaction.on_commit(delete)


def _kept(citizen: Citizen, *, exclude: Course | None = None) -> bool:
    """Does a course that is not anonymised keep this citizen — as its citizen or as a member of
    its family?"""
    others = Course.objects.filter(citizen__anonymised_on__isnull=True)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.filter(Q(citizen=citizen) | Q(household__members=citizen)).exists()


def _household(report: Report, household: Household, today: date) -> None:
    """A family no course covers any longer: members nothing else keeps are anonymised and the
    household (its members and relations) goes."""
    if household.courses.exists():
        return
    for member in household.members.filter(anonymised_on__isnull=True):
        if not _kept(member):
            _anonymise_citizen(member, today)
            report.add(logic.CLOSED_COURSE, _label(Citizen, "anonymiseret"), 1)
    _deleted(report, logic.CLOSED_COURSE, household.delete())


def _placeholder_cpr() -> str:
    """Unique like a CPR number, but never one: it starts with a letter."""
    return "X" + uuid.uuid4().hex[:9]


def _anonymous_citizen(citizen: Citizen, today: date) -> Citizen:
    return Citizen.objects.create(
        cpr=_placeholder_cpr(),
        birth_date=date(citizen.birth_date.year, 1, 1),
        first_name=ANONYMISED_NAME,
        last_name="",
        anonymised_on=today,
    )


def _anonymise_citizen(citizen: Citizen, today: date) -> None:
    """Name → »Anonymiseret«, CPR number, contact details, relatives and login gone; only the
    year of birth stays (age groups in the figures).

    The access log's entries about the citizen are anonymised too (the audit app keeps the
    blanked fields' digests, so the chain still verifies)."""
    audit.anonymise_citizen_entries(citizen.pk)
    citizen.relatives.all().delete()
    citizen.households.clear()
    user = citizen.user
    if user is not None:
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["first_name", "last_name", "email", "is_active", "password"])
    citizen.user = None
    citizen.cpr = _placeholder_cpr()
    citizen.first_name, citizen.last_name, citizen.preferred_name = ANONYMISED_NAME, "", ""
    citizen.phone = citizen.email = citizen.address = citizen.contact_note = ""
    citizen.no_fixed_address = citizen.companion_wanted = False
    citizen.birth_date = date(citizen.birth_date.year, 1, 1)
    citizen.anonymised_on = today
    citizen.save()


# --------------------------------------------------------------------------------------------
# Erasure on request (art. 17)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    granted: bool
    reason: str
    report: Report | None = None


def refusal(citizen: Citizen, today: date, active: dict[str, RetentionRule]) -> str:
    """Why the data must be kept (art. 17, stk. 3, litra b and e), or "" when nothing keeps it."""
    rule = active.get(logic.CLOSED_COURSE)
    for course in Course.objects.filter(citizen=citizen).order_by("referred_on"):
        if course.is_restricted:
            return (
                "Behandlingen af et af borgerens forløb er begrænset (art. 18): oplysningerne "
                "bevares, til begrænsningen er ophævet."
            )
        if course.status != CourseStatus.CLOSED:
            return (
                f"Borgeren har et åbent forløb (status »{course.get_status_display()}«): "
                "oplysningerne skal bruges til at løse en opgave, kommunen har efter loven "
                "(art. 17, stk. 3, litra b)."
            )
        if rule is not None and not logic.has_passed(_ended(course), rule.years, today):
            until = logic.kept_until(_ended(course), rule.years)
            return (
                f"Et afsluttet forløb skal opbevares til {until:%d.%m.%Y} efter reglen "
                f"»{logic.BY_KEY[logic.CLOSED_COURSE].label}: {rule.years} år« "
                "(art. 17, stk. 3, litra b og e)."
            )
    if Course.objects.filter(household__members=citizen).exclude(citizen=citizen).exists():
        return "Borgeren indgår i familien i et andet forløb, som skal opbevares."
    return ""


def erase(*, citizen_id: uuid.UUID | str, requested_by: str, today: date) -> Erasure:
    """Anonymise the citizen and their courses now, or refuse with the obligation that keeps the
    data. Either way the request and its answer are recorded."""
    with transaction.atomic():
        citizen = (
            Citizen.objects.select_for_update()
            .filter(pk=citizen_id, anonymised_on__isnull=True)
            .first()
        )
        if citizen is None:
            return Erasure(False, "Borgeren findes ikke eller er allerede anonymiseret.")
        reason = refusal(citizen, today, rules())
        report = Report(today, dry_run=False)
        if not reason:
            courses = list(Course.objects.select_for_update().filter(citizen=citizen))
            for course in courses:
                anonymise_course(report, course, today)
            if not courses:
                _anonymise_citizen(citizen, today)
                report.add(logic.CLOSED_COURSE, _label(Citizen, "anonymiseret"), 1)
        ErasureRequest.objects.create(
            citizen_ref=citizen.pk,
            requested_by=requested_by,
            decided_on=today,
            outcome=ErasureOutcome.REFUSED if reason else ErasureOutcome.GRANTED,
            reason=reason,
        )
    if reason:
        return Erasure(False, reason)
    return Erasure(True, "Borgeren og borgerens forløb er anonymiseret.", report)
