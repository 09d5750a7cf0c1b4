"""The access log is append-only in the application and in the database."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from helhed.audit.models import AccessLogEntry, AppendOnlyError, Purpose
from helhed.audit.services import AccessLogError, log_access
from helhed.core.models import Organisation, Unit, User
from helhed.core.panels import register_citizen_resolver

pytestmark = pytest.mark.django_db

CITIZEN = uuid.UUID("11111111-2222-3333-4444-555555555555")


def test_log_access_records_who_which_citizen_what_when_why(coordinator: User) -> None:
    (entry,) = log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored.actor == coordinator
    assert stored.actor_name == "Karen Bruger 1" or stored.actor_name.startswith("Karen")
    assert stored.actor_unit == "Koordinerende Team, Odense Kommune"
    assert stored.citizen_id == CITIZEN
    assert (stored.what, stored.purpose, stored.without_consent) == (
        "plan",
        "sagsbehandling",
        False,
    )
    assert stored.at is not None


def test_one_entry_per_citizen_in_a_list(coordinator: User) -> None:
    others = [uuid.uuid4() for _ in range(3)]
    log_access(coordinator, [*others, others[0]], "søgeresultat", Purpose.SEARCH)
    assert AccessLogEntry.objects.filter(citizen_id__in=others).count() == 3


def test_access_without_consent_needs_a_legal_basis(coordinator: User) -> None:
    with pytest.raises(AccessLogError, match="hjemmel"):
        log_access(coordinator, CITIZEN, "plan", Purpose.LEGAL_OBLIGATION, without_consent=True)
    (entry,) = log_access(
        coordinator,
        CITIZEN,
        "plan",
        Purpose.LEGAL_OBLIGATION,
        without_consent=True,
        legal_basis="Serviceloven § 155",
    )
    assert entry.without_consent and entry.legal_basis == "Serviceloven § 155"


def test_bad_calls_are_refused(coordinator: User) -> None:
    with pytest.raises(AccessLogError, match="Ukendt formål"):
        log_access(coordinator, CITIZEN, "plan", "nysgerrighed")
    with pytest.raises(AccessLogError, match="hvad der blev læst"):
        log_access(coordinator, CITIZEN, "  ", Purpose.CASEWORK)
    assert not AccessLogEntry.objects.exists()


def test_database_refuses_without_consent_without_basis(coordinator: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLogEntry.objects.create(
            actor=coordinator,
            actor_name="x",
            citizen_id=CITIZEN,
            what="plan",
            purpose="lovpligt",
            without_consent=True,
        )


def test_application_has_no_update_or_delete_path(coordinator: User) -> None:
    (entry,) = log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    entry.what = "ændret"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(what="ændret")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.bulk_update([entry], ["what"])
    assert AccessLogEntry.objects.get(pk=entry.pk).what == "plan"


def test_database_refuses_update_and_delete_even_with_raw_sql(coordinator: User) -> None:
    (entry,) = log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    table = AccessLogEntry._meta.db_table
    pk = entry.pk.hex if connection.vendor == "sqlite" else str(entry.pk)
    for sql in (
        f"UPDATE {table} SET what = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [pk])
    assert AccessLogEntry.objects.filter(pk=entry.pk, what="plan").count() == 1


def test_deleting_the_actor_is_refused_while_the_log_references_them(coordinator: User) -> None:
    from django.db.models import ProtectedError

    log_access(coordinator, CITIZEN, "plan", Purpose.CASEWORK)
    with pytest.raises(ProtectedError):
        coordinator.delete()


def test_citizen_sees_who_looked_at_their_data(
    coordinator: User, citizen_user: User, login: Callable[[User], Client]
) -> None:
    register_citizen_resolver(lambda user: CITIZEN if user.pk == citizen_user.pk else None)
    log_access(coordinator, CITIZEN, "plan og mål", Purpose.PLANNING)
    log_access(coordinator, uuid.uuid4(), "en andens plan", Purpose.PLANNING)
    html = login(citizen_user).get(reverse("audit:my_log")).content.decode()
    assert "plan og mål" in html
    assert "Koordinerende Team, Odense Kommune" in html
    assert "Planlægning af indsatser" in html
    assert "en andens plan" not in html


def test_supervision_shows_only_the_leaders_own_organisations(
    make_user: Callable[..., User],
    unit: Unit,
    other_municipality: Organisation,
    login: Callable[[User], Client],
) -> None:
    leader = make_user("leder", unit)
    own_staff = make_user("fagperson", unit, first_name="Egen")
    other_unit = Unit.objects.create(organisation=other_municipality, name="Jobcenter")
    foreign_staff = make_user("fagperson", other_unit, first_name="Fremmed")
    log_access(own_staff, CITIZEN, "plan", Purpose.CASEWORK)
    log_access(foreign_staff, CITIZEN, "plan", Purpose.CASEWORK)
    client = login(leader)
    html = client.get(reverse("audit:supervision")).content.decode()
    assert "Egen Bruger" in html and "Fremmed Bruger" not in html
    html = client.get(
        reverse("audit:supervision"), {"since": "10.01.2026", "until": "01.01.2026"}
    ).content.decode()
    assert "Til-datoen skal ligge efter fra-datoen" in html
    fagperson_client = Client()
    fagperson_client.force_login(own_staff)
    assert fagperson_client.get(reverse("audit:supervision")).status_code == 403
