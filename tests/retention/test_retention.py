"""The retention job on a dated set: it leaves exactly what the rules keep; the dry run changes
nothing; erasure on request only when no obligation keeps the data; the daily job runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.audit.services import log_access
from helhed.core.models import User
from helhed.courses import services as courses
from helhed.courses.models import (
    Citizen,
    Consent,
    ConsentDocument,
    Course,
    Goal,
    Plan,
    PlanVersion,
    TeamMember,
)
from helhed.meetings import services as meetings
from helhed.meetings.models import Meeting
from helhed.notifications.models import Notification
from helhed.progress import services as progress
from helhed.progress.models import Measurement
from helhed.retention import logic, services
from helhed.retention.models import ErasureOutcome, ErasureRequest, RetentionRule
from tests.courses.builders import (
    give_consent,
    join_team,
    make_initiative,
    make_staff,
    make_unit,
    open_course,
    organisation,
)

pytestmark = pytest.mark.django_db

TODAY = date(2031, 6, 1)
WHO5 = {f"who5_{i}": 3 for i in range(1, 6)}
MINUTES = "Mette fortalte om sin angst for at miste boligen"
COMMENT = "Har det svært efter skilsmissen"


@dataclass
class DatedSet:
    coordinator: User
    expired: Course  # closed 10.01.2025: past the 5-year rule
    middle: Course  # closed 01.03.2028: versions, minutes and comments past their rules
    recent: Course  # closed 01.01.2030: everything kept
    moved: Course  # closed 2024, its citizen has an open course too
    open_course: Course  # the same citizen's open course
    frozen: Course  # closed 2020 but restricted (art. 18)
    old_notification: Notification
    new_notification: Notification
    old_request: ErasureRequest
    new_request: ErasureRequest


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def _course(ds: dict[str, Any], first_name: str, *, closed_on: date | None) -> Course:
    coordinator, unit, team_unit = ds["coordinator"], ds["unit"], ds["team_unit"]
    course = open_course(coordinator, unit, initiative=ds["initiative"], first_name=first_name)
    join_team(course, coordinator, team_unit)
    give_consent(course, coordinator, units=[unit, team_unit], categories=["plan", "health"])
    plan = Plan.objects.get(course=course)
    courses.save_goal(coordinator, plan.pk, 1, text=f"{first_name} vil have et job")
    courses.save_goal(coordinator, plan.pk, 2, text=f"{first_name} vil have en bolig")
    meeting = meetings.create_meeting(
        coordinator,
        course_id=course.pk,
        purpose="Netværksmøde",
        place="Rådhuset",
        proposed_times=[timezone.now() + timedelta(days=3)],
    )
    Meeting.objects.filter(pk=meeting.pk).update(problem_focus=MINUTES, plain_summary=MINUTES)
    measured = progress.record_measurement(
        coordinator, course_id=course.pk, instrument="who5", answers=WHO5
    )
    Measurement.objects.filter(pk=measured.pk).update(comments={"who5_1": COMMENT})
    if closed_on is not None:
        Course.objects.filter(pk=course.pk).update(
            status="afsluttet", closing_reason="Mål nået", end_date=closed_on
        )
        course.refresh_from_db()
    return course


def build() -> DatedSet:
    org = organisation()
    unit = make_unit(org, "Koordinerende Team")
    coordinator = make_staff(unit, role="koordinator")
    ds = {
        "coordinator": coordinator,
        "unit": unit,
        "team_unit": make_unit(org, "Jobcenter", "beskaeftigelse"),
        "initiative": make_initiative(),
    }
    expired = _course(ds, "Anna", closed_on=date(2025, 1, 10))
    middle = _course(ds, "Bo", closed_on=date(2028, 3, 1))
    recent = _course(ds, "Carl", closed_on=date(2030, 1, 1))
    moved = _course(ds, "Dorte", closed_on=date(2024, 2, 1))
    open_one = courses.intake(
        coordinator,
        initiative_id=make_initiative("Anden indsats").pk,
        coordinator_unit_id=unit.pk,
        cpr=moved.citizen.cpr,
        first_name="Dorte",
        last_name="Hansen",
        referred_on=timezone.localdate(),
        parallel_reason="Nyt forløb efter det gamle",
    )
    frozen = _course(ds, "Erik", closed_on=None)
    courses.restrict_course(coordinator, course_id=frozen.pk, reason="Retskrav")
    Course.objects.filter(pk=frozen.pk).update(
        status="afsluttet", closing_reason="Mål nået", end_date=date(2020, 1, 1)
    )
    old_n = Notification.objects.create(recipient=coordinator, kind="alert", title="Gammel")
    new_n = Notification.objects.create(recipient=coordinator, kind="alert", title="Ny")
    Notification.objects.filter(pk=old_n.pk).update(created_at=_aware(date(2030, 5, 31)))
    Notification.objects.filter(pk=new_n.pk).update(created_at=_aware(date(2030, 6, 1)))
    old_r = ErasureRequest.objects.create(
        citizen_ref=recent.citizen_id,
        requested_by="borgeren",
        decided_on=date(2026, 5, 31),
        outcome=ErasureOutcome.REFUSED,
    )
    new_r = ErasureRequest.objects.create(
        citizen_ref=recent.citizen_id,
        requested_by="borgeren",
        decided_on=date(2026, 6, 1),
        outcome=ErasureOutcome.REFUSED,
    )
    return DatedSet(
        coordinator, expired, middle, recent, moved, open_one, frozen, old_n, new_n, old_r, new_r
    )


TABLES = (Course, Citizen, Plan, PlanVersion, Goal, TeamMember, Consent, Meeting, Measurement)


def counts() -> dict[str, int]:
    out = {m.__name__: m.objects.count() for m in TABLES}
    out["Notification"] = Notification.objects.count()
    out["ErasureRequest"] = ErasureRequest.objects.count()
    return out


def snapshot() -> list[Any]:
    rows: list[Any] = []
    for model in (*TABLES, Notification, ErasureRequest):
        rows.extend(model.objects.order_by("pk").values())
    return rows


def test_the_defaults_are_one_rule_per_category_marked_as_defaults() -> None:
    rules = {r.category: r for r in RetentionRule.objects.all()}
    assert set(rules) == {c.key for c in logic.CATEGORIES}
    assert all(r.is_default and r.legal_basis for r in rules.values())
    assert rules[logic.CLOSED_COURSE].years == 5
    assert rules[logic.ACCESS_LOG].active and rules[logic.ACCESS_LOG].years == 5


def test_the_access_log_is_pruned_and_anonymised_by_the_rules_and_still_verifies() -> None:
    """The access log's rule prunes entries older than its period through the log's one
    sanctioned delete, and an anonymised citizen is anonymised in the log too — after which
    ``helhed audit verify`` still finds the chain whole."""
    reader = make_staff(make_unit(organisation(), "Læsende enhed"), role="sagsbehandler")
    stranger = uuid.uuid4()
    for year in (2024, 2025):  # older than 2031-06-01 minus 5 years: pruned
        AccessLogEntry.objects.create(
            at=_aware(date(year, 3, 1)),
            actor=reader,
            actor_name="Læser",
            citizen_id=stranger,
            what="forløbet",
            purpose=Purpose.CASEWORK,
        )
    ds = build()
    log_access(reader, ds.expired.citizen_id, "forløbet", Purpose.CASEWORK)
    log_access(reader, ds.recent.citizen_id, "forløbet", Purpose.CASEWORK)
    report = services.run(today=TODAY)
    assert report.counts[logic.ACCESS_LOG]["adgangslogposter (slettet)"] == 2
    assert not AccessLogEntry.objects.filter(citizen_id=stranger).exists()
    # the anonymised citizen is gone from the log; who read, when and why stay
    assert not AccessLogEntry.objects.filter(citizen_id=ds.expired.citizen_id).exists()
    assert AccessLogEntry.objects.filter(actor=reader, what="").count() == 1
    assert AccessLogEntry.objects.filter(citizen_id=ds.recent.citizen_id).count() == 1
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("Adgangsloggen er i orden")


def test_the_dry_run_changes_nothing_and_reports_what_the_run_does() -> None:
    ds = build()
    before, rows = counts(), snapshot()
    out = StringIO()
    call_command("retention", "run", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    dry = out.getvalue()
    assert counts() == before and snapshot() == rows
    assert dry.startswith("Prøvekørsel – intet er ændret pr. 2031-06-01")
    assert "Forløb med begrænset behandling (art. 18), ikke rørt: 1" in dry
    real = StringIO()
    call_command("retention", "run", "--today", TODAY.isoformat(), stdout=real)
    # the same figures, line by line, with "would be" for "was"
    dry_lines = dry.replace("ville blive", "blev").splitlines()[1:]
    assert real.getvalue().splitlines()[1:] == dry_lines
    assert ds.expired.pk  # (used)


def test_the_run_leaves_exactly_what_the_rules_keep() -> None:
    ds = build()
    before = counts()
    report = services.run(today=TODAY)
    after = counts()

    # --- closed 2025 and 2024: anonymised; the course rows and their figures stay -----------
    for course in (ds.expired, ds.moved):
        course.refresh_from_db()
        assert course.citizen.first_name == "Anonymiseret" and course.citizen.anonymised_on == TODAY
        assert course.citizen.cpr.startswith("X") and course.citizen.last_name == ""
        assert course.citizen.birth_date.month == 1 and course.citizen.birth_date.day == 1
        assert course.referral_note == "" and course.mandate == ""
        assert not course.team.exists() and not course.consents.exists()
        assert not Meeting.objects.filter(course=course).exists()
        assert not Goal.objects.filter(plan__course=course).exists()
        assert not PlanVersion.objects.filter(plan__course=course).exists()
        (measurement,) = Measurement.objects.filter(course=course)
        assert measurement.score is not None and measurement.comments == {}
        assert measurement.entered_by is None
    # Anna's own record is anonymised in place; Dorte keeps her name for her open course and the
    # old course moved to a new anonymous record.
    ds.open_course.refresh_from_db()
    assert ds.open_course.citizen.first_name == "Dorte"
    assert ds.open_course.citizen.cpr == ds.open_course.citizen.cpr.strip() != ""
    assert not ds.open_course.citizen.cpr.startswith("X")
    assert ds.moved.citizen_id != ds.open_course.citizen_id
    assert not Citizen.objects.filter(first_name="Anna").exists()

    # --- closed 2028: versions (2 years), minutes and comments (3 years) gone; plan kept -----
    middle = ds.middle
    assert PlanVersion.objects.filter(plan__course=middle).count() == 1
    assert PlanVersion.objects.get(plan__course=middle).number == 3  # the newest
    assert Goal.objects.filter(plan__course=middle).count() == 2
    (meeting,) = Meeting.objects.filter(course=middle)
    assert meeting.problem_focus == "" and meeting.plain_summary == ""
    assert Measurement.objects.get(course=middle).comments == {}
    middle.refresh_from_db()
    assert middle.citizen.first_name == "Bo" and middle.team.count() == 2

    # --- closed 2030, the open course and the frozen course: untouched ----------------------
    for course in (ds.recent, ds.frozen):
        assert PlanVersion.objects.filter(plan__course=course).count() == 3
        assert Meeting.objects.get(course=course).problem_focus == MINUTES
        assert Measurement.objects.get(course=course).comments == {"who5_1": COMMENT}
        assert course.team.count() == 2 and course.consents.count() == 1
    assert Citizen.objects.get(pk=ds.frozen.citizen_id).first_name == "Erik"

    # --- notifications and requests by their own dates --------------------------------------
    assert not Notification.objects.filter(pk=ds.old_notification.pk).exists()
    assert Notification.objects.filter(pk=ds.new_notification.pk).exists()
    assert not ErasureRequest.objects.filter(pk=ds.old_request.pk).exists()
    assert ErasureRequest.objects.filter(pk=ds.new_request.pk).exists()

    # --- exactly these counts ---------------------------------------------------------------
    expected = dict(before)
    expected["Citizen"] += 1  # Dorte's old course's new anonymous record
    expected["PlanVersion"] -= 3 + 3 + 2  # Anna and Dorte: all 3; Bo: 2 of 3
    expected["Goal"] -= 2 + 2
    expected["TeamMember"] -= 2 + 2
    expected["Consent"] -= 1 + 1
    expected["Meeting"] -= 1 + 1
    expected["Notification"] -= 1
    expected["ErasureRequest"] -= 1
    assert after == expected
    assert report.restricted_skipped == 1
    assert report.total(logic.PLAN_VERSIONS) == 2
    assert report.total(logic.MEETING_MINUTES) == 1
    assert report.total(logic.MEASUREMENTS) == 1

    # --- a second run changes nothing -------------------------------------------------------
    rows = snapshot()
    again = services.run(today=TODAY)
    assert snapshot() == rows and not again.counts


def test_a_rule_edited_shorter_takes_effect_and_is_no_longer_a_default(client: Client) -> None:
    ds = build()
    admin = User.objects.create_superuser("teknik", password="korrekt-hest-batteri-42")
    client.force_login(admin)
    rule = RetentionRule.objects.get(category=logic.CLOSED_COURSE)
    page = client.get(f"/admin/retention/retentionrule/{rule.pk}/change/").content.decode()
    assert "Opbevares i år" in page and "Standardværdi" in page
    response = client.post(
        f"/admin/retention/retentionrule/{rule.pk}/change/",
        {"years": "1", "active": "on", "legal_basis": "Besluttet af DPO 2031"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.years == 1 and not rule.is_default
    services.run(today=TODAY)
    ds.recent.refresh_from_db()
    assert ds.recent.citizen.first_name == "Anonymiseret"  # closed 2030, past one year


@pytest.mark.parametrize("years", ["0", "101"])
def test_a_period_outside_1_to_100_years_is_a_field_error(client: Client, years: str) -> None:
    admin = User.objects.create_superuser("teknik", password="korrekt-hest-batteri-42")
    client.force_login(admin)
    rule = RetentionRule.objects.get(category=logic.EVENTS)
    response = client.post(
        f"/admin/retention/retentionrule/{rule.pk}/change/",
        {"years": years, "active": "on", "legal_basis": "Besluttet af DPO 2031"},
    )
    assert response.status_code == 200  # the form again, with the error at the field
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["years"]
    rule.refresh_from_db()
    assert rule.years == 1 and rule.is_default


def test_erasure_is_refused_while_an_obligation_keeps_the_data() -> None:
    ds = build()
    rows = snapshot()
    open_refusal = services.erase(
        citizen_id=ds.open_course.citizen_id, requested_by="borgeren", today=TODAY
    )
    assert not open_refusal.granted
    assert "åbent forløb" in open_refusal.reason and "art. 17, stk. 3" in open_refusal.reason
    kept = services.erase(citizen_id=ds.recent.citizen_id, requested_by="borgeren", today=TODAY)
    assert not kept.granted and "opbevares til 01.01.2035" in kept.reason
    frozen = services.erase(citizen_id=ds.frozen.citizen_id, requested_by="borgeren", today=TODAY)
    assert not frozen.granted and "begrænset" in frozen.reason
    with pytest.raises(CommandError, match="Sletning afvist: Borgeren har et åbent forløb"):
        call_command("retention", "erase", str(ds.open_course.citizen_id), "--today", "2031-06-01")
    # nothing changed but the four refusals recorded
    assert [r for r in snapshot() if "outcome" not in r] == [r for r in rows if "outcome" not in r]
    assert ErasureRequest.objects.filter(outcome=ErasureOutcome.REFUSED).count() == 2 + 4


def test_erasure_is_granted_when_nothing_keeps_the_data() -> None:
    ds = build()
    out = StringIO()
    call_command(
        "retention", "erase", str(ds.expired.citizen_id), "--today", "2031-06-01", stdout=out
    )
    assert "Borgeren og borgerens forløb er anonymiseret." in out.getvalue()
    citizen = Citizen.objects.get(pk=ds.expired.citizen_id)
    assert citizen.first_name == "Anonymiseret" and citizen.anonymised_on == TODAY
    assert ErasureRequest.objects.filter(
        citizen_ref=citizen.pk, outcome=ErasureOutcome.GRANTED
    ).exists()
    with pytest.raises(CommandError, match="Ikke et gyldigt borger-id"):
        call_command("retention", "erase", "0101901234")


def test_the_daily_job_runs_the_rules_and_logs_what_they_did(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ds = build()
    with caplog.at_level("INFO", logger="helhed.retention"):
        call_command("alerts", "--date", TODAY.isoformat(), stdout=StringIO())
    ds.expired.refresh_from_db()
    assert ds.expired.citizen.first_name == "Anonymiseret"
    (record,) = [r for r in caplog.records if r.name == "helhed.retention"]
    assert record.getMessage().startswith(f"Opbevaringsjob pr. {TODAY.isoformat()}; ")
    assert "Afsluttet forløb og alt i det: " in record.getMessage()
    assert "Afsluttet forløb og alt i det: intet" not in record.getMessage()


def test_periods_end_on_the_anniversary() -> None:
    assert not logic.has_passed(date(2025, 1, 10), 5, date(2030, 1, 9))
    assert logic.has_passed(date(2025, 1, 10), 5, date(2030, 1, 10))
    assert logic.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_a_failing_course_is_left_whole_and_the_others_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ds = build()
    real = services.anonymise_course

    def fail_for_anna(report: Any, course: Course, today: date) -> None:
        real(report, course, today)  # half done …
        if course.pk == ds.expired.pk:
            raise RuntimeError("disk full")  # … then a failure: the course's transaction undone

    monkeypatch.setattr(services, "anonymise_course", fail_for_anna)
    report = services.run(today=TODAY)
    assert report.failed == 1
    assert "Forløb, der fejlede og er efterladt uændret (se loggen): 1" in report.lines()
    ds.expired.refresh_from_db()
    assert ds.expired.citizen.first_name == "Anna" and ds.expired.team.count() == 2
    assert PlanVersion.objects.filter(plan__course=ds.expired).count() == 3
    ds.moved.refresh_from_db()
    assert ds.moved.citizen.first_name == "Anonymiseret"


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _signed_and_rated(course: Course, coordinator: User) -> Path:
    """The course's signed consent on disk, and both its goals rated on the same day."""
    consent = Consent.objects.filter(course=course).first()
    assert consent is not None
    document = courses.attach_consent_document(
        coordinator,
        course_id=course.pk,
        consent_id=consent.pk,
        upload=SimpleUploadedFile("samtykke.pdf", PDF),
    )
    goals = Goal.objects.filter(plan__course=course)
    Course.objects.filter(pk=course.pk).update(status="aktiv")  # rated while the course ran
    progress.record_goal_ratings(
        coordinator,
        course_id=course.pk,
        levels={str(g.pk): 1 for g in goals},
        measured_on=date(2024, 12, 1),
    )
    Course.objects.filter(pk=course.pk).update(status="afsluttet")
    assert Measurement.objects.filter(course=course, goal__isnull=False).count() == 2
    path = Path(document.file.path)
    assert path.read_bytes() == PDF
    return path


