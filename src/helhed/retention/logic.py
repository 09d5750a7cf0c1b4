"""Retention as plain values: the categories, what each does, and when a period has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ANONYMISE = "anonymiser"
DELETE = "slet"

CLOSED_COURSE = "forloeb"
PLAN_VERSIONS = "planversioner"
MEETING_MINUTES = "referater"
MEASUREMENTS = "maalinger"
NOTIFICATIONS = "notifikationer"
REQUESTS = "anmodninger"
ACCESS_LOG = "adgangslog"
EVENTS = "haendelser"
IMPORT_JOBS = "importjob"
TASK_RESULTS = "baggrundsjob"


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    action: str  # ANONYMISE or DELETE — decided here, not in the admin (docs/security.md)
    what: str  # what the action removes, in Danish
    years: int  # the default, to be confirmed by the municipality's DPO
    basis: str  # the grounds for the default


CATEGORIES: tuple[Category, ...] = (
    Category(
        CLOSED_COURSE,
        "Afsluttet forløb og alt i det",
        ANONYMISE,
        "Plan, versioner, team, samtykker, møder, opgaver, overdragelser, ophold, "
        "anmodninger og fritekster slettes; borgeren anonymiseres (navn → »Anonymiseret«, "
        "CPR-nummer og kontaktoplysninger fjernes, kun fødselsåret bevares). Tilbage bliver "
        "forløbets indsats, status og datoer, målingernes scorer og udfald samt økonomiens tal "
        "— uden person.",
        5,
        "Kommunale sociale sager og sagsakter kasseres typisk 5 år efter sagens afslutning "
        "efter Rigsarkivets bevarings- og kassationsbestemmelser for kommuner (arkivloven); "
        "databeskyttelsesforordningens art. 5, stk. 1, litra e. Standardværdi — fastsættes af "
        "kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        PLAN_VERSIONS,
        "Planens tidligere versioner",
        DELETE,
        "Alle planens versioner undtagen den seneste slettes; den gældende plan bevares, til "
        "forløbet anonymiseres.",
        2,
        "Historikken dokumenterer ændringer, mens sagen kan genoptages eller påklages; den "
        "gældende plan er sagens dokumentation (forvaltningslovens notatpligt). Standardværdi — "
        "fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        MEETING_MINUTES,
        "Mødereferater",
        ANONYMISE,
        "Referatets tekster (dagsordenens punkter, referatet til borgeren, årsagen til fravær) "
        "fjernes; mødets dato, slags og status bevares, til forløbet anonymiseres.",
        3,
        "Referaterne er notater i sagen; beslutningerne står i planen og i afgørelserne. "
        "Standardværdi — fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        MEASUREMENTS,
        "Progressionsmålinger",
        ANONYMISE,
        "Målingernes kommentarer (fritekst) og hvem der indtastede dem fjernes; svar og scorer "
        "bevares til indsatsens resultater.",
        3,
        "Scorerne indgår i indsatsens resultatopgørelse og evaluering; kommentarerne er "
        "personlige noter. Standardværdi — fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        NOTIFICATIONS,
        "Notifikationer",
        DELETE,
        "Notifikationer slettes regnet fra, da de blev oprettet (de rummer ingen "
        "personoplysninger, men viser, hvem der arbejdede med hvilket forløb).",
        1,
        "Notifikationer er arbejdsredskaber, ikke sagsakter. Standardværdi — fastsættes af "
        "kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        REQUESTS,
        "Anmodninger om sletning (art. 17)",
        DELETE,
        "Registreringen af en anmodning og svaret på den slettes regnet fra afgørelsen.",
        5,
        "Dokumentation for, at den registreredes rettigheder er opfyldt (art. 5, stk. 2, og "
        "art. 12); forældelsesloven (3 år) plus margin. Standardværdi — fastsættes af kommunens "
        "databeskyttelsesrådgiver.",
    ),
    Category(
        ACCESS_LOG,
        "Adgangsloggen",
        DELETE,
        "Indgange ældre end perioden slettes fra kædens begyndelse gennem adgangsloggens ene "
        "tilladte sletning (helhed.audit.services.prune); et startpunkt registreres, så resten "
        "af kæden stadig kan verificeres. En borger, der anonymiseres, anonymiseres også i "
        "loggen (hvem, hvornår, hvorfor og hjemmel bevares).",
        5,
        "Logningen skal kunne dokumentere adgang i sagens levetid og ved klager. Standardværdi — "
        "fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
)
# Technical rows that grow with use and are no case records; the apps that own them register the
# deletion (``services.register_sweep``): retention sits below them in the layers.
CATEGORIES += (
    Category(
        EVENTS,
        "Hændelser og webhook-leveringer",
        DELETE,
        "Hændelser i hændelsesfeedet (/api/events) og deres webhook-leveringer slettes regnet fra "
        "hændelsens tidspunkt, når hændelsen er fordelt og ingen af dens leveringer venter på et "
        "nyt forsøg. Hændelserne rummer kun id'er.",
        1,
        "Hændelserne er en teknisk kø til integrationer, ikke sagsakter; en klient, der er mere "
        "end perioden bagud, henter forløbene igen (docs/integration.md). Standardværdi — "
        "fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        IMPORT_JOBS,
        "Importjob",
        DELETE,
        "Importjob (filnavn, kolonner, fejllister med rækkenumre og opsummering) slettes regnet "
        "fra, da de blev oprettet; et job, der står i kø eller importerer, bevares. Den "
        "uploadede fil er allerede tømt efter import, annullering eller 24 timer.",
        1,
        "Importens resultat står i de forløb, den oprettede; jobbet dokumenterer kun selve "
        "kørslen. Standardværdi — fastsættes af kommunens databeskyttelsesrådgiver.",
    ),
    Category(
        TASK_RESULTS,
        "Baggrundsjob",
        DELETE,
        "Afsluttede baggrundsjob (e-mails, webhook-leveringer, importer: status, tidspunkter og "
        "fejl) slettes regnet fra, da de sluttede; job, der venter eller kører, bevares.",
        1,
        "Driftsoplysninger til fejlsøgning, ikke sagsakter; en e-mails argumenter er allerede "
        "blanket efter levering. Standardværdi — fastsættes af kommunens "
        "databeskyttelsesrådgiver.",
    ),
)
BY_KEY = {c.key: c for c in CATEGORIES}
ACTION_LABELS = {ANONYMISE: "anonymiseres", DELETE: "slettes"}
DONE_LABELS = {ANONYMISE: "anonymiseret eller slettet", DELETE: "slettet"}


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def has_passed(ended: date, years: int, today: date) -> bool:
    """Has a period of ``years`` after ``ended`` passed on ``today``? The last day kept is the
    day before the anniversary: on the anniversary the data goes."""
    return today >= add_years(ended, years)


def kept_until(ended: date, years: int) -> date:
    return add_years(ended, years)
