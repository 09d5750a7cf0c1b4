"""Reads of the registry: initiatives with everything the apparatus needs, their evaluation
(four conditions + category as of a date) and the aggregate views (the 3×3 matrix, the
distribution of variation parameters within each category), and the plain rows the export and
``helhed registry list`` write.

The registry holds no personal data, so any logged-in user may read it; no access log is written.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from helhed.registry import logic
from helhed.registry.formats import filters as filter_format
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.formats.filters import FINANCING_CATEGORIES, WITHIN_VALUES, Filters
from helhed.registry.models import (
    CollaborationModel,
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
    Phase,
    TriState,
)

TRI = {TriState.YES: True, TriState.NO: False, TriState.UNKNOWN: None}


@dataclass(frozen=True)
class Evaluation:
    """Everything the product says about one initiative's place in VIVE's apparatus."""

    as_of: date
    computed: logic.CategoryResult
    conditions: tuple[logic.ConditionResult, ...]
    verdict: logic.DefinitionVerdict
    category: int | None  # the effective category
    basis: str  # "override", "computed", "vive" or "none"
    basis_text: str
    alternative: int | None
    issues: tuple[logic.ValidationIssue, ...]

    @property
    def within_definition(self) -> bool | None:
        return self.verdict.within


def initiatives() -> QuerySet[Initiative]:
    """All initiatives with actors, funding and fagområder prefetched (constant query count)."""
    return Initiative.objects.prefetch_related(
        Prefetch("actors", queryset=InitiativeActor.objects.select_related("org_type")),
        Prefetch("funding_sources", queryset=FundingSource.objects.select_related("org_type")),
        Prefetch(
            "initiativewelfarearea_set",
            queryset=InitiativeWelfareArea.objects.select_related("welfare_area"),
        ),
    )


def get_initiative(initiative_id: uuid.UUID | str) -> Initiative | None:
    return initiatives().filter(pk=initiative_id).first()


NOT_FOUND = "Indsatsen findes ikke."


def initiative(initiative_id: uuid.UUID | str) -> Initiative:
    """The initiative with everything prefetched, or ``Http404`` (the API's 404 problem and the
    pages' 404 page)."""
    found = get_initiative(initiative_id)
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def actor_rows(initiative: Initiative) -> list[ActorRow]:
    """The stored actors as plain rows (in their order), details included."""
    return [
        ActorRow(
            a.name,
            logic.OrgType(a.org_type_id),
            logic.ActorRole(a.role),
            units=a.units,
            professions=a.professions,
            note=a.note,
            organisation_id=a.organisation_id,
        )
        for a in initiative.actors.all()
    ]


def funding_rows(initiative: Initiative) -> list[FundingRow]:
    """The stored funding sources as plain rows, notes included."""
    return [
        FundingRow(
            f.funder,
            logic.OrgType(f.org_type_id),
            f.inside,
            f.amount,
            f.period_start,
            f.period_end,
            f.counts_for_classification,
            f.note,
        )
        for f in initiative.funding_sources.all()
    ]


def logic_actors(initiative: Initiative) -> list[logic.Actor]:
    return [
        logic.Actor(a.name, logic.OrgType(a.org_type_id), logic.ActorRole(a.role))
        for a in initiative.actors.all()
    ]


def logic_funding(
    initiative: Initiative, *, classification_only: bool = True
) -> list[logic.FundingSource]:
    return [
        logic.FundingSource(
            funder=f.funder,
            org_type=logic.OrgType(f.org_type_id),
            inside=f.inside,
            amount=Decimal(f.amount) if f.amount is not None else None,
            start=f.period_start,
            end=f.period_end,
        )
        for f in initiative.funding_sources.all()
        if f.counts_for_classification or not classification_only
    ]


def area_slugs(initiative: Initiative) -> list[str]:
    """In the order they were entered (PostgreSQL returns unordered rows in heap order, which
    changes as other rows come and go)."""
    links = sorted(initiative.initiativewelfarearea_set.all(), key=lambda link: link.pk)
    return [link.welfare_area_id for link in links]


def evaluate_values(
    *,
    actors: Sequence[logic.Actor],
    funding: Sequence[logic.FundingSource],
    as_of: date,
    area_count: int | None,
    welfare_area: bool | None,
    public_actor: bool | None,
    cross_area_coordination: bool | None,
    coordinating_function: bool | None,
    override: int | None = None,
    override_text: str = "",
    vive_category: int | None = None,
    alternative: int | None = None,
) -> Evaluation:
    """The evaluation from plain values: used for stored initiatives (``evaluate``) and for the
    unsaved form in the live preview, so the two can never disagree.

    The effective category is, in order: a manual override (with its reason), the category
    computed from actors × financing, or VIVE's published placement."""
    computed = logic.categorize(actors, funding, as_of)
    public = logic.public_actor_involved(actors) if actors else public_actor
    conditions = tuple(
        logic.check_conditions(
            welfare_area=welfare_area,
            public_actor_involved=public,
            fagomraader_count=area_count,
            cross_area_coordination=cross_area_coordination,
            coordinating_function=coordinating_function,
        )
    )
    verdict = logic.within_definition(conditions)
    if override is not None:
        category, basis = override, "override"
        basis_text = f"Manuel kategori {override}{override_text}"
    elif computed.category is not None:
        category, basis, basis_text = computed.category, "computed", computed.explanation
    elif vive_category is not None:
        category, basis = vive_category, "vive"
        basis_text = (
            f"VIVE's placering (kategori {vive_category}). Aktører og finansiering er ikke "
            "registreret, så kategorien kan ikke beregnes. " + computed.explanation
        )
    else:
        category, basis, basis_text = None, "none", computed.explanation
    return Evaluation(
        as_of=as_of,
        computed=computed,
        conditions=conditions,
        verdict=verdict,
        category=category,
        basis=basis,
        basis_text=basis_text,
        alternative=alternative,
        issues=computed.issues,
    )


def evaluate(initiative: Initiative, as_of: date | None = None) -> Evaluation:
    """Conditions and category of a stored initiative on ``as_of`` (default: its classification
    date, else today)."""
    areas = area_slugs(initiative)
    override_text = ""
    if initiative.category_override is not None:
        source = initiative.get_override_source_display() or "kilde"
        override_text = f" ({source}): {initiative.override_reason}"
    return evaluate_values(
        actors=logic_actors(initiative),
        funding=logic_funding(initiative),
        as_of=as_of or initiative.classification_date or timezone.localdate(),
        area_count=len(areas) if areas else initiative.policy_area_count,
        welfare_area=TRI[TriState(initiative.cond_welfare_area)],
        public_actor=TRI[TriState(initiative.cond_public_actor)],
        cross_area_coordination=TRI[TriState(initiative.cond_cross_area_coordination)],
        coordinating_function=TRI[TriState(initiative.cond_coordinating_function)],
        override=initiative.category_override,
        override_text=override_text,
        vive_category=initiative.vive_category,
        alternative=initiative.alternative_category,
    )


class Evaluated(NamedTuple):
    """An initiative with its evaluation on a date: a row of the list, the detail, the export.

    Unpacks as ``initiative, evaluation``; any other attribute reads through to the initiative
    (``row.name``), so the API's schemas (``registry.schemas``) serialise it as they would the
    initiative, with the evaluation beside it."""

    initiative: Initiative
    evaluation: Evaluation

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.initiative, name)


