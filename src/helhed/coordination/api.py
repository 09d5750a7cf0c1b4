"""API of the coordination app (mounted at /api/coordination by helhed.api).

The same rules as the pages: reads through ``selectors`` (managers of a wave, or the participant
themself), writes through ``services``. Results are the suppressed figures stored when the wave
closed — a hidden cell has ``hidden`` ("primary": fewer than the threshold; "secondary": hidden
so that a total cannot reveal another) and no value. No endpoint returns an individual's
answers other than the caller's own unsubmitted draft. Errors are problem bodies: 403 for no
access (also for an id that does not exist), 422 with field-level errors (an answer's
``loc`` is ``["body", "others", <workgroup>, <item>]``).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import StringConstraints

from helhed.coordination import logic, selectors, services
from helhed.coordination.labels import DIMENSION_LABELS
from helhed.coordination.models import Wave
from helhed.core.apikit import Day, NoNul, Str20, Str200, Str300, user_of

router = Router(tags=["coordination"])

Str40 = Annotated[str, StringConstraints(max_length=40), NoNul]

NO_ACCESS = "Du har ikke adgang til denne måling."
RENAME = {
    "organisations": "organisation_ids",
    "initiative": "initiative_id",
    "units": "unit_ids",
    "instrument": "instrument_id",
    "previous": "previous_id",
    "user": "user_id",
}


def _loc(key: str) -> list[str]:
    if key == NON_FIELD_ERRORS:
        return ["body"]
    if key == "others" or key == "groups":
        return ["body", "others"]
    if "." in key:
        group, item = key.split(".", 1)
        return ["body", "others", group, item]
    if key in RENAME or key in {
        "name",
        "scope_kind",
        "period_start",
        "period_end",
        "answer_by",
        "min_respondents",
        "workgroup",
        "participants",
        "status",
        "participation",
        "slug",
        "name_da",
        "kind",
        "order",
    }:
        return ["body", RENAME.get(key, key)]
    return ["body", "others", key]  # a workgroup as a whole


def _errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if not hasattr(exc, "error_dict"):
        return [{"loc": ["body"], "msg": m, "type": "value_error"} for m in exc.messages]
    return [
        {"loc": _loc(key), "msg": m, "type": "value_error"}
        for key, messages in exc.message_dict.items()
        for m in messages
    ]


def _problems(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PermissionDenied as exc:
            raise HttpError(403, str(exc) or NO_ACCESS) from None
        except DjangoValidationError as exc:
            raise ValidationError(_errors(exc)) from None

    return wrapper


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class WorkgroupOut(Schema):
    slug: str
    name: str
    name_en: str
    kind: str
    active: bool


class OptionOut(Schema):
    code: str
    label: str
    score: int


class ItemOut(Schema):
    key: str
    dimension: str
    text: str
    options: list[OptionOut]


class InstrumentOut(Schema):
    id: uuid.UUID
    key: str
    version: int
    name: str
    source: str
    min_items: int
    not_relevant_code: str
    items: list[ItemOut]


class WaveOut(Schema):
    id: uuid.UUID
    name: str
    status: str
    scope_kind: str
    initiative_id: uuid.UUID | None
    organisation_ids: list[uuid.UUID]
    unit_ids: list[uuid.UUID]
    period_start: date
    period_end: date
    answer_by: date
    instrument_id: uuid.UUID
    min_respondents: int
    include_citizen_side: bool
    previous_id: uuid.UUID | None
    invited: int
    submitted: int


class InvitationOut(Schema):
    wave_id: uuid.UUID
    name: str
    status: str
    answer_by: date
    workgroup: str
    submitted: bool
    has_draft: bool


class WavesOut(Schema):
    managed: list[WaveOut]
    invitations: list[InvitationOut]


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


class GroupCountOut(Schema):
    workgroup: str
    invited: int
    submitted: int


class ParticipantOut(Schema):
    id: uuid.UUID
    name: str
    workgroup: str
    added: bool


class WaveDetailOut(Schema):
    wave: WaveOut
    rated_workgroups: list[str]
    response_counts: list[GroupCountOut]
    participants: list[ParticipantOut]
    has_results: bool


class ParticipantIn(Schema):
    user_id: uuid.UUID
    workgroup: Str40


class ParticipantPatch(Schema):
    workgroup: Str40


class CellOut(Schema):
    key: str
    n: int | None
    mean: float | None
    sd: float | None
    band: str
    hidden: str


class ChangeOut(Schema):
    key: str
    label: str
    before: float
    after: float
    change: float
    low: float
    high: float
    clear: bool


class ResultsOut(Schema):
    wave_id: uuid.UUID
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
    cells: list[CellOut]
    previous_id: uuid.UUID | None
    changes: list[ChangeOut]


class AnswersIn(Schema):
    others: dict[Str40, dict[Str40, Str20 | int]] = Field(default_factory=dict, max_length=100)
    within: dict[Str40, Str20 | int] | None = Field(default=None, max_length=100)


class SubmitIn(Schema):
    others: dict[Str40, dict[Str40, Str20 | int]] | None = Field(default=None, max_length=100)
    within: dict[Str40, Str20 | int] | None = Field(default=None, max_length=100)


class DraftOut(Schema):
    wave_id: uuid.UUID
    status: str
    workgroup: str
    workgroups: list[str]
    submitted: bool
    others: dict[str, dict[str, str]]
    within: dict[str, str] | None


class PairOut(Schema):
    a: str
    b: str
    shared_courses: str
    handovers_a_to_b: str
    hours_to_acknowledgement_a_to_b: float | None
    handovers_b_to_a: str
    hours_to_acknowledgement_b_to_a: float | None
    meetings_together: str


class SpannerOut(Schema):
    label: str
    workgroup: str
    workgroups_reached: list[str]
    courses: str


class GroupStructureOut(Schema):
    workgroup: str
    courses: str
    people: int


class StructureOut(Schema):
    wave_id: uuid.UUID
    courses: str
    unclassified_team_members: int
    workgroups: list[GroupStructureOut]
    pairs: list[PairOut]
    boundary_spanners: list[SpannerOut]


class FlowPairOut(Schema):
    a: str
    b: str
    a_about_b: CellOut
    b_about_a: CellOut
    shared_courses: str
    handovers_a_to_b: str
    hours_to_acknowledgement_a_to_b: float | None
    handovers_b_to_a: str
    hours_to_acknowledgement_b_to_a: float | None
    figures: dict[str, str]


class FlowOut(Schema):
    wave_id: uuid.UUID
    caution: str
    courses: str
    overall: dict[str, str]
    pairs: list[FlowPairOut]
    spearman: dict[str, float | None]


class PendingOut(Schema):
    signature: str
    role: str
    organisation: str
    unit: str
    welfare_area: str
    team_members: int
    workgroup: str | None


class DecideIn(Schema):
    signature: Str300
    workgroup: Str40


class DecidedOut(Schema):
    team_members: int


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _wave_out(
    wave: Wave, invited: int | None = None, submitted: int | None = None
) -> dict[str, Any]:
    facts = selectors.wave_facts(wave)
    return {
        "id": wave.pk,
        "name": wave.name,
        "status": wave.status,
        "scope_kind": wave.scope_kind,
        "initiative_id": wave.initiative_id,
        "organisation_ids": facts.organisation_ids,
        "unit_ids": facts.unit_ids,
        "period_start": wave.period_start,
        "period_end": wave.period_end,
        "answer_by": wave.answer_by,
        "instrument_id": wave.instrument_id,
        "min_respondents": wave.min_respondents,
        "include_citizen_side": wave.include_citizen_side,
        "previous_id": wave.previous_id,
        "invited": facts.invited if invited is None else invited,
        "submitted": facts.submitted if submitted is None else submitted,
    }


def _cell(c: selectors.Shown) -> dict[str, Any]:
    return {
        "key": c.key,
        "n": c.n,
        "mean": round(c.mean, 2) if c.mean is not None else None,
        "sd": round(c.sd, 2) if c.sd is not None else None,
        "band": c.band,
        "hidden": c.hidden,
    }


def _draft(state: selectors.AnswerState) -> dict[str, Any]:
    return {
        "wave_id": state.wave.pk,
        "status": state.wave.status,
        "workgroup": state.own.slug,
        "workgroups": [g.slug for g in state.groups],
        "submitted": state.done,
        "others": state.others if not state.done else {},
        "within": state.within if not state.done else None,
    }


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------


@router.get("/workgroups", response=list[WorkgroupOut])
def workgroup_list(request: HttpRequest) -> Any:
    """The maintained list of workgroups (respondents rate workgroups, not people)."""
    return [
        {
            "slug": g.slug,
            "name": g.name_da,
            "name_en": g.name_en,
            "kind": g.kind,
            "active": g.active,
        }
        for g in selectors.workgroups(active=False)
    ]


@router.get("/instruments", response=list[InstrumentOut])
def instrument_list(request: HttpRequest) -> Any:
    """The item sets a wave can use, with each item's dimension and the recoding of every
    answer to a 1-5 score ("na" is "Ikke relevant" and scores nothing)."""
    out = []
    for row in selectors.instruments():
        i = row.parsed()
        out.append(
            {
                "id": row.pk,
                "key": i.key,
                "version": i.version,
                "name": i.name_da,
                "source": i.source,
                "min_items": i.min_items,
                "not_relevant_code": logic.NOT_RELEVANT,
                "items": [
                    {
                        "key": it.key,
                        "dimension": it.dimension,
                        "text": it.text_da,
                        "options": [
                            {"code": o.code, "label": o.label_da, "score": o.score}
                            for o in it.options
                        ],
                    }
                    for it in i.items
                ],
            }
        )
    return out


@router.get("/waves", response=WavesOut)
@_problems
def wave_list(request: HttpRequest) -> Any:
    """The waves the caller manages and the ones they are invited to answer."""
    user = user_of(request)
    o = selectors.overview(user)
    return {
        "managed": [_wave_out(r.wave, r.invited, r.submitted) for r in o.managed],
        "invitations": [
            {
                "wave_id": i.wave.pk,
                "name": i.wave.name,
                "status": i.wave.status,
                "answer_by": i.wave.answer_by,
                "workgroup": i.workgroup.slug,
                "submitted": i.submitted,
                "has_draft": i.has_draft,
            }
            for i in o.invitations
        ],
    }


@router.post("/waves", response={201: WaveOut})
@_problems
def wave_create(request: HttpRequest, body: WaveIn) -> Any:
    """A new wave (draft) with participants derived from the teams in scope (leder/analytiker
    of every organisation named)."""
    wave = services.create_wave(
        actor=user_of(request),
        name=body.name,
        scope_kind=body.scope_kind,
        organisation_ids=body.organisation_ids,
        initiative_id=body.initiative_id,
        unit_ids=body.unit_ids,
        period_start=body.period_start,
        period_end=body.period_end,
        answer_by=body.answer_by,
        instrument_id=body.instrument_id,
        min_respondents=body.min_respondents,
        include_citizen_side=body.include_citizen_side,
        previous_id=body.previous_id,
    )
    return Status(201, _wave_out(wave))


@router.get("/waves/{wave_id}", response=WaveDetailOut)
@_problems
def wave_get(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """One wave for a manager: response counts per workgroup (never who answered) and, until
    it closes, who is invited."""
    d = selectors.wave_detail(user_of(request), wave_id)
    return {
        "wave": _wave_out(d.wave, d.invited, d.submitted),
        "rated_workgroups": [g.slug for g in d.rated],
        "response_counts": [
            {"workgroup": c.group.slug, "invited": c.invited, "submitted": c.submitted}
            for c in d.counts
        ],
        "participants": [
            {"id": p.id, "name": p.name, "workgroup": p.group.slug, "added": p.added}
            for p in d.participants
        ],
        "has_results": d.has_results,
    }


@router.post("/waves/{wave_id}/participants", response={201: ParticipantOut})
@_problems
def participant_add(request: HttpRequest, wave_id: uuid.UUID, body: ParticipantIn) -> Any:
    p = services.add_participant(
        actor=user_of(request), wave_id=wave_id, user_id=body.user_id, workgroup=body.workgroup
    )
    return Status(
        201,
        {
            "id": p.pk,
            "name": p.user.get_full_name() or p.user.username,
            "workgroup": p.workgroup_id,
            "added": p.added,
        },
    )


@router.patch("/waves/{wave_id}/participants/{participation_id}", response=ParticipantOut)
@_problems
def participant_change(
    request: HttpRequest, wave_id: uuid.UUID, participation_id: uuid.UUID, body: ParticipantPatch
) -> Any:
    p = services.change_participant_workgroup(
        actor=user_of(request),
        wave_id=wave_id,
        participation_id=participation_id,
        workgroup=body.workgroup,
    )
    return {
        "id": p.pk,
        "name": p.user.get_full_name() or p.user.username,
        "workgroup": p.workgroup_id,
        "added": p.added,
    }


@router.delete("/waves/{wave_id}/participants/{participation_id}", response={204: None})
@_problems
def participant_remove(
    request: HttpRequest, wave_id: uuid.UUID, participation_id: uuid.UUID
) -> Any:
    services.remove_participant(
        actor=user_of(request), wave_id=wave_id, participation_id=participation_id
    )
    return Status(204, None)


@router.post("/waves/{wave_id}/open", response=WaveOut)
@_problems
def wave_open(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    return _wave_out(services.open_wave(actor=user_of(request), wave_id=wave_id))


@router.post("/waves/{wave_id}/close", response=WaveOut)
@_problems
def wave_close(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """Close for answers and compute the results (final)."""
    return _wave_out(services.close_wave(actor=user_of(request), wave_id=wave_id))


@router.get("/waves/{wave_id}/results", response=ResultsOut)
@_problems
def wave_results(request: HttpRequest, wave_id: uuid.UUID, dimension: Str40 = "") -> Any:
    """A closed wave's suppressed figures: ``tie|A|B`` (A's respondents about B; A|A is within
    the group), ``given|A``, ``received|B``, ``between``, ``within``, ``communication``,
    ``relationship``, and per dimension with the dimension as prefix. With ``dimension``, only
    that dimension's cells."""
    r = selectors.results(user_of(request), wave_id, dimension)
    cells = [
        c
        for key, c in sorted(r.cells.items())
        if not r.dimension or key.split("|")[0] == r.dimension
    ]
    return {
        "wave_id": r.wave.pk,
        "threshold": r.threshold,
        "bands": {"weak_below": r.bands.weak_below, "strong_from": r.bands.strong_from},
        "suppression": (
            f"Tal, der bygger på færre end {r.threshold} svar, er skjult (hidden: primary); "
            "hidden: secondary er skjult, så et skjult tal ikke kan regnes ud fra en total."
        ),
        "dimension": r.dimension,
        "dimensions": {d: str(DIMENSION_LABELS.get(d, d)) for d in r.dimensions},
        "workgroups": {s: r.name(s) for s in r.targets},
        "sources": r.sources,
        "targets": r.targets,
        "invited": r.invited,
        "submitted": r.submitted,
        "cells": [_cell(c) for c in cells],
        "previous_id": r.previous.pk if r.previous else None,
        "changes": [
            {
                "key": c.key,
                "label": c.label,
                "before": round(c.before, 2),
                "after": round(c.after, 2),
                "change": round(c.change.diff, 2),
                "low": round(c.change.low, 2),
                "high": round(c.change.high, 2),
                "clear": c.change.clear,
            }
            for c in r.all_changes.values()
        ],
    }


