"""The course list (issue 14): filter by status, initiative, warning and coordinator; sort; find a
child of a family course by name — only within what the reader may see, with no CPR number in
the address, paginated, and with a number of queries that does not grow with the list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry
from helhed.core.models import User
from helhed.courses import services
from helhed.courses.models import Course, DemandConflict
from helhed.devtools.factories import cpr_for
from tests.courses.builders import (
    give_consent,
    join_team,
    make_initiative,
    make_staff,
    make_unit,
    open_course,
    organisation,
)
from tests.courses.conftest import CHILD_CPR
from tests.refusals import refused

pytestmark = pytest.mark.django_db

URL = reverse("courses:course_list")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: User, **params: str) -> str:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    """The citizens' names in the list's table, in order."""
    import re

    body = html.split('id="list-heading"', 1)[1].split('id="search-heading"', 1)[0]
    return re.findall(r'href="/forloeb/[0-9a-f-]{36}/">([^<]+)</a>', body)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """A coordinator with three courses (one family with a child named Noah), a colleague
    coordinating one more, and a jobcenter professional on the team of two of them."""
    odense = organisation("461")
    coord_unit = make_unit(odense, "Koordinerende Team", None)
    job_unit = make_unit(odense, "Jobcenter Odense")
    karen = make_staff(coord_unit, "koordinator", first_name="Karen", last_name="Koordinator")
    lars = make_staff(coord_unit, "koordinator", first_name="Lars", last_name="Larsen")
    jonas = make_staff(job_unit, "fagperson", first_name="Jonas", last_name="Jobcenter")
    famko, ips = make_initiative("FAMKO"), make_initiative("IPS")
    anna = open_course(karen, coord_unit, initiative=ips, first_name="Anna", last_name="Andersen")
    bo = open_course(karen, coord_unit, initiative=famko, first_name="Bo", last_name="Berg")
    family = services.intake(
        karen,
        initiative_id=famko.pk,
        coordinator_unit_id=coord_unit.pk,
        cpr=cpr_for(date(1988, 4, 2), tail="612"),
        first_name="Camilla",
        last_name="Clausen",
        referred_on=timezone.localdate() - timedelta(days=40),
        household_name="Familien Clausen",
        members=[
            {"cpr": CHILD_CPR, "first_name": "Noah", "last_name": "Clausen", "relation": "barn"}
        ],
    )
    dorte = open_course(lars, coord_unit, initiative=ips, first_name="Dorte", last_name="Dahl")
    for course in (bo, family, dorte):
        join_team(course, course.coordinator, job_unit, member_user=jonas)
        give_consent(
            course,
            course.coordinator,
            units=[job_unit],
            valid_to=timezone.localdate() + timedelta(days=200),
        )
    # Bo's course is active, started long ago; Anna's plan has an open conflict-free plan
    services.change_status(karen, bo, "aktiv")
    Course.objects.filter(pk=bo.pk).update(start_date=timezone.localdate() - timedelta(days=90))
    return {
        "karen": karen,
        "lars": lars,
        "jonas": jonas,
        "famko": famko,
        "ips": ips,
        "anna": anna,
        "bo": bo,
        "family": family,
        "dorte": dorte,
        "coord_unit": coord_unit,
        "job_unit": job_unit,
    }


def test_the_coordinator_sees_all_her_courses_with_their_warnings(world: dict[str, Any]) -> None:
    html = page(world["karen"])
    assert rows(html) == ["Anna Andersen", "Bo Berg", "Camilla Clausen"]
    # Anna has no consent: the warning shows on her row
    assert "Intet gyldigt samtykke" in html
    # The colleague's course is not the coordinator's to see
    assert "Dorte Dahl" not in html


def test_filter_by_status_initiative_and_coordinator(world: dict[str, Any]) -> None:
    jonas = world["jonas"]
    assert rows(page(jonas)) == ["Bo Berg", "Camilla Clausen", "Dorte Dahl"]
    assert rows(page(jonas, status="aktiv")) == ["Bo Berg"]
    assert rows(page(jonas, indsats=str(world["ips"].pk))) == ["Dorte Dahl"]
    assert rows(page(jonas, koordinator=str(world["lars"].pk))) == ["Dorte Dahl"]
    assert rows(page(world["karen"], koordinator="mig")) == [
        "Anna Andersen",
        "Bo Berg",
        "Camilla Clausen",
    ]


def test_filter_by_warning_shows_only_the_readers_own_courses(world: dict[str, Any]) -> None:
    karen, anna = world["karen"], world["anna"]
    assert rows(page(karen, advarsel="no-consent")) == ["Anna Andersen"]
    assert rows(page(karen, advarsel="plan")) == ["Anna Andersen", "Bo Berg", "Camilla Clausen"]
    # A conflict on Bo's plan
    bo = world["bo"]
    first = _demand(karen, bo, "Mød hver dag")
    second = _demand(karen, bo, "Bliv hjemme")
    DemandConflict.objects.create(
        plan=bo.plan, first=first, second=second, description="Modstrid", marked_by=karen
    )
    assert rows(page(karen, advarsel="conflict")) == ["Bo Berg"]
    # The jobcenter professional (a plan-only consent) is not the coordinator: no warnings — a
    # conflict between demands of categories he may not see is not hinted at — and no rows
    # under a warning
    assert rows(page(world["jonas"], advarsel="any")) == []
    assert "Modstridende krav" not in page(world["jonas"]).split("<tbody>")[1]
    assert anna


def _demand(user: User, course: Course, title: str) -> Any:
    plan = course.plan
    plan.refresh_from_db()
    return services.save_demand(
        user,
        plan.pk,
        plan.version,
        title=title,
        kind="fremmoede",
        organisation=course.coordinator_unit.organisation,
        welfare_area_id="beskaeftigelse",
    )


def test_sort_by_start_date_and_warnings_first(world: dict[str, Any]) -> None:
    karen = world["karen"]
    assert rows(page(karen, sortering="start"))[0] == "Bo Berg"
    # Anna has two warnings (no plan, no consent), the others one
    assert rows(page(karen, sortering="advarsler"))[0] == "Anna Andersen"
    assert rows(page(karen, sortering="henvist"))[-1] == "Camilla Clausen"


def test_find_a_child_of_a_family_course_by_name(world: dict[str, Any]) -> None:
    html = page(world["jonas"], navn="noah")
    assert rows(html) == ["Camilla Clausen"]
    assert "I familien:" in html and "Noah Clausen" in html
    # The child's name was shown: the read is in the child's access log
    child = world["family"].household.members.get(first_name="Noah")
    assert AccessLogEntry.objects.filter(actor=world["jonas"], citizen_id=child.pk).exists()


def test_a_search_never_reveals_a_child_in_a_course_the_reader_may_not_see(
    world: dict[str, Any],
) -> None:
    odense = organisation("461")
    stranger = make_staff(make_unit(odense, "Sundhed"), "fagperson")
    html = page(stranger, navn="Noah")
    assert "Noah Clausen" not in html and "Camilla" not in html
    assert rows(html) == []
    # A team member whose consent has been withdrawn does not find the child either
    consent = world["family"].consents.get()
    services.withdraw_consent(world["karen"], consent, by_name="Camilla Clausen")
    assert rows(page(world["jonas"], navn="Noah")) == []
    # Lars coordinates another course in the same unit: not his family, not found
    assert rows(page(world["lars"], navn="Noah")) == []
    # No log entry for the child was written for any of them
    child = world["family"].household.members.get(first_name="Noah")
    assert not AccessLogEntry.objects.filter(
        citizen_id=child.pk, actor__in=[stranger, world["lars"]]
    ).exists()


def test_an_ended_membership_and_a_consent_without_the_plan_find_nothing(
    world: dict[str, Any],
) -> None:
    from helhed.core.models import Membership

    jonas, family = world["jonas"], world["family"]
    # A consent for the health category only (not the plan) opens nothing
    odense = organisation("461")
    health = make_unit(odense, "Sundhedsplejen", "kommunalt-sundhed")
    nurse = make_staff(health, "fagperson")
    join_team(family, world["karen"], health, member_user=nurse)
    give_consent(family, world["karen"], units=[health], categories=["health"])
    assert rows(page(nurse, navn="Noah")) == []
    # The jobcenter professional leaves the jobcenter: the list is empty
    Membership.objects.filter(user=jonas).update(valid_to=timezone.localdate() - timedelta(days=1))
    response = client_for(jonas).get(URL, {"navn": "Noah"})
    assert refused(response, 200, 403)
    if response.status_code == 200:
        assert rows(response.content.decode()) == []


def test_a_cpr_number_is_refused_in_the_address(world: dict[str, Any]) -> None:
    client = client_for(world["karen"])
    response = client.get(URL, {"navn": "150696-1234", "status": "aktiv"})
    assert response.status_code == 302
    assert "150696" not in response["Location"] and "status=aktiv" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "Søg på CPR-nummer i søgefeltet ovenfor" in html
    assert "150696-1234" not in html


def test_guessed_ids_in_the_filters_show_nothing_and_do_not_fail(world: dict[str, Any]) -> None:
    karen = world["karen"]
    assert rows(page(karen, indsats="00000000-0000-0000-0000-000000000000")) == rows(page(karen))
    assert rows(page(karen, koordinator="ikke-et-id")) == rows(page(karen))
    assert rows(page(karen, status="ukendt", sortering="xyz")) == rows(page(karen))


def test_the_list_is_paginated_and_its_queries_do_not_grow_with_it(
    world: dict[str, Any],
) -> None:
    karen, unit = world["karen"], world["coord_unit"]
    ips = world["ips"]

    def count_queries() -> int:
        client = client_for(karen)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"sortering": "advarsler"}).status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # the log's very first entry also reads the chain's start (audit.chain)
    before = count_queries()
    for n in range(6):
        open_course(karen, unit, initiative=ips, first_name="Ekstra", last_name=f"Borger {n}")
    assert count_queries() == before
    for n in range(6, 50):
        open_course(karen, unit, initiative=ips, first_name="Ekstra", last_name=f"Borger {n}")
    html = page(karen)
    assert len(rows(html)) == 50 and "Side 1 af 2" in html
    assert "side=2" in html


def test_each_listed_course_is_logged_through_the_unit_and_basis_that_let_the_reader_in(
    world: dict[str, Any],
) -> None:
    """The list's entries name how the reader sees each course: through the team unit a consent
    covers (plain), or through an access without consent (flagged with its basis) — also when
    the same request has read the visible courses already (the attribution reuses them)."""
    jonas, job_unit = world["jonas"], world["job_unit"]
    job_unit.may_open_without_consent = True  # a municipal casework authority
    job_unit.save(update_fields=["may_open_without_consent"])
    services.open_without_consent(
        jonas, course_id=world["anna"].pk, unit_id=job_unit.pk, basis_id="rsl-11c"
    )
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    names = rows(page(jonas, status="alle"))
    assert sorted(names) == ["Anna Andersen", "Bo Berg", "Camilla Clausen", "Dorte Dahl"]
    listed = {
        e.citizen_id: e
        for e in AccessLogEntry.objects.filter(actor=jonas, what="forløbsliste").exclude(
            pk__in=before
        )
    }
    assert set(listed) == {world[k].citizen_id for k in ("anna", "bo", "family", "dorte")}
    for key in ("bo", "family", "dorte"):
        entry = listed[world[key].citizen_id]
        assert entry.actor_unit_id == job_unit.pk and not entry.without_consent
    flagged = listed[world["anna"].citizen_id]
    assert flagged.without_consent and flagged.actor_unit_id == job_unit.pk
    assert "11 c" in flagged.legal_basis


def test_a_list_read_through_an_access_that_runs_out_meanwhile_is_still_logged_as_one(
    world: dict[str, Any],
) -> None:
    """Jonas lists Anna's course through an access without consent that runs out between the
    list's read and its log entry (within one request): the entry must still say *without
    consent* with its legal basis — not a plain read through his unit, and not nothing."""
    from helhed.core.selectors import request_cache
    from helhed.courses import selectors
    from helhed.courses.models import WithoutConsentAccess

    jonas, job_unit, anna = world["jonas"], world["job_unit"], world["anna"]
    job_unit.may_open_without_consent = True
    job_unit.save(update_fields=["may_open_without_consent"])
    services.open_without_consent(jonas, course_id=anna.pk, unit_id=job_unit.pk, basis_id="rsl-11c")
    token = request_cache.set({})
    try:
        listed = list(selectors.listed_courses(jonas))
        assert anna.pk in {c.pk for c in listed}
        WithoutConsentAccess.objects.filter(user=jonas).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        before = set(AccessLogEntry.objects.values_list("pk", flat=True))
        selectors.log_course_list(jonas, [c for c in listed if c.pk == anna.pk])
    finally:
        request_cache.reset(token)
    entries = AccessLogEntry.objects.exclude(pk__in=before)
    grant = WithoutConsentAccess.objects.get(user=jonas)
    assert grant.legal_basis.startswith("Retssikkerhedsloven § 11 c")
    assert list(entries.values_list("actor_unit_id", "without_consent", "legal_basis")) == [
        (job_unit.pk, True, grant.legal_basis)
    ]


def test_the_kept_list_query_reads_afresh_and_sees_an_access_run_out(
    world: dict[str, Any],
) -> None:
    """The ids a list page reads (``_listed``) come from SQL kept per reader after its first use,
    with the moment put in at each use: the next request after Jonas's access without consent
    to Anna's course ran out no longer lists it, and every read gives what the ORM's query
    gives."""
    from helhed.core.selectors import request_cache
    from helhed.courses import selectors
    from helhed.courses.models import WithoutConsentAccess

    jonas, job_unit, anna = world["jonas"], world["job_unit"], world["anna"]
    job_unit.may_open_without_consent = True
    job_unit.save(update_fields=["may_open_without_consent"])
    services.open_without_consent(jonas, course_id=anna.pk, unit_id=job_unit.pk, basis_id="rsl-11c")
    on = timezone.localdate()

    def one_request() -> tuple[set[Any], dict[str, Any]]:
        token = request_cache.set({})
        try:
            listed = {c.pk for c in selectors.listed_courses(jonas)}
            by_orm = selectors._listed_aggregate(selectors.visible_courses(jonas, on))
            return listed, by_orm
        finally:
            request_cache.reset(token)

    selectors._LISTED_SQL.clear()
    with CaptureQueriesContext(connection) as first_use:
        selectors._listed_read(jonas, on)
    # compiled without running it: the statement is run (and recorded) once
    aggregates = [q for q in first_use.captured_queries if "ARRAY" in q["sql"].upper()]
    assert len(aggregates) == 1
    selectors._LISTED_SQL.clear()
    listed, by_orm = one_request()
    assert anna.pk in listed
    assert any(key[1] == jonas.pk for key in selectors._LISTED_SQL)  # kept from now on
    assert selectors._listed_read(jonas, on) == by_orm
    WithoutConsentAccess.objects.filter(user=jonas).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    listed, by_orm = one_request()
    assert anna.pk not in listed
    assert listed == {world[k].pk for k in ("bo", "family", "dorte")}
    assert selectors._listed_read(jonas, on) == by_orm
    assert len(selectors._LISTED_SQL) == 1  # the same kept statement, run again


def test_a_reader_without_units_lists_nothing_and_is_not_compiled_again_each_time(
    world: dict[str, Any],
) -> None:
    """A reader whose list statement cannot be kept (no current unit: the rule is the ORM's
    "nothing") is remembered as such: an empty list, the same from the ORM, every time."""
    from helhed.core.models import Membership
    from helhed.courses import selectors

    jonas = world["jonas"]
    Membership.objects.filter(user=jonas).update(valid_to=timezone.localdate() - timedelta(days=1))
    on = timezone.localdate()
    selectors._LISTED_SQL.clear()
    for _ in range(2):
        read = selectors._listed_read(jonas, on)
        assert read["n"] == 0
        assert read == selectors._listed_aggregate(selectors.visible_courses(jonas, on))
    assert list(selectors._LISTED_SQL.values()) == [None]


def test_the_filters_markup_kept_per_process_is_what_the_form_renders(
    world: dict[str, Any],
) -> None:
    """The caseload's filter fields are rendered once per language, values and lists: the same
    markup as the form renders, a chosen value shown as chosen, and never kept for a name search
    (a name typed is not kept beyond its request) or for a value that is not allowed."""
    from django.http import QueryDict

    from helhed.courses import forms_caseload, selectors
    from helhed.courses.forms_caseload import CourseListForm

    jonas, karen = world["jonas"], world["karen"]
    forms_caseload._RENDERED.clear()
    for user, query in [(jonas, "status=aktiv"), (jonas, ""), (karen, "koordinator=mig")]:
        for _ in range(2):  # the second time from the kept markup
            form = CourseListForm(
                QueryDict(query) or None, choices=selectors.course_list_choices(user)
            )
            form.filters()
            fresh = {name: form[name].as_field_group() for name in forms_caseload.FILTER_FIELDS}
            assert form.rendered_fields() == fresh
    assert len(forms_caseload._RENDERED) == 3
    chosen = forms_caseload._RENDERED[next(reversed(forms_caseload._RENDERED))]["koordinator"]
    assert re.search(r'<option value="mig" selected>', chosen)
    for query in ("navn=Bo", "status=ukendt"):
        form = CourseListForm(QueryDict(query), choices=selectors.course_list_choices(jonas))
        form.filters()
        form.rendered_fields()
    assert len(forms_caseload._RENDERED) == 3
    # and the page itself: Karen's list shows Dorte's coordinator among the choices, not Jonas's
    assert "Lars Larsen" not in page(karen) and "Lars Larsen" in page(jonas)


def _list_entries(user: User, before: set[Any]) -> list[tuple[Any, Any, bool, str]]:
    return sorted(
        AccessLogEntry.objects.filter(actor=user, what="forløbsliste")
        .exclude(pk__in=before)
        .values_list("citizen_id", "actor_unit_id", "without_consent", "legal_basis"),
        key=str,
    )


def test_a_reader_who_sees_more_courses_than_are_read_at_once_gets_the_same_list_and_log(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``LISTED_IDS_AT_MOST`` visible courses the list keeps the access rule as a subquery
    instead of reading the ids once: the same rows, filter choices and log entries."""
    from helhed.courses import selectors

    jonas, job_unit = world["jonas"], world["job_unit"]
    job_unit.may_open_without_consent = True
    job_unit.save(update_fields=["may_open_without_consent"])
    services.open_without_consent(
        jonas, course_id=world["anna"].pk, unit_id=job_unit.pk, basis_id="rsl-11c"
    )
    seen = []
    for limit in (selectors.LISTED_IDS_AT_MOST, 1):
        monkeypatch.setattr(selectors, "LISTED_IDS_AT_MOST", limit)
        before = set(AccessLogEntry.objects.values_list("pk", flat=True))
        html = page(jonas, status="alle")
        options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)
        seen.append((rows(html), _list_entries(jonas, before), options))
    assert seen[0][0] == ["Anna Andersen", "Bo Berg", "Camilla Clausen", "Dorte Dahl"]
    assert len(seen[0][1]) == 4 and any(flagged for _c, _u, flagged, _b in seen[0][1])
    # The filter lists name each initiative and coordinator of those courses, once, by name.
    labels = {label for _value, label in seen[0][2]}
    ips = world["ips"]
    assert f"{ips.name} ({ips.location})" in labels and world["lars"].get_full_name() in labels
    assert seen[1] == seen[0]


