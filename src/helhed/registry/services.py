"""The registry's write use cases, the only code that changes it: saving and deleting an
initiative, importing a spreadsheet of initiatives, and loading VIVE's dataset.

Each use case takes the acting user first and then keyword-only ids and plain values; it checks
the permission (``PermissionDenied``), validates the whole input before anything is written and
writes in one transaction. A refusal is Django's ``ValidationError`` keyed by the field as the
API names it — ``name``, ``welfare_areas.1``, ``actors.0.role``, ``funding.2.start`` — or a
:class:`DuplicateInitiativeError` (409). The pages, the API, the import page and
``helhed registry import`` are adapters: they parse their input, call a use case, and show its
result or its errors.

The registry holds no personal data, so no access log is written. What is recorded instead is
where each value came from (``provenance``): a value saved by hand is marked "Registreret i
Helhed" with the date, an imported one with the file and row.

``load_vive`` is a deployment step like ``helhed load_reference`` and runs without a user: it is
idempotent (initiatives are matched on a stable source key, name + location, and the 11 in-depth
examples' actors, funding and fagområder are replaced), so running it twice leaves the database
as running it once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils import timezone

from helhed.core.domain import DomainError
from helhed.core.models import Organisation, User
from helhed.registry import logic, selectors
from helhed.registry.formats import vive
from helhed.registry.formats.cells import ActorRow, FundingRow
from helhed.registry.formats.sheet import (
    TEXT_COLUMNS,
    ParsedRow,
    RowError,
    Vocabulary,
    read_sheet,
)
from helhed.registry.formats.values import MAX_NAME_LENGTH, capitalised, welfare_area_slug
from helhed.registry.models import (
    CollaborationModel,
    FundingSource,
    Initiative,
    InitiativeActor,
    InitiativeWelfareArea,
    OverrideSource,
    Phase,
    TimePerspective,
)

CHANGE: Final = "registry.change_initiative"
MAY_NOT_CHANGE: Final = "Kun administratorer og analytikere kan ændre registret."
NAME_REQUIRED: Final = "Navn skal udfyldes."
OVERRIDE_NEEDS_REASON: Final = (
    "En manuel kategori kræver en begrundelse. Skriv hvorfor kategorien afviger fra den beregnede."
)
OVERRIDE_NEEDS_SOURCE: Final = (
    "En manuel kategori kræver en kilde: VIVE's placering (vive), analytikerens vurdering "
    "(analytiker) eller en anden kilde (anden)."
)
REASON_NEEDS_OVERRIDE: Final = (
    "Vælg den manuelle kategori, som begrundelsen og kilden gælder – eller ryd begrundelse og "
    "kilde."
)
NOTE_NEEDS_ALTERNATIVE: Final = "Vælg den alternative kategori, som noten handler om."
NUL: Final = "Teksten indeholder et ugyldigt tegn."
BY_HAND: Final = "Registreret i Helhed"

# Where a funding rule's problem belongs, by its code (logic.validate_funding).
_FUNDING_FIELD: Final = {
    "blank_funder": "funder",
    "missing_start": "start",
    "end_before_start": "end",
    "negative_amount": "amount",
}


def check_may_change(user: User) -> None:
    """Administrators and analysts change the registry; anyone else gets ``PermissionDenied``
    (the pages' 403 page and the API's 403 problem, both with this message)."""
    if not user.has_perm(CHANGE):
        raise PermissionDenied(MAY_NOT_CHANGE)


class DuplicateInitiativeError(DomainError):
    """Another initiative has the same name and place (the import's key for matching rows)."""

    status = 409
    title = "Indsatsen findes allerede"


# --------------------------------------------------------------------------------------------
# Save and delete one initiative
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitiativeValues:
    """An initiative's own fields on VIVE's nine variation parameters (see the model): what a
    save replaces. Omitted fields take the model's defaults.

    The one list of them: the API's ``schemas.InitiativeFields`` is derived from this dataclass
    (a field's ``metadata`` holds the API's constraints), so a new field is added here only."""

    name: str = field(metadata={"max_length": MAX_NAME_LENGTH})
    location: str = ""
    description: str = ""
    umbrella: bool = False
    source: str = ""
    target_group: str = ""
    target_unit: str = "ukendt"
    age_min: int | None = None
    age_max: int | None = None
    objective_criteria: str = ""
    judgement_criteria: str = ""
    course_length: str = "ukendt"
    breadth: str = ""
    complexity: str = "ukendt"
    volunteers: str = "ukendt"
    citizen_involvement: str = "ukendt"
    relatives_involvement: str = "ukendt"
    time_perspective: str = "ukendt"
    phase: str = "ukendt"
    since_year: int | None = None
    evidence_level: str = "ukendt"
    standardisation: str = "ukendt"
    process_formalisation: str = "ukendt"
    decision_level: str = "ukendt"
    disciplines_count: int | None = None
    specialisations_count: int | None = None
    interdisciplinarity: str = "ukendt"
    collaboration_model: str = "ukendt"
    kl_scale: str = "ukendt"
    cond_welfare_area: str = "ukendt"
    cond_public_actor: str = "ukendt"
    cond_cross_area_coordination: str = "ukendt"
    policy_area_count: int | None = None
    cond_coordinating_function: str = "ukendt"
    vive_category: int | None = None
    classification_date: date | None = None
    category_override: int | None = None
    override_reason: str = ""
    override_source: str = ""
    alternative_category: int | None = None
    alternative_note: str = ""


class _Errors:
    """Field errors collected before anything is written, keyed by the API's field paths."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = defaultdict(list)

    def add(self, path: str, message: str) -> None:
        if message not in self.by_path[path]:
            self.by_path[path].append(message)

    def update(self, other: Mapping[str, list[str]]) -> None:
        for path, messages in other.items():
            for message in messages:
                self.add(path, message)

    def raise_any(self) -> None:
        if self.by_path:
            raise ValidationError(dict(self.by_path))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _override_errors(category: int | None, reason: str, source: str) -> dict[str, list[str]]:
    """A manual category needs a reason and a source; a reason or source needs the category."""
    errors: dict[str, list[str]] = {}
    if category is not None:
        if not reason.strip():
            errors["override_reason"] = [OVERRIDE_NEEDS_REASON]
        if source not in OverrideSource.values:
            errors["override_source"] = [OVERRIDE_NEEDS_SOURCE]
    elif reason.strip() or source:
        errors["category_override"] = [REASON_NEEDS_OVERRIDE]
    return errors


def _actor_paths(issue: logic.ValidationIssue, actors: Sequence[ActorRow]) -> list[str]:
    """The field an actor rule's problem belongs to: the first role when no actor is primary,
    each primary kommune's role when several are, the later name of a duplicate."""
    if issue.code == "no_primary_actor":
        return ["actors.0.role"]
    if issue.code == "several_primary_municipalities":
        return [
            f"actors.{n}.role"
            for n, a in enumerate(actors)
            if a.org_type is logic.OrgType.KOMMUNE and a.role is logic.ActorRole.PRIMARY
        ]
    keys = [_key(a.name) for a in actors]
    if issue.subject is not None and _key(issue.subject) in keys:
        index = len(keys) - 1 - keys[::-1].index(_key(issue.subject))
        return [f"actors.{index}.name"]
    return ["actors"]


def _actor_errors(actors: Sequence[ActorRow]) -> dict[str, list[str]]:
    """``logic.validate_actors``'s errors, each on its field (none for no actors: VIVE's 106
    Bilag 2 examples have none registered)."""
    errors = _Errors()
    if not actors:
        return errors.by_path
    for issue in logic.validate_actors([a.as_logic() for a in actors]):
        if issue.severity == "error":
            for path in _actor_paths(issue, actors):
                errors.add(path, issue.message)
    return errors.by_path


def _funding_errors(funding: Sequence[FundingRow]) -> dict[str, list[str]]:
    """``logic.validate_funding``'s errors, each on its source's field."""
    errors = _Errors()
    for n, source in enumerate(funding):
        for issue in logic.validate_funding([source.as_logic()]):
            if issue.severity == "error":
                name = _FUNDING_FIELD.get(issue.code)
                errors.add(f"funding.{n}.{name}" if name else f"funding.{n}", issue.message)
    return errors.by_path


def _texts(
    values: Mapping[str, Any], actors: Sequence[ActorRow], funding: Sequence[FundingRow]
) -> Iterator[tuple[str, str]]:
    """Every text of the input with its path."""
    for name, value in values.items():
        if isinstance(value, str):
            yield name, value
    for n, row in enumerate(actors):
        for name in ("name", "units", "professions", "note"):
            yield f"actors.{n}.{name}", getattr(row, name) or ""
    for n, source in enumerate(funding):
        yield f"funding.{n}.funder", source.funder
        yield f"funding.{n}.note", source.note or ""


def _text_errors(
    errors: _Errors,
    values: Mapping[str, Any],
    actors: Sequence[ActorRow],
    funding: Sequence[FundingRow],
) -> None:
    """No NUL characters (PostgreSQL refuses them) and names that fit their columns."""
    for path, text in _texts(values, actors, funding):
        if "\x00" in text:
            errors.add(path, NUL)
        elif path.endswith((".name", ".funder")) and len(text) > MAX_NAME_LENGTH:
            errors.add(path, f"Navnet er for langt ({len(text)} tegn, højst {MAX_NAME_LENGTH}).")


def _welfare_areas(errors: _Errors, raw_areas: Sequence[str]) -> list[tuple[str, str]]:
    """(slug, the term as given) for each fagområde, given by name or slug; a slug is no term
    of its own (the page's checkboxes send slugs), so then the term is empty."""
    areas = []
    for n, raw in enumerate(raw_areas):
        if "\x00" in raw:
            errors.add(f"welfare_areas.{n}", NUL)
            continue
        try:
            slug = welfare_area_slug(raw)
        except ValueError as exc:
            errors.add(f"welfare_areas.{n}", capitalised(str(exc)))
            continue
        areas.append((slug, "" if raw.strip() == slug else raw.strip()))
    return areas


def _organisation_errors(errors: _Errors, actors: Sequence[ActorRow]) -> None:
    wanted = {a.organisation_id for a in actors if a.organisation_id}
    if not wanted:
        return
    known = set(Organisation.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for n, actor in enumerate(actors):
        if actor.organisation_id and actor.organisation_id not in known:
            errors.add(f"actors.{n}.organisation_id", "Organisationen findes ikke.")


def _field_rules(errors: _Errors, values: Mapping[str, Any]) -> None:
    """The initiative's own rules: a name, an ordered age band, a manual category with its
    reason and source, an alternative category for its note."""
    if not values["name"]:
        errors.add("name", NAME_REQUIRED)
    age_min, age_max = values["age_min"], values["age_max"]
    if age_min is not None and age_max is not None and age_max < age_min:
        errors.add("age_max", f"Alder til ({age_max}) skal være mindst alder fra ({age_min}).")
    errors.update(
        _override_errors(
            values["category_override"], values["override_reason"], values["override_source"]
        )
    )
    if values["alternative_note"] and values["alternative_category"] is None:
        errors.add("alternative_category", NOTE_NEEDS_ALTERNATIVE)


def _model_rules(errors: _Errors, values: Mapping[str, Any]) -> None:
    """The model's own field rules (choices, lengths, ranges) on the fields not already refused."""
    probe = Initiative(**values)
    exclude = [name for name in values if name in errors.by_path]
    try:
        probe.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.add(name, message)


def _refuse_duplicate(initiative: Initiative, name: str, location: str) -> None:
    clash = Initiative.objects.filter(name__iexact=name, location__iexact=location)
    if not initiative._state.adding:
        clash = clash.exclude(pk=initiative.pk)
    if clash.exists():
        raise DuplicateInitiativeError(
            f"Der findes allerede en indsats med navnet '{name}' og stedet '{location}'."
        )


def _for_update(initiative_id: uuid.UUID | None) -> Initiative:
    """A new initiative, or the stored one locked for the rest of the transaction."""
    if initiative_id is None:
        return Initiative()
    found = Initiative.objects.select_for_update().filter(pk=initiative_id).first()
    if found is None:
        raise Http404(selectors.NOT_FOUND)
    return found


def _stripped(values: InitiativeValues) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in asdict(values).items()}


@transaction.atomic
def save_initiative(
    user: User,
    *,
    initiative_id: uuid.UUID | None = None,
    values: InitiativeValues,
    welfare_areas: Sequence[str] = (),
    actors: Sequence[ActorRow] = (),
    funding: Sequence[FundingRow] = (),
) -> Initiative:
    """Create an initiative (no ``initiative_id``) or replace one: its fields, fagområder (names
    or slugs), actors and funding, all validated before anything is written.

    Raises ``PermissionDenied``, ``Http404`` (unknown id), ``ValidationError`` naming every
    problem, or :class:`DuplicateInitiativeError`. What changed is marked as registered by hand
    in the provenance; an actor or source that stays (same name; same funder and start) keeps
    its own provenance and the details the input leaves as ``None``.
    """
    check_may_change(user)
    initiative = _for_update(initiative_id)
    fields = _stripped(values)
    actors = [replace(a, name=a.name.strip()) for a in actors]
    funding = [replace(f, funder=f.funder.strip()) for f in funding]
    errors = _Errors()
    _field_rules(errors, fields)
    _text_errors(errors, fields, actors, funding)
    areas = _welfare_areas(errors, welfare_areas)
    errors.update(_actor_errors(actors))
    _organisation_errors(errors, actors)
    errors.update(_funding_errors(funding))
    _model_rules(errors, fields)
    errors.raise_any()
    _refuse_duplicate(initiative, fields["name"], fields["location"])

    changed = _write(initiative, fields, areas, actors, funding)
    stamp = [{"table": BY_HAND, "line": None, "date": timezone.localdate().isoformat()}]
    initiative.provenance = {**(initiative.provenance or {}), **dict.fromkeys(changed, stamp)}
    initiative.save()
    return initiative


@transaction.atomic
def delete_initiative(user: User, *, initiative_id: uuid.UUID) -> None:
    """Delete an initiative with its actors, funding and fagområder."""
    check_may_change(user)
    selectors.initiative(initiative_id).delete()


# --------------------------------------------------------------------------------------------
# Writing an initiative with its lists (shared by saving and importing)
# --------------------------------------------------------------------------------------------


def _write(
    initiative: Initiative,
    values: Mapping[str, Any],
    areas: Sequence[tuple[str, str]] | None,
    actors: Sequence[ActorRow] | None,
    funding: Sequence[FundingRow] | None,
) -> set[str]:
    """Set the values and replace each list given (``None``: leave it alone); a new initiative
    is saved first. Returns the provenance keys of what changed (field names, ``fagomraader``,
    ``actors``, ``funding_sources``). An existing initiative's own row is left unsaved."""
    changed = {name for name, value in values.items() if getattr(initiative, name) != value}
    for name in changed:
        setattr(initiative, name, values[name])
    if initiative._state.adding:
        initiative.save()
    if areas is not None and _replace_welfare_areas(initiative, areas):
        changed.add("fagomraader")
    if actors is not None and _replace_actors(initiative, actors):
        changed.add("actors")
    if funding is not None and _replace_funding(initiative, funding):
        changed.add("funding_sources")
    return changed


def _same_actor(stored: InitiativeActor, row: ActorRow) -> bool:
    return (
        (stored.name, stored.org_type_id, stored.role)
        == (row.name, row.org_type.value, row.role.value)
        and (row.units is None or row.units == stored.units)
        and (row.professions is None or row.professions == stored.professions)
        and (row.note is None or row.note == stored.note)
        and (row.organisation_id is None or row.organisation_id == stored.organisation_id)
    )


def _new_actor(
    initiative: Initiative, order: int, row: ActorRow, prior: InitiativeActor | None
) -> InitiativeActor:
    """The row as a stored actor; details it leaves as ``None`` and the provenance come from
    the stored actor of the same name."""

    def detail(name: str) -> Any:
        given = getattr(row, name)
        if given is not None:
            return given
        return getattr(prior, name) if prior else ("" if name != "organisation_id" else None)

    return InitiativeActor(
        initiative=initiative,
        name=row.name,
        org_type_id=row.org_type.value,
        role=row.role.value,
        units=detail("units"),
        professions=detail("professions"),
        note=detail("note"),
        organisation_id=detail("organisation_id"),
        provenance=prior.provenance if prior else [],
        order=order,
    )


def _replace_actors(initiative: Initiative, rows: Sequence[ActorRow]) -> bool:
    """Make the initiative's actors exactly ``rows``, in order; ``False`` (nothing written) if
    they are already."""
    existing = list(InitiativeActor.objects.filter(initiative=initiative).order_by("order"))
    if len(existing) == len(rows) and all(
        _same_actor(a, r) for a, r in zip(existing, rows, strict=True)
    ):
        return False
    old = {_key(a.name): a for a in existing}
    InitiativeActor.objects.filter(initiative=initiative).delete()
    InitiativeActor.objects.bulk_create(
        _new_actor(initiative, order, row, old.get(_key(row.name)))
        for order, row in enumerate(rows)
    )
    return True


def _same_funding(existing: Sequence[FundingSource], rows: Sequence[FundingRow]) -> bool:
    """The same sources in any order; a row's ``None`` note keeps the stored one."""
    if len(existing) != len(rows):
        return False
    remaining = [
        (
            (f.funder, f.org_type_id, f.inside, f.amount, f.period_start, f.period_end),
            f.counts_for_classification,
            f.note,
        )
        for f in existing
    ]
    for row in rows:
        wanted = (row.funder, row.org_type.value, row.inside, row.amount, row.start, row.end)
        match = next(
            (
                n
                for n, (signature, counts, note) in enumerate(remaining)
                if (signature, counts) == (wanted, row.counts_for_classification)
                and (row.note is None or row.note == note)
            ),
            None,
        )
        if match is None:
            return False
        remaining.pop(match)
    return True


def _replace_funding(initiative: Initiative, rows: Sequence[FundingRow]) -> bool:
    """Make the initiative's funding exactly ``rows`` (order-insensitive); ``False`` if it is."""
    existing = list(FundingSource.objects.filter(initiative=initiative))
    if _same_funding(existing, rows):
        return False
    old = {(_key(f.funder), f.period_start): f for f in existing}
    FundingSource.objects.filter(initiative=initiative).delete()
    new = []
    for row in rows:
        if row.start is None:  # validated before; a stored source always has a start
            raise ValueError(f"Finansieringskilden '{row.funder}' mangler en startdato.")
        prior = old.get((_key(row.funder), row.start))
        new.append(
            FundingSource(
                initiative=initiative,
                funder=row.funder,
                org_type_id=row.org_type.value,
                inside=row.inside,
                amount=row.amount,
                period_start=row.start,
                period_end=row.end,
                counts_for_classification=row.counts_for_classification,
                note=row.note if row.note is not None else (prior.note if prior else ""),
                provenance=prior.provenance if prior else [],
            )
        )
    FundingSource.objects.bulk_create(new)
    return True


def _replace_welfare_areas(initiative: Initiative, areas: Sequence[tuple[str, str]]) -> bool:
    """Make the fagområder exactly the slugs in ``areas`` ((slug, term as given) pairs); a kept
    one keeps its term and provenance."""
    existing = {
        link.welfare_area_id: link
        for link in InitiativeWelfareArea.objects.filter(initiative=initiative)
    }
    wanted: dict[str, str] = {}
    for slug, raw in areas:
        wanted.setdefault(slug, raw)  # the first term wins
    if set(existing) == set(wanted):
        return False
    InitiativeWelfareArea.objects.filter(
        initiative=initiative, welfare_area_id__in=set(existing) - set(wanted)
    ).delete()
    InitiativeWelfareArea.objects.bulk_create(
        InitiativeWelfareArea(initiative=initiative, welfare_area_id=slug, raw_term=raw[:120])
        for slug, raw in wanted.items()
        if slug not in existing
    )
    return True


# --------------------------------------------------------------------------------------------
# Import a spreadsheet
# --------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do), or every error if it did nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _vocabulary() -> Vocabulary:
    """The model's choices (with their labels in the current language) and text lengths."""
    lengths = {
        name: getattr(Initiative._meta.get_field(name), "max_length", None) or 0
        for name in TEXT_COLUMNS
    }
    enums = {
        "time_perspective": TimePerspective,
        "phase": Phase,
        "collaboration_model": CollaborationModel,
        "override_source": OverrideSource,
    }
    return Vocabulary(
        choices={
            name: [(str(value), str(label)) for value, label in enum.choices]
            for name, enum in enums.items()
        },
        max_lengths={name: length for name, length in lengths.items() if length},
    )


class _Matcher:
    """Which stored initiative a row is about: the one with its ``id``, else the one with the
    same name and place (case-insensitive); and whether an earlier row was about it too."""

    def __init__(self) -> None:
        existing = list(selectors.initiatives())
        self.by_id = {i.id: i for i in existing}
        self.by_key: dict[tuple[str, str], list[Initiative]] = defaultdict(list)
        for initiative in existing:
            self.by_key[(_key(initiative.name), _key(initiative.location))].append(initiative)
        self.seen: dict[object, int] = {}

    def target(self, row: ParsedRow) -> Initiative | None:
        target = self.by_id.get(row.id) if row.id else None
        if target is None and row.name:
            matches = self.by_key.get((_key(row.name), _key(row.location)), [])
            if len(matches) > 1:
                row.error("name", "Flere indsatser har dette navn og sted. Angiv id-kolonnen.")
            elif matches:
                target = matches[0]
        identity: object = target.id if target else (_key(row.name), _key(row.location))
        if identity in self.seen:
            row.error("name", f"Samme indsats som række {self.seen[identity]}.")
        else:
            self.seen[identity] = row.row
        return target


def _add_flat(row: ParsedRow, errors: Mapping[str, list[str]]) -> None:
    """A use case's field errors as the row's errors, by column (``actors.0.role`` → actors)."""
    for path, messages in errors.items():
        for message in messages:
            error = RowError(row.row, path.split(".")[0], capitalised(message))
            if error not in row.errors:
                row.errors.append(error)


def _row_rules(row: ParsedRow, target: Initiative | None, warnings: list[RowError]) -> None:
    """The rules across columns, on the values the initiative will have after the import."""

    def after(name: str, default: Any) -> Any:
        if name in row.values:
            return row.values[name]
        return getattr(target, name) if target is not None else default

    _add_flat(
        row,
        _override_errors(
            after("category_override", None),
            str(after("override_reason", "")),
            str(after("override_source", "")),
        ),
    )
    actors = (
        [a.as_logic() for a in row.actors]
        if row.actors is not None
        else (selectors.logic_actors(target) if target is not None else [])
    )
    if row.actors:
        _add_flat(row, _actor_errors(row.actors))
        issues = logic.validate_actors(actors)
        warnings += [
            RowError(row.row, "actors", i.message) for i in issues if i.severity != "error"
        ]
    if row.funding:
        _add_flat(row, _funding_errors(row.funding))
        issues = logic.validate_funding([f.as_logic() for f in row.funding], actors)
        warnings += [
            RowError(row.row, "funding", i.message) for i in issues if i.severity != "error"
        ]


def _write_row(
    row: ParsedRow, target: Initiative | None, table_name: str, result: ImportResult
) -> None:
    """Write one valid row; the file and row become the provenance of what it changed (of
    every column it gave, for a new initiative)."""
    reference = [{"table": table_name, "line": row.row}]
    initiative = target if target is not None else Initiative(source=table_name)
    created = initiative._state.adding
    changed = _write(initiative, row.values, row.areas, row.actors, row.funding)
    if created:
        initiative.provenance = dict.fromkeys(sorted(changed | set(row.values)), reference)
        initiative.save(update_fields=["provenance"])
        result.created += 1
    elif changed:
        initiative.provenance = {
            **(initiative.provenance or {}),
            **dict.fromkeys(changed, reference),
        }
        initiative.save()
        result.updated += 1
    else:
        result.unchanged += 1


@transaction.atomic
def import_initiatives(
    user: User, *, content: bytes, fmt: str, filename: str = "", dry_run: bool = False
) -> ImportResult:
    """Validate every row of a CSV/XLSX file (``fmt``: ``csv`` or ``xlsx``), then create or
    update its initiatives in one transaction; with ``dry_run`` validate and count, write
    nothing.

    A row updates the initiative with its ``id``, else the one with the same name and place
    (case-insensitive), else creates one; a column the file does not have leaves that field
    alone. If any row has an error nothing is written and ``errors`` lists them all (row as in
    the spreadsheet, column, Danish message). Raises ``PermissionDenied`` for anyone but
    administrators and analysts.
    """
    check_may_change(user)
    result = ImportResult(dry_run=dry_run)
    sheet = read_sheet(content, fmt, _vocabulary())
    if sheet.errors:
        result.errors += sheet.errors
        return result
    matcher = _Matcher()
    plans = []
    for row in sheet.rows:
        target = matcher.target(row)
        _row_rules(row, target, result.warnings)
        result.errors += row.errors
        plans.append((row, target))
    if result.errors:
        return result
    table_name = f"Import {filename}".strip()
    try:
        with transaction.atomic():
            for row, target in plans:
                _write_row(row, target, table_name, result)
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:  # a database rule the checks above did not anticipate
        result.created = result.updated = result.unchanged = 0
        result.errors.append(RowError(0, "", f"Databasen afviste importen: {exc}"))
    return result


# --------------------------------------------------------------------------------------------
# VIVE's dataset
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    enriched: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def _enrich(initiative: Initiative, in_depth: vive.InDepth) -> None:
    """Chapter 3's facts on a Bilag 2 row: fields and provenance, and its actors, funding and
    fagområder replaced."""
    for name, value in in_depth.fields.items():
        setattr(initiative, name, value)
    initiative.provenance = {**initiative.provenance, **in_depth.provenance}
    initiative.save()
    initiative.actors.all().delete()
    InitiativeActor.objects.bulk_create(
        InitiativeActor(
            initiative=initiative,
            name=a.name,
            org_type_id=a.org_type,
            role=a.role,
            note=a.note,
            provenance=a.provenance,
            order=n,
        )
        for n, a in enumerate(in_depth.actors)
    )
    initiative.funding_sources.all().delete()
    FundingSource.objects.bulk_create(
        FundingSource(
            initiative=initiative,
            funder=f.funder,
            org_type_id=f.org_type,
            inside=f.inside,
            amount=f.amount,
            period_start=f.start,
            period_end=f.end,
            counts_for_classification=f.counts_for_classification,
            note=f.note,
            provenance=f.provenance,
        )
        for f in in_depth.funding
    )
    InitiativeWelfareArea.objects.filter(initiative=initiative).delete()
    InitiativeWelfareArea.objects.bulk_create(
        InitiativeWelfareArea(
            initiative=initiative,
            welfare_area_id=area.slug,
            raw_term=area.raw_term,
            provenance=area.provenance,
        )
        for area in in_depth.areas
    )


@transaction.atomic
def load_vive() -> LoadResult:
    """Load Bilag 2's 117 examples and enrich the 11 in-depth examples of chapter 3."""
    created = updated = enriched = 0
    for example in vive.examples():
        initiative, was_created = Initiative.objects.update_or_create(
            source_key=example.key, defaults=example.fields
        )
        created += was_created
        updated += not was_created
        if example.in_depth is not None:
            _enrich(initiative, example.in_depth)
            enriched += 1
    return LoadResult(created=created, updated=updated, enriched=enriched)
