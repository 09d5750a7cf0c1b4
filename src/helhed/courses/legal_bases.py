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


def sync_legal_bases(apps: Any) -> int:
    LegalBasis = apps.get_model("courses", "LegalBasis")
    for key, law, paragraph, title in LEGAL_BASES:
        LegalBasis.objects.update_or_create(
            id=key, defaults={"law": law, "paragraph": paragraph, "title": title}
        )
    return len(LEGAL_BASES)
