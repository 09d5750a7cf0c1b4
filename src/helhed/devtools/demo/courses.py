"""Synthetic citizens, families and courses for ``helhed demo`` — the research's cases at any scale.

Three kinds of course, modelled on the cases in DOMAIN.md §4 and VIVE's initiatives in the demo
municipalities (Holbæk, Odense, Svendborg, Viborg):

* **family** — a complex household (mother, father, their children, the father's new partner and
  their children, the mother's ex-partner and his child); one plan for the whole family
  (FAMKO, Relationel velfærd, Familien i Fokus …);
* **youth** — a young person with drug use and a probation sentence: Kriminalforsorgen,
  Rusmiddelcenter and Ungeenheden around them, and the classic pair of contradictory demands —
  zero tolerance (probation condition) vs harm reduction (drug treatment) — marked as a conflict;
* **adult** — a psychologically vulnerable adult on sickness benefit: Jobcenter, psychiatry and
  Socialpsykiatri (Holbæk's jobindsats for psykisk sårbare, IPS, Sammenhængende Borgerforløb …).

Case 0 is the showcase: a young person in the first demo municipality whose coordinator is the
fixed ``koordinator`` login, whose record is linked to the ``borger`` login, and whose team
includes the ``fagperson`` login's Jobcenter with a valid consent — so every feature has data.
Case 1 is a long-running course with a large plan (the benchmark's worst case).

**Scale.** ``--citizens K`` is met exactly. Cases are expanded in chunks and bulk-inserted table by
table (``ignore_conflicts``, no per-row ``save()``; plan-version snapshots are made from the unsaved
rows by ``courses.logic.plan_snapshot``, the function the services use), so K = 300,000 is a
matter of minutes; rows/s per table are reported in the summary.

**Determinism and idempotency.** The layout of cases (kind, municipality, family shape) comes from
its own seeded generator and everything else from ``ctx.rng`` in case order, so the first cases of a
small run are the first cases of a large one. Every row's primary key is ``ctx.uuid(...)`` of a
stable key; a second run inserts nothing.

**CPR numbers** come from ``devtools.factories.CprAllocator`` (shared with the tests): synthetic
but valid for ``logic.validate_cpr``, never a possible pre-2007 real number. Ages are counted from
a fixed anchor date, not from today, so a re-run never produces a different number.
"""

from __future__ import annotations

import os
import pickle
import random
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.courses import logic
from helhed.courses.legal_bases import shipped_category
from helhed.courses.models import (
    Appointment,
    Citizen,
    Consent,
    CoordinatorChange,
    Course,
    Demand,
    DemandConflict,
    Goal,
    Household,
    HouseholdRelation,
    Measure,
    Plan,
    PlanVersion,
    Relative,
    SubGoal,
    TeamMember,
)
from helhed.courses.services import checklist_for
from helhed.devtools.demo.core import DEMO_MUNICIPALITIES, REGION_UNITS, SECTOR_LOGINS
from helhed.devtools.demokit import (
    DEMO_PASSWORD,
    DemoContext,
    InsertStat,
    Turns,
    committed_in_turn,
    in_workers,
    indexes_built_after,
    new_row,
    workers_write,
)
from helhed.devtools.factories import CprAllocator
from helhed.devtools.fastinsert import FRESH_TABLES, insert_prepared, insert_rows, prepared_values
from helhed.registry.models import Initiative

# Ages are counted from this date, so a citizen's birth date (and CPR number) never depends on the
# day the demo runs.
BIRTH_ANCHOR = date(2026, 1, 1)
CPH = ZoneInfo("Europe/Copenhagen")
CHUNK_CASES = 2000  # cases expanded and inserted per transaction

KINDS = ("family", "youth", "adult")
KIND_WEIGHTS = (25, 35, 40)
# Weight of each demo municipality (by official code): roughly by population.
# Holbæk (316) hosts the fixed demo logins, so it gets the largest share.
MUNI_WEIGHTS = {"316": 40, "461": 30, "479": 10, "791": 20}
CASELOAD = (26, 38)  # courses per coordinator: one coordinator per ~30 courses

SHOWCASE, LARGE_PLAN = 0, 1
# Open courses each sector login (core demo: ``SECTOR_LOGINS``) is the contact person on, and the
# categories of the consent that names its unit.
SECTOR_CASELOAD = 12
SURVEY_INITIATIVE = "IPS"  # the relational-coordination demo's (demo/coordination.py)
SECTOR_CATEGORIES: dict[str, tuple[str, ...]] = {
    "psykiatri": ("plan", "health", "social"),
    "kriminalforsorg": ("plan", "crime", "social"),
    "rusbehandler": ("plan", "health", "social"),
}
SECTOR_CONSENT_NOTES = {
    "psykiatri": "Samtykke til deling med regionspsykiatrien: plan, helbred og sociale forhold.",
    "kriminalforsorg": "Samtykke til deling med Kriminalforsorgen: plan, strafbare forhold og "
    "sociale forhold.",
    "rusbehandler": "Samtykke til deling med alkohol- og stofbehandlingen (SUL § 142): plan, "
    "helbred og sociale forhold.",
}


# --------------------------------------------------------------------------------------------
# Layout: which cases exist for (seed, K) — pure, cheap, used by the benchmark too
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Family:
    kids: int  # mother's and father's children
    partner: bool  # the father's new partner …
    partner_kids: int  # … and their children
    ex: bool  # the mother's ex-partner …
    ex_kids: int  # … and his child

    @property
    def size(self) -> int:
        return (
            2
            + self.kids
            + (1 + self.partner_kids if self.partner else 0)
            + (1 + self.ex_kids if self.ex else 0)
        )


@dataclass(frozen=True, slots=True)
class CaseSpec:
    index: int
    kind: str
    muni: str  # official code of the municipality
    size: int  # citizens in the case (a truncated family at the very end of a run)
    family: Family | None = None


def case_layout(seed: int, citizens: int) -> list[CaseSpec]:
    """The cases a demo run with ``--citizens`` creates: exactly ``citizens`` citizens."""
    rng = random.Random(f"{seed}:courses:layout")
    codes = sorted(DEMO_MUNICIPALITIES)
    weights = [MUNI_WEIGHTS.get(c, 10) for c in codes]
    cases: list[CaseSpec] = []
    remaining, index = citizens, 0
    while remaining > 0:
        if index == SHOWCASE:
            kind, muni = "youth", codes[0]
        elif index == LARGE_PLAN:
            kind, muni = "adult", codes[0]
        else:
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            muni = rng.choices(codes, weights)[0]
        family = None
        size = 1
        if kind == "family":
            partner, ex = rng.random() < 0.5, rng.random() < 0.4
            family = Family(
                kids=rng.randint(1, 3),
                partner=partner,
                partner_kids=rng.randint(0, 2) if partner else 0,
                ex=ex,
                ex_kids=rng.randint(0, 1) if ex else 0,
            )
            size = family.size
        size = min(size, remaining)
        cases.append(CaseSpec(index, kind, muni, size, family))
        remaining -= size
        index += 1
    return cases


def expected_courses(seed: int, citizens: int) -> int:
    """How many courses ``helhed demo --seed S --citizens K`` creates (one per case)."""
    return len(case_layout(seed, citizens))


def _caseload_sizes(seed: int) -> Iterator[int]:
    rng = random.Random(f"{seed}:courses:caseload")
    while True:
        yield rng.randint(*CASELOAD)


# --------------------------------------------------------------------------------------------
# Texts (Danish; goals in the citizen's own words)
# --------------------------------------------------------------------------------------------

GOALS = {
    "youth": [
        "Jeg vil have min egen lejlighed",
        "Jeg vil være stoffri",
        "Jeg vil holde mig ude af kriminalitet",
        "Jeg vil tage 9. klasse færdig",
        "Jeg vil have et fritidsjob og tjene mine egne penge",
        "Jeg vil have en fast hverdag, hvor jeg står op om morgenen",
        "Jeg vil tage kørekort",
        "Jeg vil have kontakt med min lillesøster igen",
        "Jeg vil starte på en uddannelse som tømrer",
    ],
    "adult": [
        "Jeg vil tilbage på arbejde nogle timer om ugen",
        "Jeg vil kunne sove om natten",
        "Jeg vil kunne handle ind uden at få angst",
        "Jeg vil have styr på min økonomi",
        "Jeg vil ud af lejligheden hver dag",
        "Jeg vil have en hverdag med struktur",
        "Jeg vil kunne være der for mine børn",
        "Jeg vil finde et arbejde, hvor der er ro omkring mig",
        "Jeg vil have nogen at tale med, når det er svært",
    ],
    "family": [
        "Vi vil have ro i familien om morgenen",
        "Jeg vil have, at mine børn kommer i skole hver dag",
        "Jeg vil have et arbejde",
        "Vi vil kunne tale sammen uden at skændes",
        "Jeg vil have, at min søn får en god ven",
        "Vi vil bo et sted, hvor der er plads til os alle",
        "Jeg vil være en mor, mine børn kan regne med",
        "Vi vil have én plan i stedet for mange",
        "Jeg vil have, at min datter får hjælp til at læse",
    ],
}

STATEMENTS = {
    "youth": "Det vigtigste for mig er at komme væk fra det miljø, jeg er i, og få mit eget sted.",
    "adult": "Det vigtigste for mig er at få det bedre, før jeg skal tilbage på arbejde.",
    "family": "Det vigtigste for os er, at børnene har det godt, og at vi ikke skal fortælle "
    "det samme til ti forskellige.",
}
SUMMARIES = {
    "youth": "Ung med forbrug af hash og kokain og en betinget dom med vilkår om tilsyn. "
    "Uden uddannelse; bor periodevis hos venner.",
    "adult": "Borger på sygedagpenge med angst og depression; i behandling i psykiatrien. "
    "Jobafklaring med gradvis tilbagevenden.",
    "family": "Familie med sager i Børn og Familie, Jobcentret og PPR. Planen dækker hele "
    "familien, også fars nye partner og deres børn.",
}
REFERRALS = {
    "youth": "Henvist af Kriminalforsorgen og Rusmiddelcentret: mange kontaktpersoner, "
    "modstridende krav.",
    "adult": "Henvist af Jobcentret efter 13 uger på sygedagpenge; psykiatrien anbefaler "
    "en koordineret indsats.",
    "family": "Familien har aktive sager i mindst to forvaltninger, heraf én i Børn og Familie.",
}
MANDATES = {
    "youth": "Kan bevilge mentorstøtte op til 10 timer om ugen og visitere til ambulant "
    "misbrugsbehandling uden at vente på visitationsudvalget.",
    "adult": "Kan bevilge mentorstøtte og iværksætte virksomhedspraktik på nedsat tid.",
    "family": "Kan iværksætte familiebehandling og mentorstøtte op til 25.000 kr. uden "
    "forudgående udvalgsbehandling.",
}
CLOSING_REASONS = (
    "Borgeren er i ordinært job",
    "Borgeren er startet på uddannelse",
    "Målene i planen er nået",
    "Borgeren er flyttet til en anden kommune",
    "Borgeren ønskede ikke at fortsætte",
)

