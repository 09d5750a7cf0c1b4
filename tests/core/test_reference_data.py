"""Tests for the static Danish reference data in ``helhed.core.reference_data``."""

from __future__ import annotations

from collections import Counter

import pytest

from helhed.core import reference_data

REGION_CODES = {code for code, _ in reference_data.REGIONS}


def test_five_regions_with_official_codes() -> None:
    assert len(reference_data.REGIONS) == 5
    assert dict(reference_data.REGIONS) == {
        "1081": "Region Nordjylland",
        "1082": "Region Midtjylland",
        "1083": "Region Syddanmark",
        "1084": "Region Hovedstaden",
        "1085": "Region Sjælland",
    }


def test_ninety_eight_municipalities() -> None:
    assert len(reference_data.MUNICIPALITIES) == 98


def test_municipality_codes_and_names_are_unique() -> None:
    codes = [code for code, _, _ in reference_data.MUNICIPALITIES]
    names = [name for _, name, _ in reference_data.MUNICIPALITIES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_region_codes_and_names_are_unique() -> None:
    codes = [code for code, _ in reference_data.REGIONS]
    names = [name for _, name in reference_data.REGIONS]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_municipality_codes_are_three_digit_strings() -> None:
    for code, name, _ in reference_data.MUNICIPALITIES:
        assert isinstance(code, str)
        assert code.isdigit() and len(code) == 3, (code, name)


def test_every_municipality_references_a_known_region() -> None:
    for code, name, region_code in reference_data.MUNICIPALITIES:
        assert region_code in REGION_CODES, (code, name, region_code)


def test_every_region_has_municipalities() -> None:
    used = {region_code for _, _, region_code in reference_data.MUNICIPALITIES}
    assert used == REGION_CODES


def test_municipality_counts_per_region() -> None:
    counts = Counter(region_code for _, _, region_code in reference_data.MUNICIPALITIES)
    assert counts == {
        "1084": 29,  # Hovedstaden
        "1085": 17,  # Sjælland
        "1083": 22,  # Syddanmark
        "1082": 19,  # Midtjylland
        "1081": 11,  # Nordjylland
    }


@pytest.mark.parametrize(
    ("code", "name", "region_code"),
    [
        ("101", "København", "1084"),
        ("147", "Frederiksberg", "1084"),
        ("173", "Lyngby-Taarbæk", "1084"),
        ("400", "Bornholm", "1084"),
        ("316", "Holbæk", "1085"),
        ("370", "Næstved", "1085"),
        ("430", "Faaborg-Midtfyn", "1083"),
        ("461", "Odense", "1083"),
        ("479", "Svendborg", "1083"),
        ("492", "Ærø", "1083"),
        ("563", "Fanø", "1083"),
        ("741", "Samsø", "1082"),
        ("751", "Aarhus", "1082"),
        ("760", "Ringkøbing-Skjern", "1082"),
        ("791", "Viborg", "1082"),
        ("825", "Læsø", "1081"),
        ("851", "Aalborg", "1081"),
        ("860", "Hjørring", "1081"),
    ],
)
def test_known_municipalities(code: str, name: str, region_code: str) -> None:
    by_code = {c: (n, r) for c, n, r in reference_data.MUNICIPALITIES}
    assert by_code[code] == (name, region_code)


def test_christianso_is_not_a_municipality() -> None:
    codes = {code for code, _, _ in reference_data.MUNICIPALITIES}
    names = {name for _, name, _ in reference_data.MUNICIPALITIES}
    assert "411" not in codes
    assert "Christiansø" not in names


def test_organisation_types() -> None:
    slugs = [slug for slug, _, _, _ in reference_data.ORGANISATION_TYPES]
    assert slugs == ["kommune", "region", "stat", "privat", "civilsamfund"]
    is_public = {slug: public for slug, _, _, public in reference_data.ORGANISATION_TYPES}
    assert is_public == {
        "kommune": True,
        "region": True,
        "stat": True,
        "privat": False,
        "civilsamfund": False,
    }
    for slug, danish, english, public in reference_data.ORGANISATION_TYPES:
        assert slug and danish and english, slug
        assert isinstance(public, bool)
