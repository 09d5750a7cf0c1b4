"""VIVE's apparatus for holistic interventions as plain, typed rules (no Django).

The registry describes *arrangements* ("FAMKO in Odense", "KIT in the Capital Region") with the
conceptual apparatus of VIVE's 2026 report "Helhedsorienterede indsatser - Begrebsafklaring og
praksiseksempler" (``shared/research/003_f36fb28a01cf5c8b.txt``; line references below are
``L<n>`` into that file). This module holds the parts of that apparatus that are rules rather
than data, so that a researcher can read them and tests can exercise every combination:

* the four conditions an arrangement must meet to be a holistic intervention at all
  (Boks 2.1, L313-318, explained L320-356; counter-example Den Grønne Trepart, Boks 2.2, L358-360);
* the 14 fagområder (L336-350) and a synonym map for the looser vocabulary of Tabel 3.2 (L714);
* the two categorisation parameters, actors and financing (Tabel 2, L141-145; §2.3.2,
  L579-592), and the nine categories they span (Tabel 2.3, L602-607; texts L611-628).

Two things are deliberately *not* stored but computed: the category depends on which funding is
active on a given date (KIT went from a state pool to ordinary budgets, L1062; "En fremstrakt
hånd" was classified on its project money, L1741), so :func:`categorize` always takes ``as_of``.
Everything returned carries a Danish explanation, because the product must say *why* an
arrangement sits where it sits, not just a number.

The Django models (core/registry apps) import the reference lists from here; keep this module
free of Django so it stays importable by scripts and property tests.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from helhed.core import reference_data

__all__ = [
    "CATEGORY_GRID",
    "PUBLIC_ORG_TYPES",
    "WELFARE_AREAS",
    "WELFARE_AREA_SCOPES",
    "WELFARE_AREA_SYNONYMS",
    "Actor",
    "ActorAxis",
    "ActorRole",
    "CategoryResult",
    "ConditionResult",
    "DefinitionVerdict",
    "FinancingAxis",
    "FundingSource",
    "OrgType",
    "Severity",
    "ValidationIssue",
    "active_sources",
    "axes_for_category",
    "categorize",
    "category_for",
    "check_conditions",
    "count_welfare_areas",
    "determine_actor_axis",
    "determine_financing_axis",
    "is_public",
    "normalize_welfare_area",
    "public_actor_involved",
    "validate_actors",
    "validate_funding",
    "within_definition",
]


# --------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------


class OrgType(enum.StrEnum):
    """The five kinds of actor VIVE distinguishes (Tabel 1, L126; §2.2.2).

    The report splits them into public (kommune, region, stat) and non-public (privat,
    civilsamfund). Values are the lower-case Danish words so they can be stored as-is.
    """

    KOMMUNE = "kommune"
    REGION = "region"
    STAT = "stat"
    PRIVAT = "privat"
    CIVILSAMFUND = "civilsamfund"


PUBLIC_ORG_TYPES: Final[frozenset[OrgType]] = frozenset(
    {OrgType.KOMMUNE, OrgType.REGION, OrgType.STAT}
)
"""Public actors (L126). Condition 2 asks for at least one of these (L326)."""


def is_public(org_type: OrgType) -> bool:
    """True for kommune, region and stat - the report's "offentlige aktører" (L126)."""
    return org_type in PUBLIC_ORG_TYPES


class ActorRole(enum.StrEnum):
    """How an organisation takes part in an arrangement.

    ``primary``: drives or owns the intervention (there must be at least one).
    ``participating``: an actor *in* the intervention alongside the primary one(s).
    ``context``: in contact with the intervention but not an actor in it - e.g. the kommune
    around Café Exit or Social Drive Out (L581, L615). VIVE needs this distinction because
    nearly every welfare intervention touches a kommune somehow (L581), yet only some have the
    kommune *as an actor*.
    """

    PRIMARY = "primary"
    PARTICIPATING = "participating"
    CONTEXT = "context"


class ActorAxis(enum.StrEnum):
    """Categorisation parameter 1, "Aktører" (Tabel 2, L144; Figur 2.1, L579-588).

    A: Kommune (as primary and only actor). B: Kommune and other actors. C: Other actors
    without the kommune as an actor (the kommune may be context).
    """

    A = "A"
    B = "B"
    C = "C"


class FinancingAxis(enum.StrEnum):
    """Categorisation parameter 2, "Finansiering" (Tabel 2, L145; §2.3.2.2, L590-592).

    intern: all money from actors inside the intervention (several inside funders still make
    intern, e.g. KIT's region and kommuner, L592). ekstern: all money from outside (fund, state
    pool). kombineret: both.
    """

    INTERN = "intern"
    KOMBINERET = "kombineret"
    EKSTERN = "ekstern"