def evaluated(initiative_id: uuid.UUID | str, as_of: date | None = None) -> Evaluated:
    """One initiative with its evaluation as of ``as_of``; ``Http404`` if there is none."""
    found = initiative(initiative_id)
    return Evaluated(found, evaluate(found, as_of))


FILTER_CHOICES: dict[str, tuple[str, ...]] = {
    "phase": tuple(Phase.values),
    "collaboration_model": tuple(CollaborationModel.values),
}


def filters_from_params(params: Mapping[str, Any]) -> tuple[Filters, date | None]:
    """The list's filters from query parameters (the export, the API); ``FilterError`` names a
    parameter with an invalid value."""
    return filter_format.filters_from_params(params, FILTER_CHOICES)


def _filtered(filters: Filters) -> QuerySet[Initiative]:
    """The filters that run in SQL."""
    qs = initiatives()
    if filters.query:
        qs = qs.filter(
            Q(name__icontains=filters.query)
            | Q(description__icontains=filters.query)
            | Q(location__icontains=filters.query)
        )
    if filters.welfare_area:
        qs = qs.filter(welfare_areas__slug=filters.welfare_area)
    if filters.location:
        qs = qs.filter(location__icontains=filters.location)
    if filters.actor_type:
        # An actor *in* the initiative: context actors do not count (VIVE L581).
        qs = qs.filter(
            actors__org_type_id=filters.actor_type, actors__role__in=["primary", "participating"]
        )
    if filters.target_group:
        qs = qs.filter(
            Q(target_group__icontains=filters.target_group)
            | Q(objective_criteria__icontains=filters.target_group)
            | Q(description__icontains=filters.target_group)
        )
    if filters.phase:
        qs = qs.filter(phase=filters.phase)
    if filters.collaboration_model:
        qs = qs.filter(collaboration_model=filters.collaboration_model)
    return qs.distinct()


