"""``helhed demo``: deterministic for a seed, idempotent, prints the logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.devtools.demokit import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def run(seed: int = 1, only: tuple[str, ...] = ()) -> str:
    out = StringIO()
    call_command(
        "demo",
        seed=seed,
        only=list(only),
        citizens=5,
        no_progress=True,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    )


def test_demo_creates_staff_in_every_role_and_prints_logins() -> None:
    output = run()
    for username in ("koordinator", "fagperson", "leder", "analytiker", "admin", "borger"):
        assert f"  {username} " in output
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in output
    assert "rækker/s" in output
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"fagperson", "koordinator", "leder", "analytiker", "administrator"}
    assert Unit.objects.filter(organisation__org_type_id="kommune").count() >= 4 * 9
    assert Organisation.objects.filter(org_type_id="civilsamfund").exists()
    assert Organisation.objects.filter(org_type_id="privat").exists()


def test_demo_is_idempotent() -> None:
    run()
    before = counts()
    second = run()
    assert counts() == before
    assert "0 nye rækker" in second


def test_demo_is_deterministic_for_a_seed() -> None:
    # Only the core hook: later apps' rows (courses) refer to the staff and would block deletion.
    run(seed=7, only=("core",))
    names_7 = sorted(User.objects.values_list("username", "first_name", "last_name", "title"))
    User.objects.all().delete()
    run(seed=7, only=("core",))
    assert (
        sorted(User.objects.values_list("username", "first_name", "last_name", "title")) == names_7
    )


def test_different_seeds_give_different_people() -> None:
    run(seed=1, only=("core",))
    first = set(User.objects.values_list("first_name", "last_name"))
    User.objects.all().delete()
    run(seed=2, only=("core",))
    assert set(User.objects.values_list("first_name", "last_name")) != first


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(CommandError, match="--citizens skal være 0 eller større"):
        call_command("demo", citizens=-1, no_progress=True, stdout=StringIO())
    with pytest.raises(CommandError, match="Ukendt app i --only: nope"):
        call_command("demo", only=["nope"], no_progress=True, stdout=StringIO())


def test_a_database_with_people_the_demo_did_not_make_is_refused() -> None:
    """A real installation (here: one administrator created by hand) gets no demo data — its
    logins share a published password — unless the operator says the database is a test one;
    a demo database built with the same seed is built on, one of another seed is refused."""
    User.objects.create_user("rigtig.admin", password="x" * 16, kind="staff")
    before = counts()
    with pytest.raises(CommandError, match="1 bruger og 0 borgere") as caught:
        run()
    assert "--allow-existing-data" in str(caught.value)
    assert counts() == before
    assert authenticate(username="koordinator", password=DEMO_PASSWORD) is None
    call_command(
        "demo",
        citizens=5,
        only=["core"],
        allow_existing_data=True,
        no_progress=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert authenticate(username="koordinator", password=DEMO_PASSWORD) is not None
    run(only=("core",))  # the same seed's demo: built on
    with pytest.raises(CommandError, match="seed 2"):
        run(seed=2, only=("core",))
