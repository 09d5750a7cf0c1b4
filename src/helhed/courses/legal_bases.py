"""The maintained list of legal bases for measures and demands (law + paragraph).

Loaded by migration and by ``helhed load_reference``-style re-runs (idempotent). Paragraph
numbers follow the consolidated acts in force in 2026; administrators extend the list in the
admin as laws change (an entry is deactivated, never deleted, so old plans keep their basis).
"""

from __future__ import annotations

from typing import Any

LEGAL_BASES: tuple[tuple[str, str, str, str], ...] = (
    # id, law, paragraph, title
    ("lab-40-3", "LAB", "§ 40, stk. 3", "Helhedsorienteret plan (tidl. § 30 b)"),
    ("lab-36", "LAB", "§ 36", "Koordinerende sagsbehandler"),
    ("lab-91", "LAB", "§ 91", "Vejledning og opkvalificering"),
    ("lab-127", "LAB", "§ 127", "Virksomhedspraktik"),
    ("lab-172", "LAB", "§ 172", "Løntilskud"),
    ("lab-187", "LAB", "§ 187", "Mentorstøtte"),
    ("lab-ressource", "LAB", "§ 68 c", "Ressourceforløb"),
    ("sdp-13e", "Sygedagpengeloven", "§ 13 e", "Jobafklaringsforløb og helhedsorienteret plan"),
    ("akl-kontanthjaelp", "Aktivloven", "§ 11", "Kontanthjælp"),
    ("sel-81", "Serviceloven", "§ 81", "Sammenhængende og helhedsorienteret indsats for voksne"),
    ("sel-82", "Serviceloven", "§ 82", "Tilbud af forebyggende karakter"),
    ("sel-85", "Serviceloven", "§ 85", "Socialpædagogisk støtte"),
    ("sel-99", "Serviceloven", "§ 99", "Opsøgende arbejde"),
    ("sel-101", "Serviceloven", "§ 101", "Social behandling af stofmisbrug"),
    ("sel-101a", "Serviceloven", "§ 101 a", "Behandling af stofmisbrug i døgnregi"),
    ("sel-107", "Serviceloven", "§ 107", "Midlertidigt botilbud"),
    ("sel-108", "Serviceloven", "§ 108", "Længerevarende botilbud"),
    ("sel-110", "Serviceloven", "§ 110", "Forsorgshjem og herberg"),
    ("sel-141", "Serviceloven", "§ 141", "Handleplan for voksne"),
    ("bl-30", "Barnets lov", "§ 30", "Forebyggende indsatser"),
    ("bl-32", "Barnets lov", "§ 32", "Støttende indsatser til barnet eller familien"),
    ("bl-46", "Barnets lov", "§ 46", "Anbringelse uden for hjemmet"),
    ("bl-91", "Barnets lov", "§ 91", "Barnets plan"),
    ("bl-114", "Barnets lov", "§ 114", "Efterværn for unge 18-22 år"),
    ("sul-141", "Sundhedsloven", "§ 141", "Alkoholbehandling"),
    ("sul-142", "Sundhedsloven", "§ 142", "Lægelig behandling af stofmisbrug"),
    ("sul-119", "Sundhedsloven", "§ 119", "Forebyggelse og sundhedsfremme"),
    ("psyk-13a", "Psykiatriloven", "§ 13 a", "Udskrivningsaftale"),
    ("psyk-13b", "Psykiatriloven", "§ 13 b", "Koordinationsplan"),
    ("sfl-52", "Straffuldbyrdelsesloven", "§ 52", "Behandling under afsoning"),
    ("strfl-57", "Straffeloven", "§ 57", "Vilkår om tilsyn"),
    (
        "strfl-56-2",
        "Straffeloven",
        "§ 56, stk. 2",
        "Vilkår (fx misbrugsbehandling) ved betinget dom",
    ),
    ("stu-lov-1", "STU-loven", "§ 1", "Ungdomsuddannelse for unge med særlige behov"),
    ("kui-2", "Lov om kommunal indsats for unge under 25 år", "§ 2", "Sammenhængende ungeindsats"),
    (
        "folk-3-9",
        "Folkeskoleloven",
        "§ 3, stk. 9",
        "Specialundervisning og specialpædagogisk bistand",
    ),
    ("almen-boligsocial", "Almenboligloven", "§ 91 a", "Boligsocial helhedsplan"),
)


# The data category a measure under each basis reveals (docs/security.md). A basis not named
# here leaves it to the measure's fagområde. Treatment for drug or alcohol use is health data
# whichever act it is given under (Serviceloven § 101 as well as Sundhedsloven §§ 141-142);
# special-needs schooling reveals a disability ("rent private forhold"); employment measures are
# the jobcenter's own category, apart from benefits (income and support).
LEGAL_BASIS_CATEGORY: dict[str, str] = {
    **{key: "employment" for key, law, _p, _t in LEGAL_BASES if law == "LAB"},
    "sdp-13e": "employment",
    "akl-kontanthjaelp": "economy",
    **{key: "social" for key, law, _p, _t in LEGAL_BASES if law in ("Serviceloven", "Barnets lov")},
    "sel-101": "health",
    "sel-101a": "health",
    **{
        key: "health"
        for key, law, _p, _t in LEGAL_BASES
        if law in ("Sundhedsloven", "Psykiatriloven")
    },
    **{
        key: "crime"
        for key, law, _p, _t in LEGAL_BASES
        if law in ("Straffeloven", "Straffuldbyrdelsesloven")
    },
    "stu-lov-1": "social",
    "folk-3-9": "social",
    "almen-boligsocial": "social",
}


def shipped_category(basis_id: str | None, area: str | None) -> str:
    """A plan item's category by the shipped list (for bulk-inserted demo and benchmark data;
    the models' ``save`` reads the maintained list in the database)."""
    from helhed.courses.logic import item_category

    return item_category(LEGAL_BASIS_CATEGORY.get(basis_id or ""), area)


def sync_legal_bases(apps: Any) -> int:
    LegalBasis = apps.get_model("courses", "LegalBasis")
    has_category = any(f.name == "data_category" for f in LegalBasis._meta.get_fields())
    for key, law, paragraph, title in LEGAL_BASES:
        defaults = {"law": law, "paragraph": paragraph, "title": title}
        if has_category:  # migration 0002 runs before the field exists
            defaults["data_category"] = LEGAL_BASIS_CATEGORY.get(key, "")
        LegalBasis.objects.update_or_create(id=key, defaults=defaults)
    return len(LEGAL_BASES)