Severity = Literal["error", "warning"]

# Tabel 2.3 (L602-607): rows are financing, columns are actors.
CATEGORY_GRID: Final[dict[tuple[ActorAxis, FinancingAxis], int]] = {
    (ActorAxis.A, FinancingAxis.INTERN): 1,
    (ActorAxis.B, FinancingAxis.INTERN): 2,
    (ActorAxis.C, FinancingAxis.INTERN): 3,
    (ActorAxis.A, FinancingAxis.KOMBINERET): 4,
    (ActorAxis.B, FinancingAxis.KOMBINERET): 5,
    (ActorAxis.C, FinancingAxis.KOMBINERET): 6,
    (ActorAxis.A, FinancingAxis.EKSTERN): 7,
    (ActorAxis.B, FinancingAxis.EKSTERN): 8,
    (ActorAxis.C, FinancingAxis.EKSTERN): 9,
}

_ACTOR_AXIS_DA: Final[dict[ActorAxis, str]] = {
    ActorAxis.A: "A (kommune som primær og eneste aktør)",
    ActorAxis.B: "B (kommune og andre aktører)",
    ActorAxis.C: "C (andre aktører uden kommune som aktør)",
}
_FINANCING_AXIS_DA: Final[dict[FinancingAxis, str]] = {
    FinancingAxis.INTERN: "ren intern finansiering",
    FinancingAxis.KOMBINERET: "kombineret finansiering",
    FinancingAxis.EKSTERN: "ren ekstern finansiering",
}


def category_for(actor_axis: ActorAxis, financing_axis: FinancingAxis) -> int:
    """The category 1-9 for one cell of Tabel 2.3."""
    return CATEGORY_GRID[(actor_axis, financing_axis)]


def axes_for_category(category: int) -> tuple[ActorAxis, FinancingAxis]:
    """Inverse of :func:`category_for`; raises ``ValueError`` outside 1-9."""
    for axes, number in CATEGORY_GRID.items():
        if number == category:
            return axes
    raise ValueError(f"VIVE's categories are 1-9, got {category!r}")


# --------------------------------------------------------------------------------------------
# The 14 fagområder
# --------------------------------------------------------------------------------------------

WELFARE_AREAS: Final[tuple[tuple[str, str, str], ...]] = reference_data.WELFARE_AREAS
"""VIVE's 14 fagområder in the report's order (L336-350) as (slug, Danish name, English name).

Defined once in ``helhed.core.reference_data`` (pure Python) and re-exported here.
VIVE defines fagområde "along the main lines of legislation" (L334), which is why a
looser source term must be mapped onto exactly one of these before it is counted.
"""

WELFARE_AREA_SCOPES: Final[dict[str, str]] = {
    "dagtilbud": "Dagtilbudsområdet (0-6-årige)",
    "skole": "Skoleområdet (6-16-årige)",
    "kultur-fritid": "Kultur- og fritidsområdet",
    "specialiseret-boern-unge": "Det specialiserede børn og unge-område (handicap og socialt "
    "udsatte)",
    "specialiseret-voksen": "Det specialiserede voksenområde (handicap, socialpsykiatri, "
    "socialt udsatte)",
    "beskaeftigelse": "Beskæftigelsesområdet (jobcenter, kontanthjælp etc.)",
    "kommunalt-sundhed": "Det kommunale sundhedsområde (fx sygepleje)",
    "aeldre": "Ældreområdet (fx hjemmepleje, plejehjem)",
    "somatik": "Somatisk sygehusbehandling",
    "psykiatri": "Psykiatrisk sygehusbehandling",
    "almen-praksis": "Almen praksis (privatpraktiserende læger)",
    "uddannelse": "Uddannelsesområdet (fra grundskole til videregående uddannelser)",
    "boligsocial": "Det boligsociale område",
    "kriminalitet": "Kriminalitetsområdet (Danmarks Fængsler m.m.)",
}
"""The report's own wording of each area with its scope in brackets (L336-350), for help texts."""

