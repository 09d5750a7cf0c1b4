"""Plain builders for the courses tests (not fixtures: the hypothesis tests call them per
example). Users are created without a password hash, which keeps the property tests fast.
Synthetic CPR numbers come from ``helhed.devtools.factories``, which the demo uses too
(``cpr_for`` is imported here for the tests that take it from the builders)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.courses import logic, services
from helhed.courses.models import Consent, Course, GivenBy, TeamMember
from helhed.devtools.factories import cpr_for
from helhed.registry.models import Initiative

_serial = count(1)


def today() -> date:
    return timezone.localdate()


def organisation(code: str = "461") -> Organisation:
    return Organisation.objects.get(org_type_id="kommune", official_code=code)


def make_unit(org: Organisation, name: str, area: str | None = "beskaeftigelse") -> Unit:
    return Unit.objects.create(organisation=org, name=name, welfare_area_id=area)


def make_staff(unit: Unit | None = None, role: str = "fagperson", **extra: Any) -> User:
    n = next(_serial)
    user = User.objects.create(
        username=extra.pop("username", f"staff{n}"),
        first_name=extra.pop("first_name", "Fag"),
        last_name=extra.pop("last_name", f"Person {n}"),
        **extra,
    )
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_citizen_user(**extra: Any) -> User:
    n = next(_serial)
    return User.objects.create(
        username=f"borger{n}", first_name="Borger", last_name=str(n), kind=UserKind.CITIZEN, **extra
    )


def make_initiative(name: str = "FAMKO") -> Initiative:
    return Initiative.objects.create(name=name, location="Odense")


def birthday_years_ago(years: int, on: date | None = None) -> date:
    on = on or today()
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def open_course(
    coordinator: User,
    unit: Unit,
    *,
    initiative: Initiative | None = None,
    cpr: str | None = None,
    first_name: str = "Mette",
    last_name: str = "Hansen",
    referred_on: date | None = None,
) -> Course:
    n = next(_serial)
    cpr = cpr or cpr_for(date(1985, 3, 15), tail=f"{n % 1000:03d}")
    return services.intake(
        coordinator,
        initiative_id=(initiative or make_initiative()).pk,
        coordinator_unit_id=unit.pk,
        cpr=cpr,
        first_name=first_name,
        last_name=last_name,
        referred_on=referred_on or today() - timedelta(days=30),
    )


def give_consent(
    course: Course,
    by: User,
    *,
    units: Iterable[Unit] = (),
    organisations: Iterable[Organisation] = (),
    categories: Iterable[str] = ("plan",),
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Consent:
    valid_from = valid_from or today() - timedelta(days=10)
    who = logic.who_consents(course.citizen.birth_date, valid_from)
    return services.give_consent(
        by,
        course,
        given_by=GivenBy.CITIZEN if who == "citizen" else GivenBy.CUSTODY_HOLDER,
        given_by_name="Mette Hansen",
        units=units,
        organisations=organisations,
        categories=categories,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def join_team(
    course: Course,
    by: User,
    unit: Unit,
    *,
    member_user: User | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    name: str = "Sagsbehandler",
) -> TeamMember:
    return services.add_team_member(
        by,
        course,
        organisation=unit.organisation,
        unit=unit,
        name=name,
        role="Kontaktperson",
        valid_from=valid_from or today() - timedelta(days=20),
        valid_to=valid_to,
        member_user=member_user,
    )
