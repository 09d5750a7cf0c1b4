"""The progress app's domain rules as plain functions over plain values.

* **Instruments** are data (:class:`Instrument`: items, one scale, a completeness rule, scoring and
  interpretation) with a ``version``; every stored measurement carries the key and version it was
  answered and scored with, so a later wording or scoring change never rewrites history.
* **WHO-5** (the WHO-5 Well-Being Index, the official Danish wording): 5 items 0-5, raw 0-25,
  index = raw × 4 (0-100); ≤ 50 poor well-being, ≤ 28 likely depression; a change of ≥ 10 points
  is meaningful. Scored only when all five items are answered (the instrument's own rule).
* **Goal attainment** (GAS) per plan goal on −2…+2 and the **Kiresuk–Sherman T-score** across a
  course's goals: T = 50 + 10·Σwᵢxᵢ / √((1−ρ)·Σwᵢ² + ρ·(Σwᵢ)²), ρ = 0.3 by default.
* **Life areas** (Helhed's own self-rating): ten areas 1-10, each with an optional comment.
* **Hard outcomes** as dated states (employment/education status, self-support, school attendance,
  placement outside the home, housing).
* Aggregation helpers for the dashboard: start cohorts (quarters), small-cell suppression.
* Pseudonyms and date shifting/coarsening for the evaluation export.

Nothing here touches the database; the services and selectors call these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from helhed.core.numbers import decimal

# --------------------------------------------------------------------------------------------
# The instrument framework
# --------------------------------------------------------------------------------------------


class IncompleteError(ValueError):
    """The instrument's completeness rule is not met: no score."""


@dataclass(frozen=True)
class Item:
    key: str
    text: Any  # a (lazy) translated string
    short: Any = ""
    # The data category the answer (and its comment) belongs to; "" = the instrument's only one.
    category: str = ""


@dataclass(frozen=True)
class Scale:
    minimum: int
    maximum: int
    labels: tuple[tuple[int, Any], ...] = ()

    def contains(self, value: int) -> bool:
        return self.minimum <= value <= self.maximum


@dataclass(frozen=True)
class Interpretation:
    level: str  # machine key, e.g. "good", "poor", "depression"
    label: Any


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    name: Any
    intro: Any
    items: tuple[Item, ...]
    scale: Scale
    # The data categories (courses.logic.DATA_CATEGORIES) a professional needs to see it.
    categories: tuple[str, ...]
    score: Callable[[Mapping[str, int]], float]
    interpret: Callable[[float], Interpretation] | None = None
    comments: bool = False  # an optional free-text comment per item
    per_goal: bool = False
    score_label: Any = ""
    score_range: tuple[float, float] = (0.0, 100.0)
    meaningful_change: float | None = None
    thresholds: tuple[tuple[float, Any], ...] = field(default_factory=tuple)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)


def item_category(instrument: Instrument, item: Item) -> str:
    """The data category of one item: its own, else the instrument's (single) category."""
    return item.category or instrument.categories[0]


def visible_items(instrument: Instrument, may: Callable[[str], bool]) -> tuple[Item, ...]:
    """The items whose category the reader may see (``may`` is e.g. ``Access.may``)."""
    return tuple(i for i in instrument.items if may(item_category(instrument, i)))