# Team slots: key → (municipal unit name or special, role shown on the team)
SLOTS: dict[str, tuple[str, str]] = {
    "ungeenheden": ("Ungeenheden", "UU-vejleder"),
    "rus": ("Rusmiddelcenter", "Misbrugsbehandler"),
    "krim": ("@krim", "Tilsynsførende, Kriminalforsorgen"),
    "job": ("Jobcenter", "Sagsbehandler, Jobcentret"),
    "bolig": ("Boligsocialt Team", "Gadeplansmedarbejder"),
    "mentor": ("@mentor", "Mentor"),
    "psyk": ("@psyk", "Psykiatrisk sygeplejerske"),
    "socpsyk": ("Socialpsykiatri og Handicap", "Bostøtte"),
    "sundhed": ("Sundhed og Forebyggelse", "Sundhedsplejerske"),
    "bisidder": ("@bisidder", "Frivillig bisidder"),
    "boern": ("Børn og Familie", "Socialrådgiver"),
    "ppr": ("PPR og Skole", "Skolepsykolog"),
    "netvaerk": ("@netvaerk", "Netværksperson"),
}
# Per kind: (slot, probability)
TEAMS: dict[str, tuple[tuple[str, float], ...]] = {
    "youth": (
        ("ungeenheden", 1),
        ("rus", 1),
        ("krim", 1),
        ("job", 0.6),
        ("bolig", 0.3),
        ("mentor", 0.3),
        ("psyk", 0.15),
    ),
    "adult": (
        ("job", 1),
        ("psyk", 1),
        ("socpsyk", 1),
        ("sundhed", 0.3),
        ("bisidder", 0.25),
        ("rus", 0.15),
    ),
    "family": (
        ("boern", 1),
        ("job", 0.8),
        ("ppr", 0.7),
        ("sundhed", 0.6),
        ("bolig", 0.3),
        ("netvaerk", 0.25),
    ),
}

# Measures: slot → (title, fagområde, legal basis, budget area)
MEASURES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "ungeenheden": (
        ("Uddannelsesplan og forberedende grunduddannelse (FGU)", "uddannelse", "kui-2", "skole"),
    ),
    "rus": (
        ("Ambulant stofmisbrugsbehandling", "specialiseret-voksen", "sel-101", "voksne"),
        ("Lægelig behandling af stofmisbrug", "specialiseret-voksen", "sul-142", "sundhed"),
    ),
    "krim": (("Tilsyn under betinget dom", "kriminalitet", "strfl-57", "stat"),),
    "job": (
        ("Jobafklaringsforløb med gradvis opstart", "beskaeftigelse", "sdp-13e", "beskaeftigelse"),
        ("Virksomhedspraktik 8 timer om ugen", "beskaeftigelse", "lab-127", "beskaeftigelse"),
        ("Mentorstøtte", "beskaeftigelse", "lab-187", "beskaeftigelse"),
    ),
    "bolig": (("Opsøgende gadeplansarbejde og boligstøtte", "boligsocial", "sel-99", "bolig"),),
    "mentor": (
        ("Mentorforløb hos privat leverandør", "beskaeftigelse", "lab-187", "beskaeftigelse"),
    ),
    "psyk": (
        (
            "Koordinationsplan og opfølgning i distriktspsykiatrien",
            "psykiatri",
            "psyk-13b",
            "region",
        ),
    ),
    "socpsyk": (
        ("Socialpædagogisk støtte i eget hjem", "specialiseret-voksen", "sel-85", "voksne"),
    ),
    "sundhed": (
        ("Forebyggende forløb: søvn, stress og kost", "kommunalt-sundhed", "sul-119", "sundhed"),
    ),
    "bisidder": (("Frivillig bisidder til møder", "specialiseret-voksen", "sel-81", "andet"),),
    "boern": (
        ("Familiebehandling i hjemmet", "specialiseret-boern-unge", "bl-32", "boern-unge"),
        ("Forebyggende forældreforløb", "specialiseret-boern-unge", "bl-30", "boern-unge"),
    ),
    "ppr": (("Specialpædagogisk bistand i skolen", "skole", "folk-3-9", "skole"),),
    "netvaerk": (("Frivillig netværksperson til familien", "kultur-fritid", "sel-82", "andet"),),
}

# Demands: key → (slot, kind, title, fagområde, legal basis, frequency, consequence)
DEMANDS: dict[str, tuple[str, str, str, str, str | None, str, str]] = {
    "nultolerance": (
        "krim",
        "afholdenhed",
        "Fuld afholdenhed fra euforiserende stoffer (nultolerance)",
        "kriminalitet",
        "strfl-56-2",
        "Urinprøve ved hvert tilsyn",
        "Kan føre til, at den betingede dom omsættes til fængsel",
    ),
    "skadesreduktion": (
        "rus",
        "behandling",
        "Skadesreduktion: stabilisér forbruget, før det trappes ned",
        "specialiseret-voksen",
        "sel-101",
        "Samtale hver uge",
        "",
    ),
    "tilsyn": (
        "krim",
        "indberetning",
        "Mød til tilsyn hos Kriminalforsorgen",
        "kriminalitet",
        "strfl-57",
        "Hver 14. dag",
        "Overtrædelse af vilkår",
    ),
    "uddannelse": (
        "ungeenheden",
        "fremmoede",
        "Fremmøde i uddannelsesforløbet",
        "uddannelse",
        "kui-2",
        "Alle hverdage kl. 8-14",
        "Ydelsen kan nedsættes",
    ),
    "jobsoegning": (
        "job",
        "jobsoegning",
        "Søg mindst to job om ugen",
        "beskaeftigelse",
        "akl-kontanthjaelp",
        "Hver uge",
        "Sanktion i ydelsen",
    ),
    "afklaring": (
        "job",
        "fremmoede",
        "Deltag i jobafklaring 15 timer om ugen",
        "beskaeftigelse",
        "sdp-13e",
        "Mandag, tirsdag og torsdag",
        "Sygedagpengene kan standses",
    ),
    "opfoelgning": (
        "job",
        "fremmoede",
        "Mød til opfølgningssamtale i Jobcentret",
        "beskaeftigelse",
        "sdp-13e",
        "Hver 4. uge",
        "Sygedagpengene kan standses",
    ),
    "medicin": (
        "psyk",
        "behandling",
        "Tag medicinen som aftalt og mød til samtaler",
        "psykiatri",
        "psyk-13b",
        "Hver 14. dag",
        "",
    ),
    "skaermet": (
        "psyk",
        "behandling",
        "Skærmet hverdag: højst 5 timers aktivitet om ugen under behandlingen",
        "psykiatri",
        "psyk-13b",
        "Indtil videre",
        "",
    ),
    "familiebehandling": (
        "boern",
        "fremmoede",
        "Mød til familiebehandling med børnene",
        "specialiseret-boern-unge",
        "bl-32",
        "Tirsdag kl. 9-11",
        "Sagen tages op igen",
    ),
    "skolegang": (
        "ppr",
        "fremmoede",
        "Børnene møder i skole hver dag",
        "skole",
        "folk-3-9",
        "Alle skoledage",
        "Underretning",
    ),
    "aktivering": (
        "job",
        "fremmoede",
        "Mød til aktivering tirsdag og torsdag formiddag",
        "beskaeftigelse",
        "lab-91",
        "Tirsdag og torsdag kl. 8.30-12",
        "Sanktion",
    ),
}
DEMAND_SETS = {
    "youth": ("nultolerance", "skadesreduktion", "tilsyn", "uddannelse", "jobsoegning"),
    "adult": ("afklaring", "opfoelgning", "medicin", "skaermet"),
    "family": ("familiebehandling", "skolegang", "aktivering", "jobsoegning"),
}
# Contradictory pairs per kind: (first, second, why)
CONFLICTS = {
    "youth": (
        "nultolerance",
        "skadesreduktion",
        "Kriminalforsorgen kræver fuld afholdenhed, mens Rusmiddelcentret arbejder "
        "skadesreducerende. En positiv urinprøve under behandlingen kan koste den unge "
        "den betingede dom.",
        0.75,
    ),
    "adult": (
        "afklaring",
        "skaermet",
        "Jobcentret kræver 15 timers jobafklaring om ugen, mens psykiatrien anbefaler "
        "højst 5 timers aktivitet under behandlingen.",
        0.35,
    ),
    "family": (
        "familiebehandling",
        "aktivering",
        "Familiebehandlingen ligger tirsdag formiddag, samtidig med mors aktivering i Jobcentret.",
        0.2,
    ),
}
RESOLUTIONS = {
    "youth": "Aftalt på netværksmøde: Kriminalforsorgen accepterer nedtrapning efter "
    "Rusmiddelcentrets plan; positive prøver drøftes på tilsynet, før der reageres.",
    "adult": "Jobafklaringen starter med 5 timer om ugen og trappes op efter aftale med "
    "psykiatrien.",
    "family": "Aktiveringen flyttes til onsdag og torsdag.",
}
SUBGOALS = {
    "ungeenheden": "Møder op 4 ud af 5 dage i FGU",
    "rus": "Deltager i ugentlige samtaler og fører forbrugsdagbog",
    "krim": "Overholder vilkårene i den betingede dom",
    "job": "Afklaring af arbejdsevnen inden for 26 uger",
    "bolig": "Skrevet op til en ungdomsbolig",
    "mentor": "Følges til de første møder på arbejdspladsen",
    "psyk": "Stabil medicinering og færre indlæggelser",
    "socpsyk": "Klarer selv indkøb to gange om ugen",
    "sundhed": "Sover mindst 6 timer de fleste nætter",
    "bisidder": "Har en bisidder med til alle møder med myndigheder",
    "boern": "Faste morgenrutiner fem dage om ugen",
    "ppr": "Læsetest forbedret til næste skoleår",
    "netvaerk": "Deltager i én fritidsaktivitet om ugen",
}
APPOINTMENTS = {
    "ungeenheden": ("Samtale med UU-vejlederen", "Ungeenheden"),
    "rus": ("Samtale på Rusmiddelcentret", "Rusmiddelcentret"),
    "krim": ("Tilsynssamtale", "Kriminalforsorgen"),
    "job": ("Opfølgningssamtale i Jobcentret", "Jobcentret"),
    "bolig": ("Boligvisning med gadeplansmedarbejderen", "Boligselskabets kontor"),
    "mentor": ("Mentormøde", "Café i byen"),
    "psyk": ("Samtale i distriktspsykiatrien", "Distriktspsykiatrien"),
    "socpsyk": ("Besøg af bostøtten", "Hjemme"),
    "sundhed": ("Samtale med sygeplejersken", "Sundhedscentret"),
    "bisidder": ("Forberedelse med bisidderen", "Frivilligcentret"),
    "boern": ("Familiebehandling", "Familiehuset"),
    "ppr": ("Møde med skolepsykologen", "Skolen"),
    "netvaerk": ("Aktivitet med netværkspersonen", "Fritidsklubben"),
}
INITIATIVES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "youth": {
        "316": (
            (
                "Styrket og helhedsorienteret tilgang for udsatte unge på kanten af uddannelse "
                "og beskæftigelse",
                "hele landet",
            ),
            ("God løsladelse", "hele landet"),
        ),
        "461": (("Café Exit", "København, Odense, Aarhus"), ("God løsladelse", "hele landet")),
        "479": (("En fremstrakt hånd", "Svendborg"), ("God løsladelse", "hele landet")),
        "791": (("Startblokken", "Viborg"), ("God løsladelse", "hele landet")),
    },
    "adult": {
        "316": (
            ("Helhedsorienteret jobindsats til psykisk sårbare borgere", "Holbæk"),
            ("IPS", "hele landet"),
        ),
        "461": (
            ("Sammenhængende Borgerforløb", "Odense"),
            (
                "Samarbejdsaftale for borgere med psykisk lidelse og samtidig rusmiddelproblematik",
                "Syddanmark",
            ),
        ),
        "479": (
            ("IPS", "hele landet"),
            (
                "Samarbejdsaftale for borgere med psykisk lidelse og samtidig rusmiddelproblematik",
                "Syddanmark",
            ),
        ),
        "791": (("IPS", "hele landet"),),
    },
    "family": {
        "316": (
            ("Familien i Fokus", "hele landet"),
            ("Tidlig indsats for sårbare familier", "hele landet"),
        ),
        "461": (("FAMKO", "Odense"), ("Sammenhængende Borgerforløb", "Odense")),
        "479": (
            ("Familien i Fokus", "hele landet"),
            ("Tidlig indsats for sårbare familier", "hele landet"),
        ),
        "791": (("Relationel velfærd", "Viborg"),),
    },
}
POSTCODES = {
    "316": "4300 Holbæk",
    "461": "5000 Odense C",
    "479": "5700 Svendborg",
    "791": "8800 Viborg",
}
EXTERNAL_KRIM = {
    "316": "Kriminalforsorgen i Frihed, Vestsjælland",
    "791": "Kriminalforsorgen i Frihed, Midt- og Vestjylland",
}
EXTERNAL_PSYK = {"791": "Regionspsykiatrien Midt, Viborg"}


