"""Relational coordination (Gittell) as plain functions over plain values — no Django, no ORM.

This module is the part of the coordination app a researcher should be able to read and check:

* **The instrument** (:class:`Instrument`): items, each mapped to one of the seven dimensions,
  with answer options and a per-item recoding to a 1-5 score (the frequency item scores "just
  right" best). Helhed ships its own Danish wording (:data:`HELHED_V1`); an installation may load
  a licensed item set as another instrument (:func:`parse_instrument`).
* **A respondent's tie** (:func:`score_tie`): the recoded item scores about one workgroup, the
  respondent's item mean — only when at least ``min_items`` items are answered (5 of 7) — and the
  respondent's per-dimension means.
* **Aggregation** (:func:`aggregate`): tie A→B = the mean over respondents in A of their item mean
  about B; per dimension; what each workgroup gives (its respondents' view of the others) and
  receives (the others' view of it); the network's between-group and within-group RC.
* **Suppression** (:func:`suppress`): cells resting on fewer than *k* respondents are hidden,
  and a second cell (or the total) wherever a total would reveal a hidden one.
* **Change** between two waves with a 95 % interval (Welch), **bands** (a convention, not a
  finding), **structural figures** (shared courses, handovers, meetings together, boundary
  spanners), rank correlation, and the **rules** that classify a team member's free-text role into
  a workgroup.

Error messages for people are codes here (:class:`Problem`); ``services`` turns them into Danish
(or English) sentences.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

# --------------------------------------------------------------------------------------------
# Dimensions and the instrument
# --------------------------------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = (
    "frequent",
    "timely",
    "accurate",
    "problem_solving",
    "shared_goals",
    "shared_knowledge",
    "mutual_respect",
)
COMMUNICATION: tuple[str, ...] = DIMENSIONS[:4]
RELATIONSHIP: tuple[str, ...] = DIMENSIONS[4:]
NOT_RELEVANT = "na"  # "ikke relevant": answered, but no score
SCORE_MIN, SCORE_MAX = 1, 5
MIN_THRESHOLD = 3  # a cell may never rest on fewer respondents than this
DEFAULT_THRESHOLD = 5


class InstrumentError(ValueError):
    """An item set that cannot be used; ``problems`` lists every reason (Danish)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    code: str
    score: int
    label_da: str
    label_en: str = ""


@dataclass(frozen=True)
class Item:
    key: str
    dimension: str
    text_da: str  # "{gruppe}" is replaced by the workgroup being rated
    text_en: str
    options: tuple[Option, ...]

    def score_of(self, code: str) -> int | None:
        """The recoded score of an answer; None for "ikke relevant". ``KeyError`` if unknown."""
        if code == NOT_RELEVANT:
            return None
        for option in self.options:
            if option.code == code:
                return option.score
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    name_da: str
    name_en: str
    source: str
    min_items: int
    items: tuple[Item, ...]

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions the instrument covers, in the canonical order."""
        present = {i.dimension for i in self.items}
        return tuple(d for d in DIMENSIONS if d in present)

    def as_data(self) -> dict[str, Any]:
        """The JSON form that :func:`parse_instrument` reads (and the database stores)."""
        return {
            "key": self.key,
            "version": self.version,
            "name": {"da": self.name_da, "en": self.name_en},
            "source": self.source,
            "min_items": self.min_items,
            "items": [
                {
                    "key": i.key,
                    "dimension": i.dimension,
                    "text": {"da": i.text_da, "en": i.text_en},
                    "options": [
                        {
                            "code": o.code,
                            "score": o.score,
                            "label": {"da": o.label_da, "en": o.label_en},
                        }
                        for o in i.options
                    ],
                }
                for i in self.items
            ],
        }


def _text(value: Any, where: str, problems: list[str]) -> tuple[str, str]:
    if isinstance(value, str):
        value = {"da": value}
    if not isinstance(value, Mapping) or not isinstance(value.get("da"), str):
        problems.append(f"{where}: mangler en dansk tekst (»da«).")
        return "", ""
    da = value["da"].strip()
    en = value.get("en", "")
    if not da:
        problems.append(f"{where}: den danske tekst er tom.")
    return da, en.strip() if isinstance(en, str) else ""


def _is_int(value: Any, low: int, high: int) -> TypeGuard[int]:
    """An integer (not a bool) from ``low`` to ``high``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _parse_key(data: Mapping[str, Any], problems: list[str]) -> str:
    key = data.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key):
        problems.append("key: brug 1-40 små bogstaver, tal og bindestreg.")
        return ""
    return key


def _parse_version(data: Mapping[str, Any], problems: list[str]) -> int:
    version = data.get("version")
    if not _is_int(version, 1, 999):
        problems.append("version: et helt tal fra 1 til 999.")
        return 0
    return version


def _parse_source(data: Mapping[str, Any], problems: list[str]) -> str:
    source = data.get("source", "")
    if not isinstance(source, str):
        problems.append("source: skal være en tekst (fx licens og kilde).")
        return ""
    return source


def _parse_option(opt: Any, where: str, codes: set[str], problems: list[str]) -> Option | None:
    """One answer option, or None (with the reason in ``problems``) if it cannot be used."""
    if not isinstance(opt, Mapping):
        problems.append(f"{where}: skal være et objekt.")
        return None
    code = opt.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", code):
        problems.append(f"{where}.code: 1-20 tegn (bogstaver, tal, _ og -).")
        return None
    if code == NOT_RELEVANT:
        problems.append(f"{where}.code: »na« er forbeholdt »Ikke relevant«.")
        return None
    if code in codes:
        problems.append(f"{where}.code: »{code}« findes to gange.")
    codes.add(code)
    score = opt.get("score")
    if not _is_int(score, SCORE_MIN, SCORE_MAX):
        problems.append(f"{where}.score: et helt tal fra 1 til 5 (omkodningen).")
        return None
    label_da, label_en = _text(opt.get("label"), f"{where}.label", problems)
    return Option(code, score, label_da, label_en)