# Source term -> slug. Terms are compared through _welfare_keys (lower case, brackets and a
# leading "det/den" removed, "-området"/"sområdet" suffixes dropped). Every entry is a spelling
# that occurs in the report: the red-box list (L108-116), the L336-350 list, Tabel 3.2
# (L714-725, e.g. "Specialiseret voksenalder", "Kriminalforsorg", "Psykiatri", "Boligsocial")
# and the prose of chapter 3.2 (e.g. "det somatiske sygehusområde").
WELFARE_AREA_SYNONYMS: Final[dict[str, str]] = {
    "dagtilbud": "dagtilbud",
    "skole": "skole",
    "kultur og fritid": "kultur-fritid",
    "specialiseret børn og unge": "specialiseret-boern-unge",
    "specialiserede børn og unge": "specialiseret-boern-unge",
    "specialiserede børn og ungeområde": "specialiseret-boern-unge",
    "specialiseret voksen": "specialiseret-voksen",
    "specialiseret voksenalder": "specialiseret-voksen",
    "specialiserede voksen": "specialiseret-voksen",
    "socialpsykiatri": "specialiseret-voksen",
    "beskæftigelse": "beskaeftigelse",
    "kommunalt sundhed": "kommunalt-sundhed",
    "kommunale sundhed": "kommunalt-sundhed",
    "ældre": "aeldre",
    "somatisk sygehusbehandling": "somatik",
    "somatiske sygehus": "somatik",
    "psykiatrisk sygehusbehandling": "psykiatri",
    "psykiatriske sygehus": "psykiatri",
    "psykiatri": "psykiatri",
    "behandlingspsykiatri": "psykiatri",
    "almen praksis": "almen-praksis",
    "uddannelse": "uddannelse",
    "boligsocial": "boligsocial",
    "boligsociale": "boligsocial",
    "boligsocialt": "boligsocial",
    "kriminalitet": "kriminalitet",
    "kriminalforsorg": "kriminalitet",
    "kriminalforsorgen": "kriminalitet",
}

_SUFFIXES: Final[tuple[str, ...]] = (
    "sområdet",
    "sområde",
    "-området",
    "-område",
    " området",
    " område",
    "området",
    "område",
)


def _welfare_keys(raw: str) -> list[str]:
    """Comparable keys for a source term, most literal first (see WELFARE_AREA_SYNONYMS).

    Lower case, bracketed text and a leading "det"/"den" removed, then each matching
    "-området"/"sområdet"-style suffix tried in turn. Several candidates are needed because a
    suffix rule alone is ambiguous: "sygehusområde" must lose "område", "dagtilbudsområdet"
    must lose "sområdet".
    """
    term = re.sub(r"\([^)]*\)", " ", raw).lower()
    term = term.replace("–", "-").replace("- og ", " og ")
    term = " ".join(term.split()).rstrip(".")
    for article in ("det ", "den "):
        if term.startswith(article):
            term = term[len(article) :]
    keys = [term]
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) > len(suffix):
            keys.append(term[: -len(suffix)].rstrip(" -"))
    return keys


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    forms: list[tuple[str, str]] = []
    for slug, danish, english in WELFARE_AREAS:
        forms += [(slug, slug), (danish, slug), (english, slug), (WELFARE_AREA_SCOPES[slug], slug)]
    forms += list(WELFARE_AREA_SYNONYMS.items())
    for form, slug in forms:
        for key in _welfare_keys(form):
            if lookup.setdefault(key, slug) != slug:
                raise AssertionError(f"{form!r} is ambiguous: {lookup[key]} or {slug}")
    return lookup


_WELFARE_LOOKUP: Final[dict[str, str]] = _build_lookup()


def normalize_welfare_area(raw: str) -> str:
    """Map a source's spelling of a fagområde onto one of the 14 canonical slugs.

    Accepts the slug, the Danish or English name, the report's long form ("Det specialiserede
    voksenområde (handicap, ...)") and the looser terms of Tabel 3.2 ("Kriminalforsorg",
    "Psykiatri", "Boligsocial", "Specialiseret voksenalder"). Text in brackets is ignored, so
    "Det psykiatriske sygehusområde (børn og unge-psykiatrien)" maps to ``psykiatri``.

    Raises ``ValueError`` for anything else, naming the closest canonical names: counting
    fagområder is condition 3 of the definition, so an importer must not guess.
    """
    if not raw or not raw.strip():
        raise ValueError("Empty fagområde: expected one of the 14 names in VIVE 003:L336-350")
    keys = _welfare_keys(raw)
    for key in keys:
        if key in _WELFARE_LOOKUP:
            return _WELFARE_LOOKUP[key]
    key = keys[0]
    candidates = difflib.get_close_matches(key, list(_WELFARE_LOOKUP), n=3, cutoff=0.6)
    suggestions = sorted({_WELFARE_LOOKUP[c] for c in candidates})
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    names = "; ".join(f"{slug} ({danish})" for slug, danish, _en in WELFARE_AREAS)
    raise ValueError(
        f"Unknown fagområde {raw!r} (normalised {key!r}).{hint} "
        f"Use one of VIVE's 14 (003:L336-350): {names}. "
        "If the term is a sub-area (e.g. 'misbrug'), decide which of the 14 it belongs to "
        "and add it to WELFARE_AREA_SYNONYMS with a source reference."
    )


