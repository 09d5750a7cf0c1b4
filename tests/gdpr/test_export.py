"""Art. 15: the export is complete, keeps other people's data out, and only the right people get it.

The completeness test walks every installed model; the world (``world.py``) has one row of
everything about Mette, each with a token the export must show, and her son Emil's own goal,
sub-goal, measure, measurement and perspective, which her export must not show.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.core.models import Membership
from helhed.gdpr import selectors, services
from helhed.gdpr.models import Channel, DataSubjectRequest, RequestStatus
from tests.gdpr import world as w

# Sections whose rows have no free text to carry a token (checked for a row).
NO_TOKEN = frozenset(
    {
        "account",
        "household_relations",
        "family_courses",
        "meeting_times",
        "meeting_availability",
        "course_summaries",
        "measurement_schedules",
        "contract_enrolments",
        "contract_results",
        "requests",
        "child_perspectives",
    }
)
# Mette is the course's citizen: she is nobody's household member in another course, and her
# son's perspective is his.
EMPTY_FOR_METTE = frozenset({"family_courses", "child_perspectives"})


@pytest.fixture
def world(db: None) -> w.World:
    return w.build()


def _login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_every_model_that_references_a_citizen_is_exported_or_excluded_with_a_reason() -> None:
    referencing = selectors.citizen_models()
    covered = {s.model for s in selectors.SECTIONS}
    missing = sorted(referencing - covered - set(selectors.NOT_PERSONAL))
    assert not missing, f"the art. 15 export does not cover: {missing}"
    # The rule finds what it must: direct, through chains, and the access log's bare UUID.
    assert {
        "courses.Citizen",
        "courses.Goal",  # Goal → Plan → Course → Citizen
        "meetings.Availability",  # → ProposedTime → Meeting → Course
        "economics.IndicatorResult",  # → Enrolment → Course
        "coordination.TeamMemberWorkgroup",  # → TeamMember → Course
        "audit.AccessLogEntry",  # citizen_id UUID, no foreign key
        "gdpr.DataSubjectRequest",
    } <= referencing
    for reason in selectors.NOT_PERSONAL.values():
        assert reason.strip()


def test_the_completeness_rule_names_a_new_model_that_references_a_citizen() -> None:
    """A model added later with a path to a citizen and no section fails the test by name."""
    from django.db import models

    class Diary(models.Model):
        course = models.ForeignKey("courses.Course", on_delete=models.CASCADE)

        class Meta:
            app_label = "gdpr"

        def __str__(self) -> str:
            return "dagbog"

    from django.apps import apps

    try:
        assert "gdpr.Diary" in selectors.citizen_models()
        covered = {s.model for s in selectors.SECTIONS}
        assert "gdpr.Diary" not in covered
    finally:
        del apps.all_models["gdpr"]["diary"]
        apps.clear_cache()


def test_one_of_everything_every_section_has_the_known_values(world: w.World) -> None:
    export = selectors.collect(world.mette.pk)
    data = export.as_data()
    assert data["format"] == "helhed-indsigt" and data["citizen_id"] == str(world.mette.pk)
    keys = [s.key for s in selectors.SECTIONS]
    assert list(data["sections"]) == keys  # stable keys, in order
    for key in keys:
        items = data["sections"][key]["items"]
        if key in EMPTY_FOR_METTE:
            continue
        assert items, f"section {key} is empty"
        if key not in NO_TOKEN:
            assert w.tok(key) in json.dumps(items, ensure_ascii=False), key
    citizen = data["sections"]["citizen"]["items"][0]
    assert citizen["cpr"] == w.METTE_CPR
    assert citizen["birth_date"] == "1996-06-15"  # ISO dates
    assert "password" not in data["sections"]["account"]["items"][0]
    assert data["sections"]["account"]["items"][0]["username"] == "mette-login"
    assert data["sections"]["requests"]["items"][0]["channel"] == Channel.LETTER
    # A professional is named as in the access log.
    assert data["sections"]["access_log"]["items"][0]["actor"]["name"] == "Jonas Jobcenter"


def test_another_family_members_own_data_is_not_in_the_export(world: w.World) -> None:
    text = selectors.collect(world.mette.pk).as_json()
    for what in ("goal", "subgoal", "measure", "measurement", "perspective", "change"):
        assert w.emil(what) not in text, what
    assert w.emil("access_log") not in text and w.emil("citizen") not in text
    assert w.emil("own_consent") not in text  # a 15+ member's own consent is not his mother's
    assert w.EMIL_CPR not in text and w.SOFIE_CPR not in text
    # The consent covering Emil and the meeting he joined name "another family member".
    assert "Et andet familiemedlem" in text
    # The household names its members as Mette registered them.
    household = selectors.collect(world.mette.pk).section("household").rows[0]
    assert "Emil Sørensen" in next(c.text for c in household if c.key == "members")


def test_a_child_gets_their_own_goal_but_not_the_parents_plan(world: w.World) -> None:
    data = selectors.collect(world.emil.pk).as_data()
    text = json.dumps(data, ensure_ascii=False)
    for what in ("goal", "subgoal", "measure", "measurement", "perspective", "citizen"):
        assert w.emil(what) in text, what
    assert w.emil("own_consent") in text  # his own consent, given in his mother's course
    # From his mother's course only the plain facts: no texts, team, demands or minutes.
    for section in ("courses", "plans", "demands", "meetings", "team", "goals", "access_log"):
        assert w.tok(section) not in text, section
    assert w.METTE_CPR not in text
    assert data["sections"]["courses"]["items"] == []
    family = data["sections"]["family_courses"]["items"]
    assert [c["id"] for c in family] == [str(world.course.pk)]
    assert "referral_note" not in family[0]


def test_the_coordinator_records_a_request_and_downloads_both_formats(world: w.World) -> None:
    client = _login(world.coordinator)
    page = client.get(reverse("gdpr:course_requests", args=[world.course.pk]))
    assert page.status_code == 200
    assert "Registrér borgerens anmodning" in page.content.decode()
    today = timezone.localdate()
    response = client.post(
        reverse("gdpr:course_requests", args=[world.course.pk]),
        {"received_on": today.strftime("%d.%m.%Y"), "channel": Channel.IN_PERSON},
    )
    assert response.status_code == 302
    request = DataSubjectRequest.objects.get(channel=Channel.IN_PERSON)
    assert request.registered_by == world.coordinator and request.citizen == world.mette
    assert request.status == RequestStatus.RECEIVED
    before = AccessLogEntry.objects.filter(citizen_id=world.mette.pk).count()
    url = reverse("gdpr:course_download", args=[world.course.pk, request.pk, "json"])
    got = client.get(url)
    assert got.status_code == 200
    assert got["Content-Disposition"].startswith("attachment;")
    data = json.loads(got.content)
    assert w.tok("goals") in json.dumps(data, ensure_ascii=False)
    html = client.get(url.replace("/json/", "/html/"))
    body = html.content.decode()
    assert html.status_code == 200 and "Alle oplysninger om Mette Sørensen" in body
    assert "<script" not in body and "style=" not in body
    assert w.tok("measures") in body and w.emil("goal") not in body
    entries = AccessLogEntry.objects.filter(citizen_id=world.mette.pk, what=services.WHAT).order_by(
        "at"
    )
    assert (
        entries.count() == 2
        and AccessLogEntry.objects.filter(citizen_id=world.mette.pk).count() == before + 2
    )
    entry = entries.first()
    assert entry is not None
    assert entry.purpose == Purpose.LEGAL_OBLIGATION
    assert entry.legal_basis == "databeskyttelsesforordningen art. 15"
    assert entry.actor == world.coordinator and entry.actor_unit_id == world.unit.pk
    request.refresh_from_db()
    assert request.status == RequestStatus.DELIVERED and request.delivered_at is not None


def test_bad_input_is_a_field_error_not_a_500(world: w.World) -> None:
    client = _login(world.coordinator)
    url = reverse("gdpr:course_requests", args=[world.course.pk])
    future = (timezone.localdate() + timedelta(days=3)).strftime("%d.%m.%Y")
    for data, field in (
        ({"received_on": future, "channel": Channel.LETTER}, "received_on"),
        ({"received_on": "31.02.2026", "channel": Channel.LETTER}, "received_on"),
        ({"received_on": "01.12.2026", "channel": Channel.OWN_PAGE}, "channel"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors
    assert not DataSubjectRequest.objects.exclude(pk=world.request.pk).exists()
    assert (
        client.get(
            reverse("gdpr:course_download", args=[world.course.pk, world.request.pk, "pdf"])
        ).status_code
        == 404
    )


def _refused(client: Client, world: w.World) -> None:
    for url in (
        reverse("gdpr:course_requests", args=[world.course.pk]),
        reverse("gdpr:course_download", args=[world.course.pk, world.request.pk, "json"]),
        reverse("gdpr:course_download", args=[world.course.pk, world.request.pk, "html"]),
    ):
        response = client.get(url)
        # refused; an account whose last membership ended is logged out (to the login page)
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and response["Location"].startswith("/log-ind/")
        ), url
        assert w.tok("goals") not in response.content.decode()
    post = client.post(
        reverse("gdpr:course_requests", args=[world.course.pk]),
        {"received_on": timezone.localdate().strftime("%d.%m.%Y"), "channel": "brev"},
    )
    assert post.status_code in (403, 404) or (
        post.status_code == 302 and post["Location"].startswith("/log-ind/")
    )


def test_nobody_but_the_coordinator_and_the_citizen_gets_the_export(world: w.World) -> None:
    attackers = [
        world.other_coordinator,  # another organisation's coordinator
        world.colleague,  # a team member under a plan-only consent
        world.leader,  # the coordinator's leader (the docs give leaders no access)
        world.admin,  # the administrator
        world.ended,  # membership ended yesterday
        world.emil_user,  # a citizen login on a staff URL
    ]
    for user in attackers:
        _refused(_login(user), world)
    # Another course's coordinator cannot reach Mette's request through their own course.
    hanne = _login(world.other_coordinator)
    url = reverse("gdpr:course_download", args=[world.other_course.pk, world.request.pk, "json"])
    assert hanne.get(url).status_code == 403
    assert not AccessLogEntry.objects.filter(what=services.WHAT).exists()
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.RECEIVED


def test_a_coordinator_whose_membership_ended_is_refused(world: w.World) -> None:
    Membership.objects.filter(user=world.coordinator).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    _refused(_login(world.coordinator), world)
    assert not AccessLogEntry.objects.filter(what=services.WHAT).exists()


def test_the_citizen_asks_on_their_own_page_and_downloads_at_once(world: w.World) -> None:
    client = _login(world.citizen_user)
    home = client.get("/")
    assert "Få alle mine oplysninger" in home.content.decode()
    assert client.post(reverse("gdpr:my_requests")).status_code == 302
    mine = DataSubjectRequest.objects.get(channel=Channel.OWN_PAGE)
    assert mine.citizen == world.mette and mine.registered_by == world.citizen_user
    page = client.get(reverse("gdpr:my_requests"))
    assert reverse("gdpr:my_download", args=[mine.pk, "html"]) in page.content.decode()
    got = client.get(reverse("gdpr:my_download", args=[mine.pk, "json"]))
    assert got.status_code == 200 and w.tok("access_log") in got.content.decode()
    entry = AccessLogEntry.objects.get(what=services.WHAT)
    assert entry.purpose == Purpose.CITIZEN_SELF and entry.actor == world.citizen_user
    # Her son's login asking for her request, or for her data through it, gets nothing.
    emil = _login(world.emil_user)
    for fmt in ("json", "html"):
        response = emil.get(reverse("gdpr:my_download", args=[mine.pk, fmt]))
        assert response.status_code == 403
        assert w.tok("goals") not in response.content.decode()
    # Staff may not use the citizen's page.
    assert _login(world.coordinator).post(reverse("gdpr:my_requests")).status_code == 403
    assert AccessLogEntry.objects.filter(what=services.WHAT).count() == 1


def test_the_command_exports_by_cpr_and_records_the_request(world: w.World, tmp_path: Path) -> None:
    out = tmp_path / "mette.json"
    call_command("gdpr", "export", "150696-1234", "--format", "json", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert w.tok("handovers") in json.dumps(data, ensure_ascii=False)
    request = DataSubjectRequest.objects.get(channel=Channel.SYSTEM)
    assert request.registered_by is None and request.status == RequestStatus.DELIVERED
    # The export lists the request it answers.
    assert str(request.pk) in [r["id"] for r in data["sections"]["requests"]["items"]]
    html = tmp_path / "emil.html"
    call_command("gdpr", "export", str(world.emil.pk), "--format", "html", "--output", str(html))
    assert w.emil("goal") in html.read_text(encoding="utf-8")


def test_the_command_refuses_an_unknown_citizen(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Ingen borger"):
        call_command("gdpr", "export", "0101011234")
    assert not DataSubjectRequest.objects.exists()


def test_the_export_reads_a_bounded_number_of_queries(world: w.World) -> None:
    """One query per section plus the names of referenced rows (cached per row): 50 more
    access-log entries by the same professional do not add a query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        selectors.collect(world.mette.pk)
    for n in range(50):
        AccessLogEntry.objects.create(
            actor=world.colleague,
            actor_name="Jonas Jobcenter",
            citizen_id=world.mette.pk,
            what=f"læsning {n}",
            purpose=Purpose.CASEWORK,
        )
    with CaptureQueriesContext(connection) as second:
        export = selectors.collect(world.mette.pk)
    assert len(export.section("access_log").rows) == 51
    assert len(second) == len(first)
    assert len(first) <= 100, len(first)
    print(f"\ncollect: {len(first)} queries for {len(selectors.SECTIONS)} sections")


def test_a_request_is_recorded_and_answered_while_processing_is_restricted(
    world: w.World,
) -> None:
    from helhed.courses import services as courses
    from helhed.courses.restriction import CourseRestrictedError

    courses.restrict_course(world.coordinator, course_id=world.course.pk, reason="Bestridt")
    client = _login(world.coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("gdpr:course_requests", args=[world.course.pk]),
        {"received_on": today.strftime("%d.%m.%Y"), "channel": Channel.IN_PERSON},
    )
    assert response.status_code == 302  # art. 15 is the citizen's right, frozen course or not
    request = DataSubjectRequest.objects.get(channel=Channel.IN_PERSON)
    got = client.get(reverse("gdpr:course_download", args=[world.course.pk, request.pk, "json"]))
    assert got.status_code == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.DELIVERED and request.delivered_at is not None
    # the exception is narrow: the request's record is not deleted or rewritten on a frozen course
    with pytest.raises(CourseRestrictedError), transaction.atomic():
        request.delete()
    request.received_on = today - timedelta(days=3)
    with pytest.raises(CourseRestrictedError), transaction.atomic():
        request.save()
    assert DataSubjectRequest.objects.get(pk=request.pk).received_on == today