def search(filters: Filters, as_of: date | None = None) -> list[Evaluated]:
    """Initiatives matching the filters, each with its evaluation.

    Text and structural filters run in SQL; category and financing filter on the *effective*
    category, which is computed, so they run on the evaluated rows (the registry is hundreds of
    rows, not millions).
    """
    rows = [Evaluated(i, evaluate(i, as_of)) for i in _filtered(filters)]
    if filters.category is not None:
        rows = [row for row in rows if row.evaluation.category == filters.category]
    if filters.financing:
        wanted = FINANCING_CATEGORIES[filters.financing]
        rows = [row for row in rows if row.evaluation.category in wanted]
    if filters.within_definition:
        target = WITHIN_VALUES[filters.within_definition]
        rows = [row for row in rows if row.evaluation.within_definition is target]
    return rows


@dataclass(frozen=True)
class MatrixCell:
    category: int
    actor_axis: logic.ActorAxis
    financing_axis: logic.FinancingAxis
    initiatives: tuple[Initiative, ...]

    @property
    def count(self) -> int:
        return len(self.initiatives)


def matrix(rows: Iterable[tuple[Initiative, Evaluation]]) -> dict[int, MatrixCell]:
    """The nine-field matrix (Tabel 2.3/2.5) from the effective categories of ``rows``."""
    by_category: dict[int, list[Initiative]] = defaultdict(list)
    for initiative, evaluation in rows:
        if evaluation.category is not None:
            by_category[evaluation.category].append(initiative)
    cells = {}
    for category in range(1, 10):
        actor_axis, financing_axis = logic.axes_for_category(category)
        cells[category] = MatrixCell(
            category, actor_axis, financing_axis, tuple(by_category.get(category, ()))
        )
    return cells


def matrix_text(cells: dict[int, MatrixCell]) -> str:
    """The 3×3 counts as a text table (rows: financing, columns: actors), as in Tabel 2.3."""
    header = f"{'':<12}{'Kommune':>10}{'Kommune+':>10}{'Andre':>10}{'I alt':>10}"
    lines = [header]
    names = {"intern": "Intern", "kombineret": "Kombineret", "ekstern": "Ekstern"}
    total = 0
    for row, axis in enumerate(("intern", "kombineret", "ekstern")):
        counts = [cells[row * 3 + col + 1].count for col in range(3)]
        total += sum(counts)
        lines.append(
            f"{names[axis]:<12}" + "".join(f"{n:>10}" for n in counts) + f"{sum(counts):>10}"
        )
    lines.append(f"{'I alt':<12}{'':>30}{total:>10}")
    return "\n".join(lines)