def test_anonymising_deletes_the_signed_consent_files_but_a_dry_run_does_not(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "dokumenter"
    ds = build()
    signed = _signed_and_rated(ds.expired, ds.coordinator)
    kept = _signed_and_rated(ds.recent, ds.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run(today=TODAY, dry_run=True)
    assert report.total(logic.CLOSED_COURSE) > 0
    assert signed.read_bytes() == PDF  # the dry run was rolled back: the file is there
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run(today=TODAY)
    assert report.failed == 0  # two goals rated on one day no longer break the course
    ds.expired.refresh_from_db()
    assert ds.expired.citizen.first_name == "Anonymiseret"
    assert not signed.exists()
    assert not ConsentDocument.objects.filter(consent__course=ds.expired).exists()
    assert not Measurement.objects.filter(course=ds.expired, goal__isnull=False).exists()
    # the course's figures stay: its WHO-5 and its GAS T-score
    assert set(
        Measurement.objects.filter(course=ds.expired).values_list("instrument", flat=True)
    ) == {"who5", "gas-t"}
    assert kept.read_bytes() == PDF  # a course still kept keeps its document


def test_erasure_deletes_the_signed_consent_files(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "dokumenter"
    ds = build()
    signed = _signed_and_rated(ds.expired, ds.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = services.erase(
            citizen_id=ds.expired.citizen_id, requested_by="borgeren", today=TODAY
        )
    assert erasure.granted, erasure.reason
    assert not signed.exists()
    assert ErasureRequest.objects.filter(
        citizen_ref=ds.expired.citizen_id, outcome=ErasureOutcome.GRANTED
    ).exists()


def test_the_record_of_an_answered_access_request_is_kept_without_pointing_at_a_person() -> None:
    from helhed.gdpr.models import Channel, DataSubjectRequest, RequestStatus

    ds = build()
    answered = {}
    for course in (ds.expired, ds.moved):
        answered[course.pk] = DataSubjectRequest.objects.create(
            citizen=course.citizen,
            course=course,
            received_on=date(2023, 5, 1),
            channel=Channel.IN_PERSON,
            status=RequestStatus.DELIVERED,
            delivered_at=_aware(date(2023, 5, 10)),
        )
    report = services.run(today=TODAY)
    assert report.failed == 0
    for course in (ds.expired, ds.moved):
        course.refresh_from_db()
        request = DataSubjectRequest.objects.get(pk=answered[course.pk].pk)  # kept: the proof
        assert request.status == RequestStatus.DELIVERED and request.course_id == course.pk
        # it follows the course's citizen, who is anonymous now …
        assert request.citizen_id == course.citizen_id
        assert request.citizen.first_name == "Anonymiseret"
    # … and Dorte, whose open course keeps her, is no longer linked to the anonymised course
    assert ds.moved.citizen_id != ds.open_course.citizen_id