def validate_answers(
    instrument: Instrument, answers: Mapping[str, Any]
) -> tuple[dict[str, int], dict[str, str]]:
    """The answers as integers and the errors per item key (missing, not a number, out of range,
    unknown item). Answers for unknown items are errors too, so a typo never passes silently."""
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    known = set(instrument.item_keys)
    for key in answers:
        if key not in known:
            errors[str(key)] = str(_("Ukendt spørgsmål."))
    for item in instrument.items:
        raw = answers.get(item.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[item.key] = str(_("Besvar spørgsmålet."))
            continue
        if isinstance(raw, bool):
            errors[item.key] = str(_("Svaret skal være et helt tal."))
            continue
        try:
            if isinstance(raw, float) and not math.isfinite(raw):
                raise ValueError
            value = int(raw)
            if isinstance(raw, float) and raw != value:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            errors[item.key] = str(_("Svaret skal være et helt tal."))
            continue
        if not instrument.scale.contains(value):
            errors[item.key] = str(
                _("Svaret skal ligge mellem %(min)s og %(max)s.")
                % {"min": instrument.scale.minimum, "max": instrument.scale.maximum}
            )
            continue
        clean[item.key] = value
    return clean, errors


def is_complete(instrument: Instrument, answers: Mapping[str, int]) -> bool:
    """Every item answered within the scale: the completeness rule of all shipped instruments."""
    return all(
        isinstance(answers.get(k), int) and instrument.scale.contains(answers[k])
        for k in instrument.item_keys
    )


def score(instrument: Instrument, answers: Mapping[str, int]) -> float:
    if not is_complete(instrument, answers):
        raise IncompleteError(
            str(_("Alle spørgsmål skal besvares, før der kan beregnes en score."))
        )
    return instrument.score(answers)


# --------------------------------------------------------------------------------------------
# WHO-5
# --------------------------------------------------------------------------------------------

WHO5_POOR = 50  # ≤ 50: poor well-being (screen for depression)
WHO5_DEPRESSION = 28  # ≤ 28: likely depression
WHO5_MEANINGFUL_CHANGE = 10

WHO5_ITEMS = (
    Item("who5_1", _("… har jeg været glad og i godt humør"), _("Glad og i godt humør")),
    Item("who5_2", _("… har jeg følt mig rolig og afslappet"), _("Rolig og afslappet")),
    Item("who5_3", _("… har jeg følt mig aktiv og energisk"), _("Aktiv og energisk")),
    Item("who5_4", _("… er jeg vågnet frisk og udhvilet"), _("Vågnet frisk og udhvilet")),
    Item(
        "who5_5",
        _("… har min dagligdag været fyldt med ting der interesserer mig"),
        _("Dagligdag med ting der interesserer mig"),
    ),
)
WHO5_SCALE = Scale(
    0,
    5,
    (
        (5, _("Hele tiden")),
        (4, _("Det meste af tiden")),
        (3, _("Lidt mere end halvdelen af tiden")),
        (2, _("Lidt mindre end halvdelen af tiden")),
        (1, _("Lidt af tiden")),
        (0, _("På intet tidspunkt")),
    ),
)


def who5_raw(answers: Mapping[str, int]) -> int:
    return sum(answers[item.key] for item in WHO5_ITEMS)


def who5_index(answers: Mapping[str, int]) -> float:
    """Raw score 0-25 × 4: the WHO-5 index 0-100."""
    return float(who5_raw(answers) * 4)


def who5_interpret(index: float) -> Interpretation:
    if index <= WHO5_DEPRESSION:
        return Interpretation("depression", _("Tegn på depression – tal med en fagperson"))
    if index <= WHO5_POOR:
        return Interpretation("poor", _("Lav trivsel"))
    return Interpretation("good", _("God trivsel"))


def who5_change(first: float, last: float) -> str:
    """ "better", "worse" or "same": a change of at least 10 points counts as meaningful."""
    delta = last - first
    if delta >= WHO5_MEANINGFUL_CHANGE:
        return "better"
    if delta <= -WHO5_MEANINGFUL_CHANGE:
        return "worse"
    return "same"


WHO5 = Instrument(
    key="who5",
    version=1,
    name=_("WHO-5 Trivselsindeks"),
    intro=_("Hvordan har du haft det i de sidste 2 uger? I de sidste 2 uger …"),
    items=WHO5_ITEMS,
    scale=WHO5_SCALE,
    categories=("health",),
    score=who5_index,
    interpret=who5_interpret,
    score_label=_("Trivselsindeks (0-100)"),
    score_range=(0.0, 100.0),
    meaningful_change=WHO5_MEANINGFUL_CHANGE,
    thresholds=(
        (WHO5_POOR, _("Lav trivsel (≤ 50)")),
        (WHO5_DEPRESSION, _("Mulig depression (≤ 28)")),
    ),
)

# --------------------------------------------------------------------------------------------
# Life areas (Helhed's own wording)
# --------------------------------------------------------------------------------------------

LIFE_AREAS = (
    Item("bolig", _("Hvordan har du det med, hvor du bor?"), _("Bolig"), "social"),
    Item("oekonomi", _("Hvordan hænger din økonomi sammen?"), _("Økonomi"), "economy"),
    Item("fysisk", _("Hvordan har du det med dit fysiske helbred?"), _("Fysisk helbred"), "health"),
    Item(
        "psykisk",
        _("Hvordan har du det med dit psykiske helbred?"),
        _("Psykisk helbred"),
        "health",
    ),
    Item(
        "rusmidler",
        _("Hvordan går det med alkohol, hash og andre stoffer?"),
        _("Rusmidler"),
        "health",
    ),
    Item(
        "arbejde",
        _("Hvordan går det med arbejde eller uddannelse?"),
        _("Arbejde/uddannelse"),
        "employment",
    ),
    Item(
        "netvaerk",
        _("Hvordan har du det med dit netværk og dine relationer?"),
        _("Netværk"),
        "social",
    ),
    Item(
        "familie", _("Hvordan går det med din familie og dine børn?"), _("Familie/børn"), "social"
    ),
    Item(
        "kriminalitet",
        _("Hvordan går det med at holde dig fri af kriminalitet?"),
        _("Kriminalitet"),
        "crime",
    ),
    Item("hverdag", _("Hvordan klarer du din hverdag?"), _("Hverdagsliv"), "social"),
)
LIFE_AREAS_SCALE = Scale(1, 10, ((1, _("Meget dårligt")), (10, _("Rigtig godt"))))


def life_areas_mean(answers: Mapping[str, int]) -> float:
    return round(sum(answers[i.key] for i in LIFE_AREAS) / len(LIFE_AREAS), 2)


LIFE_AREAS_INSTRUMENT = Instrument(
    key="livsomraader",
    version=1,
    name=_("Livsområder"),
    intro=_("Sæt et tal fra 1 (meget dårligt) til 10 (rigtig godt) for hvert område."),
    items=LIFE_AREAS,
    scale=LIFE_AREAS_SCALE,
    # Every item's category: needed to enter all ten; a reader sees the items they may see.
    categories=("health", "social", "employment", "economy", "crime"),
    score=life_areas_mean,
    comments=True,
    score_label=_("Gennemsnit (1-10)"),
    score_range=(1.0, 10.0),
)

# --------------------------------------------------------------------------------------------
# Goal attainment scaling
# --------------------------------------------------------------------------------------------

GAS_RHO = 0.3
GAS_SCALE = Scale(
    -2,
    2,
    (
        (2, _("Meget bedre end forventet (+2)")),
        (1, _("Bedre end forventet (+1)")),
        (0, _("Forventet niveau nået (0)")),
        (-1, _("Mindre end forventet (−1)")),
        (-2, _("Meget mindre end forventet / udgangspunkt (−2)")),
    ),
)
GAS_ITEMS = (Item("niveau", _("Hvor langt er I nået med målet?"), _("Målopfyldelse")),)


def _gas_level(answers: Mapping[str, int]) -> float:
    return float(answers["niveau"])


GOAL_ATTAINMENT = Instrument(
    key="maalopfyldelse",
    version=1,
    name=_("Målopfyldelse (GAS)"),
    intro=_("Vurdér sammen med borgeren, hvor langt I er nået med målet."),
    items=GAS_ITEMS,
    scale=GAS_SCALE,
    categories=("plan",),
    score=_gas_level,
    per_goal=True,
    score_label=_("Niveau (−2 til +2)"),
    score_range=(-2.0, 2.0),
)
GAS_T_KEY = "gas-t"  # the derived T-score across a course's goals (stored for the dashboard)


def gas_t_score(
    levels: Sequence[int], weights: Sequence[float] | None = None, rho: float = GAS_RHO
) -> float:
    """Kiresuk–Sherman: T = 50 + 10·Σwᵢxᵢ / √((1−ρ)·Σwᵢ² + ρ·(Σwᵢ)²).

    ``levels`` are −2…+2, ``weights`` default to 1 each. Raises ``IncompleteError`` without any
    goal and ``ValueError`` for a level or weight out of range or mismatched lengths."""
    if not levels:
        raise IncompleteError(str(_("Der er ingen vurderede mål.")))
    w = [1.0] * len(levels) if weights is None else [float(x) for x in weights]
    if len(w) != len(levels):
        raise ValueError("weights and levels differ in length")
    if any(not GAS_SCALE.contains(int(x)) or int(x) != x for x in levels):
        raise ValueError("a level is outside -2..+2")
    if any(x <= 0 for x in w):
        raise ValueError("weights must be positive")
    if not 0 <= rho < 1:
        raise ValueError("rho must be in [0, 1)")
    num = sum(wi * xi for wi, xi in zip(w, levels, strict=True))
    denom = math.sqrt((1 - rho) * sum(wi * wi for wi in w) + rho * sum(w) ** 2)
    return 50 + 10 * num / denom


def goal_weight(importance: int | None) -> float:
    """A goal's weight: the citizen's own "how important is it for me" (1-5) if given, else 1."""
    return float(importance) if importance else 1.0


def gas_interpret(t: float) -> Interpretation:
    if t >= 50:
        return Interpretation("good", _("Målene er nået som forventet eller bedre"))
    return Interpretation("poor", _("Målene er endnu ikke nået som forventet"))


# Every version of every instrument, keyed by (key, version): a new wording or scoring is added
# next to the old one, so measurements stored with v1 can still be shown and rescored with v1.
INSTRUMENTS: dict[tuple[str, int], Instrument] = {
    (i.key, i.version): i for i in (WHO5, LIFE_AREAS_INSTRUMENT, GOAL_ATTAINMENT)
}


def instrument(key: str, version: int | None = None) -> Instrument:
    """The instrument ``key`` in ``version``, or its latest version (the one new answers use)."""
    if version is not None:
        found = INSTRUMENTS.get((key, version))
    else:
        versions = [i for (k, _v), i in INSTRUMENTS.items() if k == key]
        found = max(versions, key=lambda i: i.version) if versions else None
    if found is None:
        raise ValueError(str(_("Ukendt måleredskab.")))
    return found


def latest_instruments() -> list[Instrument]:
    """The latest version of each instrument, in the order they were registered."""
    keys = list(dict.fromkeys(k for k, _v in INSTRUMENTS))
    return [instrument(k) for k in keys]


def rescore(key: str, version: int, answers: Mapping[str, int]) -> float:
    """The score of stored answers with the instrument version they were given with."""
    return score(instrument(key, version), answers)


# --------------------------------------------------------------------------------------------
# Hard outcomes
# --------------------------------------------------------------------------------------------

EMPLOYMENT = (
    ("ordinaert-job", _("Ordinært job")),
    ("fleksjob", _("Fleksjob")),
    ("uddannelse", _("Uddannelse")),
    ("dagpenge", _("Arbejdsløshedsdagpenge")),
    ("sygedagpenge", _("Sygedagpenge")),
    ("kontanthjaelp", _("Kontanthjælp")),
    ("uddannelseshjaelp", _("Uddannelseshjælp")),
    ("ressourceforloeb", _("Ressourceforløb")),
    ("jobafklaring", _("Jobafklaringsforløb")),
    ("ledighedsydelse", _("Ledighedsydelse")),
    ("foertidspension", _("Førtidspension")),
    ("andet", _("Andet")),
)
HOUSING = (
    ("egen-bolig", _("Egen bolig")),
    ("hos-familie", _("Bor hos familie eller venner")),
    ("botilbud", _("Botilbud")),
    ("midlertidig", _("Midlertidig bolig")),
    ("herberg", _("Herberg eller forsorgshjem")),
    ("hjemloes", _("Hjemløs")),
)
YES_NO = (("ja", _("Ja")), ("nej", _("Nej")))
PLACEMENT = (("anbragt", _("Anbragt uden for hjemmet")), ("hjemme", _("Bor hjemme")))

# kind → (label, choices or None for a percentage, data category)
OUTCOME_KINDS: dict[str, tuple[Any, tuple[tuple[str, Any], ...] | None, str]] = {
    "beskaeftigelse": (_("Beskæftigelse og forsørgelse"), EMPLOYMENT, "employment"),
    "selvforsoergelse": (_("Selvforsørgende"), YES_NO, "economy"),
    "skolefremmoede": (_("Skolefremmøde (%)"), None, "social"),
    "anbringelse": (_("Barn anbragt uden for hjemmet"), PLACEMENT, "social"),
    "bolig": (_("Boligsituation"), HOUSING, "social"),
}
PASSIVE = frozenset({"kontanthjaelp", "uddannelseshjaelp", "sygedagpenge"})
JOB_OR_EDUCATION = frozenset({"ordinaert-job", "fleksjob", "uddannelse"})


def validate_outcome(kind: str, value: str, percent: Any) -> dict[str, str]:
    """Errors per field for a hard-outcome state."""
    if kind not in OUTCOME_KINDS:
        return {"kind": str(_("Vælg en type."))}
    _label, choices, _cat = OUTCOME_KINDS[kind]
    if choices is None:
        if percent is None or percent == "":
            return {"percent": str(_("Angiv fremmøde i procent."))}
        try:
            p = float(percent)
        except (TypeError, ValueError):
            return {"percent": str(_("Fremmødet skal være et tal."))}
        if not 0 <= p <= 100 or math.isnan(p):
            return {"percent": str(_("Fremmødet skal ligge mellem 0 og 100 %."))}
        return {}
    if value not in {k for k, _l in choices}:
        return {"value": str(_("Vælg en af mulighederne."))}
    return {}


def outcome_label(kind: str, value: str, percent: float | None) -> str:
    _label, choices, _cat = OUTCOME_KINDS.get(kind, ("", (), ""))
    if choices is None:
        return f"{percent:g} %" if percent is not None else ""
    return str(dict(choices).get(value, value))


def is_job_transition(first: str | None, last: str | None) -> bool:
    """Cash/education/sickness benefit at the first state → job or education at the latest."""
    return first in PASSIVE and last in JOB_OR_EDUCATION


# --------------------------------------------------------------------------------------------
# Dashboard helpers
# --------------------------------------------------------------------------------------------

SMALL_CELL = 5  # fewer than 5 citizens: suppressed, as in official statistics


def cohort_of(start: date) -> str:
    """The start cohort (quarter): "2025 K1"."""
    return f"{start.year} K{(start.month - 1) // 3 + 1}"


def cohort_label(year: int, quarter: int) -> str:
    return f"{year} K{quarter}"


def suppressed(base: int) -> bool:
    """A figure that rests on 1-4 citizens is suppressed (0 is shown as 0)."""
    return 0 < base < SMALL_CELL


def share_suppressed(numerator: int, base: int) -> bool:
    """A share is suppressed when its base is 1-4, or when the citizens it counts — or those it
    does not count (base − numerator) — are 1-4: "1 of 6 improved" or "5 of 6" would point at one
    citizen. 0 % and 100 % of a base of 5 or more are shown."""
    return suppressed(base) or suppressed(numerator) or suppressed(base - numerator)


SECONDARY = "x"  # a cell hidden so that a suppressed cell cannot be derived from a total


def secondary_suppression(
    members: Sequence[tuple[int, bool]], total: tuple[int, bool]
) -> tuple[set[int], bool]:
    """Secondary suppression for cells that add up to a total: ``members`` are (base, primarily
    suppressed) per row, ``total`` the same for the total row. When exactly one member is
    suppressed and the total is shown, the total minus the others would reveal it: the member
    with the next smallest non-zero base is hidden too (or, if there is none, the total). Returns
    the indices of the members to hide and whether to hide the total."""
    primary = [i for i, (_b, hidden) in enumerate(members) if hidden]
    if len(primary) != 1 or total[1]:
        return set(), False
    candidates = [i for i, (b, hidden) in enumerate(members) if not hidden and b > 0]
    if not candidates:
        return set(), True
    return {min(candidates, key=lambda i: (members[i][0], i))}, False


def show_count(n: int | None) -> str:
    if n is None:
        return "–"
    return "<5" if suppressed(n) else str(n)


def show_share(numerator: int, base: int) -> str:
    """A percentage of ``base`` citizens, suppressed by :func:`share_suppressed`."""
    if base == 0:
        return "–"
    if share_suppressed(numerator, base):
        return "<5"
    return f"{100 * numerator / base:.0f} %"


def show_mean(total: float | None, base: int, digits: int = 1) -> str:
    if base == 0 or total is None:
        return "–"
    if suppressed(base):
        return "<5"
    return decimal(total / base, digits)


# --------------------------------------------------------------------------------------------
# Pseudonymisation for the evaluation export
# --------------------------------------------------------------------------------------------

DATE_MODES = ("shift", "month", "quarter")


def export_key(secret: str, purpose_salt: str) -> bytes:
    """The export key: derived from the installation's secret and the export's purpose, so the
    same citizen gets the same pseudonym in every export for one purpose, and unlinkable ones
    across purposes."""
    return hmac.new(
        secret.encode(), f"helhed.progress.export:{purpose_salt}".encode(), hashlib.sha256
    ).digest()


def pseudonym(key: bytes, citizen_id: str) -> str:
    return "P" + hmac.new(key, f"citizen:{citizen_id}".encode(), hashlib.sha256).hexdigest()[:16]


def shift_key(secret: str) -> bytes:
    """The key of the per-citizen date shift: independent of the export's purpose, so exports
    with different purposes shift a citizen's dates by the same offset (otherwise the true date
    could be estimated by averaging the shifted dates of several exports)."""
    return export_key(secret, "shift")


def date_shift_days(key: bytes, citizen_id: str, max_days: int = 90) -> int:
    """A stable per-citizen shift in −max_days…+max_days, never 0 (``key``: :func:`shift_key`)."""
    digest = hmac.new(key, f"shift:{citizen_id}".encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:4], "big") % (2 * max_days)  # 0 … 2·max − 1
    return n - max_days if n < max_days else n - max_days + 1


