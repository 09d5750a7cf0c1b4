"""API of the coordination app (mounted at /api/coordination by helhed.api).

The same rules as the pages: reads through ``selectors`` (managers of a wave, or the participant
themself), writes through ``services``; ninja serialises what they return through ``schemas``.
Results are the suppressed figures stored when the wave closed — a hidden cell has ``hidden``
("primary": fewer than the threshold; "secondary": hidden so that a total cannot reveal another)
and no value. No endpoint returns an individual's answers other than the caller's own
unsubmitted draft. Errors are problem bodies from ``helhed.api``'s handlers: 403 for no access
(also for an id that does not exist), 422 with field-level errors named as the request names
them (an answer's ``loc`` is ``["body", "others", <workgroup>, <item>]``:
``services.AnswerError``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from helhed.coordination import selectors, services
from helhed.coordination.schemas import (
    DecidedOut,
    DecideIn,
    DraftOut,
    FlowOut,
    InstrumentOut,
    ParticipantIn,
    ParticipantPatch,
    PendingOut,
    ResultsOut,
    Str40,
    StructureOut,
    SubmitIn,
    WaveAnswersIn,
    WaveDetailOut,
    WaveIn,
    WaveOut,
    WaveParticipantOut,
    WavesOut,
    WorkgroupOut,
)
from helhed.core.apikit import user_of

router = Router(tags=["coordination"])


@router.get("/workgroups", response=list[WorkgroupOut])
def workgroup_list(request: HttpRequest) -> Any:
    """The maintained list of workgroups (respondents rate workgroups, not people)."""
    return selectors.workgroups(active=False)


@router.get("/instruments", response=list[InstrumentOut])
def instrument_list(request: HttpRequest) -> Any:
    """The item sets a wave can use, with each item's dimension and the recoding of every
    answer to a 1-5 score ("na" is "Ikke relevant" and scores nothing)."""
    return selectors.instruments()


@router.get("/waves", response=WavesOut)
def wave_list(request: HttpRequest) -> Any:
    """The waves the caller manages and the ones they are invited to answer."""
    o = selectors.overview(user_of(request))
    return {
        "managed": [selectors.wave_facts(r.wave) for r in o.managed],
        "invitations": o.invitations,
    }


@router.post("/waves", response={201: WaveOut})
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
    return Status(201, selectors.wave_facts(wave))


@router.get("/waves/{wave_id}", response=WaveDetailOut)
def wave_get(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """One wave for a manager: response counts per workgroup (never who answered) and, until
    it closes, who is invited."""
    return selectors.wave_detail(user_of(request), wave_id)


@router.post("/waves/{wave_id}/participants", response={201: WaveParticipantOut})
def participant_add(request: HttpRequest, wave_id: uuid.UUID, body: ParticipantIn) -> Any:
    p = services.add_participant(
        actor=user_of(request), wave_id=wave_id, user_id=body.user_id, workgroup=body.workgroup
    )
    return Status(201, selectors.participant_row(p))


@router.patch("/waves/{wave_id}/participants/{participation_id}", response=WaveParticipantOut)
def participant_change(
    request: HttpRequest, wave_id: uuid.UUID, participation_id: uuid.UUID, body: ParticipantPatch
) -> Any:
    p = services.change_participant_workgroup(
        actor=user_of(request),
        wave_id=wave_id,
        participation_id=participation_id,
        workgroup=body.workgroup,
    )
    return selectors.participant_row(p)


@router.delete("/waves/{wave_id}/participants/{participation_id}", response={204: None})
def participant_remove(
    request: HttpRequest, wave_id: uuid.UUID, participation_id: uuid.UUID
) -> Any:
    services.remove_participant(
        actor=user_of(request), wave_id=wave_id, participation_id=participation_id
    )
    return Status(204, None)


@router.post("/waves/{wave_id}/open", response=WaveOut)
def wave_open(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    return selectors.wave_facts(services.open_wave(actor=user_of(request), wave_id=wave_id))


@router.post("/waves/{wave_id}/close", response=WaveOut)
def wave_close(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """Close for answers and compute the results (final)."""
    return selectors.wave_facts(services.close_wave(actor=user_of(request), wave_id=wave_id))


@router.get("/waves/{wave_id}/results", response=ResultsOut)
def wave_results(request: HttpRequest, wave_id: uuid.UUID, dimension: Str40 = "") -> Any:
    """A closed wave's suppressed figures: ``tie|A|B`` (A's respondents about B; A|A is within
    the group), ``given|A``, ``received|B``, ``between``, ``within``, ``communication``,
    ``relationship``, and per dimension with the dimension as prefix. With ``dimension``, only
    that dimension's cells."""
    return selectors.results(user_of(request), wave_id, dimension)


@router.get("/waves/{wave_id}/network", response=StructureOut)
def wave_network(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """The structural network from Helhed's own data (counts under 5 as "<5")."""
    return selectors.structure(user_of(request), wave_id)


@router.get("/waves/{wave_id}/flow", response=FlowOut)
def wave_flow(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """RC beside the timeliness figures per pair of workgroups (association, not cause)."""
    return selectors.flow(user_of(request), wave_id)


@router.get("/waves/{wave_id}/answers", response=DraftOut)
def answers_get(request: HttpRequest, wave_id: uuid.UUID) -> Any:
    """The caller's own invitation and unsubmitted draft (nobody else's)."""
    return selectors.answer_state(user_of(request), wave_id)


@router.put("/waves/{wave_id}/answers", response=DraftOut)
def answers_save(request: HttpRequest, wave_id: uuid.UUID, body: WaveAnswersIn) -> Any:
    """Save a draft (unanswered items allowed, wrong values and one's own group as "another"
    not)."""
    user = user_of(request)
    services.save_draft(actor=user, wave_id=wave_id, others=body.others, within=body.within)
    return selectors.answer_state(user, wave_id)


@router.post("/waves/{wave_id}/answers/submit", response={204: None})
def answers_submit(request: HttpRequest, wave_id: uuid.UUID, body: SubmitIn | None = None) -> Any:
    """Submit once — the given answers, or the saved draft when the body is empty."""
    others = body.others if body is not None else None
    within = body.within if body is not None else None
    services.submit(actor=user_of(request), wave_id=wave_id, others=others, within=within)
    return Status(204, None)


@router.get("/classification", response=list[PendingOut])
def classification_list(request: HttpRequest, decided: bool = False) -> Any:
    """Role texts whose workgroup the rules could not tell (or, with ``decided``, those a person
    decided) in the caller's organisations."""
    return selectors.classification(user_of(request), decided=decided)


@router.post("/classification", response=DecidedOut)
def classification_decide(request: HttpRequest, body: DecideIn) -> Any:
    n = services.decide_workgroup(
        actor=user_of(request), signature=body.signature, workgroup=body.workgroup
    )
    return {"team_members": n}