# --------------------------------------------------------------------------------------------
# The world the cases are placed in (looked up once)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Person:
    """A staff user or an external contact, as a team member shows them."""

    user_id: uuid.UUID | None
    name: str
    title: str
    phone: str
    email: str


@dataclass(slots=True)
class Place:
    """Where a team slot sits: a Helhed unit, or only an organisation (an external contact)."""

    organisation_id: uuid.UUID
    unit_id: uuid.UUID | None
    welfare_area: str | None
    staff: list[Person]
    external_name: str = ""


@dataclass
class World:
    today: date
    now: datetime
    codes: list[str]
    coord_unit: dict[str, Unit]
    places: dict[tuple[str, str], Place]  # (municipality code, slot) → place
    initiatives: dict[tuple[str, str], list[uuid.UUID]]
    checklists: dict[uuid.UUID, dict[str, str]]
    coordinators: dict[str, list[Person]]  # per municipality, in caseload-fill order
    assignment: list[int]  # per case: index into coordinators[muni]
    citizen_user_id: uuid.UUID | None
    fagperson: Person | None
    # The sector logins (issue 14) by their unit: (username, the login as a person)
    sector: dict[uuid.UUID, tuple[str, Person]]
    # Courses of the relational-coordination demo's initiative keep their drawn contact persons,
    # so that demo's survey is the same with or without the sector logins.
    survey_initiatives: set[uuid.UUID]
    first_names_f: list[str]
    first_names_m: list[str]
    last_names: list[str]
    streets: list[str]


def _resolve_world(ctx: DemoContext, layout: Sequence[CaseSpec]) -> World | None:
    """Everything the cases are placed in, looked up once; ``None`` if the core and registry
    demos have not run."""
    orgs = list(
        Organisation.objects.filter(
            org_type_id="kommune", official_code__in=DEMO_MUNICIPALITIES
        ).select_related("region")
    )
    if not orgs:
        return None
    by_code = {o.official_code: o for o in orgs}
    codes = sorted(by_code)
    units = {
        (u.organisation_id, u.name): u
        for u in Unit.objects.filter(organisation__in=orgs).select_related("organisation")
    }
    coord_unit = _coordinating_units(by_code, units)
    found = _initiatives(codes)
    if coord_unit is None or found is None:
        return None
    initiatives, checklists = found
    users = User.objects.filter(username__in=["koordinator", "fagperson"]).in_bulk(
        field_name="username"
    )
    fagperson = users.get("fagperson")
    f = ctx.faker
    world = World(
        today=timezone.localdate(),
        now=timezone.now(),
        codes=codes,
        coord_unit=coord_unit,
        places=PlaceFinder.look_up(ctx, units).places(by_code),
        initiatives=initiatives,
        checklists=checklists,
        coordinators={},
        assignment=[],
        citizen_user_id=ctx.shared.get("citizen_user_id")
        or User.objects.filter(username="borger").values_list("id", flat=True).first(),
        fagperson=_person(fagperson) if fagperson else None,
        sector=_sector_logins(),
        survey_initiatives=set(
            Initiative.objects.filter(name=SURVEY_INITIATIVE).values_list("id", flat=True)
        ),
        first_names_f=sorted({f.first_name_female() for _ in range(400)}),
        first_names_m=sorted({f.first_name_male() for _ in range(400)}),
        last_names=sorted({f.last_name() for _ in range(400)}),
        streets=sorted({f.street_name() for _ in range(200)}),
    )
    _assign_coordinators(ctx, world, layout, users.get("koordinator"))
    return world


def _sector_logins() -> dict[uuid.UUID, tuple[str, Person]]:
    """The sector logins of the core demo, by the unit they work in."""
    return {
        m.unit_id: (m.user.username, _person(m.user))
        for m in Membership.objects.filter(user__username__in=list(SECTOR_LOGINS))
        .select_related("user")
        .order_by("user__username")
    }


def _person(user: User) -> Person:
    return Person(
        user.id, user.get_full_name() or user.username, user.title, user.phone, user.email
    )


def _coordinating_units(
    by_code: dict[str, Organisation], units: dict[tuple[uuid.UUID, str], Unit]
) -> dict[str, Unit] | None:
    """Each municipality's Koordinerende Team (``None`` if one is missing)."""
    coord_unit = {}
    for code, org in sorted(by_code.items()):
        unit = units.get((org.id, "Koordinerende Team"))
        if unit is None:
            return None
        coord_unit[code] = unit
    return coord_unit


def _initiatives(
    codes: list[str],
) -> tuple[dict[tuple[str, str], list[uuid.UUID]], dict[uuid.UUID, dict[str, str]]] | None:
    """Per (kind, municipality) the registry's initiatives a course can belong to, and each
    one's intake checklist answered; ``None`` if the registry is empty."""
    known = {(i.name, i.location): i for i in Initiative.objects.all()}
    if not known:
        return None
    fallback = sorted(known.values(), key=lambda i: i.name)[0]
    initiatives: dict[tuple[str, str], list[uuid.UUID]] = {}
    checklists: dict[uuid.UUID, dict[str, str]] = {}
    for kind, per_muni in INITIATIVES.items():
        for code in codes:
            found = [known[key] for key in per_muni.get(code, ()) if key in known] or [fallback]
            initiatives[(kind, code)] = [i.id for i in found]
            for i in found:
                checklists[i.id] = {text: "ja" for _k, text in checklist_for(i)[:6]}
    return initiatives, checklists


@dataclass
class PlaceFinder:
    """Where each team slot sits in a municipality: its own unit, a special unit from the core
    demo (``@krim``, ``@mentor`` …), the region's psychiatry, or an external organisation."""

    units: dict[tuple[uuid.UUID, str], Unit]  # (organisation, name) → the municipalities' units
    specials: dict[str, Unit]  # "@krim" … → unit
    region_units: dict[str, Unit]  # region code → psychiatry unit
    krim_org: uuid.UUID | None
    staff: dict[uuid.UUID, list[Person]]  # unit → its fagpersoner

    @classmethod
    def look_up(cls, ctx: DemoContext, units: dict[tuple[uuid.UUID, str], Unit]) -> PlaceFinder:
        special_ids = {
            "@krim": ctx.uuid("unit", "kriminalforsorgen"),
            "@mentor": ctx.uuid("unit", "privat"),
            "@bisidder": ctx.uuid("unit", "civil1"),
            "@netvaerk": ctx.uuid("unit", "civil2"),
        }
        by_id = {u.id: u for u in Unit.objects.filter(id__in=special_ids.values())}
        specials = {key: by_id[uid] for key, uid in special_ids.items() if uid in by_id}
        region_units = {}
        for code, (name, area) in REGION_UNITS.items():
            unit = Unit.objects.filter(organisation__official_code=code, name=name).first()
            if unit is not None and area == "psykiatri":
                region_units[code] = unit
        krim_org = (
            specials["@krim"].organisation_id
            if "@krim" in specials
            else Organisation.objects.filter(name="Kriminalforsorgen")
            .values_list("id", flat=True)
            .first()
        )
        all_units = [*units.values(), *by_id.values(), *region_units.values()]
        staff: dict[uuid.UUID, list[Person]] = {}
        for m in (
            Membership.objects.filter(unit__in=all_units, role="fagperson")
            .exclude(user__username__in=list(SECTOR_LOGINS))
            .select_related("user")
            .order_by("user__username")
        ):
            staff.setdefault(m.unit_id, []).append(_person(m.user))
        return cls(units, specials, region_units, krim_org, staff)

    def places(self, by_code: dict[str, Organisation]) -> dict[tuple[str, str], Place]:
        places: dict[tuple[str, str], Place] = {}
        for code, org in sorted(by_code.items()):
            for slot, (where, _role) in SLOTS.items():
                place = self.place(code, org, where)
                if place is not None:
                    places[(code, slot)] = place
        return places

    def place(self, code: str, org: Organisation, where: str) -> Place | None:
        if not where.startswith("@"):
            unit = self.units.get((org.id, where))
            return self._of(unit) if unit else None
        if where == "@krim":
            return self._probation(code)
        if where == "@psyk":
            return self._psychiatry(code, org)
        special = self.specials.get(where)
        return self._of(special) if special is not None else None

    def _of(self, unit: Unit) -> Place:
        return Place(
            unit.organisation_id, unit.id, unit.welfare_area_id, self.staff.get(unit.id, [])
        )

    def _probation(self, code: str) -> Place | None:
        """Kriminalforsorgen: an external contact in some municipalities, else its demo unit."""
        if code in EXTERNAL_KRIM and self.krim_org is not None:
            return Place(self.krim_org, None, "kriminalitet", [], EXTERNAL_KRIM[code])
        special = self.specials.get("@krim")
        return self._of(special) if special is not None else None

    def _psychiatry(self, code: str, org: Organisation) -> Place | None:
        """The region's adult psychiatry unit, else the region as an external contact."""
        region_code = org.region.official_code if org.region else ""
        region_unit = self.region_units.get(region_code)
        if region_unit is not None and "Børne" not in region_unit.name:
            return self._of(region_unit)
        if org.region_id is None:
            return None
        region_name = org.region.name if org.region else ""
        name = EXTERNAL_PSYK.get(code, f"Psykiatrien, {region_name}")
        return Place(org.region_id, None, "psykiatri", [], name)


