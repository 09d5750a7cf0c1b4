"""The Django admin, tried as an attacker (docs/security.md, "The Django admin").

Before issue 10 the admin listed every citizen with the full CPR number, their consents,
measures and courses, edited consents without an access-log entry, and let the superuser read
every organisation's access log. Now no personal-data model is in the admin; an organisation's
administrator administers only their own organisation's units, users and memberships; the
superuser keeps the reference lists and is nobody's administrator.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.core.selectors import roles_of
from helhed.courses.models import Citizen, Course, LegalBasis, Measure, Plan, WithoutConsentBasis
from helhed.registry.models import Initiative
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import check_guard  # noqa: E402

PERSONAL_MODELS = sorted(check_guard.personal_models()[0])
INVALID_CHOICE = "Marker en gyldig valgmulighed"


def personal_model(name: str) -> type[models.Model]:
    (model,) = [
        m for m in apps.get_models() if m.__name__ == name and m.__module__.startswith("helhed.")
    ]
    return model


def make_course(coordinator: User, unit: Unit, last_name: str = "Hemmelig") -> Course:
    """A course with a plan, written straight to the database (no service: the admin is
    what is tried here)."""
    citizen = Citizen.objects.create(
        cpr=f"150385{Citizen.objects.count() + 1001:04d}",
        birth_date=date(1985, 3, 15),
        first_name="Mette",
        last_name=last_name,
    )
    course = Course.objects.create(
        initiative=Initiative.objects.create(name="FAMKO", location="Odense"),
        citizen=citizen,
        referred_on=timezone.localdate() - timedelta(days=30),
        coordinator=coordinator,
        coordinator_unit=unit,
    )
    Plan.objects.create(course=course)
    return course


def admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def form_data(response: Any) -> dict[str, Any]:
    """What the admin's change form would post back unchanged: its fields and its inlines."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data: dict[str, Any] = {}
    for form in forms:
        for bound in form:
            if bound.field.disabled:
                continue
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = value
    return data


# --------------------------------------------------------------------------------------------
# The world: two municipalities with an administrator each, a superuser without memberships
# --------------------------------------------------------------------------------------------


@pytest.fixture
def unit_b(other_municipality: Organisation) -> Unit:
    return Unit.objects.create(organisation=other_municipality, name="Rusmiddelcenter Holbæk")