def count_welfare_areas(raw_terms: Iterable[str]) -> int:
    """Number of *distinct* canonical fagområder among source terms (for condition 3).

    Two spellings of the same area count once; unknown terms raise ``ValueError``.
    """
    return len({normalize_welfare_area(term) for term in raw_terms})


# --------------------------------------------------------------------------------------------
# Actors and funding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """An organisation in (or around) an arrangement.

    Departments of one kommune ("aktører i aktøren", L126) are *one* actor: category 1 is
    cooperation between departments "internt i en kommune" (L611). Model them as a single
    kommune actor, otherwise the actor axis would wrongly become B.
    """

    name: str
    org_type: OrgType
    role: ActorRole


@dataclass(frozen=True, slots=True)
class FundingSource:
    """One flow of money into the arrangement over a period.

    ``inside`` says whether the funder is an actor in the intervention - the only thing the
    financing axis looks at (L592). ``start`` is ``None`` only so that incomplete imported data
    can be represented and reported by :func:`validate_funding`; such a source is never
    treated as active. ``end`` is inclusive; ``None`` means open-ended (ordinary budgets).
    """

    funder: str
    org_type: OrgType
    inside: bool
    amount: Decimal | None
    start: date | None
    end: date | None = None

    def is_active(self, as_of: date) -> bool:
        """True if the money flows on ``as_of`` (both ends inclusive)."""
        if self.start is None or as_of < self.start:
            return False
        return self.end is None or as_of <= self.end


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """A precise problem with input data: a machine ``code`` and a Danish ``message``.

    ``severity`` "error" means the data cannot be categorised as given; "warning" means it
    can, but a reader should look (the message says how it was read).
    """

    code: str
    message: str
    severity: Severity = "error"
    subject: str | None = None


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def validate_actors(actors: Sequence[Actor]) -> list[ValidationIssue]:
    """Problems that make the actor axis undefined or suspicious.

    Errors:
    * ``no_actors`` / ``blank_actor_name`` / ``invalid_org_type`` / ``invalid_role``;
    * ``no_primary_actor``: someone must drive the intervention;
    * ``duplicate_actor`` / ``contradictory_actor``: the same organisation listed twice
      (with different type or role it is contradictory - which one is true?);
    * ``several_primary_municipalities``: two or more kommuner are each given as primary actor
      and there is no other actor. VIVE's A is "kommune (som primær og eneste aktør)" (L144),
      category 1 is "internt i en kommune" (L611), and B needs "andre aktører" (L144, L613):
      the claim that several kommuner are all *the* primary and only actor fits neither, so we
      refuse to guess. Either register each kommune's intervention separately (VIVE lists
      multi-municipality programmes per kommune, e.g. 'Sammen om familien' (Albertslund),
      L2464) or mark one kommune as primary and the others as participating (-> B).

    Warnings:
    * ``municipalities_only``: one primary kommune with other kommuner participating and no
      other kind of actor; read as B, since the other kommuner are other actors in the
      intervention and the A column requires the kommune to be the only actor.
    """
    issues: list[ValidationIssue] = []
    if not actors:
        return [ValidationIssue("no_actors", "Der er ikke angivet nogen aktører i indsatsen.")]

    seen: dict[str, Actor] = {}
    for actor in actors:
        if not actor.name or not actor.name.strip():
            issues.append(
                ValidationIssue("blank_actor_name", "En aktør mangler navn.", subject=actor.name)
            )
            continue
        if not isinstance(actor.org_type, OrgType):
            issues.append(
                ValidationIssue(
                    "invalid_org_type",
                    f"Aktøren '{actor.name}' har en ukendt organisationstype "
                    f"'{actor.org_type}'. Brug kommune, region, stat, privat eller "
                    "civilsamfund.",
                    subject=actor.name,
                )
            )
        if not isinstance(actor.role, ActorRole):
            issues.append(
                ValidationIssue(
                    "invalid_role",
                    f"Aktøren '{actor.name}' har en ukendt rolle '{actor.role}'. "
                    "Brug primær, deltagende eller kontekst.",
                    subject=actor.name,
                )
            )
        key = _norm_name(actor.name)
        if key in seen:
            earlier = seen[key]
            if (earlier.org_type, earlier.role) == (actor.org_type, actor.role):
                issues.append(
                    ValidationIssue(
                        "duplicate_actor",
                        f"Aktøren '{actor.name}' er angivet mere end én gang.",
                        subject=actor.name,
                    )
                )
            else:
                issues.append(
                    ValidationIssue(
                        "contradictory_actor",
                        f"Aktøren '{actor.name}' er angivet to gange med modstridende "
                        f"oplysninger ({earlier.org_type}/{_role_da(earlier.role)} og "
                        f"{actor.org_type}/{_role_da(actor.role)}). Angiv aktøren én gang.",
                        subject=actor.name,
                    )
                )
        else:
            seen[key] = actor

    if any(i.code in {"invalid_org_type", "invalid_role"} for i in issues):
        return issues

    if not any(a.role is ActorRole.PRIMARY for a in actors):
        issues.append(
            ValidationIssue(
                "no_primary_actor",
                "Ingen aktør er angivet som primær aktør. Angiv hvem der ejer eller driver "
                "indsatsen.",
            )
        )

    involved = [a for a in seen.values() if a.role is not ActorRole.CONTEXT]
    kommuner = [a for a in involved if a.org_type is OrgType.KOMMUNE]
    others = [a for a in involved if a.org_type is not OrgType.KOMMUNE]
    primary_kommuner = [a for a in kommuner if a.role is ActorRole.PRIMARY]
    if len(kommuner) >= 2 and not others:
        names = ", ".join(f"'{a.name}'" for a in kommuner)
        if len(primary_kommuner) >= 2:
            issues.append(
                ValidationIssue(
                    "several_primary_municipalities",
                    f"Flere kommuner ({names}) er hver angivet som primær aktør, og der er ingen "
                    "andre aktører. VIVEs kategori A forudsætter én kommune som primær og "
                    "eneste aktør, og B forudsætter andre aktører. Registrér hver kommunes "
                    "indsats for sig, eller angiv én kommune som primær og de øvrige som "
                    "deltagende.",
                )
            )
        else:
            issues.append(
                ValidationIssue(
                    "municipalities_only",
                    f"Indsatsen har kun kommuner som aktører ({names}). Den læses som B "
                    "(kommune og andre aktører), fordi kommunen ikke er eneste aktør.",
                    severity="warning",
                )
            )
    return issues


def validate_funding(
    funding: Sequence[FundingSource], actors: Sequence[Actor] | None = None
) -> list[ValidationIssue]:
    """Problems with the funding data.

    Errors: ``blank_funder``, ``missing_start`` (a source without a period start cannot be
    placed in time, and the category is always "as of" a date), ``end_before_start``,
    ``negative_amount``.

    Warnings, only when ``actors`` are given, because names may legitimately differ between
    the actor list and the funding list: ``inside_funder_is_context`` (a context actor is
    by definition outside the intervention, L581/L592, so its money is external) and
    ``outside_funder_is_actor`` (money from an actor in the intervention is internal by
    definition, L592).
    """
    issues: list[ValidationIssue] = []
    roles = {_norm_name(a.name): a.role for a in actors or ()}
    for source in funding:
        label = source.funder.strip() if source.funder else ""
        if not label:
            issues.append(ValidationIssue("blank_funder", "En finansieringskilde mangler navn."))
            label = "(uden navn)"
        if source.start is None:
            issues.append(
                ValidationIssue(
                    "missing_start",
                    f"Finansieringskilden '{label}' mangler en startdato. Angiv hvornår "
                    "midlerne begynder (kendes kun året, brug 1. januar).",
                    subject=label,
                )
            )
        elif source.end is not None and source.end < source.start:
            issues.append(
                ValidationIssue(
                    "end_before_start",
                    f"Finansieringskilden '{label}' slutter ({_da_date(source.end)}) før den "
                    f"begynder ({_da_date(source.start)}).",
                    subject=label,
                )
            )
        if source.amount is not None and source.amount < 0:
            issues.append(
                ValidationIssue(
                    "negative_amount",
                    f"Finansieringskilden '{label}' har et negativt beløb ({source.amount}).",
                    subject=label,
                )
            )
        role = roles.get(_norm_name(source.funder or ""))
        if role is ActorRole.CONTEXT and source.inside:
            issues.append(
                ValidationIssue(
                    "inside_funder_is_context",
                    f"'{label}' er markeret som intern finansiering, men er kun kontekst for "
                    "indsatsen. Midler fra aktører uden for indsatsen er eksterne.",
                    severity="warning",
                    subject=label,
                )
            )
        if role in {ActorRole.PRIMARY, ActorRole.PARTICIPATING} and not source.inside:
            issues.append(
                ValidationIssue(
                    "outside_funder_is_actor",
                    f"'{label}' er markeret som ekstern finansiering, men er aktør i indsatsen. "
                    "Midler fra aktører i indsatsen er interne.",
                    severity="warning",
                    subject=label,
                )
            )
    return issues


def active_sources(funding: Iterable[FundingSource], as_of: date) -> tuple[FundingSource, ...]:
    """The sources whose period covers ``as_of`` (in input order)."""
    return tuple(source for source in funding if source.is_active(as_of))


def determine_actor_axis(actors: Sequence[Actor]) -> ActorAxis | None:
    """The actor axis, or ``None`` if :func:`validate_actors` reports an error.

    Reading of the report (Tabel 2, L144; §2.3.2.1, L581; category texts L611-628):

    * Context actors are ignored: they are not actors *in* the intervention (L581: "forskel
      på, om kommunen er involveret som aktør i indsatsen eller mere er en del af konteksten").
    * A: exactly one actor in the intervention, and it is a kommune in the primary role
      ("Kommune (som primær og eneste aktør)").
    * B: at least one kommune is an actor in the intervention - primary *or* participating -
      together with at least one other actor. L581 is explicit that in A and B "er kommunen
      involveret som aktør, hvilket ikke gælder for kategori (C)". Tabel 2's wording for C,
      "uden kommune som primær aktør", therefore cannot mean that a participating kommune
      makes C: 'Sammen om Solsiden' is led by De Frivilliges Hus (L1763) with Aalborg Kommune
      as partner (L1803) and VIVE places it in 8, i.e. B.
    * C: no kommune among the actors in the intervention (a kommune may be context, as for
      Café Exit and Social Drive Out, L615).
    """
    if any(issue.severity == "error" for issue in validate_actors(actors)):
        return None
    involved = [a for a in actors if a.role is not ActorRole.CONTEXT]
    kommuner = [a for a in involved if a.org_type is OrgType.KOMMUNE]
    if not kommuner:
        return ActorAxis.C
    if len(involved) == 1 and kommuner[0].role is ActorRole.PRIMARY:
        return ActorAxis.A
    return ActorAxis.B


def determine_financing_axis(sources: Sequence[FundingSource]) -> FinancingAxis | None:
    """intern / kombineret / ekstern from the ``inside`` flags; ``None`` without sources."""
    if not sources:
        return None
    inside = {source.inside for source in sources}
    if inside == {True}:
        return FinancingAxis.INTERN
    if inside == {False}:
        return FinancingAxis.EKSTERN
    return FinancingAxis.KOMBINERET


@dataclass(frozen=True, slots=True)
class CategoryResult:
    """The category on a date, with both axes, the reasoning and the money it rests on."""

    category: int | None
    actor_axis: ActorAxis | None
    financing_axis: FinancingAxis | None
    explanation: str
    active_sources: tuple[FundingSource, ...]
    as_of: date
    issues: tuple[ValidationIssue, ...] = field(default=())


def categorize(
    actors: Sequence[Actor], funding: Sequence[FundingSource], as_of: date
) -> CategoryResult:
    """VIVE's category (Tabel 2.3) of an arrangement on ``as_of``, explained in Danish.

    The actor axis comes from :func:`determine_actor_axis`; the financing axis from the
    sources active on ``as_of`` only - financing changes over time and VIVE itself classifies
    "En fremstrakt hånd" on its project-period money and KIT/FAMKO on their ordinary budgets
    (DOMAIN §3.4). With no active source, or with invalid actors, the category is ``None`` and
    the explanation says why; the axes that *can* be determined are still returned.
    """
    actor_issues = validate_actors(actors)
    funding_issues = validate_funding(funding, actors)
    issues = tuple(actor_issues + funding_issues)
    actor_axis = determine_actor_axis(actors)
    active = active_sources(funding, as_of)
    financing_axis = determine_financing_axis(active)
    when = _da_date(as_of)

    parts: list[str] = []
    if actor_axis is None:
        errors = "; ".join(i.message for i in actor_issues if i.severity == "error")
        parts.append(f"Aktørparameteren kan ikke bestemmes: {errors}")
    else:
        parts.append(f"Aktører: {_ACTOR_AXIS_DA[actor_axis]} - {_actor_reason(actors)}.")
    if financing_axis is None:
        if not funding:
            parts.append("Finansiering: der er ikke angivet nogen finansieringskilder.")
        else:
            parts.append(
                f"Finansiering: ingen finansieringskilde er aktiv pr. {when}, så "
                "finansieringsparameteren kan ikke bestemmes på den dato."
            )
    else:
        parts.append(f"Finansiering pr. {when}: {_FINANCING_AXIS_DA[financing_axis]} - ")
        parts[-1] += _financing_reason(active) + "."

    if actor_axis is None or financing_axis is None:
        return CategoryResult(
            category=None,
            actor_axis=actor_axis,
            financing_axis=financing_axis,
            explanation="Ingen kategori. " + " ".join(parts),
            active_sources=active,
            as_of=as_of,
            issues=issues,
        )
    category = category_for(actor_axis, financing_axis)
    return CategoryResult(
        category=category,
        actor_axis=actor_axis,
        financing_axis=financing_axis,
        explanation=f"Kategori {category} pr. {when}. " + " ".join(parts),
        active_sources=active,
        as_of=as_of,
        issues=issues,
    )


def _actor_reason(actors: Sequence[Actor]) -> str:
    involved = [a for a in actors if a.role is not ActorRole.CONTEXT]
    context = [a for a in actors if a.role is ActorRole.CONTEXT]
    text = "aktører i indsatsen: " + ", ".join(
        f"{a.name} ({a.org_type}, {_role_da(a.role)})" for a in involved
    )
    if context:
        text += "; kontekst (tæller ikke som aktør): " + ", ".join(a.name for a in context)
    return text


def _financing_reason(active: Sequence[FundingSource]) -> str:
    inside = [s.funder for s in active if s.inside]
    outside = [s.funder for s in active if not s.inside]
    bits = []
    if inside:
        bits.append("fra aktører i indsatsen: " + ", ".join(inside))
    if outside:
        bits.append("fra aktører uden for indsatsen: " + ", ".join(outside))
    return "; ".join(bits)


def _role_da(role: ActorRole) -> str:
    return {
        ActorRole.PRIMARY: "primær",
        ActorRole.PARTICIPATING: "deltagende",
        ActorRole.CONTEXT: "kontekst",
    }.get(role, str(role))


def _da_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


# --------------------------------------------------------------------------------------------
# The four conditions (Boks 2.1)
# --------------------------------------------------------------------------------------------

CONDITION_TITLES: Final[dict[int, str]] = {
    1: "Indsats rettet til borgere på velfærdsområderne",
    2: "Involvering af en offentlig aktør",
    3: "Koordinering og samarbejde på tværs af fagområder",
    4: "Koordinerende eller styrende funktion",
}


@dataclass(frozen=True, slots=True)
class ConditionResult:
    """One of the four conditions: ``passed`` is True, False or None (not known)."""

    number: int
    title: str
    passed: bool | None
    explanation: str


@dataclass(frozen=True, slots=True)
class DefinitionVerdict:
    """Whether an arrangement is a holistic intervention in VIVE's sense.

    ``within`` is True only if all four conditions pass, False if any fails, and None if
    none fails but some are unknown - an unknown must not be reported as "no".
    """

    within: bool | None
    failed: tuple[int, ...]
    unknown: tuple[int, ...]
    explanation: str


def public_actor_involved(actors: Iterable[Actor]) -> bool:
    """Condition 2 from an actor list: any public actor, *including context*.

    Unlike the categorisation, mere contact counts here: "der skal som minimum være kontakt
    til en offentlig myndighed" (L326).
    """
    return any(is_public(actor.org_type) for actor in actors)


def check_conditions(
    *,
    welfare_area: bool | None,
    public_actor_involved: bool | None,
    fagomraader_count: int | None = None,
    cross_area_coordination: bool | None = None,
    coordinating_function: bool | None,
) -> list[ConditionResult]:
    """Evaluate the four conditions of Boks 2.1 (L313-318; explained L320-356).

    ``fagomraader_count`` is the number of distinct fagområder the arrangement spans (use
    :func:`count_welfare_areas` for welfare interventions; for arrangements outside the welfare
    areas, such as Den Grønne Trepart, it is the number of policy areas involved).
    ``cross_area_coordination`` says whether delivering the intervention *needs* coordination
    between those areas (mutual dependence, L330). Condition 3 fails if fewer than two areas
    are involved - cross-disciplinary work inside one area, e.g. a school's psychologists and
    teachers, does not count (L352) - or if coordination is not needed. It passes when the
    need is affirmed and at least two areas are involved (or the count is not given), and is
    unknown otherwise.
    """
    if fagomraader_count is not None and fagomraader_count < 0:
        raise ValueError("fagomraader_count cannot be negative")

    results = [
        _simple_condition(
            1,
            welfare_area,
            "Indsatsen er rettet direkte til borgere inden for velfærdsområderne.",
            "Indsatsen ligger ikke inden for velfærdsområderne eller er kun indirekte rettet "
            "til borgerne (fx klima, miljø eller landbrug).",
            "Det er ikke oplyst, om indsatsen er rettet til borgere på velfærdsområderne.",
        ),
        _simple_condition(
            2,
            public_actor_involved,
            "Mindst én offentlig aktør (kommune, region eller stat) er involveret, om så kun "
            "som kontakt.",
            "Ingen offentlig aktør er involveret - heller ikke som kontakt.",
            "Det er ikke oplyst, om en offentlig aktør er involveret.",
        ),
        _condition_three(fagomraader_count, cross_area_coordination),
        _simple_condition(
            4,
            coordinating_function,
            "Der er en koordinerende eller styrende funktion på tværs af de enkelte borgere.",
            "Der er ingen koordinerende eller styrende funktion på tværs af borgerne; "
            "koordinering alene i den enkelte borgers forløb er ikke nok.",
            "Det er ikke oplyst, om der er en koordinerende eller styrende funktion på tværs "
            "af borgerne.",
        ),
    ]
    return results


def _simple_condition(
    number: int, value: bool | None, yes: str, no: str, unknown: str
) -> ConditionResult:
    text = yes if value is True else no if value is False else unknown
    return ConditionResult(number, CONDITION_TITLES[number], value, text)


def _condition_three(count: int | None, coordination: bool | None) -> ConditionResult:
    title = CONDITION_TITLES[3]
    if count is not None and count < 2:
        what = "ingen fagområder" if count == 0 else "kun ét fagområde"
        return ConditionResult(
            3,
            title,
            False,
            f"Indsatsen omfatter {what}. Tværfagligt samarbejde inden for samme fagområde "
            "er ikke nok; der skal være behov for koordinering på tværs af mindst to "
            "fagområder.",
        )
    if coordination is False:
        return ConditionResult(
            3,
            title,
            False,
            "Der er ikke behov for koordinering og samarbejde på tværs af fagområderne "
            "(ingen gensidig afhængighed).",
        )
    if coordination is True:
        areas = f"{count} fagområder" if count is not None else "flere fagområder"
        return ConditionResult(
            3, title, True, f"Der er behov for koordinering og samarbejde på tværs af {areas}."
        )
    if count is not None:
        return ConditionResult(
            3,
            title,
            None,
            f"Indsatsen omfatter {count} fagområder, men det er ikke oplyst, om der er behov "
            "for koordinering på tværs af dem.",
        )
    return ConditionResult(
        3, title, None, "Det er ikke oplyst, hvilke fagområder indsatsen går på tværs af."
    )


def within_definition(results: Sequence[ConditionResult]) -> DefinitionVerdict:
    """Combine the four condition results into a verdict that names what fails.

    Raises ``ValueError`` unless ``results`` holds conditions 1-4 exactly once each, so a
    caller cannot get a "yes" from an incomplete check.
    """
    numbers = sorted(r.number for r in results)
    if numbers != [1, 2, 3, 4]:
        raise ValueError(f"expected conditions 1-4 exactly once, got {numbers}")
    failed = tuple(r.number for r in sorted(results, key=lambda r: r.number) if r.passed is False)
    unknown = tuple(r.number for r in sorted(results, key=lambda r: r.number) if r.passed is None)
    passed = 4 - len(failed) - len(unknown)
    if failed:
        names = "; ".join(f"{n}. {CONDITION_TITLES[n]}" for n in failed)
        text = (
            f"Ikke en helhedsorienteret indsats i VIVEs forstand: {passed} af 4 betingelser er "
            f"opfyldt. Ikke opfyldt: {names}."
        )
        if unknown:
            text += " Uafklaret: " + ", ".join(str(n) for n in unknown) + "."
        return DefinitionVerdict(False, failed, unknown, text)
    if unknown:
        names = "; ".join(f"{n}. {CONDITION_TITLES[n]}" for n in unknown)
        return DefinitionVerdict(
            None,
            failed,
            unknown,
            f"Kan endnu ikke afgøres: {passed} af 4 betingelser er opfyldt, og ingen er brudt. "
            f"Uafklaret: {names}.",
        )
    return DefinitionVerdict(
        True,
        failed,
        unknown,
        "En helhedsorienteret indsats i VIVEs forstand: alle 4 betingelser er opfyldt.",
    )