def shift_date(value: date, days: int) -> date:
    return value + timedelta(days=days)


def coarsen_date(value: date, mode: str, shift: int = 0) -> str:
    if mode == "shift":
        return shift_date(value, shift).isoformat()
    if mode == "month":
        return f"{value.year}-{value.month:02d}"
    if mode == "quarter":
        return f"{value.year}-Q{(value.month - 1) // 3 + 1}"
    raise ValueError(f"unknown date mode {mode!r}")


# --------------------------------------------------------------------------------------------
# The per-course summary the dashboard reads
# --------------------------------------------------------------------------------------------


def summarise(
    who5: Sequence[tuple[date, float]],
    gas_t: Sequence[tuple[date, float]],
    employment: Sequence[tuple[date, str]],
    placement: Sequence[str],
) -> dict[str, Any]:
    """The fields of ``models.CourseSummary`` from a course's scored WHO-5s, T-scores,
    employment states (in the order they were entered on a day) and placement values."""
    w = sorted(who5, key=lambda p: p[0])
    t = sorted(gas_t, key=lambda p: p[0])
    e = sorted(employment, key=lambda p: p[0])  # stable: same-day order kept
    return {
        "who5_n": len(w),
        "who5_first": w[0][1] if w else None,
        "who5_first_on": w[0][0] if w else None,
        "who5_last": w[-1][1] if w else None,
        "who5_last_on": w[-1][0] if w else None,
        "gas_t_last": t[-1][1] if t else None,
        "gas_t_on": t[-1][0] if t else None,
        "employment_first": e[0][1] if e else "",
        "employment_last": e[-1][1] if e else "",
        "placement_tracked": bool(placement),
        "placement_ever": "anbragt" in placement,
    }


