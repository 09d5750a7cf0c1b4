"""Reference data is loaded by migration and can be loaded again without changing anything."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from helhed.core.models import Organisation, OrganisationType, WelfareArea, WelfareAreaSynonym
from helhed.core.reference_data import normalize_welfare_area
from helhed.core.services import sync_reference_data

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[object, ...]:
    return (
        list(OrganisationType.objects.values_list("slug", "name_da", "is_public")),
        list(WelfareArea.objects.values_list("slug", "name_da", "order")),
        sorted(WelfareAreaSynonym.objects.values_list("term", "area_id")),
        sorted(
            Organisation.objects.values_list(
                "org_type_id", "official_code", "name", "region__official_code"
            )
        ),
    )


def test_migrations_load_regions_municipalities_types_and_areas() -> None:
    assert Organisation.objects.filter(org_type_id="kommune").count() == 98
    assert Organisation.objects.filter(org_type_id="region").count() == 5
    assert WelfareArea.objects.count() == 14
    assert set(OrganisationType.objects.values_list("slug", flat=True)) == {
        "kommune",
        "region",
        "stat",
        "privat",
        "civilsamfund",
    }
    odense = Organisation.objects.get(org_type_id="kommune", official_code="461")
    assert odense.name == "Odense Kommune"
    assert odense.region is not None and odense.region.name == "Region Syddanmark"
    kbh = Organisation.objects.get(org_type_id="kommune", official_code="101")
    assert kbh.name == "Københavns Kommune"
    assert Organisation.objects.filter(region__official_code="1084").count() == 29


def test_reloading_reference_data_changes_nothing() -> None:
    before = snapshot()
    sync_reference_data()
    call_command("load_reference", verbosity=0)
    assert snapshot() == before


def test_reloading_repairs_an_edited_name() -> None:
    Organisation.objects.filter(official_code="316", org_type_id="kommune").update(name="X")
    sync_reference_data()
    assert Organisation.objects.get(official_code="316", org_type_id="kommune").name == (
        "Holbæk Kommune"
    )


def test_synonyms_map_looser_spellings_onto_the_14() -> None:
    assert normalize_welfare_area("Kriminalforsorg") == "kriminalitet"
    assert normalize_welfare_area("  psykiatri ") == "psykiatri"
    assert normalize_welfare_area("Boligsocial") == "boligsocial"
    assert normalize_welfare_area("Beskæftigelse") == "beskaeftigelse"
    assert WelfareAreaSynonym.objects.get(term="kriminalforsorg").area_id == "kriminalitet"
    with pytest.raises(ValueError, match="Ukendt fagområde 'Klima'"):
        normalize_welfare_area("Klima")
