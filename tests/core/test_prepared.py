"""``core.prepared``: a query compiled once per process gives what the ORM gives, with each use's
values and each use's data, on the backend the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User
from helhed.core.prepared import Fixed, Prepared
from helhed.core.selectors import _MEMBERSHIPS, _current_memberships
from tests.courses.builders import make_staff, make_unit, organisation, today

pytestmark = pytest.mark.django_db


def _membership(m: Membership) -> tuple[Any, ...]:
    unit = m.unit
    org = unit.organisation
    return (
        m.pk,
        m.role,
        m.valid_from,
        m.valid_to,
        unit.pk,
        unit.name,
        unit.welfare_area_id,
        unit.welfare_area.pk if unit.welfare_area_id else None,
        org.pk,
        org.name,
        org.org_type_id,
        org.org_type.pk if org.org_type_id else None,
        m._state.adding,
        m._state.db,
    )


def test_memberships_are_read_as_the_orm_reads_them_and_afresh_each_time() -> None:
    odense, aarhus = organisation("461"), organisation("751")
    units = [make_unit(odense, "Jobcenter"), make_unit(aarhus, "Familie", area=None)]
    user = make_staff(units[0], role="koordinator")
    on = today()
    Membership.objects.create(user=user, unit=units[1], role="fagperson", valid_to=on)
    Membership.objects.create(
        user=user, unit=units[1], role="leder", valid_from=on + timedelta(days=3)
    )
    for day in (on, on + timedelta(days=1), on + timedelta(days=3)):
        expected = [_membership(m) for m in _current_memberships(user.pk, day)]
        assert [_membership(m) for m in _MEMBERSHIPS(user.pk, day)] == expected
        assert _MEMBERSHIPS.kept(user.pk, day)
    assert len(_MEMBERSHIPS(user.pk, on)) == 2
    assert len(_MEMBERSHIPS(user.pk, on + timedelta(days=1))) == 1
    # A change is seen by the next read: nothing read is kept.
    Membership.objects.filter(user=user, role="koordinator").update(valid_to=on - timedelta(1))
    assert [m.role for m in _MEMBERSHIPS(user.pk, on)] == ["fagperson"]
    other = make_staff(units[1])
    assert [m.user_id for m in _MEMBERSHIPS(other.pk, on)] == [other.pk]


def _units_with_children(ids: list[Any]) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(pk__in=ids)
        .annotate(n_children=Count("children"))
        .order_by("name")
        .values_list("name", "n_children")
    )


def test_lists_are_compiled_per_length_and_an_empty_one_is_left_to_the_orm() -> None:
    odense = organisation("461")
    units = [make_unit(odense, f"Enhed {n}") for n in range(4)]
    Unit.objects.create(organisation=odense, name="Barn", parent=units[2])
    prepared: Prepared[tuple[str, int]] = Prepared(Unit, _units_with_children)
    for chosen in ([units[2]], units[:2], units[1:4], [units[3], units[2]]):
        ids = [u.pk for u in chosen]
        assert prepared(ids) == list(_units_with_children(ids))
        assert prepared.kept(ids)
    assert prepared([units[2].pk]) == [("Enhed 2", 1)]
    assert prepared([]) == [] and not prepared.kept([])


def test_none_is_part_of_the_shape_and_a_rewritten_value_is_not_kept() -> None:
    odense = organisation("461")
    top = make_unit(odense, "Top")
    child = Unit.objects.create(organisation=odense, name="Under", parent=top)
    by_parent: Prepared[Unit] = Prepared(Unit, lambda parent: Unit.objects.filter(parent=parent))
    assert [u.pk for u in by_parent(top.pk)] == [child.pk]
    assert top.pk in {u.pk for u in by_parent(None)} and child.pk not in {
        u.pk for u in by_parent(None)
    }
    assert by_parent.kept(None) and by_parent.kept(top.pk)
    # ``contains`` carries the value as ``%value%``: not the stand-in, so not kept, still right.
    named: Prepared[Unit] = Prepared(Unit, lambda part: Unit.objects.filter(name__contains=part))
    assert [u.pk for u in named("nde")] == [child.pk]
    assert not named.kept("nde")
    assert [u.pk for u in named("To")] == [top.pk]


def test_a_value_the_sql_leaves_out_is_refused_unless_the_query_names_it() -> None:
    """A count over a list that annotates each row with a value: Django leaves the annotation out
    of the count, so that value is in no parameter. Kept only when the ``Prepared`` names that
    value as one some shapes leave out (the caseload's count); where a filter uses it, it is a
    parameter of each use."""
    from django.db.models import BooleanField, Case, Value, When, Window

    odense = organisation("461")
    top, other = make_unit(odense, "Top"), make_unit(odense, "Anden")
    Unit.objects.create(organisation=odense, name="Under", parent=top)
    Unit.objects.create(organisation=odense, name="Barn", parent=other)

    def marked(org_id: Any, parent_id: Any, only: bool) -> Any:
        qs = Unit.objects.filter(organisation_id=org_id).annotate(
            marked=Case(
                When(parent_id=parent_id, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        return qs.filter(marked=True) if only else qs

    def count(org_id: Any, parent_id: Any) -> Any:
        return (
            marked(org_id, parent_id, False)
            .annotate(total=Window(Count("pk")))
            .values_list("total")[:1]
        )

    units = Unit.objects.filter(organisation_id=odense.pk).count()
    strict: Prepared[tuple[int]] = Prepared(Unit, count)
    assert strict(odense.pk, top.pk) == [(units,)]
    assert not strict.kept(odense.pk, top.pk)
    named: Prepared[tuple[int]] = Prepared(Unit, count, unused=(1,))
    assert named(odense.pk, top.pk) == [(units,)]
    assert named.kept(odense.pk, top.pk)
    assert named(odense.pk, other.pk) == [(units,)]
    names: Prepared[tuple[str]] = Prepared(
        Unit, lambda org_id, parent_id: marked(org_id, parent_id, True).values_list("name")
    )
    assert names(odense.pk, top.pk) == [("Under",)]
    assert names.kept(odense.pk, top.pk)
    assert names(odense.pk, other.pk) == [("Barn",)]  # the parent is a value of each use


def test_a_value_looked_at_while_building_or_dropped_by_django_is_not_kept() -> None:
    """A build that branches on its value (against the rules) would freeze the stand-in's branch;
    an integer out of a field's range (PostgreSQL's smallint: the stand-ins are larger) makes
    Django drop the condition. Neither is kept, and both still give the ORM's answer."""
    from helhed.core.models import OrganisationType

    odense = organisation("461")
    top = make_unit(odense, "Top")
    make_unit(odense, "Anden")
    branching: Prepared[Unit] = Prepared(
        Unit,
        lambda name: Unit.objects.all() if len(name) > 8 else Unit.objects.filter(name=name),
    )
    assert [u.pk for u in branching("Top")] == [top.pk]
    assert not branching.kept("Top")
    up_to: Prepared[tuple[str]] = Prepared(
        OrganisationType,
        lambda n: (
            OrganisationType.objects.filter(order__lte=n).values_list("slug").order_by("slug")
        ),
    )
    for n in (0, 1, 3):
        expected = list(
            OrganisationType.objects.filter(order__lte=n).values_list("slug").order_by("slug")
        )
        assert up_to(n) == expected
        assert up_to(n) == expected
    if connection.vendor == "postgresql":
        assert not up_to.kept(0)


