"""``core.idsets``: a set of ids read as one value and passed back as one parameter, on the
backend the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db.models import F

from helhed.core import idsets
from helhed.core.models import Unit
from tests.courses.builders import make_unit, organisation

pytestmark = pytest.mark.django_db


def test_the_ids_read_as_one_text_find_exactly_those_rows_again() -> None:
    odense, aarhus = organisation("461"), organisation("751")
    units = [make_unit(odense, f"Enhed {n}") for n in range(3)]
    other = make_unit(aarhus, "Anden enhed")
    children = [Unit.objects.create(organisation=odense, name=n, parent=units[0]) for n in "AB"]
    chosen = Unit.objects.filter(organisation=odense)
    read = chosen.aggregate(
        ids=idsets.IdArray("pk"), parents=idsets.IdArray("parent_id", distinct=True)
    )
    expected = {u.pk for u in [*units, *children]}
    assert {u.hex for u in expected} == idsets.hexes(read["ids"])
    # The parents: each once, and no empty value for the units without one.
    assert idsets.hexes(read["parents"]) == {units[0].pk.hex}
    again = Unit.objects.filter(idsets.InIds(F("pk"), read["ids"]))
    assert set(again.values_list("pk", flat=True)) == expected
    assert other.pk not in set(again.values_list("pk", flat=True))
    assert idsets.hex_of(str(other.pk)) == other.pk.hex


def test_an_empty_set_reads_and_finds_nothing() -> None:
    make_unit(organisation("461"), "En enhed")
    from django.db import connection

    read = Unit.objects.filter(name="ingen").aggregate(ids=idsets.IdArray("pk"))
    text = read["ids"] or idsets.empty(connection.vendor)
    assert idsets.texts(read["ids"]) == [] and idsets.hexes(text) == set()
    assert not Unit.objects.filter(idsets.InIds(F("pk"), text)).exists()


def test_ids_held_in_python_find_those_rows_and_read_back_as_the_database_writes_them() -> None:
    """``idsets.of``: UUIDs or their texts (with or without hyphens, any case) as the one
    parameter ``InIds`` takes — the same rows as ``pk__in``, none for an empty list, and the
    text ``texts``/``hexes`` read as they read the database's own."""
    from django.db import connection

    odense = organisation("461")
    units = [make_unit(odense, f"Enhed {n}") for n in range(4)]
    chosen = [units[0].pk, str(units[1].pk), units[2].pk.hex.upper()]
    text = idsets.of(chosen, connection.vendor)
    found = set(Unit.objects.filter(idsets.InIds(F("pk"), text)).values_list("pk", flat=True))
    assert found == {u.pk for u in units[:3]}
    assert idsets.hexes(text) == {u.pk.hex for u in units[:3]}
    empty = idsets.of([], connection.vendor)
    assert idsets.texts(empty) == [] and not Unit.objects.filter(idsets.InIds(F("pk"), empty))
