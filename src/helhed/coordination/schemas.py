"""The coordination API's request and response schemas.

Responses are serialised by ninja straight from what the selectors return — a wave's
``selectors.WaveFacts``, ``WaveDetail``, ``Results``, ``Structure``, ``Flow``, ``AnswerState``,
the workgroup and instrument rows — through attributes, ``Field(alias=…)`` paths and
``resolve_*`` methods, with no mapping code in the router. Figures are the suppressed ones: a
hidden cell has ``hidden`` ("primary" or "secondary") and no value; counts about courses under
five are "<5".
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints

from helhed.coordination import logic, selectors
from helhed.coordination.labels import DIMENSION_LABELS
from helhed.coordination.models import Instrument
from helhed.core.apikit import Day, NoNul, Str20, Str200, Str300

Str40 = Annotated[str, StringConstraints(max_length=40), NoNul]

# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


class WaveIn(Schema):
    name: Str200
    scope_kind: Str20
    organisation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    initiative_id: uuid.UUID | None = None
    unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    period_start: Day
    period_end: Day
    answer_by: Day
    instrument_id: uuid.UUID | None = None
    min_respondents: int = Field(default=logic.DEFAULT_THRESHOLD, ge=0, le=10_000)
    include_citizen_side: bool = False
    previous_id: uuid.UUID | None = None


class ParticipantIn(Schema):
    user_id: uuid.UUID
    workgroup: Str40


class ParticipantPatch(Schema):
    workgroup: Str40


class WaveAnswersIn(Schema):
    others: dict[Str40, dict[Str40, Str20 | int]] = Field(default_factory=dict, max_length=100)
    within: dict[Str40, Str20 | int] | None = Field(default=None, max_length=100)


class SubmitIn(Schema):
    others: dict[Str40, dict[Str40, Str20 | int]] | None = Field(default=None, max_length=100)
    within: dict[Str40, Str20 | int] | None = Field(default=None, max_length=100)


class DecideIn(Schema):
    signature: Str300
    workgroup: Str40


# --------------------------------------------------------------------------------------------
# Workgroups and instruments
# --------------------------------------------------------------------------------------------


class WorkgroupOut(Schema):
    slug: str
    name: str = Field(alias="name_da")
    name_en: str
    kind: str
    active: bool


class OptionOut(Schema):
    """An answer option of a ``logic.Item`` with its recoding to a 1-5 score."""

    code: str
    label: str = Field(alias="label_da")
    score: int


class ItemOut(Schema):
    key: str
    dimension: str
    text: str = Field(alias="text_da")
    options: list[OptionOut]


class InstrumentOut(Schema):
    """An instrument row, read through its parsed definition (``Instrument.parsed()``)."""

    id: uuid.UUID = Field(alias="pk")
    key: str = Field(alias="parsed.key")
    version: int = Field(alias="parsed.version")
    name: str = Field(alias="parsed.name_da")
    source: str = Field(alias="parsed.source")
    min_items: int = Field(alias="parsed.min_items")
    not_relevant_code: str
    items: list[ItemOut] = Field(alias="parsed.items")

    @staticmethod
    def resolve_not_relevant_code(row: Instrument) -> str:
        return logic.NOT_RELEVANT


# --------------------------------------------------------------------------------------------
# Waves
# --------------------------------------------------------------------------------------------


class WaveOut(Schema):
    """A wave with its scope ids and counts (``selectors.WaveFacts``)."""

    id: uuid.UUID = Field(alias="wave.pk")
    name: str = Field(alias="wave.name")
    status: str = Field(alias="wave.status")
    scope_kind: str = Field(alias="wave.scope_kind")
    initiative_id: uuid.UUID | None = Field(alias="wave.initiative_id")
    organisation_ids: list[uuid.UUID]
    unit_ids: list[uuid.UUID]
    period_start: date = Field(alias="wave.period_start")
    period_end: date = Field(alias="wave.period_end")
    answer_by: date = Field(alias="wave.answer_by")
    instrument_id: uuid.UUID = Field(alias="wave.instrument_id")
    min_respondents: int = Field(alias="wave.min_respondents")
    include_citizen_side: bool = Field(alias="wave.include_citizen_side")
    previous_id: uuid.UUID | None = Field(alias="wave.previous_id")
    invited: int
    submitted: int


class InvitationOut(Schema):
    wave_id: uuid.UUID = Field(alias="wave.pk")
    name: str = Field(alias="wave.name")
    status: str = Field(alias="wave.status")
    answer_by: date = Field(alias="wave.answer_by")
    workgroup: str = Field(alias="workgroup.slug")
    submitted: bool
    has_draft: bool


class WavesOut(Schema):
    managed: list[WaveOut]
    invitations: list[InvitationOut]


class GroupCountOut(Schema):
    workgroup: str = Field(alias="group.slug")
    invited: int
    submitted: int


class WaveParticipantOut(Schema):
    id: uuid.UUID
    name: str
    workgroup: str = Field(alias="group.slug")
    added: bool


class WaveDetailOut(Schema):
    wave: WaveOut
    rated_workgroups: list[str]
    response_counts: list[GroupCountOut] = Field(alias="counts")
    participants: list[WaveParticipantOut]
    has_results: bool

    @staticmethod
    def resolve_wave(d: selectors.WaveDetail) -> selectors.WaveFacts:
        return selectors.wave_facts(d.wave)

    @staticmethod
    def resolve_rated_workgroups(d: selectors.WaveDetail) -> list[str]:
        return [g.slug for g in d.rated]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _round(value: float | None, places: int = 2) -> float | None:
    return round(value, places) if value is not None else None


class NetworkCellOut(Schema):
    """A ``selectors.Shown`` figure, rounded to two decimals."""

    key: str
    n: int | None
    mean: float | None
    sd: float | None
    band: str
    hidden: str

    @staticmethod
    def resolve_mean(c: selectors.Shown) -> float | None:
        return _round(c.mean)

    @staticmethod
    def resolve_sd(c: selectors.Shown) -> float | None:
        return _round(c.sd)


class ChangeOut(Schema):
    """A ``selectors.ChangeRow``: the change since the previous wave with its 95 % interval."""

    key: str
    label: str
    before: float
    after: float
    change: float
    low: float
    high: float
    clear: bool = Field(alias="change.clear")

    @staticmethod
    def resolve_before(c: selectors.ChangeRow) -> float:
        return round(c.before, 2)

    @staticmethod
    def resolve_after(c: selectors.ChangeRow) -> float:
        return round(c.after, 2)

    @staticmethod
    def resolve_change(c: selectors.ChangeRow) -> float:
        return round(c.change.diff, 2)

    @staticmethod
    def resolve_low(c: selectors.ChangeRow) -> float:
        return round(c.change.low, 2)

    @staticmethod
    def resolve_high(c: selectors.ChangeRow) -> float:
        return round(c.change.high, 2)


class ResultsOut(Schema):
    wave_id: uuid.UUID = Field(alias="wave.pk")
    threshold: int
    bands: dict[str, float]
    suppression: str
    dimension: str
    dimensions: dict[str, str]
    workgroups: dict[str, str]
    sources: list[str]
    targets: list[str]
    invited: dict[str, int]
    submitted: dict[str, int]
    cells: list[NetworkCellOut]
    previous_id: uuid.UUID | None
    changes: list[ChangeOut]

    @staticmethod
    def resolve_bands(r: selectors.Results) -> dict[str, float]:
        return {"weak_below": r.bands.weak_below, "strong_from": r.bands.strong_from}

    @staticmethod
    def resolve_suppression(r: selectors.Results) -> str:
        return (
            f"Tal, der bygger på færre end {r.threshold} svar, er skjult (hidden: primary); "
            "hidden: secondary er skjult, så et skjult tal ikke kan regnes ud fra en total."
        )

    @staticmethod
    def resolve_dimensions(r: selectors.Results) -> dict[str, str]:
        return {d: str(DIMENSION_LABELS.get(d, d)) for d in r.dimensions}

    @staticmethod
    def resolve_workgroups(r: selectors.Results) -> dict[str, str]:
        return {s: r.name(s) for s in r.targets}

    @staticmethod
    def resolve_cells(r: selectors.Results) -> list[selectors.Shown]:
        """Every cell in key order; with a ``dimension``, only that dimension's."""
        return [
            c
            for key, c in sorted(r.cells.items())
            if not r.dimension or key.split("|")[0] == r.dimension
        ]

    @staticmethod
    def resolve_previous_id(r: selectors.Results) -> Any:
        return r.previous.pk if r.previous else None

    @staticmethod
    def resolve_changes(r: selectors.Results) -> list[selectors.ChangeRow]:
        return list(r.all_changes.values())