@pytest.fixture
def admin_a(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("administrator", unit, first_name="Anna", last_name="Admin")


@pytest.fixture
def admin_b(make_user: Callable[..., User], unit_b: Unit) -> User:
    return make_user("administrator", unit_b, first_name="Bent", last_name="Admin")


@pytest.fixture
def superuser(make_user: Callable[..., User]) -> User:
    return make_user(None, is_staff=True, is_superuser=True, first_name="Super")


@pytest.fixture
def user_a(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("koordinator", unit, first_name="Aase", last_name="Odense")


@pytest.fixture
def user_b(make_user: Callable[..., User], unit_b: Unit) -> User:
    return make_user("fagperson", unit_b, first_name="Bodil", last_name="Holbæk")


@pytest.fixture
def shared_user(make_user: Callable[..., User], unit: Unit, unit_b: Unit) -> User:
    """A member of a unit in each municipality: read-only for both administrators."""
    user = make_user("fagperson", unit, first_name="Delt", last_name="Bruger")
    Membership.objects.create(user=user, unit=unit_b, role="fagperson")
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --------------------------------------------------------------------------------------------
# Hole 3: personal data has left the admin
# --------------------------------------------------------------------------------------------


def test_no_personal_data_model_is_registered_in_the_admin() -> None:
    assert {"Citizen", "Course", "Consent", "AccessLogEntry", "Handover"} <= set(PERSONAL_MODELS)
    registered = {model.__name__ for model in admin.site._registry}
    assert registered.isdisjoint(PERSONAL_MODELS), registered & set(PERSONAL_MODELS)


@pytest.mark.parametrize("name", PERSONAL_MODELS)
def test_personal_data_admin_pages_are_not_found(
    name: str, superuser: User, admin_a: User, user_a: User, unit: Unit
) -> None:
    model = personal_model(name)
    course = make_course(user_a, unit)
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    for who in (superuser, admin_a):
        client = client_for(who)
        for url in (base, f"{base}add/", f"{base}{course.citizen_id}/change/"):
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            assert "Hemmelig" not in response.content.decode()
            assert course.citizen.cpr not in response.content.decode()


def test_staff_without_the_administrator_role_do_not_enter_the_admin(
    user_a: User, citizen_user: User, client: Client
) -> None:
    for who in (user_a, citizen_user):
        logged_in = client_for(who)
        response = logged_in.get("/admin/")
        assert response.status_code == 302
        assert logged_in.get(response["Location"]).status_code == 403  # no second login form
        assert logged_in.get(reverse("admin:core_user_changelist")).status_code == 302
    # Anonymous visitors are sent to the application's one login page.
    response = client.get(reverse("admin:login"), {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_an_ended_administrator_membership_closes_the_admin_the_same_day(
    admin_a: User,
) -> None:
    client = client_for(admin_a)
    assert client.get("/admin/").status_code == 200
    Membership.objects.filter(user=admin_a).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    assert client.get("/admin/").status_code == 302


# --------------------------------------------------------------------------------------------
# The superuser keeps reference lists; they are nobody's administrator
# --------------------------------------------------------------------------------------------


def test_superuser_is_not_an_administrator_and_reads_no_personal_data(
    superuser: User, user_a: User, unit: Unit
) -> None:
    course = make_course(user_a, unit)
    assert roles_of(superuser) == set()
    client = client_for(superuser)
    assert client.get(reverse("audit:supervision")).status_code == 403
    assert client.get(reverse("courses:course_detail", args=[course.pk])).status_code == 403
    # no role: no start page with personal data, but the way to the technical administration
    home = client.get(reverse("core:home"))
    assert (home.status_code, home["Location"]) == (302, reverse("admin:index"))
    assert client.get("/admin/").status_code == 200


def test_superuser_keeps_the_reference_lists(superuser: User, admin_a: User) -> None:
    client = client_for(superuser)
    for model in (LegalBasis, WithoutConsentBasis, Organisation):
        assert client.get(admin_url(model, "changelist")).status_code == 200
        assert client.get(admin_url(model, "add")).status_code == 200
    assert client.get(reverse("admin:core_organisationtype_changelist")).status_code == 200
    assert client.get(reverse("admin:core_welfarearea_changelist")).status_code == 200
    assert client.get(reverse("admin:registry_initiative_changelist")).status_code == 200
    # An organisation's administrator does not.
    client = client_for(admin_a)
    for url in (
        admin_url(LegalBasis, "changelist"),
        admin_url(WithoutConsentBasis, "changelist"),
        reverse("admin:core_organisationtype_changelist"),
        reverse("admin:core_welfarearea_changelist"),
        reverse("admin:registry_initiative_changelist"),
        admin_url(Organisation, "add"),
    ):
        assert client.get(url).status_code == 403, url


def test_superuser_bootstraps_an_organisation_with_its_first_administrator(
    superuser: User,
) -> None:
    client = client_for(superuser)
    response = client.post(
        admin_url(Organisation, "add"), {"name": "Mentorhuset ApS", "org_type": "privat"}
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Mentorhuset ApS")
    response = client.post(
        admin_url(Unit, "add"),
        {"organisation": org.pk, "name": "Ledelse", "data_category": "plan"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(organisation=org)
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "mentor-admin",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-unit": unit.pk,
            "memberships-0-role": "administrator",
        },
    )
    assert response.status_code == 302
    first_admin = User.objects.get(username="mentor-admin")
    assert first_admin.memberships.get().role == "administrator"
    assert not first_admin.is_superuser and not first_admin.is_staff


def test_superuser_grants_no_role_but_administrator(
    superuser: User, user_a: User, unit: Unit
) -> None:
    client = client_for(superuser)
    response = client.post(
        admin_url(Membership, "add"),
        {"user": superuser.pk, "unit": unit.pk, "role": "koordinator"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "kun give rollen administrator" in errors["role"][0]
    assert not Membership.objects.filter(user=superuser).exists()
    # Nor can the superuser take over a caseworker's account (a password reset is a login).
    assert client.get(admin_url(User, "change", user_a.pk)).status_code == 200  # read-only
    password_url = reverse("admin:auth_user_password_change", args=[user_a.pk])
    assert client.get(password_url).status_code == 403
    response = client.post(
        password_url,
        {"password1": "ny-kode-til-overtagelse-1", "password2": "ny-kode-til-overtagelse-1"},
    )
    assert response.status_code == 403
    user_a.refresh_from_db()
    assert user_a.check_password(PASSWORD)
    # The caseworker's own memberships are not even listed to the superuser.
    listing = client.get(admin_url(Membership, "changelist")).content.decode()
    assert "Aase" not in listing


def test_legal_basis_category_change_reclassifies_existing_items(
    superuser: User, user_a: User, unit: Unit
) -> None:
    basis = LegalBasis.objects.create(
        id="testloven-1", law="Testloven", paragraph="§ 1", title="Prøve", data_category=""
    )
    course = make_course(user_a, unit)
    measure = Measure.objects.create(
        plan=course.plan,
        title="Mentor",
        welfare_area_id="beskaeftigelse",
        legal_basis=basis,
        organisation=unit.organisation,
        budget_area="beskaeftigelse",
    )
    assert measure.data_category == "employment"
    client = client_for(superuser)
    response = client.get(admin_url(LegalBasis, "change", basis.pk))
    data = form_data(response)
    data["data_category"] = "health"
    assert client.post(admin_url(LegalBasis, "change", basis.pk), data).status_code == 302
    measure.refresh_from_db()
    assert measure.data_category == "health"


# --------------------------------------------------------------------------------------------
# An organisation's administrator administers their own organisation only
# --------------------------------------------------------------------------------------------


def test_administrator_sees_only_their_own_organisations_units_memberships_and_users(
    admin_a: User,
    admin_b: User,
    user_a: User,
    user_b: User,
    unit: Unit,
    unit_b: Unit,
) -> None:
    client = client_for(admin_a)
    units = client.get(admin_url(Unit, "changelist")).content.decode()
    assert "Koordinerende Team" in units and "Rusmiddelcenter Holbæk" not in units
    memberships = client.get(admin_url(Membership, "changelist")).content.decode()
    assert "Aase" in memberships and "Bodil" not in memberships and "Bent" not in memberships
    users = client.get(admin_url(User, "changelist")).content.decode()
    assert "Aase" in users and "Bodil" not in users and "Bent" not in users
    organisations = client.get(admin_url(Organisation, "changelist")).content.decode()
    assert "Odense Kommune" in organisations and "Holbæk Kommune" not in organisations
    # B's objects are not found: the admin answers as for an id that does not exist.
    b_membership = user_b.memberships.get()
    for url in (
        admin_url(Unit, "change", unit_b.pk),
        admin_url(Membership, "change", b_membership.pk),
        admin_url(User, "change", user_b.pk),
        admin_url(Organisation, "change", unit_b.organisation_id),
        admin_url(Unit, "delete", unit_b.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    password_url = reverse("admin:auth_user_password_change", args=[user_b.pk])
    assert client.get(password_url).status_code == 404
    response = client.post(
        password_url, {"password1": "overtaget-42!", "password2": "overtaget-42!"}
    )
    assert response.status_code == 404
    user_b.refresh_from_db()
    assert user_b.check_password(PASSWORD)
    # Autocomplete answers from the same scope.
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "core", "model_name": "membership", "field_name": "unit", "term": ""},
    )
    assert "Koordinerende Team" in response.content.decode()
    assert "Rusmiddelcenter" not in response.content.decode()


def test_administrator_changes_nothing_in_another_organisation(
    admin_a: User, user_b: User, unit_b: Unit
) -> None:
    client = client_for(admin_a)
    response = client.post(
        admin_url(Unit, "change", unit_b.pk),
        {"organisation": unit_b.organisation_id, "name": "Omdøbt", "data_category": "plan"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    unit_b.refresh_from_db()
    assert unit_b.name == "Rusmiddelcenter Holbæk"
    b_membership = user_b.memberships.get()
    client.post(admin_url(Membership, "delete", b_membership.pk), {"post": "yes"})
    assert Membership.objects.filter(pk=b_membership.pk).exists()


def test_a_user_with_a_membership_elsewhere_is_read_only(
    admin_a: User, shared_user: User, unit: Unit
) -> None:
    client = client_for(admin_a)
    response = client.get(admin_url(User, "change", shared_user.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Delt" in page
    assert 'name="first_name"' not in page  # shown, not editable
    assert "argon2" not in page  # not even the password hash
    assert "Rusmiddelcenter" not in page  # the other organisation's membership is not listed
    response = client.post(
        admin_url(User, "change", shared_user.pk),
        {"username": shared_user.username, "first_name": "Overtaget"},
    )
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[shared_user.pk])
    assert client.get(password_url).status_code == 403
    response = client.post(
        password_url, {"password1": "overtaget-42!", "password2": "overtaget-42!"}
    )
    assert response.status_code == 403
    shared_user.refresh_from_db()
    assert shared_user.first_name == "Delt" and shared_user.check_password(PASSWORD)


def test_a_future_membership_elsewhere_counts_and_an_ended_one_does_not(
    admin_a: User, make_user: Callable[..., User], unit: Unit, unit_b: Unit
) -> None:
    today = timezone.localdate()
    moving_in = make_user("fagperson", unit, first_name="Ny")
    Membership.objects.create(
        user=moving_in, unit=unit_b, role="fagperson", valid_from=today + timedelta(days=30)
    )
    moved_here = make_user("fagperson", unit, first_name="Tidligere")
    Membership.objects.create(
        user=moved_here,
        unit=unit_b,
        role="fagperson",
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )
    client = client_for(admin_a)
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[moving_in.pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[moved_here.pk])).status_code
        == 200
    )


def test_a_superuser_is_read_only_to_an_organisations_administrator(
    admin_a: User, superuser: User, unit: Unit
) -> None:
    Membership.objects.create(user=superuser, unit=unit, role="fagperson")
    client = client_for(admin_a)
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password_url).status_code == 403


def test_administrator_cannot_escalate_through_the_user_form(
    admin_a: User, user_a: User, unit: Unit, unit_b: Unit
) -> None:
    client = client_for(admin_a)
    url = admin_url(User, "change", user_a.pk)
    response = client.get(url)
    page = response.content.decode()
    for flag in ("is_superuser", "is_staff", "user_permissions", "groups", 'name="kind"'):
        assert flag not in page, flag
    data = form_data(response)
    data.update({"is_superuser": "on", "is_staff": "on", "kind": "citizen", "first_name": "Åse"})
    assert client.post(url, data).status_code == 302
    user_a.refresh_from_db()
    assert user_a.first_name == "Åse"  # the form works …
    assert (user_a.is_superuser, user_a.is_staff, user_a.kind) == (False, False, "staff")
    # … and a membership in B's unit is an invalid choice, with a Danish field error.
    data = form_data(client.get(url))
    data["memberships-0-unit"] = unit_b.pk
    response = client.post(url, data)
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert INVALID_CHOICE in inline.formset.forms[0].errors["unit"][0]
    assert not Membership.objects.filter(unit=unit_b, user=user_a).exists()


def test_administrator_grants_memberships_only_in_their_own_units(
    admin_a: User, user_a: User, user_b: User, unit: Unit, unit_b: Unit
) -> None:
    client = client_for(admin_a)
    url = admin_url(Membership, "add")
    response = client.post(url, {"user": user_a.pk, "unit": unit_b.pk, "role": "leder"})
    assert response.status_code == 200
    assert INVALID_CHOICE in response.context["adminform"].form.errors["unit"][0]
    response = client.post(url, {"user": user_b.pk, "unit": unit.pk, "role": "fagperson"})
    assert response.status_code == 200
    assert INVALID_CHOICE in response.context["adminform"].form.errors["user"][0]
    assert not Membership.objects.filter(unit=unit_b, user=user_a).exists()
    assert not Membership.objects.filter(unit=unit, user=user_b).exists()
    # In their own units they grant any role.
    response = client.post(url, {"user": user_a.pk, "unit": unit.pk, "role": "leder"})
    assert response.status_code == 302
    assert Membership.objects.filter(unit=unit, user=user_a, role="leder").exists()


def test_the_membership_form_refuses_a_foreign_unit_with_a_danish_error(
    admin_a: User, user_a: User, unit_b: Unit
) -> None:
    """The form's own rule, behind the choice lists (which already leave B's units out)."""
    from helhed.core.admin import AdminScope, MembershipForm

    form_class = type("Bound", (MembershipForm,), {"scope": AdminScope(admin_a)})
    form = form_class({"user": user_a.pk, "unit": unit_b.pk, "role": "fagperson"})
    assert not form.is_valid()
    assert "organisationer, du er administrator for" in form.errors["unit"][0]


def test_administrator_creates_users_only_with_a_membership_in_their_units(
    admin_a: User, unit: Unit, unit_b: Unit
) -> None:
    client = client_for(admin_a)
    base = {
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "memberships-INITIAL_FORMS": "0",
        "is_superuser": "on",
        "is_staff": "on",
        "kind": "citizen",
    }
    # Without a membership: refused (the user would be out of sight at once).
    response = client.post(
        reverse("admin:core_user_add"),
        {**base, "username": "uden", "memberships-TOTAL_FORMS": "0"},
    )
    assert response.status_code == 200 and not User.objects.filter(username="uden").exists()
    # In another organisation's unit: refused.
    response = client.post(
        reverse("admin:core_user_add"),
        {
            **base,
            "username": "fremmed",
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-unit": unit_b.pk,
            "memberships-0-role": "fagperson",
        },
    )
    assert response.status_code == 200 and not User.objects.filter(username="fremmed").exists()
    # In their own unit: created as plain staff, whatever was posted.
    response = client.post(
        reverse("admin:core_user_add"),
        {
            **base,
            "username": "ny",
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-unit": unit.pk,
            "memberships-0-role": "fagperson",
        },
    )
    assert response.status_code == 302
    new = User.objects.get(username="ny")
    assert (new.is_superuser, new.is_staff, new.kind) == (False, False, "staff")
    assert [m.unit for m in new.memberships.all()] == [unit]


def test_casework_authority_only_for_units_of_public_organisations(
    make_user: Callable[..., User], unit: Unit, admin_a: User
) -> None:
    company = Organisation.objects.create(name="Mentorfirmaet ApS", org_type_id="privat")
    company_unit = Unit.objects.create(organisation=company, name="Mentorer")
    company_admin = make_user("administrator", company_unit)
    client = client_for(company_admin)
    response = client.post(
        admin_url(Unit, "add"),
        {
            "organisation": company.pk,
            "name": "Sagsbehandling",
            "data_category": "plan",
            "may_open_without_consent": "on",
        },
    )
    assert response.status_code == 200
    error = response.context["adminform"].form.errors["may_open_without_consent"][0]
    assert "Kun enheder i en offentlig myndighed" in error and "Mentorfirmaet ApS" in error
    assert not Unit.objects.filter(name="Sagsbehandling").exists()
    # A municipality's administrator may mark a unit of theirs.
    client = client_for(admin_a)
    data = form_data(client.get(admin_url(Unit, "change", unit.pk)))
    data.update({"may_open_without_consent": "on", "data_category": "employment"})
    assert client.post(admin_url(Unit, "change", unit.pk), data).status_code == 302
    unit.refresh_from_db()
    assert unit.may_open_without_consent and unit.data_category == "employment"


def test_a_units_parent_is_in_the_same_organisation(
    superuser: User, unit: Unit, unit_b: Unit
) -> None:
    client = client_for(superuser)
    data = form_data(client.get(admin_url(Unit, "change", unit.pk)))
    data["parent"] = unit_b.pk
    response = client.post(admin_url(Unit, "change", unit.pk), data)
    assert response.status_code == 200
    assert "samme organisation" in response.context["adminform"].form.errors["parent"][0]
