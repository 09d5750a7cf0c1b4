"""Login, logout, start page per role, language switch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from helhed.core.models import Membership, Unit, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GENERIC = "Brugernavn eller adgangskode er forkert"


def test_passwords_are_hashed_with_argon2(coordinator: User) -> None:
    assert coordinator.password.startswith("argon2$")


def test_login_page_is_danish(client: Client) -> None:
    response = client.get(reverse("core:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da">' in html
    assert "Log ind på Helhed" in html
    assert 'for="id_login"' in html and 'for="id_password"' in html


def test_login_succeeds_and_lands_on_the_coordinators_start_page(
    client: Client, coordinator: User
) -> None:
    response = client.post(
        reverse("core:login"),
        {"login": coordinator.username, "password": PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert "Velkommen, Karen" in html
    assert "Som koordinator har du overblikket" in html


def test_failed_logins_say_the_same_for_unknown_user_and_wrong_password(
    client: Client, coordinator: User
) -> None:
    wrong_password = client.post(
        reverse("core:login"), {"login": coordinator.username, "password": "forkert-kode-123"}
    )
    unknown_user = client.post(
        reverse("core:login"), {"login": "findes-ikke", "password": "forkert-kode-123"}
    )
    coordinator.is_active = False
    coordinator.save()
    inactive = client.post(
        reverse("core:login"), {"login": coordinator.username, "password": PASSWORD}
    )
    for response in (wrong_password, unknown_user, inactive):
        assert response.status_code == 200
        assert GENERIC in response.content.decode()
        assert "_auth_user_id" not in client.session
    # The error summary is the same text whatever was wrong.
    assert wrong_password.context["form"].non_field_errors() == (
        unknown_user.context["form"].non_field_errors()
    )


def test_logout_requires_post_and_ends_the_session(client: Client, coordinator: User) -> None:
    client.force_login(coordinator)
    assert client.get(reverse("core:logout")).status_code == 405
    response = client.post(reverse("core:logout"), follow=True)
    assert "_auth_user_id" not in client.session
    assert response.redirect_chain[-1][0] == reverse("core:login")


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize(
    ("role", "marker"),
    [
        ("fagperson", "Som fagperson ser du"),
        ("koordinator", "Som koordinator har du overblikket"),
        ("leder", "Som leder følger du"),
        ("analytiker", "Som analytiker arbejder du"),
        ("administrator", "Som administrator vedligeholder du"),
    ],
)
def test_each_role_gets_its_own_start_page(
    role: str,
    marker: str,
    make_user: Callable[..., User],
    unit: Unit,
    login: Callable[[User], Client],
) -> None:
    html = login(make_user(role, unit)).get(reverse("core:home")).content.decode()
    assert marker in html
    assert "Koordinerende Team" in html  # my units


def test_most_responsible_role_wins(
    make_user: Callable[..., User], unit: Unit, login: Callable[[User], Client]
) -> None:
    user = make_user("fagperson", unit)
    other = Unit.objects.create(organisation=unit.organisation, name="Jobcenter")
    Membership.objects.create(user=user, unit=other, role="leder")
    assert "Som leder følger du" in login(user).get(reverse("core:home")).content.decode()


def test_expired_membership_gives_no_access(
    make_user: Callable[..., User], unit: Unit, login: Callable[[User], Client]
) -> None:
    import datetime

    user = make_user(None)
    Membership.objects.create(
        user=user,
        unit=unit,
        role="koordinator",
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2021, 1, 1),
    )
    response = login(user).get(reverse("core:home"))
    assert response.status_code == 403
    assert "Du har ingen aktiv rolle" in response.content.decode()


def test_citizen_gets_min_side_and_no_staff_pages(
    citizen_user: User, login: Callable[[User], Client]
) -> None:
    client = login(citizen_user)
    html = client.get(reverse("core:home")).content.decode()
    assert "Hej Bo" in html
    assert "Hvem har set mine oplysninger?" in html
    assert client.get(reverse("core:organisation_list")).status_code == 403
    assert client.get(reverse("audit:supervision")).status_code == 403
    assert client.get("/admin/").status_code == 302  # admin login, not the admin


def test_english_is_available(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/log-ind/"}, follow=True
    )
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Helhed" in html


def test_organisation_list_filters(coordinator: User, login: Callable[[User], Client]) -> None:
    client = login(coordinator)
    html = client.get(reverse("core:organisation_list"), {"org_type": "region"}).content.decode()
    assert "5 organisationer" in html and "Region Sjælland" in html
    html = client.get(reverse("core:organisation_list"), {"q": "Holbæk"}).content.decode()
    assert "1 organisation" in html and "Holbæk Kommune" in html
    html = client.get(reverse("core:organisation_list"), {"org_type": "nope"}).content.decode()
    assert "Marker en gyldig valgmulighed" in html  # a field error, not a crash