def test_a_moment_is_a_value_of_each_use() -> None:
    odense = organisation("461")
    user = make_staff(make_unit(odense, "Enhed"))
    joined: Prepared[User] = Prepared(
        User, lambda after: User.objects.filter(date_joined__gt=after).order_by("pk")
    )
    now = timezone.now()
    assert user.pk in {u.pk for u in joined(now - timedelta(hours=1))}
    assert joined.kept(now)
    assert user.pk not in {u.pk for u in joined(now + timedelta(hours=1))}


def test_a_value_computed_from_another_is_not_kept() -> None:
    """``day + 30 days`` computed while building would be the stand-in's day plus 30, frozen in
    the kept SQL: such a query is left to the ORM."""
    odense = organisation("461")
    user = make_staff(make_unit(odense, "Enhed"))
    on = today()
    Membership.objects.filter(user=user).update(valid_to=on + timedelta(days=10))
    lasting: Prepared[Membership] = Prepared(
        Membership,
        lambda day: (
            Membership.objects.filter(valid_from__isnull=True, valid_to__gt=day)
            .filter(valid_to__lt=day + timedelta(days=30))
            .order_by("pk")
        ),
    )
    assert [m.user_id for m in lasting(on)] == [user.pk]
    assert not lasting.kept(on)
    assert lasting(on + timedelta(days=20)) == []