# Variation parameters shown in the distribution view: (field, Danish label).
DISTRIBUTION_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("target_unit", "Målgruppe: enkeltborgere eller familier"),
    ("complexity", "Målgruppe: kompleksitet"),
    ("actor_types", "Aktører: typer af aktører i indsatsen"),
    ("welfare_area_count", "Fagområder: antal"),
    ("welfare_areas", "Fagområder"),
    ("time_perspective", "Tidsperspektiv"),
    ("phase", "Modenhed: fase"),
    ("evidence_level", "Modenhed: evidensniveau"),
    ("standardisation", "Modenhed: standardiseret eller håndholdt"),
    ("process_formalisation", "Formalisering af samarbejdet"),
    ("decision_level", "Beslutningsniveau"),
    ("interdisciplinarity", "Tværfaglighed"),
    ("collaboration_model", "Samarbejdets karakter"),
    ("funding_source_count", "Finansiering: antal kilder"),
)


def _values(initiative: Initiative, parameter: str) -> list[str]:
    if parameter == "actor_types":
        types = sorted({a.org_type.name_da for a in initiative.actors.all() if a.role != "context"})
        return types or ["Ukendt"]
    if parameter == "welfare_areas":
        names = [link.welfare_area.name_da for link in initiative.initiativewelfarearea_set.all()]
        return names or ["Ukendt"]
    if parameter == "welfare_area_count":
        n = len(initiative.initiativewelfarearea_set.all())
        return [str(n) if n else "Ukendt"]
    if parameter == "funding_source_count":
        n = len(initiative.funding_sources.all())
        return [str(n) if n else "Ukendt"]
    value = getattr(initiative, parameter)
    display = getattr(initiative, f"get_{parameter}_display", None)
    return [str(display() if display is not None else value)]


def distribution(
    rows: Sequence[tuple[Initiative, Evaluation]],
) -> dict[str, dict[int, Counter[str]]]:
    """For each variation parameter, per category 1-9, how many initiatives have each value.

    A multi-valued parameter (actor types, fagområder) counts an initiative once per value.
    """
    result: dict[str, dict[int, Counter[str]]] = {
        parameter: {c: Counter() for c in range(1, 10)} for parameter, _ in DISTRIBUTION_PARAMETERS
    }
    for initiative, evaluation in rows:
        if evaluation.category is None:
            continue
        for parameter, _label in DISTRIBUTION_PARAMETERS:
            for value in _values(initiative, parameter):
                result[parameter][evaluation.category][value] += 1
    return result


def export_rows(rows: Iterable[tuple[Initiative, Evaluation]]) -> list[dict[str, Any]]:
    """One dict per initiative: the columns of the CSV/XLSX export and ``registry list``, with
    actors and funding as plain rows (``formats.sheet.export_records`` writes them as cells)."""
    out = []
    for initiative, evaluation in rows:
        out.append(
            {
                "id": str(initiative.id),
                "name": initiative.name,
                "location": initiative.location,
                "category": evaluation.category,
                "category_basis": evaluation.basis,
                "computed_category": evaluation.computed.category,
                "vive_category": initiative.vive_category,
                "alternative_category": initiative.alternative_category,
                "within_definition": evaluation.within_definition,
                "umbrella": initiative.umbrella,
                "welfare_areas": ";".join(area_slugs(initiative)),
                "target_group": initiative.target_group,
                "time_perspective": initiative.time_perspective,
                "phase": initiative.phase,
                "collaboration_model": initiative.collaboration_model,
                "description": initiative.description,
                "source": initiative.source,
                "actors": actor_rows(initiative),
                "funding": funding_rows(initiative),
                "category_override": initiative.category_override,
                "override_reason": initiative.override_reason,
                "override_source": initiative.override_source,
            }
        )
    return out