def test_a_one_unit_readers_list_is_attributed_without_asking_the_consents_again(
    world: dict[str, Any],
) -> None:
    """The ids the list read once in the request let the log attribute each course to the
    reader's one unit without a second evaluation of the consents (the list's hot path) — and
    the entries are the ones the full attribution writes."""
    from helhed.core.selectors import request_cache
    from helhed.courses import selectors

    jonas, job_unit = world["jonas"], world["job_unit"]
    token = request_cache.set({})
    try:
        listed = list(selectors.listed_courses(jonas))
        before = set(AccessLogEntry.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            selectors.log_course_list(jonas, listed)
    finally:
        request_cache.reset(token)
    assert not [q for q in queries.captured_queries if "courses_consent" in q["sql"]]
    fast = _list_entries(jonas, before)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    selectors.log_course_list(jonas, listed)  # outside a request: the full attribution
    assert _list_entries(jonas, before) == fast
    assert {unit for _c, unit, _f, _b in fast} == {job_unit.pk} and len(fast) == len(listed) > 0


def test_the_start_pages_caseload_shows_and_logs_the_first_ten_and_counts_them_all(
    world: dict[str, Any],
) -> None:
    """Karen's start page lists her first ten courses by name with their alerts and links to all
    of them with their number; only the ten citizens shown are read and logged — not the ones
    she would see on the next page."""
    karen = world["karen"]
    unit = world["anna"].coordinator_unit
    for n in range(9):
        open_course(karen, unit, first_name="Ekstra", last_name=f"Zahle {n}")
    coordinated = Course.objects.filter(coordinator=karen).exclude(status="afsluttet")
    total = coordinated.count()
    assert total == 12
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    response = client_for(karen).get(reverse("core:home"))
    assert response.status_code == 200
    html = response.content.decode()
    panel = html.split('id="caseload-heading"', 1)[1].split("</section>", 1)[0]
    names = re.findall(r'href="/forloeb/[0-9a-f-]{36}/">([^<]+)</a>', panel)
    by_name = sorted(coordinated, key=lambda c: (c.citizen.last_name, c.citizen.first_name, c.pk))
    assert names == [c.citizen.full_name for c in by_name[:10]]
    assert f"Alle {total} forløb" in panel and "Ingen plan endnu" in panel
    logged = AccessLogEntry.objects.filter(what="sagsoversigt", actor=karen).exclude(pk__in=before)
    assert sorted(map(str, logged.values_list("citizen_id", flat=True))) == sorted(
        str(c.citizen_id) for c in by_name[:10]
    )


def test_a_team_members_start_page_counts_the_courses_they_may_see(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jonas's start page counts the courses open to him: from the ids read once in the
    request, or — when he sees more than are read at once — as "N+" without reading them."""
    from helhed.courses import extensions, selectors

    jonas = world["jonas"]
    visible = selectors.visible_courses(jonas).count()
    assert visible == 3

    def said() -> str:
        html = client_for(jonas).get(reverse("core:home")).content.decode()
        return html.split('id="team-courses-heading"', 1)[1].split("</p>", 1)[0]

    assert "Du har adgang til 3 forløb med samtykke." in said()
    monkeypatch.setattr(extensions, "TEAM_COURSES_CAP", 2)
    assert "Du har adgang til 2+ forløb med samtykke." in said()
    monkeypatch.setattr(selectors, "LISTED_IDS_AT_MOST", 1)  # not read at once, counted
    assert "Du har adgang til 2+ forløb med samtykke." in said()
    monkeypatch.setattr(extensions, "TEAM_COURSES_CAP", 1)
    monkeypatch.setattr(selectors, "LISTED_IDS_AT_MOST", 2)  # more than read: more than 1
    assert "Du har adgang til 1+ forløb med samtykke." in said()
    monkeypatch.setattr(extensions, "TEAM_COURSES_CAP", 5)
    monkeypatch.setattr(selectors, "LISTED_IDS_AT_MOST", 3)
    assert "Du har adgang til 3 forløb med samtykke." in said()