# --------------------------------------------------------------------------------------------
# The structural network and RC beside timeliness
# --------------------------------------------------------------------------------------------


class PairOut(Schema):
    a: str
    b: str
    shared_courses: str = Field(alias="courses.shown")
    handovers_a_to_b: str = Field(alias="handovers_ab.shown")
    hours_to_acknowledgement_a_to_b: float | None = Field(alias="hours_ab")
    handovers_b_to_a: str = Field(alias="handovers_ba.shown")
    hours_to_acknowledgement_b_to_a: float | None = Field(alias="hours_ba")
    meetings_together: str = Field(alias="meetings.shown")


class SpannerOut(Schema):
    label: str
    workgroup: str = Field(alias="group")
    workgroups_reached: list[str] = Field(alias="reached")
    courses: str = Field(alias="courses.shown")


class GroupStructureOut(Schema):
    workgroup: str
    courses: str
    people: int


class StructureOut(Schema):
    wave_id: uuid.UUID = Field(alias="wave.pk")
    courses: str = Field(alias="courses.shown")
    unclassified_team_members: int = Field(alias="unknown")
    workgroups: list[GroupStructureOut]
    pairs: list[PairOut]
    boundary_spanners: list[SpannerOut] = Field(alias="spanners")

    @staticmethod
    def resolve_workgroups(s: selectors.Structure) -> list[dict[str, Any]]:
        return [
            {"workgroup": slug, "courses": c.shown, "people": people}
            for slug, _name, c, people in s.groups
        ]


