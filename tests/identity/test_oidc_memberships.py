"""Each OpenID Connect login makes the memberships *that login granted* what the broker's claims
name today: a unit or role the claims no longer name is ended, a membership an administrator made
by hand is never touched, and claims that do not say which role belongs to which unit are refused
(docs/security.md, "Log ind med OpenID Connect" → "Memberships follow the claims")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.core.selectors import current_memberships, today
from helhed.identity.logic import Identity, pick_memberships
from helhed.identity.models import LoginMembership, OrganisationLogin, RoleMapping, UnitMapping
from tests.identity.conftest import STAFF_ID, UNIT_CODE
from tests.oidc_idp.fixture import SUBSTANTIAL, IdP

pytestmark = pytest.mark.django_db

OTHER_CODE = "461-MC"
LONG_AGO = date(2025, 1, 1)


@pytest.fixture
def unit_b(municipality: Organisation, staff_login: OrganisationLogin) -> Unit:
    b = Unit.objects.create(
        organisation=municipality, name="Misbrugscenteret", welfare_area_id="beskaeftigelse"
    )
    UnitMapping.objects.create(login=staff_login, value=OTHER_CODE, unit=b)
    RoleMapping.objects.create(login=staff_login, value="Leder", role="leder")
    return b


def kirsten(idp: IdP, unit: Any = UNIT_CODE, role: Any = "Koordinator") -> None:
    idp.set_claims(
        "kirsten",
        sub="kirsten-sub-1",
        name="Kirsten Holm",
        email="kirsten@kommune.example",
        helhed_unit=unit,
        helhed_role=role,
        acr=SUBSTANTIAL,
    )


def kirsten_user() -> User:
    return User.objects.get(socialaccount__uid="kirsten-sub-1")


def now_valid(user: User) -> set[tuple[str, str]]:
    return {(m.unit.name, m.role) for m in current_memberships(user)}


def backdate() -> None:
    """The memberships the first login made began long ago (so a later login ends them)."""
    Membership.objects.update(valid_from=LONG_AGO)


def test_a_user_moved_from_unit_a_to_b_loses_a_at_the_next_login(
    client: Client,
    idp: IdP,
    unit: Unit,
    unit_b: Unit,
    oidc_sign_in: Callable[..., Any],
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    assert unit.name in client.get("/").content.decode()
    backdate()
    client.logout()
    kirsten(idp, unit=OTHER_CODE)
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    user = kirsten_user()
    assert now_valid(user) == {(unit_b.name, "koordinator")}
    home = client.get("/").content.decode()
    assert unit_b.name in home and unit.name not in home
    old = Membership.objects.get(user=user, unit=unit)
    assert (old.valid_from, old.valid_to) == (LONG_AGO, today() - timedelta(days=1))


def test_a_leader_demoted_to_caseworker_loses_the_leader_role(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp, role="Leder")
    oidc_sign_in(STAFF_ID, "kirsten")
    assert client.get("/").templates[0].name == "core/home_leder.html"
    backdate()
    client.logout()
    kirsten(idp, role="Fagperson")
    oidc_sign_in(STAFF_ID, "kirsten")
    assert now_valid(kirsten_user()) == {(unit.name, "fagperson")}
    assert client.get("/").templates[0].name == "core/home_fagperson.html"


def test_a_move_on_the_day_the_membership_began_removes_it(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    client.logout()
    kirsten(idp, unit=OTHER_CODE)
    oidc_sign_in(STAFF_ID, "kirsten")
    assert now_valid(kirsten_user()) == {(unit_b.name, "koordinator")}
    assert not Membership.objects.filter(unit=unit).exists()


def test_a_membership_made_by_hand_stays(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    backdate()
    user = kirsten_user()
    # the administrator adds, by hand, a leader role in unit A and analyst in unit B
    Membership.objects.create(user=user, unit=unit, role="leder", valid_from=LONG_AGO)
    Membership.objects.create(user=user, unit=unit_b, role="analytiker")
    client.logout()
    kirsten(idp, unit=OTHER_CODE)
    oidc_sign_in(STAFF_ID, "kirsten")
    assert now_valid(user) == {
        (unit.name, "leder"),
        (unit_b.name, "analytiker"),
        (unit_b.name, "koordinator"),
    }
    assert LoginMembership.objects.filter(membership__role__in=["leder", "analytiker"]).count() == 0


def test_a_unit_named_again_is_reopened_but_one_ended_by_an_administrator_is_not(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    backdate()
    client.logout()
    kirsten(idp, unit=OTHER_CODE)
    oidc_sign_in(STAFF_ID, "kirsten")
    client.logout()
    kirsten(idp)  # back to unit A
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    assert now_valid(kirsten_user()) == {(unit.name, "koordinator")}
    client.logout()
    # the administrator ends unit A; the broker still names it: refused, not reopened
    Membership.objects.filter(unit=unit).update(valid_from=LONG_AGO, valid_to=LONG_AGO)
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 403
    assert "medlemskab af enheden er afsluttet" in response.content.decode()
    assert Membership.objects.get(unit=unit).valid_to == LONG_AGO


def test_several_units_and_several_roles_are_refused_and_nothing_changes(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp)
    oidc_sign_in(STAFF_ID, "kirsten")
    backdate()
    client.logout()
    before = sorted(Membership.objects.values_list("unit_id", "role", "valid_from", "valid_to"))
    kirsten(idp, unit=[UNIT_CODE, OTHER_CODE], role=["Leder", "Fagperson"])
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 403
    assert "hvilken enhed og rolle du har i Helhed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    after = sorted(Membership.objects.values_list("unit_id", "role", "valid_from", "valid_to"))
    assert after == before


def test_several_units_with_one_role_give_that_role_in_each_unit(
    client: Client, idp: IdP, unit: Unit, unit_b: Unit, oidc_sign_in: Callable[..., Any]
) -> None:
    kirsten(idp, unit=[UNIT_CODE, OTHER_CODE], role="Fagperson")
    response, _ = oidc_sign_in(STAFF_ID, "kirsten")
    assert response.status_code == 302
    assert now_valid(kirsten_user()) == {(unit.name, "fagperson"), (unit_b.name, "fagperson")}


def identity(units: tuple[str, ...], roles: tuple[str, ...]) -> Identity:
    return Identity(sub="s", name="", email="", units=units, roles=roles, cpr="", acr="")


@pytest.mark.parametrize(
    ("units", "roles", "expected"),
    [
        (("A",), ("K", "F", "?"), {("a", "koordinator"), ("a", "fagperson")}),
        (("A", "B", "?"), ("F",), {("a", "fagperson"), ("b", "fagperson")}),
        (("A", "A2"), ("K", "F"), {("a", "koordinator"), ("a", "fagperson")}),  # A2 is unit a
        (("A", "B"), ("K", "F"), None),
        (("?",), ("K",), None),
        (("A",), (), None),
    ],
)
def test_pick_memberships_pairs_units_and_roles_only_unambiguously(
    units: tuple[str, ...], roles: tuple[str, ...], expected: set[tuple[str, str]] | None
) -> None:
    unit_map = {"A": "a", "A2": "a", "B": "b"}
    role_map = {"K": "koordinator", "F": "fagperson"}
    picked = pick_memberships(identity(units, roles), unit_map, role_map)
    assert picked == (None if expected is None else frozenset(expected))