@router.get("/waves/{wave_id}/network", response=StructureOut)
@_problems
def wave_network(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """The structural network from Helhed's own data (counts under 5 as "<5")."""
    s = selectors.structure(user_of(request), wave_id)
    return {
        "wave_id": s.wave.pk,
        "courses": s.courses.shown,
        "unclassified_team_members": s.unknown,
        "workgroups": [
            {"workgroup": slug, "courses": c.shown, "people": people}
            for slug, _name, c, people in s.groups
        ],
        "pairs": [
            {
                "a": p.a,
                "b": p.b,
                "shared_courses": p.courses.shown,
                "handovers_a_to_b": p.handovers_ab.shown,
                "hours_to_acknowledgement_a_to_b": p.hours_ab,
                "handovers_b_to_a": p.handovers_ba.shown,
                "hours_to_acknowledgement_b_to_a": p.hours_ba,
                "meetings_together": p.meetings.shown,
            }
            for p in s.pairs
        ],
        "boundary_spanners": [
            {
                "label": sp.label,
                "workgroup": sp.group,
                "workgroups_reached": sp.reached,
                "courses": sp.courses.shown,
            }
            for sp in s.spanners
        ],
    }


@router.get("/waves/{wave_id}/flow", response=FlowOut)
@_problems
def wave_flow(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """RC beside the timeliness figures per pair of workgroups (association, not cause)."""
    f = selectors.flow(user_of(request), wave_id)
    keys = [m.key for m in f.metrics]
    return {
        "wave_id": f.wave.pk,
        "caution": "Sammenhæng, ikke årsag: at to tal følges ad, siger ikke, hvad der er årsagen.",
        "courses": f.courses.shown,
        "overall": {k: c.shown for k, c in zip(keys, f.overall, strict=True)},
        "pairs": [
            {
                "a": row.a,
                "b": row.b,
                "a_about_b": _cell(row.ab),
                "b_about_a": _cell(row.ba),
                "shared_courses": row.courses.shown,
                "handovers_a_to_b": row.handovers_ab.shown,
                "hours_to_acknowledgement_a_to_b": row.hours_ab,
                "handovers_b_to_a": row.handovers_ba.shown,
                "hours_to_acknowledgement_b_to_a": row.hours_ba,
                "figures": {k: c.shown for k, c in zip(keys, row.figures, strict=True)},
            }
            for row in f.rows
        ],
        "spearman": {
            m.key: (round(rho, 3) if rho is not None else None) for m, rho, _n in f.correlations
        },
    }


@router.get("/waves/{wave_id}/answers", response=DraftOut)
@_problems
def answers_get(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """The caller's own invitation and unsubmitted draft (nobody else's)."""
    return _draft(selectors.answer_state(user_of(request), wave_id))


@router.put("/waves/{wave_id}/answers", response=DraftOut)
@_problems
def answers_save(request: HttpRequest, wave_id: uuid.UUID, body: AnswersIn) -> Any:
    """Save a draft (unanswered items allowed, wrong values and one's own group as "another"
    not)."""
    user = user_of(request)
    services.save_draft(actor=user, wave_id=wave_id, others=body.others, within=body.within)
    return _draft(selectors.answer_state(user, wave_id))


@router.post("/waves/{wave_id}/answers/submit", response={204: None})
@_problems
def answers_submit(request: HttpRequest, wave_id: uuid.UUID, body: SubmitIn | None = None) -> Any:
    """Submit once — the given answers, or the saved draft when the body is empty."""
    others = body.others if body is not None else None
    within = body.within if body is not None else None
    services.submit(actor=user_of(request), wave_id=wave_id, others=others, within=within)
    return Status(204, None)


@router.get("/classification", response=list[PendingOut])
@_problems
def classification_list(request: HttpRequest, decided: bool = False) -> Any:
    """Role texts whose workgroup the rules could not tell (or, with ``decided``, those a person
    decided) in the caller's organisations."""
    return [
        {
            "signature": p.signature,
            "role": p.role,
            "organisation": p.organisation,
            "unit": p.unit,
            "welfare_area": p.welfare_area,
            "team_members": p.members,
            "workgroup": p.current,
        }
        for p in selectors.classification(user_of(request), decided=decided)
    ]


@router.post("/classification", response=DecidedOut)
@_problems
def classification_decide(request: HttpRequest, body: DecideIn) -> Any:
    n = services.decide_workgroup(
        actor=user_of(request), signature=body.signature, workgroup=body.workgroup
    )
    return {"team_members": n}