# --------------------------------------------------------------------------------------------
# The time axis of a course's charts
# --------------------------------------------------------------------------------------------


def chart_axis(
    *,
    start: date | None,
    referred_on: date | None,
    end: date | None,
    measured: Sequence[date],
    on: date,
) -> tuple[date, date]:
    """The time axis of a course's progress charts: from the course's start (its referral while
    it has not started) or its first measurement, whichever is earlier, to ``on`` (today; a
    finished course's end date) or its last measurement, whichever is later. Events outside it —
    a 16th birthday decades ago, a transition years ahead — are not marked on it."""
    begin = start or referred_on
    first = min([d for d in (begin, *measured) if d is not None], default=on)
    last = max([min(on, end) if end is not None else on, *measured])
    return first, max(first, last)


# --------------------------------------------------------------------------------------------
# Planned measurement points
# --------------------------------------------------------------------------------------------

# The instruments a course can plan, by key (a GAS round rates every goal: "maalopfyldelse").
SCHEDULABLE = ("who5", "livsomraader", "maalopfyldelse")
SCHEDULE_LABELS: Mapping[str, Any] = {
    "who5": _("WHO-5"),
    "livsomraader": _("Livsområder"),
    "maalopfyldelse": _("Målopfyldelse (GAS)"),
}
# A point is taken by a measurement within this many days of its date, either side (the same
# rule as the economics app's contract measurement points); due while that window is open.
POINT_WINDOW_DAYS = 14
MAX_POINTS = 260  # five years of weekly points