def test_a_moment_read_while_building_is_not_kept_and_fixed_values_are_the_shape() -> None:
    """A build that reads the clock would freeze the moment in the kept SQL: left to the ORM.
    A ``Fixed`` value decides the SQL and is compiled once per value."""
    odense = organisation("461")
    user = make_staff(make_unit(odense, "Enhed"))
    recent: Prepared[User] = Prepared(
        User,
        lambda user_id: User.objects.filter(
            pk=user_id, date_joined__gt=timezone.now() - timedelta(hours=1)
        ),
    )
    assert [u.pk for u in recent(user.pk)] == [user.pk]
    assert not recent.kept(user.pk)
    # ... also a day, which two compilations read alike
    current: Prepared[Membership] = Prepared(
        Membership,
        lambda user_id: Membership.objects.filter(user_id=user_id).valid_on(timezone.localdate()),
    )
    assert [m.user_id for m in current(user.pk)] == [user.pk]
    assert not current.kept(user.pk)
    ordered: Prepared[Unit] = Prepared(
        Unit,
        lambda org_id, order: Unit.objects.filter(organisation_id=org_id).order_by(order),
    )
    make_unit(odense, "Anden")
    names = [u.name for u in ordered(odense.pk, Fixed("name"))]
    assert names == sorted(names) and len(names) >= 2
    assert [u.name for u in ordered(odense.pk, Fixed("-name"))] == names[::-1]
    assert ordered.kept(odense.pk, Fixed("name")) and ordered.kept(odense.pk, Fixed("-name"))


def test_a_lookup_that_escapes_or_changes_its_value_is_not_kept() -> None:
    """On SQLite ``iexact`` is a ``LIKE`` with the value escaped: kept with the raw value, "a_c"
    would find "abc". A value used twice, once as text, would keep the stand-in's text."""
    odense = organisation("461")
    abc = make_unit(odense, "abc")
    named: Prepared[Unit] = Prepared(Unit, lambda n: Unit.objects.filter(name__iexact=n))
    assert named("a_c") == [] and named("a%") == []
    assert [u.pk for u in named("ABC")] == [abc.pk]
    other = make_unit(odense, str(abc.pk))
    either: Prepared[Unit] = Prepared(
        Unit, lambda pk: Unit.objects.filter(Q(pk=pk) | Q(name=pk)).order_by("name")
    )
    assert {u.pk for u in either(abc.pk)} == {abc.pk, other.pk}
    assert not either.kept(abc.pk)


def test_the_kept_query_holds_no_connection_and_runs_on_each_threads_own() -> None:
    """Compiled in one thread, run in another: each on its own connection (reference data,
    committed before the test's transaction, so another connection sees it too)."""
    odense = organisation("461")
    by_pk: Prepared[Organisation] = Prepared(
        Organisation, lambda pk: Organisation.objects.filter(pk=pk)
    )
    found: list[Any] = []

    def elsewhere() -> None:
        try:
            found.extend(o.name for o in by_pk(odense.pk))
        finally:
            connection.close()

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        found.append(odense.name)  # the in-memory test database is this thread's alone
    else:
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert [o.name for o in by_pk(odense.pk)] == [odense.name] == found
    assert all(k is None or k.compiler.connection is None for k in by_pk._kept.values())
