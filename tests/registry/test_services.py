"""The registry's write use cases called directly: who may, what is refused (every problem at
once, named as the API names the fields), what is recorded as provenance."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from helhed.core.models import Unit, User
from helhed.registry import services
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.logic import ActorRole, OrgType
from helhed.registry.models import Initiative, InitiativeActor, InitiativeWelfareArea

pytestmark = pytest.mark.django_db

KOMMUNE = ActorRow("Roskilde Kommune", OrgType.KOMMUNE, ActorRole.PRIMARY)
INSIDE = FundingRow("Roskilde Kommune", OrgType.KOMMUNE, True, None, date(2024, 1, 1), None)


@pytest.fixture
def analyst(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("analytiker", unit)


@pytest.fixture
def fagperson(make_user: Callable[..., User], unit: Unit) -> User:
    return make_user("fagperson", unit)


def save(user: User, initiative_id: uuid.UUID | None = None, **values: object) -> Initiative:
    return services.save_initiative(
        user,
        initiative_id=initiative_id,
        values=services.InitiativeValues(**{"name": "Sammen", "location": "Roskilde", **values}),  # type: ignore[arg-type]
        welfare_areas=["Beskæftigelse", "skole"],
        actors=[KOMMUNE],
        funding=[INSIDE],
    )


def test_only_administrators_and_analysts_change_the_registry(
    analyst: User, fagperson: User, make_user: Callable[..., User], unit: Unit
) -> None:
    administrator = make_user("administrator", unit)
    for user in (analyst, administrator):
        services.check_may_change(user)
    initiative = save(analyst)
    with pytest.raises(PermissionDenied, match=services.MAY_NOT_CHANGE):
        save(fagperson)
    with pytest.raises(PermissionDenied):
        services.delete_initiative(fagperson, initiative_id=initiative.id)
    with pytest.raises(PermissionDenied):
        services.import_initiatives(fagperson, content=b"name\nX\n", fmt="csv")
    assert list(Initiative.objects.values_list("name", flat=True)) == ["Sammen"]


def test_an_unknown_initiative_is_a_404(analyst: User) -> None:
    unknown = uuid.uuid4()
    with pytest.raises(Http404):
        save(analyst, unknown)
    with pytest.raises(Http404):
        services.delete_initiative(analyst, initiative_id=unknown)


def test_every_problem_is_named_at_once_by_its_api_field(analyst: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.save_initiative(
            analyst,
            values=services.InitiativeValues(
                name=" ", category_override=4, age_min=30, age_max=20, phase="færdig"
            ),
            welfare_areas=["Beskæftigelse", "Klimapolitik"],
            actors=[KOMMUNE, KOMMUNE],
            funding=[INSIDE, FundingRow("", OrgType.STAT, False, None, None, None)],
        )
    assert sorted(caught.value.message_dict) == [
        "actors.1.name",
        "age_max",
        "funding.1.funder",
        "funding.1.start",
        "name",
        "override_reason",
        "override_source",
        "phase",
        "welfare_areas.1",
    ]
    assert not Initiative.objects.exists()


def test_a_save_by_hand_marks_what_changed_and_keeps_the_rest(analyst: User) -> None:
    initiative = save(analyst)
    today = timezone.localdate().isoformat()
    by_hand = [{"table": services.BY_HAND, "line": None, "date": today}]
    assert initiative.provenance == {
        "name": by_hand,
        "location": by_hand,
        "fagomraader": by_hand,
        "actors": by_hand,
        "funding_sources": by_hand,
    }
    areas = InitiativeWelfareArea.objects.filter(initiative=initiative).order_by("pk")
    # A name is the term as given; a slug is no term of its own.
    assert list(areas.values_list("welfare_area_id", "raw_term")) == [
        ("beskaeftigelse", "Beskæftigelse"),
        ("skole", ""),
    ]

    imported = {"name": [{"table": "Import x.csv", "line": 2}]}
    Initiative.objects.filter(pk=initiative.pk).update(provenance=imported)
    InitiativeActor.objects.filter(initiative=initiative).update(note="Fra VIVE")
    changed = save(analyst, initiative.id, description="Ny beskrivelse")
    assert changed.provenance == {**imported, "description": by_hand}
    # The actor stayed (same name, no details given): its note and provenance are kept.
    assert InitiativeActor.objects.get(initiative=initiative).note == "Fra VIVE"


def test_the_import_checks_everything_and_writes_nothing_on_a_dry_run(analyst: User) -> None:
    content = "name;actors\nJobbro;Testrup Kommune [kommune, primær]\n".encode()
    checked = services.import_initiatives(analyst, content=content, fmt="csv", dry_run=True)
    assert (checked.ok, checked.created, checked.dry_run) == (True, 1, True)
    assert not Initiative.objects.exists()
    done = services.import_initiatives(analyst, content=content, fmt="csv", filename="x.csv")
    assert (done.created, done.rows) == (1, 1)
    again = services.import_initiatives(analyst, content=content, fmt="csv", filename="x.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Initiative.objects.get().provenance == {
        "name": [{"table": "Import x.csv", "line": 2}],
        "actors": [{"table": "Import x.csv", "line": 2}],
    }


def test_loading_vive_twice_is_loading_it_once() -> None:
    first = services.load_vive()
    assert (first.created, first.updated, first.enriched) == (117, 0, 11)
    before = sorted(InitiativeActor.objects.values_list("initiative__name", "name", "order"))
    second = services.load_vive()
    assert (second.created, second.updated, second.enriched, second.total) == (0, 117, 11, 117)
    after = sorted(InitiativeActor.objects.values_list("initiative__name", "name", "order"))
    assert after == before
    assert Initiative.objects.count() == 117