class PointStatus:
    UPCOMING = "kommende"
    DUE = "forfalden"
    OVERDUE = "overskredet"
    TAKEN = "taget"


@dataclass(frozen=True)
class PointState:
    on: date
    status: str
    window_ends: date  # the last day a measurement takes it


def schedule_dates(
    first_on: date, every_weeks: int | None, until: date | None, *, horizon: date
) -> list[date]:
    """The planned dates: ``first_on`` and every ``every_weeks`` weeks after it, up to ``until``
    and ``horizon`` (whichever comes first), at most :data:`MAX_POINTS`."""
    last = min(until, horizon) if until is not None else horizon
    dates: list[date] = []
    on = first_on
    while on <= last and len(dates) < MAX_POINTS:
        dates.append(on)
        if not every_weeks:
            break
        on += timedelta(weeks=every_weeks)
    return dates


def point_states(planned: Sequence[date], measured: Sequence[date], on: date) -> list[PointState]:
    """Each planned date's state on ``on``: taken when a measurement lies within
    :data:`POINT_WINDOW_DAYS` of it; else upcoming before its window, due while the window is
    open and overdue after it. A measurement takes at most one point (the nearest)."""
    window = timedelta(days=POINT_WINDOW_DAYS)
    unused = sorted(measured)
    states = []
    for day in sorted(planned):
        near = [m for m in unused if abs((m - day).days) <= POINT_WINDOW_DAYS]
        if near:
            unused.remove(min(near, key=lambda m: abs((m - day).days)))
            status = PointStatus.TAKEN
        elif on < day - window:
            status = PointStatus.UPCOMING
        elif on <= day + window:
            status = PointStatus.DUE
        else:
            status = PointStatus.OVERDUE
        states.append(PointState(day, status, day + window))
    return states


def schedule_errors(
    *,
    instrument: str,
    first_on: date | None,
    every_weeks: int | None,
    until: date | None,
    referred_on: date,
    on: date,
) -> dict[str, str]:
    """Field errors of a new measurement plan, keyed by the API's field names."""
    errors: dict[str, str] = {}
    if instrument not in SCHEDULABLE:
        errors["instrument"] = str(_("Vælg WHO-5, livsområder eller målopfyldelse."))
    if first_on is None:
        errors["first_on"] = str(_("Angiv datoen for den første måling."))
    elif first_on < referred_on - timedelta(days=365):
        errors["first_on"] = str(
            _("Den første måling kan ikke ligge mere end et år før henvisningen.")
        )
    elif first_on > on + timedelta(days=5 * 365):
        errors["first_on"] = str(_("Den første måling kan højst ligge fem år frem."))
    if every_weeks is not None and not 1 <= every_weeks <= 52:
        errors["every_weeks"] = str(_("Angiv et antal uger mellem 1 og 52."))
    if until is not None and first_on is not None and until < first_on:
        errors["until"] = str(_("Slutdatoen skal ligge efter den første måling."))
    if until is not None and every_weeks is None:
        errors["until"] = str(_("En slutdato kræver et interval i uger."))
    return errors
