"""Supervision of the access log (docs/security.md, "The Django admin"; ``/adgangslog/``).

A *leder* or *administrator* sees the entries attributed to units of the organisations where
they hold that role today — attribution, not the reader's employer: a reader with units in two
organisations is supervised by the organisation of the unit the read was made from. A superuser
is nobody's supervisor (before issue 10 they read every organisation's log). Reads without
consent stand out and can be filtered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.audit.models import AccessLogEntry, Purpose
from helhed.audit.selectors import entries_for_supervision
from helhed.audit.services import log_access
from helhed.core.models import Membership, Organisation, Unit, User
from tests.refusals import refused

pytestmark = pytest.mark.django_db

CITIZEN = uuid.UUID("11111111-2222-3333-4444-555555555555")
SUPERVISION = reverse("audit:supervision")


@pytest.fixture
def unit_b(other_municipality: Organisation) -> Unit:
    return Unit.objects.create(organisation=other_municipality, name="Jobcenter Holbæk")


@pytest.fixture
def leader_a(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("leder", unit, first_name="Lea", last_name="Odense")


@pytest.fixture
def leader_b(make_user: Callable[..., User], unit_b: Unit) -> User:
    return make_user("leder", unit_b, first_name="Leo", last_name="Holbæk")


@pytest.fixture
def two_places(make_user: Callable[..., User], unit: Unit, unit_b: Unit) -> User:
    """A professional with a unit in each municipality."""
    user = make_user("fagperson", unit, first_name="Tove", last_name="Tosteder")
    Membership.objects.create(user=user, unit=unit_b, role="fagperson")
    return user


def page_for(user: User, **params: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(SUPERVISION, params)
    assert response.status_code == 200
    return response.content.decode()


def whats(viewer: User) -> set[str]:
    return {e.what for e in entries_for_supervision(viewer)}


def test_reads_are_supervised_by_the_organisation_of_the_unit_they_were_made_from(
    two_places: User, leader_a: User, leader_b: User, unit: Unit, unit_b: Unit
) -> None:
    log_access(two_places, CITIZEN, "plan læst fra Odense", Purpose.CASEWORK, unit_id=unit.pk)
    log_access(two_places, CITIZEN, "plan læst fra Holbæk", Purpose.CASEWORK, unit_id=unit_b.pk)
    assert whats(leader_a) == {"plan læst fra Odense"}
    assert whats(leader_b) == {"plan læst fra Holbæk"}
    html = page_for(leader_b)
    assert "plan læst fra Holbæk" in html and "plan læst fra Odense" not in html
    assert "Jobcenter Holbæk, Holbæk Kommune" in html  # the unit the read is attributed to


def test_a_read_by_another_organisations_staff_is_theirs_to_supervise(
    make_user: Callable[..., User], leader_a: User, leader_b: User, unit_b: Unit
) -> None:
    """A Holbæk professional reading a citizen whose course Odense coordinates acts from their
    own unit: Holbæk's leader supervises the read, Odense's does not."""
    reader = make_user("fagperson", unit_b, first_name="Fremmed")
    log_access(reader, CITIZEN, "plan i Odenses forløb", Purpose.CASEWORK, unit_id=unit_b.pk)
    assert whats(leader_a) == set()
    assert whats(leader_b) == {"plan i Odenses forløb"}


def test_administrators_supervise_like_leaders(
    make_user: Callable[..., User], unit: Unit, two_places: User
) -> None:
    administrator = make_user("administrator", unit)
    log_access(two_places, CITIZEN, "plan", Purpose.CASEWORK, unit_id=unit.pk)
    assert "plan" in whats(administrator)
    assert "Tove Tosteder" in page_for(administrator)


def test_the_superuser_supervises_nobody(
    make_user: Callable[..., User], two_places: User, unit: Unit
) -> None:
    superuser = make_user(None, is_staff=True, is_superuser=True)
    log_access(two_places, CITIZEN, "plan", Purpose.CASEWORK, unit_id=unit.pk)
    assert AccessLogEntry.objects.exists()
    assert not entries_for_supervision(superuser).exists()
    client = Client()
    client.force_login(superuser)
    assert client.get(SUPERVISION).status_code == 403


def test_a_superuser_who_is_an_administrator_member_gets_what_the_membership_gives(
    make_user: Callable[..., User], two_places: User, unit: Unit, unit_b: Unit
) -> None:
    superuser = make_user("administrator", unit, is_staff=True, is_superuser=True)
    log_access(two_places, CITIZEN, "fra Odense", Purpose.CASEWORK, unit_id=unit.pk)
    log_access(two_places, CITIZEN, "fra Holbæk", Purpose.CASEWORK, unit_id=unit_b.pk)
    assert whats(superuser) == {"fra Odense"}
    html = page_for(superuser)
    assert "fra Odense" in html and "fra Holbæk" not in html


def test_roles_are_per_organisation_and_on_the_day(
    make_user: Callable[..., User], unit: Unit, unit_b: Unit, two_places: User
) -> None:
    """Leader in Odense, fagperson in Holbæk: Odense's entries only. An ended leader: none."""
    mixed = make_user("leder", unit)
    Membership.objects.create(user=mixed, unit=unit_b, role="fagperson")
    log_access(two_places, CITIZEN, "fra Odense", Purpose.CASEWORK, unit_id=unit.pk)
    log_access(two_places, CITIZEN, "fra Holbæk", Purpose.CASEWORK, unit_id=unit_b.pk)
    assert whats(mixed) == {"fra Odense"}
    former = make_user(None)
    today = timezone.localdate()
    Membership.objects.create(
        user=former,
        unit=unit,
        role="leder",
        valid_from=today - timedelta(days=100),
        valid_to=today - timedelta(days=1),
    )
    assert whats(former) == set()
    client = Client()
    client.force_login(former)
    assert refused(client.get(SUPERVISION), 403)  # logged out: the last membership ended


@pytest.mark.parametrize("role", ["fagperson", "koordinator", "analytiker"])
def test_other_roles_do_not_supervise(
    role: str, make_user: Callable[..., User], unit: Unit, two_places: User
) -> None:
    log_access(two_places, CITIZEN, "plan", Purpose.CASEWORK, unit_id=unit.pk)
    client = Client()
    client.force_login(make_user(role, unit))
    assert client.get(SUPERVISION).status_code == 403


def test_reads_without_consent_stand_out_and_can_be_filtered(
    leader_a: User, two_places: User, unit: Unit
) -> None:
    log_access(two_places, CITIZEN, "plan med samtykke", Purpose.CASEWORK, unit_id=unit.pk)
    log_access(
        two_places,
        CITIZEN,
        "plan uden samtykke",
        Purpose.LEGAL_OBLIGATION,
        without_consent=True,
        legal_basis="Serviceloven § 155",
        unit_id=unit.pk,
    )
    html = page_for(leader_a)
    assert "1 opslag er foretaget uden samtykke." in html
    assert 'href="?without_consent=on"' in html
    assert html.count('class="badge badge-warning"') == 1
    assert "Serviceloven § 155" in html
    filtered = page_for(leader_a, without_consent="on")
    assert "plan uden samtykke" in filtered and "plan med samtykke" not in filtered
    assert "opslag er foretaget uden samtykke" not in filtered  # already filtered
    assert "Odense Kommune" in filtered  # whose entries the page shows
