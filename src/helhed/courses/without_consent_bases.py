"""The maintained list of legal bases for reading a course without the citizen's consent.

A public authority may in some situations obtain or receive information without consent; each
basis says which data categories it opens (docs/security.md, "Access without consent"). These
entries are a starting list for the municipality's lawyers to check and maintain in the admin
(an entry is deactivated, never deleted, so accesses opened on it keep their basis).
"""

from __future__ import annotations

from typing import Any

PLAN = "plan"

# id, law, paragraph, title, guidance, categories
WITHOUT_CONSENT_BASES: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "rsl-11c",
        "Retssikkerhedsloven",
        "§ 11 c",
        "Indhentning af oplysninger i en sag om hjælp",
        "Når kommunen behandler en sag om hjælp og oplysningerne er nødvendige for at afgøre "
        "den, og borgeren ikke vil eller kan give samtykke. Borgeren skal normalt orienteres.",
        (PLAN, "health", "social", "employment", "economy"),
    ),
    (
        "fvl-31",
        "Forvaltningsloven",
        "§ 31",
        "Videregivelse efter anmodning fra en anden myndighed",
        "Når en anden forvaltningsmyndighed har brug for oplysningerne til en afgørelse eller til "
        "sin virksomhed, og videregivelsen er lovlig efter databeskyttelsesreglerne.",
        (PLAN, "social", "employment", "economy"),
    ),
    (
        "rpl-115",
        "Retsplejeloven",
        "§ 115",
        "Udveksling af oplysninger i SSP-, PSP- og KSP-samarbejdet",
        "Kun til kriminalitetsforebyggende samarbejde mellem kommune, politi, psykiatri og "
        "kriminalforsorg, og kun de oplysninger, der er nødvendige for det formål.",
        (PLAN, "health", "social", "crime"),
    ),
    (
        "dbl-8-2-3",
        "Databeskyttelsesloven",
        "§ 8, stk. 2, nr. 3",
        "Oplysninger om strafbare forhold, nødvendige for myndighedens opgave",
        "Når oplysninger om strafbare forhold er nødvendige for at varetage myndighedens "
        "opgaver eller for en afgørelse, myndigheden skal træffe.",
        (PLAN, "crime"),
    ),
    (
        "sul-43-2",
        "Sundhedsloven",
        "§ 43, stk. 2",
        "Videregivelse af helbredsoplysninger uden samtykke",
        "Når det er nødvendigt for at varetage en åbenbar almen interesse eller væsentlige hensyn "
        "til patienten, sundhedspersonen eller andre.",
        (PLAN, "health"),
    ),
    (
        "gdpr-9-2-c",
        "Databeskyttelsesforordningen",
        "art. 9, stk. 2, litra c",
        "Vitale interesser, når borgeren ikke kan give samtykke",
        "Kun for at beskytte borgerens eller andres vitale interesser, når borgeren fysisk eller "
        "juridisk ikke er i stand til at give samtykke (fx akut fare for liv eller helbred).",
        (PLAN, "health", "social", "crime", "employment", "economy"),
    ),
)


def sync_without_consent_bases(apps: Any) -> int:
    basis_model = apps.get_model("courses", "WithoutConsentBasis")
    for key, law, paragraph, title, guidance, categories in WITHOUT_CONSENT_BASES:
        basis_model.objects.update_or_create(
            id=key,
            defaults={
                "law": law,
                "paragraph": paragraph,
                "title": title,
                "guidance": guidance,
                "categories": list(categories),
            },
        )
    return len(WITHOUT_CONSENT_BASES)
