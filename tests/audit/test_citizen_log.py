"""The citizen's own access log shows the openings of their record apart from the lists their name
appeared in (a coordinator's caseload, search results), so the openings are easy to see
(issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.audit.services import log_access
from tests.courses.citizen_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sections(page: str) -> tuple[str, str]:
    """The page's "opened" section and its "lists" section."""
    opened = page[page.index('id="aabnet"') : page.index('id="lister"')]
    lists = page[page.index('id="lister"') :]
    return opened, lists


def test_openings_and_list_views_are_shown_apart(world: World) -> None:
    coordinator = client_for(world.coordinator)
    for _ in range(3):
        assert coordinator.get(reverse("courses:course_list")).status_code == 200
    assert (
        coordinator.get(reverse("courses:course_detail", args=[world.course.pk])).status_code == 200
    )

    page = client_for(world.citizen_user).get(reverse("audit:my_log")).content.decode()
    opened, lists = sections(page)
    # The opening of the course, with who and why.
    assert "Karen Koordinator" in opened
    assert "Sagsbehandling og koordinering" in opened
    assert "forløbsliste" not in opened
    # The three list views: one line, three times.
    assert "forløbsliste" in lists
    row = lists[lists.index("forløbsliste") :]
    assert '<td class="align-text-right">3</td>' in row[: row.index("</tr>")]
    assert "Dine oplysninger er åbnet 1 gang" in page
    assert "Dit navn har stået på en liste 3 gange" in page


def test_a_search_and_entries_from_before_the_flag_count_as_lists(world: World) -> None:
    log_access(world.jobcenter_user, world.citizen.pk, "søgeresultat", Purpose.SEARCH, listing=True)
    AccessLogEntry.objects.create(  # written before ``listing`` was recorded
        actor=world.coordinator,
        actor_name="Karen Koordinator",
        citizen_id=world.citizen.pk,
        what="sagsoversigt",
        purpose=Purpose.CASEWORK,
    )
    log_access(world.psychiatrist, world.citizen.pk, "plan", Purpose.PLANNING)

    page = client_for(world.citizen_user).get(reverse("audit:my_log")).content.decode()
    opened, lists = sections(page)
    assert "søgeresultat" in lists and "Søgning efter borger" in lists
    assert "sagsoversigt" in lists
    assert "søgeresultat" not in opened and "sagsoversigt" not in opened
    assert "Planlægning af indsatser" in opened


def test_a_list_view_without_consent_stays_flagged(world: World) -> None:
    log_access(
        world.coordinator,
        world.citizen.pk,
        "forløbsliste",
        Purpose.LEGAL_OBLIGATION,
        without_consent=True,
        legal_basis="Serviceloven § 11",
        listing=True,
    )
    page = client_for(world.citizen_user).get(reverse("audit:my_log")).content.decode()
    _opened, lists = sections(page)
    assert "Uden dit samtykke" in lists and "Serviceloven § 11" in lists


def test_only_the_citizen_sees_their_log(world: World) -> None:
    assert client_for(world.coordinator).get(reverse("audit:my_log")).status_code == 403