def _assign_coordinators(
    ctx: DemoContext, world: World, layout: Sequence[CaseSpec], fixed: User | None
) -> None:
    """One coordinator per ~30 courses: fill each coordinator's caseload in case order (the fixed
    ``koordinator`` login first), creating extra synthetic coordinators where needed."""
    pools: dict[str, list[Person]] = {}
    for code in world.codes:
        members = (
            Membership.objects.filter(unit=world.coord_unit[code], role="koordinator")
            .select_related("user")
            .order_by("user__username")
        )
        people = [
            Person(
                m.user_id,
                m.user.get_full_name() or m.user.username,
                m.user.title,
                m.user.phone,
                m.user.email,
            )
            for m in members
            if not m.user.username.startswith("koord-")
        ]
        if fixed is not None:
            people.sort(key=lambda p: p.user_id != fixed.id)
        pools[code] = people
    sizes = _caseload_sizes(ctx.seed)
    fill: dict[str, tuple[int, int]] = {}  # code → (coordinator index, courses left)
    needed: Counter[str] = Counter()
    for case in layout:
        index, left = fill.get(case.muni, (0, next(sizes)))
        if left == 0:
            index, left = index + 1, next(sizes)
        fill[case.muni] = (index, left - 1)
        world.assignment.append(index)
        needed[case.muni] = max(needed[case.muni], index + 1)
    # Extra coordinators, with a single shared password hash (argon2 is deliberately slow).
    password = User.objects.filter(username="koordinator").values_list(
        "password", flat=True
    ).first() or make_password(DEMO_PASSWORD)
    rng = random.Random(f"{ctx.seed}:courses:coordinators")
    users: list[User] = []
    memberships: list[Membership] = []
    extra_names: dict[str, list[str]] = {}
    for code in world.codes:
        for n in range(max(0, needed[code] - len(pools[code]))):
            username = f"koord-{code}-{n + 1:04d}"
            first = rng.choice(world.first_names_f + world.first_names_m)
            last = rng.choice(world.last_names)
            users.append(
                User(
                    id=ctx.uuid("user", "koordinator-extra", code, n),
                    username=username,
                    first_name=first,
                    last_name=last,
                    password=password,
                    kind=UserKind.STAFF,
                    title="Koordinerende sagsbehandler",
                    email=f"{username}@demo.helhed.invalid",
                    phone=f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
            )
            extra_names.setdefault(code, []).append(username)
    if users:
        ctx.bulk_insert(User, users, label="koordinatorer (ekstra)", total=len(users))
        stored = User.objects.filter(username__in=[u.username for u in users]).in_bulk(
            field_name="username"
        )
        for code in world.codes:
            for username in extra_names.get(code, []):
                u = stored[username]
                memberships.append(
                    Membership(
                        id=ctx.uuid("membership", "koordinator-extra", username),
                        user_id=u.id,
                        unit=world.coord_unit[code],
                        role="koordinator",
                    )
                )
                pools[code].append(Person(u.id, u.get_full_name(), u.title, u.phone, u.email))
        ctx.bulk_insert(
            Membership, memberships, label="koordinatorer: medlemskaber", total=len(memberships)
        )
    world.coordinators = pools


# --------------------------------------------------------------------------------------------
# Expanding one case into rows
# --------------------------------------------------------------------------------------------


@dataclass
class Rows:
    """Rows of one chunk of cases, per table, in insert order."""

    tables: dict[str, list[models.Model]] = field(default_factory=dict)
    stale_plans: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (plan, days old)
    cases: int = 0

    def add(self, label: str, row: models.Model) -> None:
        self.tables.setdefault(label, []).append(row)


TABLES: tuple[tuple[str, type[models.Model]], ...] = (
    ("borgere", Citizen),
    ("husstande", Household),
    ("husstande: medlemmer", Household.members.through),
    ("familierelationer", HouseholdRelation),
    ("pårørende", Relative),
    ("forløb", Course),
    ("koordinatorskift", CoordinatorChange),
    ("samtykker", Consent),
    ("samtykker: enheder", Consent.units.through),
    ("samtykker: organisationer", Consent.organisations.through),
    ("team (kontaktpersoner)", TeamMember),
    ("planer", Plan),
    ("planversioner", PlanVersion),
    ("mål", Goal),
    ("delmål", SubGoal),
    ("indsatser", Measure),
    ("indsatser: mål", Measure.goals.through),
    ("krav", Demand),
    ("modstridende krav", DemandConflict),
    ("aftaler", Appointment),
)


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@dataclass
class CaseState:
    """One case while it is expanded: what the later steps need from the earlier ones."""

    case: CaseSpec
    citizen: Citizen
    status: str
    referred: date
    start: date | None
    end: date | None
    horizon_end: date  # the last day the course was running
    coordinator: Person
    coordinator_id: uuid.UUID
    coord_unit: Unit
    course_id: uuid.UUID
    plan_id: uuid.UUID
    team: list[tuple[str, TeamMember]] = field(default_factory=list)  # (slot, member)
    slots: list[str] = field(default_factory=list)
    sector_units: set[uuid.UUID] = field(default_factory=set)  # units of sector logins on it
    initiative_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ConsentSpec:
    """One consent to write: its number on the course, period, scope, note and categories."""

    n: int
    valid_from: date
    valid_to: date | None
    withdrawn: date | None
    units: list[uuid.UUID]
    orgs: list[uuid.UUID]
    note: str
    categories: set[str]


class CaseBuilder:
    def __init__(self, ctx: DemoContext, world: World) -> None:
        self.ctx, self.world, self.rng = ctx, world, ctx.rng
        self.cprs = CprAllocator(ctx.seed)
        self.sector_counts: Counter[str] = Counter()
        self.sector_open = True  # sector logins placed on teams (the first chunk only)

    # -- people ---------------------------------------------------------------------------

    def _phone(self) -> str:
        r = self.rng
        return (
            f"+45 {r.randint(20, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}"
        )

    def _citizen(
        self,
        rows: Rows,
        case: CaseSpec,
        member: int,
        *,
        age: int,
        male: bool,
        last_name: str | None = None,
        kind: str = "adult",
    ) -> Citizen:
        r, w = self.rng, self.world
        born = BIRTH_ANCHOR - timedelta(days=age * 365 + r.randint(0, 364))
        cpr, born = self.cprs.allocate(born, male)
        first = r.choice(w.first_names_m if male else w.first_names_f)
        homeless = kind == "youth" and r.random() < 0.3
        channel = (
            r.choice(["sms", "personligt"])
            if homeless
            else r.choices(["digital-post", "sms", "telefon", "personligt"], [55, 25, 12, 8])[0]
        )
        citizen = new_row(
            Citizen,
            id=self.ctx.uuid("citizen", case.index, member),
            cpr=cpr,
            birth_date=born,
            first_name=first,
            last_name=last_name or r.choice(w.last_names),
            contact_channel=channel,
            phone=self._phone() if age >= 13 else "",
            address=""
            if homeless
            else f"{r.choice(w.streets)} {r.randint(1, 120)}, {POSTCODES.get(case.muni, '')}",
            no_fixed_address=homeless,
            companion_wanted=r.random() < 0.15,
            contact_note=(
                "Digital Post når ikke frem: bor skiftevis hos venner. Ring eller skriv SMS."
                if homeless
                else ""
            ),
        )
        rows.add("borgere", citizen)
        return citizen

    def _family(self, rows: Rows, case: CaseSpec) -> tuple[Citizen, uuid.UUID]:
        r = self.rng
        fam = case.family or Family(1, False, 0, False, 0)
        surname = r.choice(self.world.last_names)
        mother_age, father_age = r.randint(24, 45), r.randint(25, 50)
        plan: list[tuple[str, int, bool, str | None]] = [
            ("mor", mother_age, False, None),
            ("far", father_age, True, surname),
        ]
        max_kid = max(0, min(17, mother_age - 19))
        plan += [
            ("barn", r.randint(0, max_kid), r.random() < 0.5, surname) for _ in range(fam.kids)
        ]
        if fam.partner:
            plan.append(("fars partner", r.randint(23, 42), False, None))
            plan += [
                ("halvsøskende", r.randint(0, 6), r.random() < 0.5, surname)
                for _ in range(fam.partner_kids)
            ]
        if fam.ex:
            plan.append(("mors ekspartner", r.randint(25, 50), True, None))
            plan += [
                ("ekspartners barn", r.randint(0, 14), r.random() < 0.5, None)
                for _ in range(fam.ex_kids)
            ]
        plan = plan[: case.size]
        people = [
            (role, self._citizen(rows, case, m, age=age, male=male, last_name=last, kind="family"))
            for m, (role, age, male, last) in enumerate(plan)
        ]
        household_id = self.ctx.uuid("household", case.index)
        mother = people[0][1]
        rows.add(
            "husstande", new_row(Household, id=household_id, name=f"Familien {mother.last_name}")
        )
        through = Household.members.through
        for _role, c in people:
            rows.add(
                "husstande: medlemmer", new_row(through, household_id=household_id, citizen_id=c.id)
            )
        by_role: dict[str, list[Citizen]] = {}
        for role, c in people:
            by_role.setdefault(role, []).append(c)
        mor, far = by_role.get("mor", []), by_role.get("far", [])
        kids, pkids = by_role.get("barn", []), by_role.get("halvsøskende", [])
        partner, ex = by_role.get("fars partner", []), by_role.get("mors ekspartner", [])
        relations: list[tuple[Citizen, Citizen, str]] = []
        relations += [(p, k, "forælder") for p in mor + far for k in kids]
        relations += [(a, b, "ekspartner") for a in far for b in mor]
        relations += [(a, b, "partner") for a in far for b in partner]
        relations += [(p, k, "forælder") for p in far + partner for k in pkids]
        relations += [(p, k, "stedforælder") for p in partner for k in kids]
        relations += [(a, b, "halvsøskende") for a in kids for b in pkids]
        relations += [(a, b, "søskende") for i, a in enumerate(kids) for b in kids[i + 1 :]]
        relations += [(a, b, "ekspartner") for a in ex for b in mor]
        relations += [(a, b, "forælder") for a in ex for b in by_role.get("ekspartners barn", [])]
        for a, b, kind in relations:
            rows.add(
                "familierelationer",
                new_row(
                    HouseholdRelation,
                    id=self.ctx.uuid("relation", case.index, a.id, b.id, kind),
                    household_id=household_id,
                    from_citizen_id=a.id,
                    to_citizen_id=b.id,
                    kind=kind,
                ),
            )
        return mother, household_id

    def _relative(
        self, rows: Rows, case: CaseSpec, citizen: Citizen, relation: str, custody: bool
    ) -> None:
        r, w = self.rng, self.world
        male = relation in ("Far", "Bror", "Ven")
        name = f"{r.choice(w.first_names_m if male else w.first_names_f)} {r.choice(w.last_names)}"
        rows.add(
            "pårørende",
            new_row(
                Relative,
                id=self.ctx.uuid("relative", case.index),
                citizen_id=citizen.id,
                name=name,
                relation=relation,
                phone=self._phone(),
                is_custody_holder=custody,
            ),
        )

    # -- the course ---------------------------------------------------------------------

    def build(self, rows: Rows, case: CaseSpec) -> None:
        """Expand one case into rows: people, the course, its team, consents and the plan. The
        steps draw from ``ctx.rng`` in this order; changing it changes every later case."""
        rows.cases += 1
        citizen, household_id = self._people(rows, case)
        if case.index == SHOWCASE:
            self._link_citizen_login(citizen)
        c = self._course(rows, case, citizen, household_id)
        self._coordinators_on_team(rows, c)
        self._slots_on_team(rows, c)
        self._consents(rows, c)
        self._plan(rows, c)

    def _people(self, rows: Rows, case: CaseSpec) -> tuple[Citizen, uuid.UUID | None]:
        """The citizen the course is about (a family's mother), and a family's household."""
        r = self.rng
        if case.kind == "family":
            return self._family(rows, case)
        if case.kind == "youth":
            citizen = self._citizen(
                rows, case, 0, age=r.randint(16, 24), male=r.random() < 0.65, kind="youth"
            )
            age = logic.age_on(citizen.birth_date, self.world.today)
            self._relative(rows, case, citizen, "Mor", custody=age < 18)
            return citizen, None
        citizen = self._citizen(rows, case, 0, age=r.randint(25, 62), male=r.random() < 0.45)
        if r.random() < 0.5:
            self._relative(rows, case, citizen, r.choice(["Søster", "Bror", "Ven"]), False)
        return citizen, None

    def _link_citizen_login(self, citizen: Citizen) -> None:
        """The showcase's citizen is the ``borger`` login's record (unless another one is)."""
        user_id = self.world.citizen_user_id
        if user_id is None:
            return
        if not Citizen.objects.filter(user_id=user_id).exclude(id=citizen.id).exists():
            citizen.user_id = user_id

    def _status_and_dates(self, i: int) -> tuple[str, date, date | None, date | None]:
        """Status, referral, start and end of case ``i``'s course."""
        r, today = self.rng, self.world.today
        if i in (SHOWCASE, LARGE_PLAN):
            status = "aktiv"
        else:
            status = r.choices(
                ["henvist", "afklaring", "aktiv", "pause", "afsluttet"], [8, 12, 62, 6, 12]
            )[0]
        if status == "henvist":
            referred = today - timedelta(days=r.randint(0, 30))
        elif i == LARGE_PLAN:
            referred = today - timedelta(days=3 * 365)
        elif i == SHOWCASE:
            referred = today - timedelta(days=240)
        else:
            referred = today - timedelta(days=r.randint(60, 900))
        start = None if status == "henvist" else referred + timedelta(days=r.randint(7, 30))
        end = None
        if status == "afsluttet":
            assert start is not None
            end = start + timedelta(days=r.randint(20, max(21, (today - start).days - 1)))
            end = min(end, today - timedelta(days=1))
        return status, referred, start, end

    def _course(
        self, rows: Rows, case: CaseSpec, citizen: Citizen, household_id: uuid.UUID | None
    ) -> CaseState:
        r, w, ctx = self.rng, self.world, self.ctx
        i, kind, code = case.index, case.kind, case.muni
        status, referred, start, end = self._status_and_dates(i)
        coordinators = w.coordinators[code]
        coordinator = coordinators[w.assignment[i] % len(coordinators)]
        assert coordinator.user_id is not None  # coordinators are Helhed users
        c = CaseState(
            case=case,
            citizen=citizen,
            status=status,
            referred=referred,
            start=start,
            end=end,
            horizon_end=end or w.today,  # last day the course was running
            coordinator=coordinator,
            coordinator_id=coordinator.user_id,
            coord_unit=w.coord_unit[code],
            course_id=ctx.uuid("course", i),
            plan_id=ctx.uuid("plan", i),
        )
        initiative_options = w.initiatives[(kind, code)]
        initiative_id = (
            initiative_options[0] if i in (SHOWCASE, LARGE_PLAN) else r.choice(initiative_options)
        )
        c.initiative_id = initiative_id
        rows.add(
            "forløb",
            new_row(
                Course,
                id=c.course_id,
                initiative_id=initiative_id,
                citizen_id=citizen.id,
                household_id=household_id,
                status=status,
                closing_reason=r.choice(CLOSING_REASONS) if status == "afsluttet" else "",
                referred_on=referred,
                start_date=start,
                end_date=end,
                coordinator_id=c.coordinator_id,
                coordinator_unit_id=c.coord_unit.id,
                mandate=MANDATES[kind],
                intake_checklist=w.checklists.get(initiative_id, {}),
                referral_note=REFERRALS[kind],
            ),
        )
        return c

    # -- the team -------------------------------------------------------------------------

    def _member(
        self,
        rows: Rows,
        c: CaseState,
        slot: str,
        place: Place,
        person: Person,
        role: str,
        since: date,
        until: date | None,
    ) -> TeamMember:
        tm = new_row(
            TeamMember,
            id=self.ctx.uuid("team", c.case.index, len(c.team)),
            course_id=c.course_id,
            user_id=person.user_id,
            name=person.name,
            organisation_id=place.organisation_id,
            unit_id=place.unit_id,
            welfare_area_id=place.welfare_area,
            role=role,
            phone=person.phone,
            email=person.email,
            valid_from=since,
            valid_to=until,
        )
        c.team.append((slot, tm))
        rows.add("team (kontaktpersoner)", tm)
        return tm

    def _coordinators_on_team(self, rows: Rows, c: CaseState) -> None:
        """The coordinator, after a predecessor on some courses (a coordinator change)."""
        r, w, ctx = self.rng, self.world, self.ctx
        i, kind = c.case.index, c.case.kind
        coordinators = w.coordinators[c.case.muni]
        coord_place = Place(c.coord_unit.organisation_id, c.coord_unit.id, None, [])
        previous = None
        if i > LARGE_PLAN and len(coordinators) > 1 and r.random() < 0.08 and c.start:
            previous = coordinators[(w.assignment[i] + 1) % len(coordinators)]
        changed_on = None
        if previous is not None:
            changed_on = c.referred + timedelta(
                days=r.randint(1, max(1, (c.horizon_end - c.referred).days))
            )
            self._member(
                rows,
                c,
                "coord",
                coord_place,
                previous,
                "Koordinator",
                c.referred,
                changed_on - timedelta(days=1),
            )
            rows.add(
                "koordinatorskift",
                new_row(
                    CoordinatorChange,
                    id=ctx.uuid("coordinator-change", i),
                    course_id=c.course_id,
                    previous_id=previous.user_id,
                    new_id=c.coordinator_id,
                    changed_by_id=c.coordinator_id,
                    reason="Den tidligere koordinator er stoppet; sagerne er fordelt på ny.",
                    mandate=MANDATES[kind],
                ),
            )
        self._member(
            rows,
            c,
            "coord",
            coord_place,
            c.coordinator,
            "Koordinator",
            changed_on or c.referred,
            c.end,
        )

    def _person_for(self, place: Place, role: str) -> Person:
        """One of the place's staff, or an invented external contact."""
        r, w = self.rng, self.world
        if place.staff:
            return r.choice(place.staff)
        name = f"{r.choice(w.first_names_f + w.first_names_m)} {r.choice(w.last_names)}"
        return Person(None, name, role, self._phone(), "")

    def _slots_on_team(self, rows: Rows, c: CaseState) -> None:
        """The professionals around the citizen, one per slot present in the municipality."""
        r, i = self.rng, c.case.index
        slots = [slot for slot, p in TEAMS[c.case.kind] if p >= 1 or r.random() < p]
        if i == SHOWCASE:
            slots = ["ungeenheden", "rus", "krim", "job", "bolig", "mentor"]
        elif i == LARGE_PLAN:
            slots = ["job", "psyk", "socpsyk", "sundhed", "bisidder", "rus", "mentor", "bolig"]
        c.slots = slots
        for slot in slots:
            place = self.world.places.get((c.case.muni, slot))
            if place is not None:
                self._slot_members(rows, c, slot, place)

    def _slot_members(self, rows: Rows, c: CaseState, slot: str, place: Place) -> None:
        """A slot's contact person, after a predecessor where people changed (turnover)."""
        r, w, i = self.rng, self.world, c.case.index
        role = SLOTS[slot][1]
        since = (c.start or c.referred) + timedelta(days=r.randint(0, 20))
        since = min(since, c.horizon_end)
        current = self._person_for(place, role)
        if i == SHOWCASE and slot == "job" and w.fagperson is not None:
            current = w.fagperson
        current = self._sector_login(c, place, current)
        role_text = f"{current.title or role}" + (
            f", {place.external_name}" if place.external_name else ""
        )
        turnover = (c.horizon_end - since).days > 40 and (
            r.random() < 0.25 or (i in (SHOWCASE, LARGE_PLAN) and slot in ("job", "rus"))
        )
        if turnover:
            left = since + timedelta(days=r.randint(10, (c.horizon_end - since).days - 20))
            predecessor = self._person_for(place, role)
            if predecessor.user_id is not None and predecessor.user_id == current.user_id:
                others = [p for p in place.staff if p.user_id != current.user_id]
                predecessor = r.choice(others) if others else predecessor
            self._member(rows, c, slot, place, predecessor, role_text, since, left)
            since = left + timedelta(days=1)
        self._member(rows, c, slot, place, current, role_text, since, c.end)

    def _sector_login(self, c: CaseState, place: Place, drawn: Person) -> Person:
        """A sector login (issue 14) is the contact person of its unit on the first
        ``SECTOR_CASELOAD`` open courses where the unit is on the team (no draw from the
        generator: the rest of the demo stays as it was). Wherever its unit is on a team, the
        unit's consent is its own, for its sector's data (``_sector_consents``)."""
        found = self.world.sector.get(place.unit_id) if place.unit_id else None
        if found is None:
            return drawn
        c.sector_units.add(place.unit_id)  # type: ignore[arg-type]
        username, person = found
        if (
            c.end is not None
            or not self.sector_open
            or c.initiative_id in self.world.survey_initiatives
            or self.sector_counts[username] >= SECTOR_CASELOAD
        ):
            return drawn
        self.sector_counts[username] += 1
        return person

    # -- consents -------------------------------------------------------------------------

    def _consents(self, rows: Rows, c: CaseState) -> None:
        """Consent covers the team's units (and external organisations as a whole). The
        coordinator sees the course as its coordinator, so the coordinating unit is not named:
        colleagues in that unit do not see each other's courses."""
        team = c.team
        unit_ids = sorted({tm.unit_id for s, tm in team if tm.unit_id and s != "coord"}, key=str)
        org_ids = sorted({tm.organisation_id for _s, tm in team if tm.unit_id is None}, key=str)
        # Treatment for drug use is health data (docs/security.md): a team with the drug
        # treatment unit needs the health category to share the plan's demands side by side.
        health = c.case.kind in ("adult", "family") or "psyk" in c.slots or "rus" in c.slots
        categories = (
            {"plan", "social", "employment", "economy"}
            | ({"health"} if health else set())
            | ({"crime"} if "krim" in c.slots else set())
        )
        sector = [u for u in unit_ids if u in c.sector_units]
        unit_ids = [u for u in unit_ids if u not in c.sector_units]
        consents = self._consent_periods(c, unit_ids, org_ids, categories)
        if c.case.index == SHOWCASE and len(unit_ids) > 1:
            consents += self._showcase_consents(c, unit_ids, org_ids, categories)
        consents += self._sector_consents(c, sector)
        for spec in consents:
            self._add_consent(rows, c, spec)

    def _sector_consents(self, c: CaseState, units: list[uuid.UUID]) -> list[ConsentSpec]:
        """A sector login's unit gets its own consent, for its sector's data only: psychiatry
        and drug treatment health, Kriminalforsorgen crime (with the plan and social data)."""
        year = self.world.today + timedelta(days=365)
        specs = []
        for n, unit_id in enumerate(units):
            username, _person = self.world.sector[unit_id]
            specs.append(
                ConsentSpec(
                    10 + n,
                    c.referred,
                    year,
                    None,
                    [unit_id],
                    [],
                    SECTOR_CONSENT_NOTES[username],
                    set(SECTOR_CATEGORIES[username]),
                )
            )
        return specs

    def _consent_variant(self, c: CaseState) -> str:
        r = self.rng
        if c.case.index in (SHOWCASE, LARGE_PLAN):
            return "valid"
        if c.status == "henvist" and r.random() < 0.6:
            return "none"
        return r.choices(["valid", "expiring", "withdrawn", "expired"], [75, 10, 8, 7])[0]

    def _consent_periods(
        self,
        c: CaseState,
        unit_ids: list[uuid.UUID],
        org_ids: list[uuid.UUID],
        categories: set[str],
    ) -> list[ConsentSpec]:
        """The course's consent: valid, running out within 30 days, expired, or withdrawn (and
        on some courses replaced by a narrower one); none on some courses not yet started."""
        r, today, since = self.rng, self.world.today, c.referred
        variant = self._consent_variant(c)

        def spec(
            n: int, valid_from: date, until: date, withdrawn: date | None, note: str = ""
        ) -> ConsentSpec:
            units = unit_ids[1:] if n == 1 else unit_ids
            return ConsentSpec(n, valid_from, until, withdrawn, units, org_ids, note, categories)

        if variant == "valid":
            return [spec(0, since, today + timedelta(days=r.randint(60, 540)), None)]
        if variant == "expiring":
            until = today + timedelta(days=r.randint(1, 29))
            return [spec(0, since, until, None, "Skal fornyes på næste netværksmøde.")]
        if variant == "expired":
            return [spec(0, since, max(since, today - timedelta(days=r.randint(1, 40))), None)]
        if variant != "withdrawn":
            return []
        withdrawn = min(
            today, max(since + timedelta(days=1), today - timedelta(days=r.randint(1, 60)))
        )
        year = today + timedelta(days=365)
        note = "Borgeren trak samtykket tilbage efter et møde, der gik skævt."
        specs = [spec(0, since, year, withdrawn, note)]
        if r.random() < 0.5 and len(unit_ids) > 1:
            # A new, narrower consent: everyone except one unit
            note = "Nyt samtykke uden den ene enhed, efter borgerens ønske."
            specs.append(spec(1, withdrawn, year, None, note))
        return specs

    def _showcase_consents(
        self,
        c: CaseState,
        unit_ids: list[uuid.UUID],
        org_ids: list[uuid.UUID],
        categories: set[str],
    ) -> list[ConsentSpec]:
        """An older consent the young person withdrew, and a health consent that runs out soon."""
        today, year = self.world.today, self.world.today + timedelta(days=365)
        withdrawn = c.referred + timedelta(days=30)
        specs = [
            ConsentSpec(
                1,
                c.referred,
                year,
                withdrawn,
                unit_ids,
                org_ids,
                "Trukket tilbage; erstattet af nyt samtykke.",
                categories,
            )
        ]
        rus = member_by_slot_unit(c.team, "rus")
        if rus is not None:
            specs.append(
                ConsentSpec(
                    2,
                    today - timedelta(days=30),
                    today + timedelta(days=20),
                    None,
                    [rus],
                    [],
                    "Helbredsoplysninger til Rusmiddelcentret; fornyes ved næste møde.",
                    {"plan", "health"},
                )
            )
        return specs

    def _add_consent(self, rows: Rows, c: CaseState, spec: ConsentSpec) -> None:
        citizen = c.citizen
        consent = new_row(
            Consent,
            id=self.ctx.uuid("consent", c.case.index, spec.n),
            course_id=c.course_id,
            given_by="borger",
            given_by_name=citizen.full_name,
            valid_from=spec.valid_from,
            valid_to=spec.valid_to,
            withdrawn_on=spec.withdrawn,
            withdrawn_by_name=citizen.full_name if spec.withdrawn else "",
            note=spec.note,
            recorded_by_id=c.coordinator_id,
            # Four in five citizens also agree to pseudonymised evaluation (no extra draw
            # from the generator: the rest of the demo stays as it was for each seed).
            for_evaluation=c.case.index % 5 != 0,
            **Consent.flags(spec.categories),
        )
        rows.add("samtykker", consent)
        for u in spec.units:
            rows.add(
                "samtykker: enheder",
                new_row(Consent.units.through, consent_id=consent.id, unit_id=u),
            )
        for o in spec.orgs:
            rows.add(
                "samtykker: organisationer",
                new_row(Consent.organisations.through, consent_id=consent.id, organisation_id=o),
            )

    # -- the plan -------------------------------------------------------------------------

    def _plan(self, rows: Rows, c: CaseState) -> None:
        """The plan and its first version; with a plan (every course past referral): goals,
        measures, demands, a conflict, appointments and the second version."""
        ctx, i, kind = self.ctx, c.case.index, c.case.kind
        has_plan = c.status != "henvist"
        rows.add(
            "planer",
            new_row(
                Plan,
                id=c.plan_id,
                course_id=c.course_id,
                citizen_statement=STATEMENTS[kind] if has_plan else "",
                summary=SUMMARIES[kind] if has_plan else "",
                version=2 if has_plan else 1,
                updated_by_id=c.coordinator_id,
            ),
        )
        rows.add(
            "planversioner",
            new_row(
                PlanVersion,
                id=ctx.uuid("plan-version", i, 1),
                plan_id=c.plan_id,
                number=1,
                created_by_id=c.coordinator_id,
                changes=["Forløbet er oprettet"],
                snapshot=logic.plan_snapshot(),
            ),
        )
        member_by_slot = dict(c.team)  # the last (current) member of each slot
        present = [s for s in c.slots if s in member_by_slot]
        if not has_plan:
            self._appointments(rows, c.case, c.plan_id, member_by_slot, present[:1], {}, c.end, 1)
            return
        goals = self._goals(rows, c, member_by_slot, present)
        measures = self._measures(rows, c, member_by_slot, present, [g for g, _s in goals])
        by_key, demands = self._demands(rows, c, member_by_slot)
        attendance = {
            DEMANDS[key][0]: d for key, d in by_key.items() if DEMANDS[key][1] == "fremmoede"
        }
        appointments = self._appointments(
            rows,
            c.case,
            c.plan_id,
            member_by_slot,
            present,
            attendance,
            c.end,
            60 if i == LARGE_PLAN else self.rng.randint(4, 6),
        )
        snapshot = logic.plan_snapshot(
            citizen_statement=STATEMENTS[kind],
            summary=SUMMARIES[kind],
            goals=goals,
            measures=measures,
            demands=demands,
            appointments=appointments,
        )
        rows.add(
            "planversioner",
            new_row(
                PlanVersion,
                id=ctx.uuid("plan-version", i, 2),
                plan_id=c.plan_id,
                number=2,
                created_by_id=c.coordinator_id,
                changes=logic.diff_snapshots(logic.plan_snapshot(), snapshot),
                snapshot=snapshot,
            ),
        )
        if i != SHOWCASE and (c.end is not None or self.rng.random() < 0.2):
            rows.stale_plans.append((c.plan_id, self.rng.randint(57, 200)))

    def _goals(
        self,
        rows: Rows,
        c: CaseState,
        member_by_slot: dict[str, TeamMember],
        present: list[str],
    ) -> list[tuple[Goal, list[SubGoal]]]:
        """Goals in the citizen's own words, each with the professionals' sub-goals."""
        r, ctx, i, kind = self.rng, self.ctx, c.case.index, c.case.kind
        large = i == LARGE_PLAN
        n_goals = 12 if large else r.randint(3, 4) if kind != "family" else r.randint(3, 5)
        texts = r.sample(GOALS[kind], min(n_goals, len(GOALS[kind])))
        if i == SHOWCASE:
            own_flat = "Jeg vil have min egen lejlighed"
            texts = [own_flat, *[t for t in texts if t != own_flat][: n_goals - 1]]
        goals: list[tuple[Goal, list[SubGoal]]] = []
        for g in range(n_goals):
            text = texts[g % len(texts)] + ("" if g < len(texts) else f" ({g // len(texts) + 1})")
            goal = new_row(
                Goal,
                id=ctx.uuid("goal", i, g),
                plan_id=c.plan_id,
                text=text,
                horizon="kort" if g % 3 else "lang",
                priority=g + 1,
                importance=r.randint(3, 5),
                status="naaet" if r.random() < 0.12 else "aaben",
                target_date=self.world.today + timedelta(days=r.randint(30, 365)),
            )
            rows.add("mål", goal)
            subs: list[SubGoal] = []
            for s in range(2 if large else 1):
                slot = present[(g + s) % len(present)] if present else "coord"
                owner = member_by_slot.get(slot)
                area = owner.welfare_area_id if owner else None
                sub = new_row(
                    SubGoal,
                    id=ctx.uuid("subgoal", i, g, s),
                    goal_id=goal.id,
                    text=SUBGOALS.get(slot, "Koordinatoren følger op hver 8. uge"),
                    owner_id=owner.id if owner else None,
                    welfare_area_id=area,
                    data_category=shipped_category(None, area),
                )
                rows.add("delmål", sub)
                subs.append(sub)
            goals.append((goal, subs))
        return goals

    def _measures(
        self,
        rows: Rows,
        c: CaseState,
        member_by_slot: dict[str, TeamMember],
        present: list[str],
        goals: list[Goal],
    ) -> list[tuple[Measure, list[uuid.UUID]]]:
        """One or two measures per slot present (30 on the large plan), linked to goals."""
        r = self.rng
        options = [(slot, m) for slot in present for m in MEASURES.get(slot, ())]
        if c.case.index == LARGE_PLAN:
            options = (options * 4)[:30]
        else:
            options = [o for o in options if o[1] == MEASURES[o[0]][0] or r.random() < 0.3]
        measures: list[tuple[Measure, list[uuid.UUID]]] = []
        for n, (slot, spec) in enumerate(options):
            measure = self._measure(rows, c, n, spec, member_by_slot.get(slot))
            linked = sorted(
                {goals[n % len(goals)].id, goals[(n + 1) % len(goals)].id}
                if r.random() < 0.3
                else {goals[n % len(goals)].id},
                key=str,
            )
            for gid in linked:
                rows.add(
                    "indsatser: mål",
                    new_row(Measure.goals.through, measure_id=measure.id, goal_id=gid),
                )
            measures.append((measure, linked))
        return measures

    def _measure(
        self,
        rows: Rows,
        c: CaseState,
        n: int,
        spec: tuple[str, str, str, str],
        responsible: TeamMember | None,
    ) -> Measure:
        r, large = self.rng, c.case.index == LARGE_PLAN
        title, area, basis, budget = spec
        m_start = (c.start or c.referred) + timedelta(days=r.randint(0, 60))
        m_status = (
            "afsluttet"
            if c.end
            else r.choices(["planlagt", "aktiv", "pause", "afsluttet"], [15, 65, 5, 15])[0]
        )
        if m_start > c.horizon_end:
            m_start, m_status = c.horizon_end, "planlagt"
        m_end = (
            min(c.horizon_end, m_start + timedelta(days=r.randint(30, 200)))
            if (m_status == "afsluttet")
            else None
        )
        measure = new_row(
            Measure,
            id=self.ctx.uuid("measure", c.case.index, n),
            plan_id=c.plan_id,
            title=title + (f" ({n + 1})" if large else ""),
            welfare_area_id=area,
            legal_basis_id=basis,
            organisation_id=(
                responsible.organisation_id if responsible else c.coord_unit.organisation_id
            ),
            unit_id=responsible.unit_id if responsible else None,
            responsible_id=responsible.id if responsible else None,
            start_date=m_start,
            end_date=m_end,
            expected_end=m_start + timedelta(days=r.choice([90, 180, 365])),
            status=m_status,
            budget_area=budget,
            description="",
            data_category=shipped_category(basis, area),
        )
        rows.add("indsatser", measure)
        return measure

    def _demands(
        self, rows: Rows, c: CaseState, member_by_slot: dict[str, TeamMember]
    ) -> tuple[dict[str, Demand], list[Demand]]:
        """The sectors' demands side by side (the first of each kind by key, and all of them),
        and the contradictory pair marked as a conflict."""
        i, kind = c.case.index, c.case.kind
        by_key: dict[str, Demand] = {}
        demands: list[Demand] = []
        keys = [key for key in DEMAND_SETS[kind] if DEMANDS[key][0] in member_by_slot]
        if i == LARGE_PLAN:
            keys = (keys * 5)[:20]
        for n, key in enumerate(keys):
            slot, dkind, dtitle, area, dbasis, freq, consequence = DEMANDS[key]
            if n >= len(DEMAND_SETS[kind]) or key in by_key:
                dtitle = f"{dtitle} ({n + 1})"
            owner = member_by_slot[slot]
            demand = new_row(
                Demand,
                id=self.ctx.uuid("demand", i, n),
                plan_id=c.plan_id,
                organisation_id=owner.organisation_id,
                welfare_area_id=area,
                kind=dkind,
                title=dtitle,
                frequency=freq,
                consequence=consequence,
                legal_basis_id=dbasis,
                start_date=owner.valid_from,
                end_date=c.end,
                unit_id=owner.unit_id,
                data_category=shipped_category(dbasis, area),
            )
            by_key.setdefault(key, demand)
            rows.add("krav", demand)
            demands.append(demand)
        self._conflict(rows, c, by_key)
        return by_key, demands

    def _conflict(self, rows: Rows, c: CaseState, by_key: dict[str, Demand]) -> None:
        r, i = self.rng, c.case.index
        first_key, second_key, why, probability = CONFLICTS[c.case.kind]
        if not (
            first_key in by_key
            and second_key in by_key
            and (i in (SHOWCASE, LARGE_PLAN) or r.random() < probability)
        ):
            return
        resolved = i != SHOWCASE and (c.end is not None or r.random() < 0.3)
        rows.add(
            "modstridende krav",
            new_row(
                DemandConflict,
                id=self.ctx.uuid("conflict", i),
                plan_id=c.plan_id,
                first_id=by_key[first_key].id,
                second_id=by_key[second_key].id,
                description=why,
                marked_by_id=c.coordinator_id,
                resolution=RESOLUTIONS[c.case.kind] if resolved else "",
                resolved_by_id=c.coordinator_id if resolved else None,
                resolved_at=self.world.now - timedelta(days=r.randint(1, 60)) if resolved else None,
            ),
        )

    def _appointments(
        self,
        rows: Rows,
        case: CaseSpec,
        plan_id: uuid.UUID,
        member_by_slot: dict[str, TeamMember],
        slots: Sequence[str],
        attendance: dict[str, Demand],
        end: date | None,
        count: int,
    ) -> list[Appointment]:
        """Appointments over the past and the next 8 weeks (before the end of a closed course);
        some courses get two that overlap."""
        r, w, ctx = self.rng, self.world, self.ctx
        made_rows: list[Appointment] = []
        choices = [s for s in slots if s in APPOINTMENTS] or []
        pivot = end or w.today
        made: list[tuple[datetime, datetime, str]] = []
        for n in range(count):
            network = not choices or (n == 0 and count > 2)
            slot = "coord" if network else choices[n % len(choices)]
            if n == count - 1 and len(made) >= 2 and (case.index == SHOWCASE or r.random() < 0.2):
                # An overlap: two sectors book the citizen at the same time
                starts = made[0][0] + timedelta(minutes=30)
                slot = next((s for s in choices if s != made[0][2]), slot)
            else:
                back = 56 if end is None else 100
                day = _weekday(pivot + timedelta(days=r.randint(-back, 56 if end is None else -1)))
                if end is not None and day > end:
                    day = _weekday(end - timedelta(days=7))
                    day = day if day <= end else end
                starts = datetime(
                    day.year, day.month, day.day, r.randint(8, 14), r.choice((0, 30)), tzinfo=CPH
                ).astimezone(UTC)
            ends = starts + timedelta(minutes=r.choice((45, 60, 90)))
            made.append((starts, ends, slot))
            tm = member_by_slot.get(slot)
            title, place = (
                ("Netværksmøde", "Koordinerende Team") if slot == "coord" else APPOINTMENTS[slot]
            )
            demand = attendance.get(slot)
            a = new_row(
                Appointment,
                id=ctx.uuid("appointment", case.index, n),
                plan_id=plan_id,
                title=title,
                organisation_id=tm.organisation_id
                if tm
                else w.coord_unit[case.muni].organisation_id,
                welfare_area_id=tm.welfare_area_id if tm else None,
                with_member_id=tm.id if tm else None,
                place=place,
                starts_at=starts,
                ends_at=ends,
                demand_id=demand.id if demand else None,
                note="",
                data_category=shipped_category(None, tm.welfare_area_id if tm else None),
            )
            rows.add("aftaler", a)
            made_rows.append(a)
        return made_rows


def member_by_slot_unit(team: Sequence[tuple[str, TeamMember]], slot: str) -> uuid.UUID | None:
    return next((tm.unit_id for s, tm in reversed(team) if s == slot and tm.unit_id), None)


# --------------------------------------------------------------------------------------------
# Inserting
# --------------------------------------------------------------------------------------------


class ChunkInserter:
    """Bulk-inserts chunk after chunk (one transaction per chunk, ``ignore_conflicts``) and
    records one rows/s figure per table in ``ctx.stats`` at the end — the same figures
    ``ctx.bulk_insert`` reports, without counting big tables after every chunk."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.before = {label: model._default_manager.count() for label, model in TABLES}
        self.seconds: dict[str, float] = dict.fromkeys((label for label, _m in TABLES), 0.0)
        self.started = timezone.now()

    def insert(self, rows: Rows) -> None:
        with transaction.atomic():
            for label, model in TABLES:
                batch = rows.tables.get(label)
                if not batch:
                    continue
                start = time.perf_counter()
                insert_rows(model, batch)
                self.seconds[label] += time.perf_counter() - start
            start = time.perf_counter()
            self._age_plans(rows.stale_plans)
            self.seconds["planer"] += time.perf_counter() - start

    def add(self, seconds: dict[str, float]) -> None:
        """Time a worker spent writing a chunk (``_write_chunk``)."""
        for label, spent in seconds.items():
            self.seconds[label] += spent

    def insert_prepared(self, chunk: PreparedChunk) -> None:
        """A chunk a worker prepared (``_prepare_chunk``), in one transaction."""
        with transaction.atomic():
            self.write_prepared(chunk, self.seconds)

    def write_prepared(
        self, chunk: PreparedChunk, seconds: dict[str, float], *, without: str = ""
    ) -> None:
        """The chunk's rows (but the table labelled ``without``) and its plans' ages, in the
        caller's transaction, adding the time per table to ``seconds``."""
        for label, model in TABLES:
            prepared = chunk.tables.get(label)
            if not prepared or label == without:
                continue
            start = time.perf_counter()
            insert_prepared(model, *prepared)
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - start
        start = time.perf_counter()
        self._age_plans(chunk.stale_plans)
        seconds["planer"] = seconds.get("planer", 0.0) + time.perf_counter() - start

    def _age_plans(self, stale_plans: list[tuple[uuid.UUID, int]]) -> None:
        if not stale_plans:
            return
        by_age: dict[int, list[uuid.UUID]] = {}
        for plan_id, days in stale_plans:
            by_age.setdefault(days // 30, []).append(plan_id)
        for months, ids in by_age.items():
            # Only plans inserted by this run (a re-run changes nothing)
            Plan.objects.filter(id__in=ids, updated_at__gte=self.started).update(
                updated_at=self.started - timedelta(days=57 + months * 30)
            )

    def finish(self) -> int:
        total = 0
        for label, model in TABLES:
            rows = model._default_manager.count() - self.before[label]
            total += rows
            self.ctx.stats.append(InsertStat(label, rows=rows, seconds=self.seconds[label]))
        return total


CPR_CLASH = (
    "Demodata for et andet seed med samme sidste ciffer findes allerede i databasen "
    "(CPR-numrene ville kollidere). Brug en tom database eller et andet seed."
)


def _check_cprs(rows: Rows) -> None:
    """A CPR number taken by another seed's demo data would silently drop a citizen: refuse."""
    citizens = rows.tables.get("borgere", [])
    if not citizens:
        return
    cprs = [c.cpr for c in citizens if isinstance(c, Citizen)]
    clash = Citizen.objects.filter(cpr__in=cprs).exclude(id__in=[c.pk for c in citizens])
    if clash.exists():
        raise CommandError(CPR_CLASH)


# --------------------------------------------------------------------------------------------
# Chunks after the first: a seed each, built in worker processes
# --------------------------------------------------------------------------------------------
#
# The first chunk is built in this process from ``ctx.rng`` exactly as before (the ``make run``
# demo and every build of up to CHUNK_CASES cases are unchanged). Every later chunk draws from a
# generator of its own, ``random.Random("<seed>:courses:chunk:<k>")``, so it can be built without
# the chunks before it — in another process, while this one writes the chunk before. What a
# chunk needs from the others is settled here, in chunk order: CPR numbers (one allocator for the
# whole build, so they stay unique; see ``_DeferredCprs``). The sector logins are placed on the
# first chunk's teams only (their caseload of SECTOR_CASELOAD open courses is full long before
# its end). The same chunks are built whether ``--workers`` is 1 or more.


class _DeferredCprs:
    """A worker's stand-in for the build's ``CprAllocator``: the birth date and sex of every
    citizen in order; the parent allocates the numbers (``_settle_cprs``)."""

    def __init__(self) -> None:
        self.wanted: list[tuple[date, bool]] = []

    def allocate(self, born: date, male: bool) -> tuple[str, date]:
        self.wanted.append((born, male))
        return "", born


@dataclass
class PreparedChunk:
    """One chunk's rows as ``fastinsert.prepared_values`` makes them (plain values that cross a
    process boundary cheaply), with what the parent settles before inserting."""

    index: int
    tables: dict[str, tuple[list[str], list[tuple[object, ...]]]]
    stale_plans: list[tuple[uuid.UUID, int]]
    cprs: list[tuple[date, bool]]  # the citizens' (birth date, male), in "borgere" row order
    cases: int


# What a forked worker builds from: set before the workers start (inherited, never pickled).
_FORKED: tuple[CaseBuilder, list[list[CaseSpec]], ChunkInserter] | None = None


def _prepare_chunk(k: int) -> PreparedChunk:
    """Build chunk ``k`` (> 0) from its own seed: no database access (the world was read before)."""
    assert _FORKED is not None
    builder, chunks, _inserter = _FORKED
    builder.rng = random.Random(f"{builder.ctx.seed}:courses:chunk:{k}")
    cprs = _DeferredCprs()
    builder.cprs = cprs  # type: ignore[assignment]
    builder.sector_open = False
    rows = Rows()
    for case in chunks[k]:
        builder.build(rows, case)
    tables = {
        label: prepared_values(model, rows.tables[label])
        for label, model in TABLES
        if rows.tables.get(label)
    }
    return PreparedChunk(k, tables, rows.stale_plans, cprs.wanted, rows.cases)


def _in_worker(k: int) -> PreparedChunk:
    """What a worker process is given (by name): ``_prepare_chunk`` as the forked process's
    copy of this module holds it."""
    return _prepare_chunk(k)


# On PostgreSQL the workers write their own chunks (``demokit.workers_write``), committed in
# chunk order; the CPR numbers are settled by the worker whose turn it is, from the one
# allocator handed on from chunk to chunk (``_Allocator``).


class _Allocator:
    """The build's ``CprAllocator`` between turns: a file only the worker whose turn it is reads
    and replaces (just before it commits; if the commit fails, so does the build)."""

    def __init__(self, cprs: CprAllocator) -> None:
        self.folder = tempfile.mkdtemp("-demo")
        self.hand_on(cprs)

    def take(self) -> CprAllocator:
        with open(os.path.join(self.folder, "cprs.pickle"), "rb") as f:
            found: CprAllocator = pickle.load(f)
        return found

    def hand_on(self, cprs: CprAllocator) -> None:
        path = os.path.join(self.folder, "cprs.pickle")
        with open(f"{path}.new", "wb") as f:
            pickle.dump(cprs, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f"{path}.new", path)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


_TURNS: tuple[Turns, _Allocator] | None = None


@dataclass
class WrittenChunk:
    """What a worker that wrote its chunk reports: the time per table and how many cases."""

    index: int
    seconds: dict[str, float]
    cases: int


def _write_chunk(k: int) -> WrittenChunk:
    """Build chunk ``k`` and write it with this process's connection in one transaction: every
    table but the citizens at once, then — at the chunk's turn — the citizens with their CPR
    numbers, and commit; the next chunk's turn comes after the commit."""
    assert _FORKED is not None and _TURNS is not None
    (turns, allocator), inserter = _TURNS, _FORKED[2]
    seconds: dict[str, float] = {}
    with committed_in_turn(turns, k - 1):
        chunk = _prepare_chunk(k)
        inserter.write_prepared(chunk, seconds, without="borgere")
        turns.wait_for(k - 1)
        cprs = allocator.take()
        _settle_cprs(chunk, cprs)
        if "borgere" in chunk.tables:
            start = time.perf_counter()
            insert_prepared(Citizen, *chunk.tables["borgere"])
            seconds["borgere"] = time.perf_counter() - start
        allocator.hand_on(cprs)  # the next chunk allocates after this one's numbers
    return WrittenChunk(k, seconds, chunk.cases)


def _write_in_worker(k: int) -> WrittenChunk:
    """What a worker is given (by name) when it writes its chunks: ``_write_chunk``."""
    return _write_chunk(k)


def _settle_cprs(chunk: PreparedChunk, cprs: CprAllocator) -> None:
    """Give the chunk's citizens their CPR numbers from the build's one allocator, in chunk
    order (a full birth date moves the citizen to the next day, as in the first chunk), and
    refuse numbers another seed's demo already holds (``_check_cprs``)."""
    if "borgere" not in chunk.tables:
        return
    columns, rows = chunk.tables["borgere"]
    at_cpr, at_born, at_id = columns.index("cpr"), columns.index("birth_date"), columns.index("id")
    as_text = connection.vendor == "sqlite"
    settled = []
    for row, (born, male) in zip(rows, chunk.cprs, strict=True):
        cpr, born = cprs.allocate(born, male)
        values = list(row)
        values[at_cpr], values[at_born] = cpr, str(born) if as_text else born
        settled.append(tuple(values))
    chunk.tables["borgere"] = (columns, settled)
    if str(Citizen._meta.db_table) in FRESH_TABLES:
        return  # empty when the build began: its only numbers are this allocator's, all unique
    ids: list[Any] = [row[at_id] for row in settled]
    clash = Citizen.objects.filter(cpr__in=[row[at_cpr] for row in settled]).exclude(id__in=ids)
    if clash.exists():
        raise CommandError(CPR_CLASH)


def generate(ctx: DemoContext) -> None:
    global _FORKED, _TURNS
    layout = case_layout(ctx.seed, ctx.citizens)
    if not layout:
        return
    # Chunks are inserted in case order, one transaction each: if the last course is there, so is
    # everything else, and a re-run (even at 300,000 citizens) has nothing to do.
    if Course.objects.filter(pk=ctx.uuid("course", layout[-1].index)).exists():
        ctx.stats.append(InsertStat("forløbsdata i alt (med opbygning)", rows=0, seconds=0.0))
        return
    world = _resolve_world(ctx, layout)
    if world is None:
        ctx.out.write("courses: demo springes over (kør core- og registry-demoen først)\n")
        return
    builder = CaseBuilder(ctx, world)
    inserter = ChunkInserter(ctx)
    started = time.perf_counter()
    chunks = [layout[i : i + CHUNK_CASES] for i in range(0, len(layout), CHUNK_CASES)]
    bar = tqdm(
        total=len(layout),
        desc="forløb",
        unit=" forløb",
        disable=not ctx.progress,
        file=ctx.out,
        leave=False,
    )
    # The chunks look up only keys and CPR numbers (unique, so indexed throughout).
    with bar, indexes_built_after([model for _label, model in TABLES]):
        rows = Rows()
        for case in chunks[0]:
            builder.build(rows, case)
        _check_cprs(rows)
        inserter.insert(rows)
        bar.update(rows.cases)
        cprs = builder.cprs  # the whole build's (``_prepare_chunk`` replaces the builder's)
        _FORKED = (builder, chunks, inserter)
        later = range(1, len(chunks))
        try:
            if workers_write(ctx.workers, len(later), [model for _label, model in TABLES]):
                turns = Turns()
                _TURNS = (turns, _Allocator(cprs))
                for written in in_workers(
                    _write_in_worker, later, ctx.workers, what="courses", abort=turns.fail
                ):
                    inserter.add(written.seconds)
                    bar.update(written.cases)
            else:
                for chunk in in_workers(_in_worker, later, ctx.workers, what="courses"):
                    _settle_cprs(chunk, cprs)
                    inserter.insert_prepared(chunk)
                    bar.update(chunk.cases)
        finally:
            _FORKED = None
            if _TURNS is not None:
                _TURNS[1].close()
                _TURNS = None
    total = inserter.finish()
    ctx.stats.append(
        InsertStat(
            "forløbsdata i alt (med opbygning)", rows=total, seconds=time.perf_counter() - started
        )
    )
