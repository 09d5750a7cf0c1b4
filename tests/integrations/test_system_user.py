"""A client's system user is never a person: it cannot log in or reset a password, and no
picker, survey or coordinator list offers it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.coordination import selectors as coordination_selectors
from helhed.coordination.models import Participation
from helhed.core.models import Membership, Role, Unit, User
from helhed.courses import selectors as course_selectors
from helhed.courses.forms import TeamMemberForm
from helhed.integrations import services
from tests.conftest import PASSWORD
from tests.coordination.conftest import World, world  # noqa: F401  (fixture re-used here)

pytestmark = pytest.mark.django_db


def _system_user(creds: services.Credentials) -> User:
    return User.objects.get(pk=creds.client.system_user_id)


def test_creating_a_client_makes_a_system_user_no_person_can_be(
    client: Client, unit: Unit, make_client
) -> None:
    user = _system_user(make_client(unit, name="Sagssystemet"))
    assert user.is_system and user.kind == "staff" and user.is_active
    assert user.first_name == "Sagssystemet" and user.email == ""
    assert not user.has_usable_password()
    [membership] = Membership.objects.filter(user=user)
    assert (membership.unit, membership.role) == (unit, Role.FAGPERSON)
    # even with a password someone set, the login page refuses it like a wrong one
    user.set_password(PASSWORD)
    user.email = "system@kommune.dk"
    user.save()
    page = client.post("/log-ind/", {"login": user.username, "password": PASSWORD}, follow=True)
    assert "Brugernavn eller adgangskode er forkert" in page.content.decode()
    assert "_auth_user_id" not in client.session
    client.post(reverse("account_reset_password"), {"email": "system@kommune.dk"}, follow=True)
    assert mail.outbox == []


def test_the_team_picker_offers_people_only(unit: Unit, make_user, make_client) -> None:
    person = make_user("fagperson", unit, first_name="Pia")
    system = _system_user(make_client(unit))
    form = TeamMemberForm(initial={"unit": unit.pk, "organisation": unit.organisation})
    offered = set(form.fields["member_user"].queryset)
    assert person in offered
    assert system not in offered


def test_coordinator_lists_never_name_a_system_user(
    unit: Unit, make_user: Callable[..., User], make_client, administrator: User
) -> None:
    coordinator = make_user("koordinator", unit, first_name="Kim")
    system = _system_user(make_client(unit))
    # even if someone made the system user a coordinator in the Django admin
    Membership.objects.create(user=system, unit=unit, role=Role.KOORDINATOR)
    people = [u for u, _unit in course_selectors.coordinator_candidates(unit.organisation_id)]
    assert coordinator in people
    assert system not in people


def test_a_survey_never_invites_a_system_user(world: World) -> None:  # noqa: F811
    creds = services.create_client(
        actor_id=world.admin.pk,
        name="Jobcentrets system",
        unit_id=world.job_unit.pk,
        scopes=["courses:read"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    wave = world.draft_wave(scope_kind="organisation", initiative_id=None)
    offered = {c.user_id for c in coordination_selectors.candidates(wave)}
    invited = set(Participation.objects.filter(wave=wave).values_list("user_id", flat=True))
    assert offered and invited  # people are offered and invited
    assert creds.client.system_user_id not in offered | invited


def test_the_django_admin_lists_no_system_user(
    client: Client, unit: Unit, make_client, administrator: User
) -> None:
    system = _system_user(make_client(unit, name="Skjult system"))
    client.force_login(administrator)
    page = client.get("/admin/core/user/")
    assert page.status_code == 200
    assert administrator.username in page.content.decode()
    assert system.username not in page.content.decode()