class FlowPairOut(Schema):
    a: str
    b: str
    a_about_b: NetworkCellOut = Field(alias="ab")
    b_about_a: NetworkCellOut = Field(alias="ba")
    shared_courses: str = Field(alias="courses.shown")
    handovers_a_to_b: str = Field(alias="handovers_ab.shown")
    hours_to_acknowledgement_a_to_b: float | None = Field(alias="hours_ab")
    handovers_b_to_a: str = Field(alias="handovers_ba.shown")
    hours_to_acknowledgement_b_to_a: float | None = Field(alias="hours_ba")
    figures: dict[str, str]

    @staticmethod
    def resolve_figures(row: selectors.FlowRow) -> dict[str, str]:
        return {c.key: c.shown for c in row.figures}


class FlowOut(Schema):
    wave_id: uuid.UUID = Field(alias="wave.pk")
    caution: str
    courses: str = Field(alias="courses.shown")
    overall: dict[str, str]
    pairs: list[FlowPairOut] = Field(alias="rows")
    spearman: dict[str, float | None]

    @staticmethod
    def resolve_caution(f: selectors.Flow) -> str:
        return "Sammenhæng, ikke årsag: at to tal følges ad, siger ikke, hvad der er årsagen."

    @staticmethod
    def resolve_overall(f: selectors.Flow) -> dict[str, str]:
        return {c.key: c.shown for c in f.overall}

    @staticmethod
    def resolve_spearman(f: selectors.Flow) -> dict[str, float | None]:
        return {m.key: _round(rho, 3) for m, rho, _n in f.correlations}


# --------------------------------------------------------------------------------------------
# Answering and deciding workgroups
# --------------------------------------------------------------------------------------------


class DraftOut(Schema):
    """A participant's own invitation and unsubmitted draft (``selectors.AnswerState``)."""

    wave_id: uuid.UUID = Field(alias="wave.pk")
    status: str = Field(alias="wave.status")
    workgroup: str = Field(alias="own.slug")
    workgroups: list[str]
    submitted: bool = Field(alias="done")
    others: dict[str, dict[str, str]]
    within: dict[str, str] | None

    @staticmethod
    def resolve_workgroups(s: selectors.AnswerState) -> list[str]:
        return [g.slug for g in s.groups]

    @staticmethod
    def resolve_others(s: selectors.AnswerState) -> dict[str, dict[str, str]]:
        return s.others if not s.done else {}

    @staticmethod
    def resolve_within(s: selectors.AnswerState) -> dict[str, str] | None:
        return s.within if not s.done else None


class PendingOut(Schema):
    signature: str
    role: str
    organisation: str
    unit: str
    welfare_area: str
    team_members: int = Field(alias="members")
    workgroup: str | None = Field(alias="current")


class DecidedOut(Schema):
    team_members: int