def _parse_options(raw_options: Any, where: str, problems: list[str]) -> tuple[Option, ...]:
    if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= 10:
        problems.append(f"{where}.options: en liste med 2-10 svarmuligheder.")
        return ()
    codes: set[str] = set()
    options = (
        _parse_option(opt, f"{where}.options[{m}]", codes, problems)
        for m, opt in enumerate(raw_options, start=1)
    )
    return tuple(o for o in options if o is not None)


def _parse_item(raw: Any, n: int, seen: set[str], problems: list[str]) -> Item | None:
    """The ``n``th item, or None if it is not an object; ``seen`` collects the item keys."""
    where = f"items[{n}]"
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: skal være et objekt.")
        return None
    item_key = raw.get("key")
    if not isinstance(item_key, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", item_key):
        problems.append(f"{where}.key: brug 1-40 små bogstaver, tal og _.")
        item_key = f"?{n}"
    elif item_key in seen:
        problems.append(f"{where}.key: »{item_key}« findes to gange.")
    seen.add(item_key)
    dimension = raw.get("dimension")
    if dimension not in DIMENSIONS:
        problems.append(f"{where}.dimension: en af {', '.join(DIMENSIONS)}.")
        dimension = ""
    text_da, text_en = _text(raw.get("text"), f"{where}.text", problems)
    options = _parse_options(raw.get("options"), where, problems)
    return Item(item_key, str(dimension), text_da, text_en, options)


def _parse_items(data: Mapping[str, Any], problems: list[str]) -> tuple[Item, ...]:
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= 40:
        problems.append("items: en liste med 1-40 spørgsmål.")
        return ()
    seen: set[str] = set()
    items = (_parse_item(raw, n, seen, problems) for n, raw in enumerate(raw_items, start=1))
    return tuple(i for i in items if i is not None)


def _parse_min_items(data: Mapping[str, Any], n_items: int, problems: list[str]) -> int:
    min_items = data.get("min_items", None)
    if min_items is None and n_items:
        min_items = default_min_items(n_items)
    if not _is_int(min_items, 1, max(1, n_items)):
        problems.append("min_items: et helt tal fra 1 til antallet af spørgsmål.")
        return 1
    return min_items


def parse_instrument(data: Any) -> Instrument:
    """An instrument from its JSON form, or ``InstrumentError`` with every problem found.

    Rules: a key (letters, digits, hyphen), a version ≥ 1, a Danish name, 1-40 items with unique
    keys, each mapped to one of the seven dimensions, each with 2-10 options with unique codes
    (not "na", which is "ikke relevant" for every item) and integer scores 1-5 (the recoding),
    and ``min_items`` between 1 and the number of items (5 for a 7-item instrument)."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise InstrumentError(["Instrumentet skal være et JSON-objekt."])
    key = _parse_key(data, problems)
    version = _parse_version(data, problems)
    name_da, name_en = _text(data.get("name"), "name", problems)
    source = _parse_source(data, problems)
    items = _parse_items(data, problems)
    min_items = _parse_min_items(data, len(items), problems)
    if problems:
        raise InstrumentError(problems)
    return Instrument(key, version, name_da, name_en, source, min_items, items)


def default_min_items(n_items: int) -> int:
    """The completeness rule scaled from 5 of 7: at least 5/7 of the items, rounded up."""
    return max(1, math.ceil(n_items * 5 / 7))


# Helhed's own Danish wording of the seven dimensions (the official RC Survey is licensed; these
# items are written for Helhed and may be reused freely). "{gruppe}" is the workgroup rated.
_OFTEN = (
    # The frequency item: "just right" scores best, then too often, not enough, much too often
    # and not nearly enough (Gittell's recoding of the current frequency item).
    Option("1", 1, "Slet ikke nok", "Not nearly enough"),
    Option("2", 3, "Ikke nok", "Not enough"),
    Option("3", 5, "Tilpas", "Just the right amount"),
    Option("4", 4, "For ofte", "Too often"),
    Option("5", 2, "Alt for ofte", "Much too often"),
)
_HOW_OFTEN = (
    Option("1", 1, "Aldrig", "Never"),
    Option("2", 2, "Sjældent", "Rarely"),
    Option("3", 3, "Af og til", "Occasionally"),
    Option("4", 4, "Ofte", "Often"),
    Option("5", 5, "Altid", "Always"),
)
_HOW_MUCH = (
    Option("1", 1, "Slet ikke", "Not at all"),
    Option("2", 2, "Lidt", "A little"),
    Option("3", 3, "Noget", "Somewhat"),
    Option("4", 4, "Meget", "A lot"),
    Option("5", 5, "Fuldt ud", "Completely"),
)
_BLAME = (
    Option("1", 1, "Leder altid efter, hvis skyld det er", "Always look for who is to blame"),
    Option("2", 2, "Leder oftest efter skyld", "Mostly look for blame"),
    Option("3", 3, "Både og", "Both"),
    Option("4", 4, "Arbejder oftest sammen med mig om at løse det", "Mostly solve it with me"),
    Option("5", 5, "Arbejder altid sammen med mig om at løse det", "Always solve it with me"),
)

HELHED_V1 = Instrument(
    key="helhed-rk",
    version=1,
    name_da="Helheds spørgsmål om relationel koordinering",
    name_en="Helhed's relational coordination questions",
    source="Helhed (egen formulering af Gittells syv dimensioner; fri brug).",
    min_items=5,
    items=(
        Item(
            "hyppig",
            "frequent",
            "Hvor ofte taler du med {gruppe} om de borgere, I har sammen?",
            "How often do you communicate with {gruppe} about the citizens you share?",
            _OFTEN,
        ),
        Item(
            "rettidig",
            "timely",
            "Får du besked fra {gruppe} i tide, når der sker noget vigtigt for en borger?",
            "Do you hear from {gruppe} in time when something important happens for a citizen?",
            _HOW_OFTEN,
        ),
        Item(
            "forstaaelig",
            "accurate",
            "Er det, {gruppe} fortæller dig om borgerne, præcist og til at forstå?",
            "Is what {gruppe} tells you about the citizens accurate and easy to understand?",
            _HOW_OFTEN,
        ),
        Item(
            "problemloesning",
            "problem_solving",
            "Når noget går galt i samarbejdet om en borger: søger {gruppe} efter en syndebuk, "
            "eller løser de problemet sammen med dig?",
            "When something goes wrong in the work for a citizen, does {gruppe} look for someone "
            "to blame or solve the problem with you?",
            _BLAME,
        ),
        Item(
            "faelles_maal",
            "shared_goals",
            "I hvor høj grad deler {gruppe} dine mål for borgerne?",
            "To what extent does {gruppe} share your goals for the citizens?",
            _HOW_MUCH,
        ),
        Item(
            "delt_viden",
            "shared_knowledge",
            "Hvor godt kender {gruppe} til det arbejde, du gør for borgerne?",
            "How well does {gruppe} know the work you do for the citizens?",
            _HOW_MUCH,
        ),
        Item(
            "respekt",
            "mutual_respect",
            "Hvor meget respekterer {gruppe} det, du bidrager med?",
            "How much does {gruppe} respect what you contribute?",
            _HOW_MUCH,
        ),
    ),
)

# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an answer: where (``group`` and ``item``, either may be "") and a
    machine code; ``services`` words it."""

    code: str
    group: str = ""
    item: str = ""


def check_answers(
    instrument: Instrument,
    *,
    own: str,
    allowed: Collection[str],
    others: Mapping[str, Mapping[str, Any]],
    within: Mapping[str, Any] | None,
    complete: bool,
) -> list[Problem]:
    """Everything wrong with a set of answers: one's own workgroup rated as "another"
    (``own_as_other``), a workgroup not in the wave (``unknown_group``), an unknown item, a value
    that is not one of the item's options or "na" (``invalid_value``), and — when ``complete``
    (submitting, not saving a draft) — an item left unanswered (``missing``) or nothing rated at
    all (``nothing``)."""
    problems: list[Problem] = []
    groups: list[tuple[str, Mapping[str, Any]]] = []
    for slug, answers in others.items():
        if slug == own:
            problems.append(Problem("own_as_other", slug))
            continue
        if slug not in allowed:
            problems.append(Problem("unknown_group", str(slug)))
            continue
        groups.append((slug, answers))
    if within is not None:
        groups.append((own, within))
    for slug, answers in groups:
        if not isinstance(answers, Mapping):
            problems.append(Problem("invalid_value", slug))
            continue
        for key in answers:
            if instrument.item(str(key)) is None:
                problems.append(Problem("unknown_item", slug, str(key)))
        for item in instrument.items:
            raw = answers.get(item.key)
            if raw is None or raw == "":
                if complete:
                    problems.append(Problem("missing", slug, item.key))
                continue
            if isinstance(raw, bool) or not isinstance(raw, (str, int)):
                problems.append(Problem("invalid_value", slug, item.key))
                continue
            code = str(raw)
            if code != NOT_RELEVANT and code not in item.codes:
                problems.append(Problem("invalid_value", slug, item.key))
    if complete and not groups and not problems:
        problems.append(Problem("nothing"))
    return problems


@dataclass(frozen=True)
class TieScore:
    """One respondent's answers about one workgroup, scored."""

    scores: dict[str, int]  # item key → recoded score (answered items only)
    answered: int
    mean: float | None  # None: fewer than ``min_items`` items answered
    dimensions: dict[str, float]  # dimension → the respondent's mean of its items

    @property
    def counts(self) -> bool:
        return self.mean is not None


def score_tie(instrument: Instrument, answers: Mapping[str, Any]) -> TieScore:
    """Recode the answers and apply the completeness rule (at least ``min_items`` answered,
    "ikke relevant" not counting). A tie that does not count contributes to nothing — neither
    the tie's score nor its dimensions — so every figure of a tie rests on the same respondents.
    Assumes :func:`check_answers` found nothing wrong."""
    scores: dict[str, int] = {}
    for item in instrument.items:
        raw = answers.get(item.key)
        if raw is None or raw == "":
            continue
        score = item.score_of(str(raw))
        if score is not None:
            scores[item.key] = score
    answered = len(scores)
    if answered < instrument.min_items:
        return TieScore(scores, answered, None, {})
    by_dim: dict[str, list[int]] = defaultdict(list)
    for item in instrument.items:
        if item.key in scores:
            by_dim[item.dimension].append(scores[item.key])
    dims = {d: sum(v) / len(v) for d, v in by_dim.items()}
    return TieScore(scores, answered, sum(scores.values()) / answered, dims)


# --------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TieFact:
    """A respondent's scored tie as stored: ``response`` groups one respondent's ties (a random
    id, never a person), ``source`` is the respondent's workgroup, ``target`` the one rated."""

    response: Hashable
    source: str
    target: str
    mean: float | None
    dimensions: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Stat:
    n: int
    mean: float
    sd: float  # sample standard deviation (0 for a single value)


def stat(values: Sequence[float]) -> Stat | None:
    n = len(values)
    if n == 0:
        return None
    mean = math.fsum(values) / n
    if n == 1:
        return Stat(1, mean, 0.0)
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return Stat(n, mean, math.sqrt(max(var, 0.0)))


@dataclass
class Aggregates:
    """Every figure of a wave, unsuppressed (never stored or shown as it is)."""

    ties: dict[tuple[str, str], Stat] = field(default_factory=dict)
    tie_dims: dict[tuple[str, str, str], Stat] = field(default_factory=dict)
    given: dict[str, Stat] = field(default_factory=dict)
    given_dims: dict[tuple[str, str], Stat] = field(default_factory=dict)
    received: dict[str, Stat] = field(default_factory=dict)
    received_dims: dict[tuple[str, str], Stat] = field(default_factory=dict)
    between: Stat | None = None
    within: Stat | None = None
    network_dims: dict[str, Stat] = field(default_factory=dict)
    communication: Stat | None = None
    relationship: Stat | None = None
    respondents: dict[str, int] = field(default_factory=dict)


def _mean(values: Iterable[float]) -> float | None:
    v = list(values)
    return math.fsum(v) / len(v) if v else None


def aggregate(facts: Iterable[TieFact]) -> Aggregates:
    """The wave's figures from the respondents' scored ties (only ties that count):

    * tie A→B (and A→A, within-group): mean over respondents in A of their item mean about B;
      per dimension the mean of their dimension means;
    * given by A: over respondents in A, each respondent's mean over the *other* workgroups they
      rated; received by B: over the respondents of other workgroups, their mean about B;
    * the network's between-group RC: over all respondents, each one's mean over the other
      workgroups; within-group RC: over respondents, their mean about their own workgroup;
    * communication (frequent, timely, accurate, problem-solving) and relationship (shared goals,
      shared knowledge, mutual respect) subscores: per respondent the mean of their between-group
      dimension means in the group, then over respondents.

    Every mean is first per respondent, then over respondents, so a respondent who rates many
    workgroups weighs as much in a total as one who rates few."""
    per_tie: dict[tuple[str, str], list[float]] = defaultdict(list)
    per_tie_dim: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    resp_between: dict[Hashable, list[float]] = defaultdict(list)
    resp_within: dict[Hashable, float] = {}
    resp_dims: dict[Hashable, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    resp_group: dict[Hashable, str] = {}
    recv: dict[str, list[float]] = defaultdict(list)
    recv_dims: dict[tuple[str, str], list[float]] = defaultdict(list)
    for f in facts:
        resp_group.setdefault(f.response, f.source)
        if f.mean is None:
            continue
        per_tie[(f.source, f.target)].append(f.mean)
        for d, v in f.dimensions.items():
            per_tie_dim[(f.source, f.target, d)].append(v)
        if f.source == f.target:
            resp_within[f.response] = f.mean
        else:
            resp_between[f.response].append(f.mean)
            recv[f.target].append(f.mean)
            for d, v in f.dimensions.items():
                resp_dims[f.response][d].append(v)
                recv_dims[(f.target, d)].append(v)
    agg = Aggregates()
    agg.ties = {k: s for k, v in per_tie.items() if (s := stat(v)) is not None}
    agg.tie_dims = {k: s for k, v in per_tie_dim.items() if (s := stat(v)) is not None}
    agg.received = {k: s for k, v in recv.items() if (s := stat(v)) is not None}
    agg.received_dims = {k: s for k, v in recv_dims.items() if (s := stat(v)) is not None}
    given: dict[str, list[float]] = defaultdict(list)
    given_dims: dict[tuple[str, str], list[float]] = defaultdict(list)
    all_between: list[float] = []
    network_dims: dict[str, list[float]] = defaultdict(list)
    comm: list[float] = []
    rel: list[float] = []
    for response, means in resp_between.items():
        m = math.fsum(means) / len(means)
        given[resp_group[response]].append(m)
        all_between.append(m)
        dims = {d: math.fsum(v) / len(v) for d, v in resp_dims[response].items()}
        for d, v in dims.items():
            given_dims[(resp_group[response], d)].append(v)
            network_dims[d].append(v)
        c = _mean(dims[d] for d in COMMUNICATION if d in dims)
        r = _mean(dims[d] for d in RELATIONSHIP if d in dims)
        if c is not None:
            comm.append(c)
        if r is not None:
            rel.append(r)
    agg.given = {k: s for k, v in given.items() if (s := stat(v)) is not None}
    agg.given_dims = {k: s for k, v in given_dims.items() if (s := stat(v)) is not None}
    agg.between = stat(all_between)
    agg.within = stat(list(resp_within.values()))
    agg.network_dims = {k: s for k, v in network_dims.items() if (s := stat(v)) is not None}
    agg.communication = stat(comm)
    agg.relationship = stat(rel)
    counts: dict[str, int] = defaultdict(int)
    for group in resp_group.values():
        counts[group] += 1
    agg.respondents = dict(counts)
    return agg


# --------------------------------------------------------------------------------------------
# Small cells
# --------------------------------------------------------------------------------------------

PRIMARY = "primary"  # fewer than k respondents
SECONDARY = "secondary"  # hidden so that a total cannot reveal a primary cell


def effective_threshold(value: int) -> int:
    """A configured threshold, never below :data:`MIN_THRESHOLD`."""
    return max(MIN_THRESHOLD, int(value))


def suppress(
    bases: Mapping[Hashable, int], lines: Sequence[tuple[Sequence[Hashable], Hashable]], k: int
) -> dict[Hashable, str]:
    """Which cells to hide: ``bases`` is every cell's (and every total's) number of respondents;
    ``lines`` are (members, total) where the total is derived from the members (a row of the
    matrix and what the row's workgroup gives, a column and what it receives, the row totals and
    the network's RC, …). A cell with 1 to k−1 respondents is hidden (primary). Then, as long as
    some line has exactly one hidden element (a member or its total) while others are shown, the
    hidden value could be worked out from the rest, so a second one is hidden (secondary): the
    shown member with the fewest respondents, or the line's total — whichever leaves fewer cells
    hidden in the end (the member when equal). Cells with no respondents are empty, not hidden:
    they add nothing to a total. Deterministic."""
    k = effective_threshold(k)
    primary: dict[Hashable, str] = {c: PRIMARY for c, n in bases.items() if 0 < n < k}
    return _protect(bases, lines, primary, lookahead=True)


def _protect(
    bases: Mapping[Hashable, int],
    lines: Sequence[tuple[Sequence[Hashable], Hashable]],
    start: Mapping[Hashable, str],
    *,
    lookahead: bool,
) -> dict[Hashable, str]:
    hidden = dict(start)
    stuck: set[int] = set()  # lines whose only element is the hidden one: nothing protects it
    while True:
        for index, (members, total) in enumerate(lines):
            if index in stuck:
                continue
            elements = [m for m in members if bases.get(m, 0) > 0]
            if bases.get(total, 0) > 0:
                elements.append(total)
            if sum(1 for e in elements if e in hidden) != 1:
                continue
            options: list[Hashable] = []
            shown = [m for m in members if bases.get(m, 0) > 0 and m not in hidden]
            if shown:
                options.append(min(shown, key=lambda m: (bases[m], str(m))))
            if bases.get(total, 0) > 0 and total not in hidden:
                options.append(total)
            if not options:
                stuck.add(index)
                continue
            pick = options[0]
            if lookahead and len(options) > 1:
                pick = min(
                    options,
                    key=lambda o: (
                        len(_protect(bases, lines, {**hidden, o: SECONDARY}, lookahead=False)),
                        options.index(o),
                    ),
                )
            hidden[pick] = SECONDARY
            break
        else:
            return hidden


def matrix_lines(
    sources: Sequence[str], targets: Sequence[str], *, prefix: tuple[Any, ...] = ()
) -> list[tuple[list[Hashable], Hashable]]:
    """The lines of a tie matrix (cells ``(*prefix, "tie", A, B)``): each row's between-group
    cells with what the row gives, each column's with what it receives, the diagonal with the
    within-group RC, and the row totals with the between-group RC."""
    lines: list[tuple[list[Hashable], Hashable]] = []
    for a in sources:
        lines.append(([(*prefix, "tie", a, b) for b in targets if b != a], (*prefix, "given", a)))
    for b in targets:
        lines.append(
            ([(*prefix, "tie", a, b) for a in sources if a != b], (*prefix, "received", b))
        )
    lines.append(([(*prefix, "tie", a, a) for a in sources if a in targets], (*prefix, "within")))
    lines.append(([(*prefix, "given", a) for a in sources], (*prefix, "between")))
    return lines


@dataclass(frozen=True)
class Cell:
    """A figure as it may be shown: ``stat`` None when hidden (``hidden`` says why) or empty."""

    stat: Stat | None
    hidden: str = ""

    @property
    def empty(self) -> bool:
        return self.stat is None and not self.hidden


def _overall_stats(agg: Aggregates) -> dict[tuple[Any, ...], Stat | None]:
    """The wave's figures over all dimensions, keyed as in :func:`matrix_lines`."""
    overall: dict[tuple[Any, ...], Stat | None] = {}
    for (a, b), s in agg.ties.items():
        overall[("tie", a, b)] = s
    for a, s in agg.given.items():
        overall[("given", a)] = s
    for b, s in agg.received.items():
        overall[("received", b)] = s
    overall[("within",)] = agg.within
    overall[("between",)] = agg.between
    return overall


def _dimension_stats(agg: Aggregates, d: str) -> dict[tuple[Any, ...], Stat | None]:
    """The wave's figures for dimension ``d``, keyed with the prefix ``(d,)``."""
    per: dict[tuple[Any, ...], Stat | None] = {}
    for (a, b, dim), s in agg.tie_dims.items():
        if dim == d:
            per[(d, "tie", a, b)] = s
    for (a, dim), s in agg.given_dims.items():
        if dim == d:
            per[(d, "given", a)] = s
    for (b, dim), s in agg.received_dims.items():
        if dim == d:
            per[(d, "received", b)] = s
    per[(d, "between")] = agg.network_dims.get(d)
    return per


def suppressed_results(
    agg: Aggregates, sources: Sequence[str], targets: Sequence[str], k: int
) -> dict[tuple[Any, ...], Cell]:
    """Every figure of the wave keyed as in :func:`matrix_lines` (``("tie", A, B)``,
    ``("given", A)``, ``("received", B)``, ``("within",)``, ``("between",)``; per dimension with
    the prefix ``(dim,)``; and ``("communication",)``, ``("relationship",)``), with cells under
    the threshold hidden and secondary suppression applied, per dimension separately. The
    network-wide dimension scores and subscores rest on all respondents and are hidden only if
    they have fewer than k."""
    k = effective_threshold(k)
    out: dict[tuple[Any, ...], Cell] = {}

    def add(stats: Mapping[tuple[Any, ...], Stat | None], prefix: tuple[Any, ...]) -> None:
        bases: dict[Hashable, int] = {key: s.n for key, s in stats.items() if s is not None}
        hidden = suppress(bases, matrix_lines(sources, targets, prefix=prefix), k)
        for key, s in stats.items():
            if s is None:
                continue
            out[key] = Cell(None, hidden[key]) if key in hidden else Cell(s)

    add(_overall_stats(agg), ())
    for d in DIMENSIONS:
        add(_dimension_stats(agg, d), (d,))
    for name, sub in (("communication", agg.communication), ("relationship", agg.relationship)):
        if sub is not None:
            out[(name,)] = Cell(None, PRIMARY) if sub.n < k else Cell(sub)
    return out


# --------------------------------------------------------------------------------------------
# Bands, change, correlation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """Where "weak" ends and "strong" begins. A convention (no published rule was found), so an
    installation may set its own: ``HELHED_RC_BANDS``."""

    weak_below: float = 3.5
    strong_from: float = 4.0

    def valid(self) -> bool:
        return SCORE_MIN <= self.weak_below <= self.strong_from <= SCORE_MAX


def band(mean: float, bands: Bands = Bands()) -> str:
    """ "weak", "moderate" or "strong"."""
    if mean < bands.weak_below:
        return "weak"
    if mean >= bands.strong_from:
        return "strong"
    return "moderate"


# Two-sided 95 % quantiles of Student's t (df 1-30, then 40, 60, 120, ∞).
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
    10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
    18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip
_Z975 = 1.960


def t975(df: float) -> float:
    """The 97.5 % quantile of t with ``df`` degrees of freedom (linear in 1/df between table
    points; exact to three decimals at the table's points)."""
    if not df > 0 or math.isnan(df):
        raise ValueError("df must be positive")
    if math.isinf(df):
        return _Z975
    points = sorted(_T975)
    if df <= 1:
        return _T975[1]
    for lo, hi in itertools.pairwise(points):
        if lo <= df <= hi:
            w = (1 / df - 1 / hi) / (1 / lo - 1 / hi)
            return _T975[hi] + w * (_T975[lo] - _T975[hi])
    w = (1 / df) / (1 / 120)
    return _Z975 + w * (_T975[120] - _Z975)


@dataclass(frozen=True)
class Change:
    diff: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """The 95 % interval lies wholly above or below 0."""
        return self.low > 0 or self.high < 0


def change(before: Stat, after: Stat) -> Change | None:
    """``after − before`` with a 95 % interval for two independent groups of respondents
    (Welch's t: the waves are anonymous, so respondents cannot be paired). None when either
    rests on fewer than two respondents."""
    if before.n < 2 or after.n < 2:
        return None
    diff = after.mean - before.mean
    v1, v2 = before.sd**2 / before.n, after.sd**2 / after.n
    se = math.sqrt(v1 + v2)
    if se == 0:
        return Change(diff, diff, diff)
    df = (v1 + v2) ** 2 / (
        (v1**2 / (before.n - 1) if v1 else 0.0) + (v2**2 / (after.n - 1) if v2 else 0.0)
    )
    half = t975(df) * se
    return Change(diff, diff - half, diff + half)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(pairs: Sequence[tuple[float, float]], minimum: int = 5) -> float | None:
    """Spearman's rank correlation (ties get mean ranks); None with fewer than ``minimum``
    pairs or when either variable does not vary."""
    if len(pairs) < minimum:
        return None
    rx = _ranks([x for x, _y in pairs])
    ry = _ranks([y for _x, y in pairs])
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


# --------------------------------------------------------------------------------------------
# The structural network from Helhed's own data
# --------------------------------------------------------------------------------------------


def pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of workgroups in a fixed order."""
    return (a, b) if a <= b else (b, a)


def shared_courses(course_groups: Mapping[Hashable, Collection[str]]) -> dict[tuple[str, str], int]:
    """For each pair of workgroups, the number of courses on whose team both are."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for groups in course_groups.values():
        ordered = sorted(set(groups))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                counts[(a, b)] += 1
    return dict(counts)


def group_courses(course_groups: Mapping[Hashable, Collection[str]]) -> dict[str, int]:
    """For each workgroup, the number of courses on whose team it is."""
    counts: dict[str, int] = defaultdict(int)
    for groups in course_groups.values():
        for g in set(groups):
            counts[g] += 1
    return dict(counts)


@dataclass(frozen=True)
class HandoverTie:
    n: int  # handovers from A to B
    acknowledged: int  # of which acknowledged
    hours: Stat | None  # hours to the first acknowledgement


def handover_ties(
    handovers: Iterable[tuple[str, str, float | None]],
) -> dict[tuple[str, str], HandoverTie]:
    """Per directed pair (sending workgroup, receiving workgroup): how many handovers, how many
    acknowledged, and the hours to acknowledgement. ``handovers`` are (from, to, hours or None);
    handovers inside one workgroup are left out."""
    per: dict[tuple[str, str], list[float | None]] = defaultdict(list)
    for a, b, hours in handovers:
        if a != b:
            per[(a, b)].append(hours)
    out = {}
    for key, values in per.items():
        acked = [h for h in values if h is not None]
        out[key] = HandoverTie(len(values), len(acked), stat(acked))
    return out


def meetings_together(
    meeting_groups: Mapping[Hashable, Collection[str]],
) -> dict[tuple[str, str], int]:
    """For each pair of workgroups, the number of meetings held that both took part in."""
    return shared_courses(meeting_groups)


@dataclass(frozen=True)
class Spanner:
    person: Hashable
    group: str
    reached: tuple[str, ...]  # the other workgroups on the courses the person is on
    courses: int


def boundary_spanners(
    person_courses: Mapping[Hashable, Collection[Hashable]],
    person_group: Mapping[Hashable, str],
    course_groups: Mapping[Hashable, Collection[str]],
    *,
    minimum: int = 3,
) -> list[Spanner]:
    """The people who bridge many workgroups ("brobyggere"): for each person, the distinct other
    workgroups they share a course with. Those reaching at least ``minimum`` workgroups, most
    reached first (then most courses, then key)."""
    out = []
    for person, courses in person_courses.items():
        own = person_group.get(person, "")
        reached: set[str] = set()
        for c in courses:
            reached |= set(course_groups.get(c, ()))
        reached.discard(own)
        if len(reached) >= minimum:
            out.append(Spanner(person, own, tuple(sorted(reached)), len(set(courses))))
    out.sort(key=lambda s: (-len(s.reached), -s.courses, str(s.person)))
    return out


def tie_figures(
    course_groups: Mapping[Any, Collection[str]],
    figures: Mapping[Any, Mapping[str, float | int | None]],
    metrics: Sequence[str],
) -> dict[tuple[str, str], dict[str, Stat]]:
    """For each pair of workgroups, each timeliness figure over the courses both are on (only
    courses with a value)."""
    values: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for course, groups in course_groups.items():
        row = figures.get(course, {})
        ordered = sorted(set(groups))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                for m in metrics:
                    v = row.get(m)
                    if v is not None:
                        values[(a, b)][m].append(float(v))
    out: dict[tuple[str, str], dict[str, Stat]] = {}
    for key, per in values.items():
        out[key] = {m: s for m, v in per.items() if (s := stat(v)) is not None}
    return out


# --------------------------------------------------------------------------------------------
# Which workgroup a team member belongs to
# --------------------------------------------------------------------------------------------

# The workgroups as shipped: slug, Danish name, English name, kind, order, description.
# (Installations maintain their own list; the names of the kinds are models.WorkgroupKind.)
DEFAULT_WORKGROUPS: tuple[tuple[str, str, str, str, int, str], ...] = (
    (
        "koordinator",
        "Koordinator / tovholder",
        "Coordinator",
        "fagfolk",
        10,
        "Koordinerende sagsbehandler eller tovholder for forløbet",
    ),
    (
        "jobcenter",
        "Jobcenter",
        "Job centre",
        "fagfolk",
        20,
        "Sagsbehandlere og konsulenter i jobcentret",
    ),
    (
        "boern-familie",
        "Børn og Familie",
        "Children and families",
        "fagfolk",
        30,
        "Sagsbehandlere og familiebehandlere på børne- og familieområdet",
    ),
    (
        "ppr-skole",
        "PPR og skole",
        "School and educational psychology",
        "fagfolk",
        40,
        "PPR, lærere og skolens vejledere",
    ),
    (
        "ungeindsats",
        "Ungeindsats og UU",
        "Youth guidance",
        "fagfolk",
        50,
        "Ungdommens uddannelsesvejledning og kommunens ungeindsats",
    ),
    (
        "voksensocial",
        "Socialpsykiatri og voksen",
        "Adult social services",
        "fagfolk",
        60,
        "Bostøtte, socialpsykiatri og handicap (voksne)",
    ),
    (
        "rusmiddel",
        "Rusmiddelbehandling",
        "Drug and alcohol treatment",
        "fagfolk",
        70,
        "Kommunal eller regional rusmiddelbehandling",
    ),
    (
        "psykiatri",
        "Psykiatri (region)",
        "Psychiatry (region)",
        "fagfolk",
        80,
        "Regionens psykiatri: ambulant og indlagt",
    ),
    (
        "sundhed",
        "Sundhed",
        "Health",
        "fagfolk",
        90,
        "Kommunal sundhed, sundhedsplejen, egen læge og sygehus",
    ),
    (
        "kriminalforsorg",
        "Kriminalforsorgen",
        "Prison and probation service",
        "fagfolk",
        100,
        "Tilsyn og kriminalforsorg i frihed",
    ),
    (
        "boligsocial",
        "Boligsocialt arbejde",
        "Social housing work",
        "fagfolk",
        110,
        "Boligsociale medarbejdere og gadeplan",
    ),
    (
        "privat",
        "Privat leverandør",
        "Private provider",
        "fagfolk",
        120,
        "Fx mentorforløb købt hos en privat leverandør",
    ),
    (
        "civilsamfund",
        "Civilsamfund og frivillige",
        "Civil society and volunteers",
        "fagfolk",
        130,
        "Foreninger, bisiddere og frivillige",
    ),
    (
        "borgeren",
        "Borgeren",
        "The citizen",
        "borger",
        200,
        "Samarbejdet med borgeren selv (relationelt samarbejde)",
    ),
    (
        "paaroerende",
        "Pårørende",
        "Relatives",
        "paaroerende",
        210,
        "Samarbejdet med borgerens familie og netværk",
    ),
)


def fold(text: str) -> str:
    """Lower case, accents and Danish letters kept, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return re.sub(r"\s+", " ", text).strip()


def signature(role: str, organisation_id: Any, unit_id: Any, welfare_area_id: Any) -> str:
    """What a decision about one team member's workgroup applies to: the same role text in the
    same unit (or organisation) and welfare area."""
    return "|".join(
        [
            fold(role)[:120],
            str(organisation_id or ""),
            str(unit_id or ""),
            str(welfare_area_id or ""),
        ]
    )


# Role words that say which workgroup a person belongs to, most specific first ("frivillig
# koordinator" is a volunteer, "skolepsykolog" is school, "psykiatrisk sygeplejerske" psychiatry).
ROLE_RULES: tuple[tuple[str, str], ...] = (
    ("frivillig", "civilsamfund"),
    ("bisidder", "civilsamfund"),
    ("netværksperson", "civilsamfund"),
    ("forening", "civilsamfund"),
    ("skolepsykolog", "ppr-skole"),
    ("ppr", "ppr-skole"),
    ("lærer", "ppr-skole"),
    ("inklusion", "ppr-skole"),
    ("skole", "ppr-skole"),
    ("koordinator", "koordinator"),
    ("koordinerende", "koordinator"),
    ("tovholder", "koordinator"),
    ("kriminalforsorg", "kriminalforsorg"),
    ("tilsynsførende", "kriminalforsorg"),
    ("misbrug", "rusmiddel"),
    ("rusmiddel", "rusmiddel"),
    ("socialpsykiatri", "voksensocial"),
    ("psykiat", "psykiatri"),
    ("psykolog", "psykiatri"),
    ("jobcent", "jobcenter"),
    ("jobkonsulent", "jobcenter"),
    ("virksomhedskonsulent", "jobcenter"),
    ("familiebehandl", "boern-familie"),
    ("børn og familie", "boern-familie"),
    ("uu-vejleder", "ungeindsats"),
    ("ungevejleder", "ungeindsats"),
    ("ungeenhed", "ungeindsats"),
    ("gadeplan", "boligsocial"),
    ("boligsocial", "boligsocial"),
    ("bostøtte", "voksensocial"),
    ("sundhedspleje", "sundhed"),
    ("sygeplejerske", "sundhed"),
    ("læge", "sundhed"),
)
# Unit names: where a generic role ("socialrådgiver", "sagsbehandler", "mentor") works.
UNIT_RULES: tuple[tuple[str, str], ...] = (
    ("koordinerende", "koordinator"),
    ("jobcent", "jobcenter"),
    ("børn og familie", "boern-familie"),
    ("familie", "boern-familie"),
    ("ppr", "ppr-skole"),
    ("skole", "ppr-skole"),
    ("rusmiddel", "rusmiddel"),
    ("misbrug", "rusmiddel"),
    ("socialpsykiatri", "voksensocial"),
    ("psykiatri", "psykiatri"),
    ("kriminalforsorg", "kriminalforsorg"),
    ("boligsocial", "boligsocial"),
    ("sundhed", "sundhed"),
    ("unge", "ungeindsats"),
    ("handicap", "voksensocial"),
    ("mentor", "privat"),
    ("frivillig", "civilsamfund"),
)
# VIVE's fagområder (core.reference_data) → workgroup, when neither the role nor the unit says.
AREA_RULES: Mapping[str, str] = {
    "beskaeftigelse": "jobcenter",
    "specialiseret-boern-unge": "boern-familie",
    "skole": "ppr-skole",
    "dagtilbud": "ppr-skole",
    "psykiatri": "psykiatri",
    "kriminalitet": "kriminalforsorg",
    "boligsocial": "boligsocial",
    "kommunalt-sundhed": "sundhed",
    "aeldre": "sundhed",
    "somatik": "sundhed",
    "almen-praksis": "sundhed",
    "uddannelse": "ungeindsats",
    "kultur-fritid": "civilsamfund",
    "specialiseret-voksen": "voksensocial",
}
# Organisation types that decide on their own (a volunteer is civil society, a private provider
# is a private provider, whatever the title).
ORG_TYPE_RULES: Mapping[str, str] = {"civilsamfund": "civilsamfund", "privat": "privat"}


def classify(
    role: str,
    unit_name: str = "",
    welfare_area: str | None = None,
    org_type: str | None = None,
    known: Collection[str] | None = None,
) -> str | None:
    """The workgroup (slug) a team member belongs to by the rules, or None when the rules cannot
    tell (a person decides). Order: the organisation's type (civil society, private provider),
    the role's words, the unit's name, the welfare area. With ``known``, a rule naming a workgroup
    that is not in the list (renamed or removed) does not count."""

    def ok(slug: str) -> bool:
        return known is None or slug in known

    if org_type is not None and org_type in ORG_TYPE_RULES and ok(ORG_TYPE_RULES[org_type]):
        return ORG_TYPE_RULES[org_type]
    text = fold(role)
    for word, slug in ROLE_RULES:
        if word in text and ok(slug):
            return slug
    unit = fold(unit_name)
    for word, slug in UNIT_RULES:
        if word in unit and ok(slug):
            return slug
    if welfare_area and welfare_area in AREA_RULES and ok(AREA_RULES[welfare_area]):
        return AREA_RULES[welfare_area]
    return None


def majority(counts: Mapping[str, int], order: Mapping[str, int]) -> str | None:
    """The workgroup a person has most often on the teams in scope (ties: the list's order)."""
    if not counts:
        return None
    return min(counts, key=lambda g: (-counts[g], order.get(g, 10_000), g))
