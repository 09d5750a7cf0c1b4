"""Static Danish reference data for Helhed.

This module is pure Python (no Django imports) so it can be used from models, data
migrations, fixtures and tests alike.

Contents:

* ``REGIONS`` -- Denmark's five regions as ``(code, name)`` with the official
  region codes used by Danmarks Statistik / DAGI (1081-1085).
* ``MUNICIPALITIES`` -- all 98 Danish municipalities (kommuner) as
  ``(code, name, region_code)``, with the official kommunekode written exactly as
  Danmarks Statistik writes it (e.g. ``"101"``, ``"147"``, ``"400"``).
  Christiansø (411) is not a municipality and is deliberately not included.
* ``ORGANISATION_TYPES`` -- the kinds of organisation Helhed distinguishes, as
  ``(slug, danish_name, english_name, is_public)``.
* ``WELFARE_AREAS`` -- VIVE's 14 fagområder (003:L338-353) in the report's order, as
  ``(slug, danish_name, english_name)``.
* ``WELFARE_AREA_SYNONYMS`` -- looser spellings found in the sources (e.g. Tabel 3.2 writes
  "Kriminalforsorg", "Psykiatri", "Boligsocial") mapped onto a slug of ``WELFARE_AREAS``.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MUNICIPALITIES",
    "ORGANISATION_TYPES",
    "REGIONS",
    "REGION_HOVEDSTADEN",
    "REGION_MIDTJYLLAND",
    "REGION_NORDJYLLAND",
    "REGION_SJAELLAND",
    "REGION_SYDDANMARK",
    "WELFARE_AREAS",
    "WELFARE_AREA_SYNONYMS",
    "normalize_welfare_area",
]

REGION_NORDJYLLAND: Final = "1081"
REGION_MIDTJYLLAND: Final = "1082"
REGION_SYDDANMARK: Final = "1083"
REGION_HOVEDSTADEN: Final = "1084"
REGION_SJAELLAND: Final = "1085"

REGIONS: Final[tuple[tuple[str, str], ...]] = (
    (REGION_NORDJYLLAND, "Region Nordjylland"),
    (REGION_MIDTJYLLAND, "Region Midtjylland"),
    (REGION_SYDDANMARK, "Region Syddanmark"),
    (REGION_HOVEDSTADEN, "Region Hovedstaden"),
    (REGION_SJAELLAND, "Region Sjælland"),
)

MUNICIPALITIES: Final[tuple[tuple[str, str, str], ...]] = (
    # Region Hovedstaden (29)
    ("101", "København", REGION_HOVEDSTADEN),
    ("147", "Frederiksberg", REGION_HOVEDSTADEN),
    ("151", "Ballerup", REGION_HOVEDSTADEN),
    ("153", "Brøndby", REGION_HOVEDSTADEN),
    ("155", "Dragør", REGION_HOVEDSTADEN),
    ("157", "Gentofte", REGION_HOVEDSTADEN),
    ("159", "Gladsaxe", REGION_HOVEDSTADEN),
    ("161", "Glostrup", REGION_HOVEDSTADEN),
    ("163", "Herlev", REGION_HOVEDSTADEN),
    ("165", "Albertslund", REGION_HOVEDSTADEN),
    ("167", "Hvidovre", REGION_HOVEDSTADEN),
    ("169", "Høje-Taastrup", REGION_HOVEDSTADEN),
    ("173", "Lyngby-Taarbæk", REGION_HOVEDSTADEN),
    ("175", "Rødovre", REGION_HOVEDSTADEN),
    ("183", "Ishøj", REGION_HOVEDSTADEN),
    ("185", "Tårnby", REGION_HOVEDSTADEN),
    ("187", "Vallensbæk", REGION_HOVEDSTADEN),
    ("190", "Furesø", REGION_HOVEDSTADEN),
    ("201", "Allerød", REGION_HOVEDSTADEN),
    ("210", "Fredensborg", REGION_HOVEDSTADEN),
    ("217", "Helsingør", REGION_HOVEDSTADEN),
    ("219", "Hillerød", REGION_HOVEDSTADEN),
    ("223", "Hørsholm", REGION_HOVEDSTADEN),
    ("230", "Rudersdal", REGION_HOVEDSTADEN),
    ("240", "Egedal", REGION_HOVEDSTADEN),
    ("250", "Frederikssund", REGION_HOVEDSTADEN),
    ("260", "Halsnæs", REGION_HOVEDSTADEN),
    ("270", "Gribskov", REGION_HOVEDSTADEN),
    ("400", "Bornholm", REGION_HOVEDSTADEN),
    # Region Sjælland (17)
    ("253", "Greve", REGION_SJAELLAND),
    ("259", "Køge", REGION_SJAELLAND),
    ("265", "Roskilde", REGION_SJAELLAND),
    ("269", "Solrød", REGION_SJAELLAND),
    ("306", "Odsherred", REGION_SJAELLAND),
    ("316", "Holbæk", REGION_SJAELLAND),
    ("320", "Faxe", REGION_SJAELLAND),
    ("326", "Kalundborg", REGION_SJAELLAND),
    ("329", "Ringsted", REGION_SJAELLAND),
    ("330", "Slagelse", REGION_SJAELLAND),
    ("336", "Stevns", REGION_SJAELLAND),
    ("340", "Sorø", REGION_SJAELLAND),
    ("350", "Lejre", REGION_SJAELLAND),
    ("360", "Lolland", REGION_SJAELLAND),
    ("370", "Næstved", REGION_SJAELLAND),
    ("376", "Guldborgsund", REGION_SJAELLAND),
    ("390", "Vordingborg", REGION_SJAELLAND),
    # Region Syddanmark (22)
    ("410", "Middelfart", REGION_SYDDANMARK),
    ("420", "Assens", REGION_SYDDANMARK),
    ("430", "Faaborg-Midtfyn", REGION_SYDDANMARK),
    ("440", "Kerteminde", REGION_SYDDANMARK),
    ("450", "Nyborg", REGION_SYDDANMARK),
    ("461", "Odense", REGION_SYDDANMARK),
    ("479", "Svendborg", REGION_SYDDANMARK),
    ("480", "Nordfyns", REGION_SYDDANMARK),
    ("482", "Langeland", REGION_SYDDANMARK),
    ("492", "Ærø", REGION_SYDDANMARK),
    ("510", "Haderslev", REGION_SYDDANMARK),
    ("530", "Billund", REGION_SYDDANMARK),
    ("540", "Sønderborg", REGION_SYDDANMARK),
    ("550", "Tønder", REGION_SYDDANMARK),
    ("561", "Esbjerg", REGION_SYDDANMARK),
    ("563", "Fanø", REGION_SYDDANMARK),
    ("573", "Varde", REGION_SYDDANMARK),
    ("575", "Vejen", REGION_SYDDANMARK),
    ("580", "Aabenraa", REGION_SYDDANMARK),
    ("607", "Fredericia", REGION_SYDDANMARK),
    ("621", "Kolding", REGION_SYDDANMARK),
    ("630", "Vejle", REGION_SYDDANMARK),
    # Region Midtjylland (19)
    ("615", "Horsens", REGION_MIDTJYLLAND),
    ("657", "Herning", REGION_MIDTJYLLAND),
    ("661", "Holstebro", REGION_MIDTJYLLAND),
    ("665", "Lemvig", REGION_MIDTJYLLAND),
    ("671", "Struer", REGION_MIDTJYLLAND),
    ("706", "Syddjurs", REGION_MIDTJYLLAND),
    ("707", "Norddjurs", REGION_MIDTJYLLAND),
    ("710", "Favrskov", REGION_MIDTJYLLAND),
    ("727", "Odder", REGION_MIDTJYLLAND),
    ("730", "Randers", REGION_MIDTJYLLAND),
    ("740", "Silkeborg", REGION_MIDTJYLLAND),
    ("741", "Samsø", REGION_MIDTJYLLAND),
    ("746", "Skanderborg", REGION_MIDTJYLLAND),
    ("751", "Aarhus", REGION_MIDTJYLLAND),
    ("756", "Ikast-Brande", REGION_MIDTJYLLAND),
    ("760", "Ringkøbing-Skjern", REGION_MIDTJYLLAND),
    ("766", "Hedensted", REGION_MIDTJYLLAND),
    ("779", "Skive", REGION_MIDTJYLLAND),
    ("791", "Viborg", REGION_MIDTJYLLAND),
    # Region Nordjylland (11)
    ("773", "Morsø", REGION_NORDJYLLAND),
    ("787", "Thisted", REGION_NORDJYLLAND),
    ("810", "Brønderslev", REGION_NORDJYLLAND),
    ("813", "Frederikshavn", REGION_NORDJYLLAND),
    ("820", "Vesthimmerlands", REGION_NORDJYLLAND),
    ("825", "Læsø", REGION_NORDJYLLAND),
    ("840", "Rebild", REGION_NORDJYLLAND),
    ("846", "Mariagerfjord", REGION_NORDJYLLAND),
    ("849", "Jammerbugt", REGION_NORDJYLLAND),
    ("851", "Aalborg", REGION_NORDJYLLAND),
    ("860", "Hjørring", REGION_NORDJYLLAND),
)

ORGANISATION_TYPES: Final[tuple[tuple[str, str, str, bool], ...]] = (
    ("kommune", "Kommune", "Municipality", True),
    ("region", "Region", "Region", True),
    ("stat", "Stat", "State", True),
    ("privat", "Privat virksomhed", "Private company", False),
    ("civilsamfund", "Civilsamfund", "Civil society", False),
)

WELFARE_AREAS: Final[tuple[tuple[str, str, str], ...]] = (
    ("dagtilbud", "Dagtilbud (0-6 år)", "Day care (age 0-6)"),
    ("skole", "Skole (6-16 år)", "School (age 6-16)"),
    ("kultur-fritid", "Kultur og fritid", "Culture and leisure"),
    ("specialiseret-boern-unge", "Specialiseret børn og unge", "Specialised children and youth"),
    ("specialiseret-voksen", "Specialiseret voksen", "Specialised adult social services"),
    ("beskaeftigelse", "Beskæftigelse", "Employment"),
    ("kommunalt-sundhed", "Kommunalt sundhedsområde", "Municipal health"),
    ("aeldre", "Ældre", "Elderly care"),
    ("somatik", "Somatisk sygehusbehandling", "Somatic hospital treatment"),
    ("psykiatri", "Psykiatrisk sygehusbehandling", "Psychiatric hospital treatment"),
    ("almen-praksis", "Almen praksis", "General practice"),
    ("uddannelse", "Uddannelse", "Education"),
    ("boligsocial", "Boligsocialt område", "Social housing"),
    ("kriminalitet", "Kriminalitetsområdet", "Crime and justice"),
)

# Lower-cased source term -> slug. Matching is case-insensitive and ignores surrounding space.
WELFARE_AREA_SYNONYMS: Final[dict[str, str]] = {
    "dagtilbud": "dagtilbud",
    "daginstitution": "dagtilbud",
    "skole": "skole",
    "skoleområdet": "skole",
    "folkeskole": "skole",
    "ppr": "skole",
    "kultur og fritid": "kultur-fritid",
    "fritid": "kultur-fritid",
    "specialiseret børn og unge": "specialiseret-boern-unge",
    "børn og familie": "specialiseret-boern-unge",
    "børn og unge": "specialiseret-boern-unge",
    "familieområdet": "specialiseret-boern-unge",
    "socialområdet (børn)": "specialiseret-boern-unge",
    "specialiseret voksen": "specialiseret-voksen",
    "socialområdet": "specialiseret-voksen",
    "voksenområdet": "specialiseret-voksen",
    "socialpsykiatri": "specialiseret-voksen",
    "misbrug": "specialiseret-voksen",
    "misbrugsbehandling": "specialiseret-voksen",
    "handicap": "specialiseret-voksen",
    "beskæftigelse": "beskaeftigelse",
    "jobcenter": "beskaeftigelse",
    "beskæftigelsesområdet": "beskaeftigelse",
    "kommunalt sundhedsområde": "kommunalt-sundhed",
    "sundhed": "kommunalt-sundhed",
    "kommunal sundhed": "kommunalt-sundhed",
    "ældre": "aeldre",
    "ældreområdet": "aeldre",
    "somatisk sygehusbehandling": "somatik",
    "somatik": "somatik",
    "sygehus": "somatik",
    "hospital": "somatik",
    "psykiatrisk sygehusbehandling": "psykiatri",
    "psykiatri": "psykiatri",
    "regional psykiatri": "psykiatri",
    "børne- og ungdomspsykiatri": "psykiatri",
    "almen praksis": "almen-praksis",
    "praktiserende læge": "almen-praksis",
    "egen læge": "almen-praksis",
    "uddannelse": "uddannelse",
    "ungdomsuddannelse": "uddannelse",
    "boligsocialt område": "boligsocial",
    "boligsocial": "boligsocial",
    "boligsocialt": "boligsocial",
    "bolig": "boligsocial",
    "kriminalitetsområdet": "kriminalitet",
    "kriminalitet": "kriminalitet",
    "kriminalforsorg": "kriminalitet",
    "kriminalforsorgen": "kriminalitet",
    "politi": "kriminalitet",
}
for _slug, _da, _en in WELFARE_AREAS:
    WELFARE_AREA_SYNONYMS.setdefault(_da.lower(), _slug)


def normalize_welfare_area(raw: str) -> str:
    """Map a source's spelling of a fagområde onto one of the 14 slugs.

    Raises ``ValueError`` naming the unknown term and the accepted names, so an importer can
    report a precise row-level error instead of guessing.
    """
    term = " ".join(raw.strip().lower().split())
    slugs = {slug for slug, _da, _en in WELFARE_AREAS}
    if term in slugs:
        return term
    try:
        return WELFARE_AREA_SYNONYMS[term]
    except KeyError:
        names = ", ".join(da for _slug, da, _en in WELFARE_AREAS)
        raise ValueError(f"Ukendt fagområde {raw!r}. Brug et af: {names}") from None
