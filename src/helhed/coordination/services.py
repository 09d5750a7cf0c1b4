"""Write use cases of the coordination app: one function per use case, keyword-only ids and plain
values, transactional; each looks up what it needs, checks permission, validates (Danish,
per field) and writes — or raises ``ValidationError({field: message})`` / ``PermissionDenied``
and writes nothing. Fields are named as the API names them (``organisation_ids``, ``user_id``);
the pages' forms map them back (``views.FORM_FIELDS``). Answers the instrument cannot take raise
:class:`AnswerError`, which locates each answer for the API.

Who may do what:

* leaders and analysts (``leder``/``analytiker``) of an organisation in a wave's scope create,
  edit, open and close it (and read its results, ``selectors``);
* a participant saves drafts and submits once, while the wave is open;
* administrators maintain the list of workgroups; leaders, analysts and administrators of an
  organisation decide the workgroup of its team members where the rules cannot tell.

Submitting writes the answers without any link to the person (``models`` explains the split)
and deletes the draft in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.coordination import logic, selectors
from helhed.coordination.models import (
    Draft,
    Instrument,
    Participation,
    Response,
    ScopeKind,
    Source,
    TeamMemberWorkgroup,
    TieAnswer,
    Wave,
    WaveResult,
    WaveStatus,
    Workgroup,
    WorkgroupDecision,
    WorkgroupKind,
)
from helhed.core.domain import DomainError
from helhed.core.models import Organisation, Unit, User, UserKind
from helhed.core.selectors import today
from helhed.courses import selectors as course_selectors
from helhed.notifications.models import NotificationKind
from helhed.notifications.services import notify
from helhed.registry.models import Initiative

PROBLEMS = {
    "own_as_other": gettext_lazy(
        "Din egen faggruppe kan ikke vurderes som en anden faggruppe – brug »Din egen faggruppe«."
    ),
    "unknown_group": gettext_lazy("Faggruppen er ikke med i denne måling."),
    "unknown_item": gettext_lazy("Ukendt spørgsmål."),
    "invalid_value": gettext_lazy("Vælg et af svarene eller »Ikke relevant«."),
    "missing": gettext_lazy("Besvar spørgsmålet eller vælg »Ikke relevant«."),
    "nothing": gettext_lazy("Vurdér mindst én faggruppe, før du indsender."),
}
MAX_THRESHOLD = 50


def _staff(actor: User) -> None:
    if not actor.is_authenticated or actor.kind != UserKind.STAFF:
        raise PermissionDenied


def _plausible(value: date) -> bool:
    return 1900 <= value.year <= 2200


class AnswerError(DomainError, ValidationError):
    """Answers the instrument cannot take. For the pages a ``ValidationError`` keyed as
    :func:`problems_as_errors` keys it; the API answers 422 with each problem located where the
    client sent the answer: ``["body", "others", <workgroup>, <item>]`` (or the workgroup, or
    ``others`` as a whole)."""

    status = 422
    title = "Ugyldige data"

    def __init__(self, problems: Iterable[logic.Problem]) -> None:
        ValidationError.__init__(self, problems_as_errors(problems))
        self.detail = "Et eller flere felter er ugyldige."
        self.members = {
            "errors": [
                {"loc": _answer_loc(key), "msg": message, "type": "value_error"}
                for key, messages in self.message_dict.items()
                for message in messages
            ]
        }


def _answer_loc(key: str) -> list[str]:
    if key == "others":
        return ["body", "others"]
    return ["body", "others", *key.split(".", 1)]


def problems_as_errors(problems: Iterable[logic.Problem]) -> dict[str, list[str]]:
    """``logic.Problem``s as a ``ValidationError`` dict keyed ``"<group>.<item>"`` (or the
    group alone, or ``"others"``)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for p in problems:
        key = ".".join(part for part in (p.group, p.item) if part) or "others"
        errors[key].append(str(PROBLEMS.get(p.code, PROBLEMS["invalid_value"])))
    return dict(errors)


# --------------------------------------------------------------------------------------------
# Classification of team members into workgroups
# --------------------------------------------------------------------------------------------


def _known_slugs() -> set[str]:
    known = set(
        Workgroup.objects.filter(active=True, kind=WorkgroupKind.PROFESSIONAL).values_list(
            "slug", flat=True
        )
    )
    if not known and ensure_defaults():
        return _known_slugs()
    return known


def ensure_defaults() -> bool:
    """The shipped workgroups when the list is empty (a database flushed after the migrations,
    as the browser tests do), and Helhed's instrument when it is missing. Never re-adds a
    workgroup an installation deleted from a list it maintains. True if anything was added."""
    added = False
    if not Workgroup.objects.exists():
        Workgroup.objects.bulk_create(
            [
                Workgroup(
                    slug=slug,
                    name_da=name_da,
                    name_en=name_en,
                    kind=kind,
                    order=order,
                    description=description,
                )
                for slug, name_da, name_en, kind, order, description in logic.DEFAULT_WORKGROUPS
            ],
            ignore_conflicts=True,
        )
        added = True
    ensure_builtin_instrument()
    return added


def _classified(
    sig: course_selectors.TeamRow | course_selectors.TeamSignature,
    known: Collection[str],
    decisions: Mapping[str, str],
) -> tuple[str | None, str, str]:
    """(workgroup, source, signature) for a team member (or all members with a signature): a
    person's decision for the signature, else the rules, else unknown."""
    signature = logic.signature(sig.role, sig.organisation_id, sig.unit_id, sig.welfare_area_id)
    if signature in decisions:
        return decisions[signature], Source.PERSON, signature
    slug = logic.classify(sig.role, sig.unit_name, sig.welfare_area_id, sig.org_type, known)
    return slug, Source.RULE if slug else Source.UNKNOWN, signature


def _mapping_for(
    row: course_selectors.TeamRow, known: Collection[str], decisions: Mapping[str, str]
) -> TeamMemberWorkgroup:
    workgroup, source, signature = _classified(row, known, decisions)
    return TeamMemberWorkgroup(
        team_member_id=row.id,
        workgroup_id=workgroup,
        source=source,
        signature=signature,
        organisation_id=row.organisation_id,
    )


def classify_pending() -> int:
    """Give every team member without a workgroup mapping one: a person's earlier decision for
    the same role, unit and welfare area, else the rules, else "unknown" (a person decides on
    ``/samarbejde/faggrupper/placering/``). Idempotent; returns the number of rows added.
    Team members added through ``courses.services`` are classified at once (a signal); this
    catches rows loaded in bulk (the demo, an import).

    Team members share signatures (the demo's 816,492 at 300,000 citizens have fewer than a
    hundred): each signature is classified once (``_classified``, as the signal does), and the
    mappings are written by ``INSERT … SELECT``, the members joined to their signature's
    classification by key — up to ``SIGNATURES_PER_STATEMENT`` signatures per statement, so no
    team member passes through Python and the work grows with the members, not with members ×
    signatures."""
    known = _known_slugs()
    decisions = dict(WorkgroupDecision.objects.values_list("signature", "workgroup_id"))
    exclude = TeamMemberWorkgroup.objects.filter(team_member_id=OuterRef("pk"))
    signatures = course_selectors.team_signatures(exclude=exclude, unrestricted=True)
    members = course_selectors.team_members_by_signature(exclude=exclude, unrestricted=True)
    added = 0
    per_statement = _signatures_per_statement()
    for start in range(0, len(signatures), per_statement):
        batch = signatures[start : start + per_statement]
        classified = [(*sig.key, *_classified(sig, known, decisions)) for sig in batch]
        added += _insert_mappings(members, classified)
    return added


# Signatures joined in one statement (seven values each; PostgreSQL takes 65,535 values).
SIGNATURES_PER_STATEMENT = 4000


def _signatures_per_statement() -> int:
    """``SIGNATURES_PER_STATEMENT``, or fewer where SQLite's limit of values per statement (the
    connection's own, 32,766 since SQLite 3.32) would not hold them with the subquery's few."""
    if connection.vendor != "sqlite":
        return SIGNATURES_PER_STATEMENT
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(SIGNATURES_PER_STATEMENT, (limit - 64) // 7))


_MAPPING_COLUMNS = ("team_member_id", "workgroup_id", "source", "signature", "organisation_id")


def _insert_mappings(members: Any, classified: list[tuple[Any, ...]]) -> int:
    """A mapping for each team member of ``members`` (``team_members_by_signature``) whose
    signature key is among ``classified`` — ``(role, organisation, unit, area, workgroup,
    source, signature)`` — in one statement, as ``bulk_create(ignore_conflicts=True)`` would
    write them (a member mapped meanwhile keeps its row); only a key conflict is skipped (a
    broken row is an error, not ignored as SQLite's ``INSERT OR IGNORE`` would). Returns the
    rows written."""
    quote = connection.ops.quote_name
    table = quote(TeamMemberWorkgroup._meta.db_table)
    names = ", ".join(map(quote, _MAPPING_COLUMNS))
    subquery, params = members.query.sql_with_params()
    row = "(" + ", ".join(["%s"] * 7) + ")"
    values = ", ".join([row] * len(classified))
    # A VALUES list's columns are column1 … column7 on both SQLite and PostgreSQL. "WHERE true":
    # SQLite would read "ON CONFLICT" as the join's ON without it.
    m, v = (lambda c: f"m.{quote(c)}"), (lambda n: f"v.column{n}")
    join = " AND ".join(
        f"{m(key)} = {v(n)}" for n, key in enumerate(course_selectors.SIGNATURE_KEY, start=1)
    )
    sql = (
        f"INSERT INTO {table} ({names})"
        f" SELECT {m('member')}, {v(5)}, {v(6)}, {v(7)}, {m('member_organisation')}"
        f" FROM ({subquery}) m INNER JOIN (VALUES {values}) v ON {join}"
        " WHERE true ON CONFLICT DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(value for entry in classified for value in entry)])
        return max(cursor.rowcount, 0)


def team_member_saved(team_member_id: Any) -> None:
    """A team member was added or changed (``courses`` saved it): classify it again, unless a
    person's decision for its signature stands (then that decision applies)."""
    rows = list(course_selectors.team_rows(ids=[team_member_id]))
    if not rows:
        return
    decisions = dict(WorkgroupDecision.objects.values_list("signature", "workgroup_id"))
    mapping = _mapping_for(rows[0], _known_slugs(), decisions)
    TeamMemberWorkgroup.objects.update_or_create(
        team_member_id=mapping.team_member_id,
        defaults={
            "workgroup_id": mapping.workgroup_id,
            "source": mapping.source,
            "signature": mapping.signature,
            "organisation_id": mapping.organisation_id,
        },
    )


@transaction.atomic
def decide_workgroup(*, actor: User, signature: str, workgroup: str) -> int:
    """A person decides which workgroup the team members with ``signature`` (role text, unit or
    organisation, welfare area) belong to — also those added later. Only a leader, analyst or
    administrator of the signature's organisation. Returns how many team members it applies to."""
    _staff(actor)
    mapping = TeamMemberWorkgroup.objects.filter(signature=signature).first()
    if mapping is None:
        raise PermissionDenied
    rows = list(course_selectors.team_rows(ids=[mapping.team_member_id]))
    if not rows:
        raise PermissionDenied
    row = rows[0]
    if row.organisation_id not in selectors.deciding_organisations(actor):
        raise PermissionDenied
    group = Workgroup.objects.filter(
        slug=workgroup, active=True, kind=WorkgroupKind.PROFESSIONAL
    ).first()
    if group is None:
        raise ValidationError({"workgroup": _("Vælg en faggruppe fra listen.")})
    WorkgroupDecision.objects.update_or_create(
        signature=signature,
        defaults={
            "role": row.role[:120],
            "organisation_id": row.organisation_id,
            "unit_id": row.unit_id,
            "welfare_area_id": row.welfare_area_id,
            "workgroup": group,
            "decided_by": actor,
        },
    )
    # an update sends no signal: the rows of restricted courses (art. 18) are left out here
    return (
        TeamMemberWorkgroup.objects.filter(signature=signature)
        .exclude(team_member__course__restricted_since__isnull=False)
        .update(workgroup=group, source=Source.PERSON)
    )


# --------------------------------------------------------------------------------------------
# Workgroups (reference data)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def save_workgroup(
    *,
    actor: User,
    slug: str,
    name_da: str,
    name_en: str = "",
    description: str = "",
    kind: str = WorkgroupKind.PROFESSIONAL,
    order: int = 100,
    active: bool = True,
    create: bool = False,
) -> Workgroup:
    """Add (``create``) or change a workgroup. Administrators only."""
    _staff(actor)
    if not selectors.may_maintain_workgroups(actor):
        raise PermissionDenied
    errors: dict[str, str] = {}
    slug = (slug or "").strip()
    existing = Workgroup.objects.filter(slug=slug).first()
    if create:
        if not slug or not all(c.isalnum() or c == "-" for c in slug) or slug != slug.lower():
            errors["slug"] = _("Brug små bogstaver, tal og bindestreg.")
        elif existing is not None:
            errors["slug"] = _("Der findes allerede en faggruppe med denne kode.")
    elif existing is None:
        raise PermissionDenied
    name_da = (name_da or "").strip()
    if not name_da:
        errors["name_da"] = _("Angiv et navn.")
    elif Workgroup.objects.filter(name_da__iexact=name_da).exclude(slug=slug).exists():
        errors["name_da"] = _("Der findes allerede en faggruppe med dette navn.")
    if kind not in WorkgroupKind.values:
        errors["kind"] = _("Vælg en af mulighederne.")
    if not 0 <= order <= 1000:
        errors["order"] = _("Rækkefølgen skal ligge mellem 0 og 1000.")
    if errors:
        raise ValidationError(errors)
    group = existing or Workgroup(slug=slug)
    group.name_da, group.name_en = name_da, (name_en or "").strip()
    group.description, group.kind = (description or "").strip()[:300], kind
    group.order, group.active = order, active
    group.save()
    return group


# --------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------


def load_instrument(data: Any, *, activate: bool = True) -> Instrument:
    """Store an item set as a new instrument (key and version not used before). Raises
    ``logic.InstrumentError`` with every problem, or ``ValueError`` if the version exists."""
    parsed = logic.parse_instrument(data)
    if Instrument.objects.filter(key=parsed.key, version=parsed.version).exists():
        raise ValueError(
            f"Spørgerammen {parsed.key} version {parsed.version} findes allerede; "
            "giv den nye en højere version."
        )
    return Instrument.objects.create(
        key=parsed.key,
        version=parsed.version,
        name=parsed.name_da[:200],
        source=parsed.source[:500],
        data=parsed.as_data(),
        active=activate,
    )


def ensure_builtin_instrument() -> Instrument:
    """Helhed's own instrument (``logic.HELHED_V1``), created if missing."""
    found = Instrument.objects.filter(
        key=logic.HELHED_V1.key, version=logic.HELHED_V1.version
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return load_instrument(logic.HELHED_V1.as_data())
    except (IntegrityError, ValueError):
        return Instrument.objects.get(key=logic.HELHED_V1.key, version=logic.HELHED_V1.version)


# --------------------------------------------------------------------------------------------
# Waves
# --------------------------------------------------------------------------------------------


def _wave_to_manage(actor: User, wave_id: Any, *, lock: bool = True) -> Wave:
    """The wave if ``actor`` may manage it, else ``PermissionDenied`` (also for an id that does
    not exist)."""
    _staff(actor)
    qs = Wave.objects.filter(pk=wave_id)
    if lock:
        qs = qs.select_for_update()
    try:
        wave = qs.first()
    except ValidationError:  # not a UUID
        raise PermissionDenied from None
    if wave is None or not selectors.may_manage(actor, wave):
        raise PermissionDenied
    return wave


def derive(
    wave: Wave, net: selectors._Network | None = None
) -> tuple[list[tuple[Any, str]], set[str]]:
    """``(user id, workgroup)`` for everyone with a Helhed login on the teams of the courses in
    the wave's scope during its period — the workgroup they have most often there — and every
    workgroup on those teams (with or without a login: a region's psychiatry can be rated even
    if nobody there uses Helhed). Team members whose workgroup nobody has decided are left out.

    ``net``: the wave's ``selectors.network``, if the caller has just read it after
    ``classify_pending`` (the demo, which needs it anyway: reading it is most of the work —
    every team member in scope — and was done twice per wave)."""
    if net is None:
        classify_pending()
        net = selectors.network(wave)
    usable = set(
        Workgroup.objects.filter(active=True, kind=WorkgroupKind.PROFESSIONAL).values_list(
            "slug", flat=True
        )
    )
    users = {p: g for p, g in net.person_group.items() if not isinstance(p, tuple) and g in usable}
    staff = set(
        User.objects.filter(
            pk__in=list(users), kind=UserKind.STAFF, is_active=True, is_system=False
        ).values_list("pk", flat=True)
    )
    participants = sorted(((u, g) for u, g in users.items() if u in staff), key=lambda p: str(p[0]))
    groups = {g for groups in net.course_groups.values() for g in groups} & usable
    return participants, groups


def _wave_name(name: str, errors: dict[str, str]) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Giv målingen et navn.")
    elif len(name) > 200:
        errors["name"] = _("Navnet må højst være 200 tegn.")
    return name


def _wave_organisations(
    organisation_ids: Collection[Any], allowed: Collection[Any], errors: dict[str, str]
) -> list[str]:
    """The organisations named (once each), all of which the actor manages."""
    orgs = list(dict.fromkeys(str(x) for x in organisation_ids))
    if not orgs:
        errors["organisation_ids"] = _("Vælg mindst én organisation.")
    elif not set(orgs) <= {str(a) for a in allowed}:
        errors["organisation_ids"] = _(
            "Du kan kun vælge organisationer, hvor du er leder eller analytiker."
        )
    return orgs


def _wave_scope(
    scope_kind: str, initiative_id: Any, unit_ids: Collection[Any], errors: dict[str, str]
) -> tuple[Initiative | None, list[Unit]]:
    """The initiative (scope "indsats") or the units of the network (at least two)."""
    initiative = None
    units: list[Unit] = []
    if scope_kind not in ScopeKind.values:
        errors["scope_kind"] = _("Vælg, hvad målingen skal dække.")
    elif scope_kind == ScopeKind.INITIATIVE:
        initiative = _by_pk(Initiative, initiative_id) if initiative_id else None
        if initiative is None:
            errors["initiative_id"] = _("Vælg indsatsen.")
    elif scope_kind == ScopeKind.NETWORK:
        ids = list(dict.fromkeys(str(u) for u in unit_ids))
        units = [u for u in (_by_pk(Unit, i) for i in ids) if u is not None]
        if len(units) < 2 or len(units) != len(ids):
            errors["unit_ids"] = _("Vælg mindst to enheder i netværket.")
    return initiative, units


def _wave_dates(
    period_start: date | None,
    period_end: date | None,
    answer_by: date | None,
    errors: dict[str, str],
) -> None:
    """Three plausible dates, a period that ends after it begins, a deadline not in the past."""
    for field, value in (
        ("period_start", period_start),
        ("period_end", period_end),
        ("answer_by", answer_by),
    ):
        if value is None:
            errors[field] = _("Angiv en dato.")
        elif not _plausible(value):
            errors[field] = _("Datoen skal ligge mellem år 1900 og 2200.")
    if (
        "period_start" not in errors
        and "period_end" not in errors
        and period_start is not None
        and period_end is not None
        and period_end < period_start
    ):
        errors["period_end"] = _("Perioden skal slutte efter, den begynder.")
    if "answer_by" not in errors and answer_by is not None and answer_by < today():
        errors["answer_by"] = _("Svarfristen kan ikke ligge i fortiden.")


def _wave_threshold(min_respondents: int, errors: dict[str, str]) -> None:
    if not isinstance(min_respondents, int) or not (
        logic.MIN_THRESHOLD <= min_respondents <= MAX_THRESHOLD
    ):
        errors["min_respondents"] = _(
            "Et tal skal bygge på mindst 3 svar (standard 5) og højst 50."
        )


def _wave_instrument(instrument_id: Any, errors: dict[str, str]) -> Instrument | None:
    """The instrument chosen (an active one), or Helhed's own when none is."""
    instrument = _by_pk(Instrument, instrument_id) if instrument_id else ensure_builtin_instrument()
    if instrument is None or not instrument.active:
        errors["instrument_id"] = _("Vælg en spørgeramme fra listen.")
    return instrument


def _wave_previous(actor: User, previous_id: Any, errors: dict[str, str]) -> Wave | None:
    """The wave to compare with: a closed one the actor may manage (or none)."""
    if not previous_id:
        return None
    previous = _by_pk(Wave, previous_id)
    if (
        previous is None
        or previous.status != WaveStatus.CLOSED
        or not selectors.may_manage(actor, previous)
    ):
        errors["previous_id"] = _("Vælg en lukket måling, du har adgang til.")
    return previous


def _add_derived_participants(wave: Wave, *, include_citizen_side: bool) -> None:
    """The participants derived from the teams in scope, and the workgroups to rate: theirs,
    those on the teams and (when asked) the citizen's side."""
    participants, groups = derive(wave)
    Participation.objects.bulk_create(
        [
            Participation(wave=wave, user_id=user_id, workgroup_id=group)
            for user_id, group in participants
        ]
    )
    if include_citizen_side:
        groups |= set(
            Workgroup.objects.filter(active=True)
            .exclude(kind=WorkgroupKind.PROFESSIONAL)
            .values_list("slug", flat=True)
        )
    wave.groups.set(Workgroup.objects.filter(slug__in=groups | {g for _u, g in participants}))


@transaction.atomic
def create_wave(
    *,
    actor: User,
    name: str,
    scope_kind: str,
    organisation_ids: Collection[Any],
    period_start: date | None,
    period_end: date | None,
    answer_by: date | None,
    initiative_id: Any = None,
    unit_ids: Collection[Any] = (),
    instrument_id: Any = None,
    min_respondents: int = logic.DEFAULT_THRESHOLD,
    include_citizen_side: bool = False,
    previous_id: Any = None,
) -> Wave:
    """A new wave (a draft) with its participants derived from the teams in scope."""
    _staff(actor)
    allowed = selectors.manager_organisations(actor)
    if not allowed:
        raise PermissionDenied(_("Kun ledere og analytikere kan oprette målinger."))
    ensure_defaults()
    errors: dict[str, str] = {}
    name = _wave_name(name, errors)
    orgs = _wave_organisations(organisation_ids, allowed, errors)
    initiative, units = _wave_scope(scope_kind, initiative_id, unit_ids, errors)
    _wave_dates(period_start, period_end, answer_by, errors)
    _wave_threshold(min_respondents, errors)
    instrument = _wave_instrument(instrument_id, errors)
    previous = _wave_previous(actor, previous_id, errors)
    if errors:
        raise ValidationError(errors)
    assert period_start is not None and period_end is not None and answer_by is not None
    assert instrument is not None
    wave = Wave.objects.create(
        name=name,
        scope_kind=scope_kind,
        initiative=initiative,
        period_start=period_start,
        period_end=period_end,
        answer_by=answer_by,
        instrument=instrument,
        min_respondents=min_respondents,
        include_citizen_side=include_citizen_side,
        previous=previous,
        created_by=actor,
    )
    wave.organisations.set(Organisation.objects.filter(pk__in=orgs))
    if units:
        wave.units.set(units)
    _add_derived_participants(wave, include_citizen_side=include_citizen_side)
    return wave


def _by_pk(model: Any, pk: Any) -> Any:
    try:
        return model.objects.filter(pk=pk).first()
    except (ValidationError, ValueError, TypeError):
        return None


def _participant_group(slug: str) -> Workgroup | None:
    return Workgroup.objects.filter(slug=slug, active=True, kind=WorkgroupKind.PROFESSIONAL).first()


def _invite(wave: Wave, user_ids: list[Any], *, email: bool = True) -> None:
    """A notification with a link and nothing else (no citizen, no answers)."""
    notify(
        user_ids,
        kind=NotificationKind.TASK,
        title=_("Spørgeskema om samarbejdet omkring borgerne"),
        body=_(
            "Du er inviteret til at svare på, hvordan samarbejdet med de andre faggrupper går. "
            "Dine svar er anonyme. Svarfrist %(date)s."
        )
        % {"date": f"{wave.answer_by:%d.%m.%Y}"},
        url=reverse("coordination:answer_start", args=[wave.pk]),
        dedupe_key=f"rk-invitation:{wave.pk}",
        email=email,
    )


@transaction.atomic
def add_participant(*, actor: User, wave_id: Any, user_id: Any, workgroup: str) -> Participation:
    """Invite one more person (a draft or open wave); an open wave notifies them at once."""
    wave = _wave_to_manage(actor, wave_id)
    if wave.status == WaveStatus.CLOSED:
        raise ValidationError({"user_id": _("Målingen er lukket.")})
    errors: dict[str, str] = {}
    candidates = {str(c.user_id) for c in selectors.candidates(wave)}
    person = _by_pk(User, user_id)
    if person is not None and Participation.objects.filter(wave=wave, user=person).exists():
        errors["user_id"] = _("Medarbejderen deltager allerede.")
    elif str(user_id) not in candidates:
        errors["user_id"] = _("Vælg en medarbejder fra listen.")
    group = _participant_group(workgroup)
    if group is None:
        errors["workgroup"] = _("Vælg en faggruppe fra listen.")
    if errors:
        raise ValidationError(errors)
    assert group is not None
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                wave=wave, user_id=user_id, workgroup=group, added=True
            )
    except IntegrityError:  # added at the same moment by someone else
        raise ValidationError({"user_id": _("Medarbejderen deltager allerede.")}) from None
    wave.groups.add(group)
    if wave.status == WaveStatus.OPEN:
        _invite(wave, [participation.user_id])
    return participation


@transaction.atomic
def remove_participant(*, actor: User, wave_id: Any, participation_id: Any) -> None:
    wave = _wave_to_manage(actor, wave_id)
    participation = _by_pk(Participation, participation_id)
    if participation is None or participation.wave_id != wave.pk:
        raise PermissionDenied
    if wave.status == WaveStatus.CLOSED:
        raise ValidationError({"participation": _("Målingen er lukket.")})
    if participation.submitted:
        raise ValidationError(
            {
                "participation": _(
                    "Deltageren har allerede svaret. Svarene kan ikke fjernes, fordi de ikke er "
                    "knyttet til personen."
                )
            }
        )
    participation.delete()


@transaction.atomic
def change_participant_workgroup(
    *, actor: User, wave_id: Any, participation_id: Any, workgroup: str
) -> Participation:
    wave = _wave_to_manage(actor, wave_id)
    participation = _by_pk(Participation, participation_id)
    if participation is None or participation.wave_id != wave.pk:
        raise PermissionDenied
    if wave.status == WaveStatus.CLOSED or participation.submitted:
        raise ValidationError(
            {"workgroup": _("Faggruppen kan ikke ændres, når deltageren har svaret.")}
        )
    group = _participant_group(workgroup)
    if group is None:
        raise ValidationError({"workgroup": _("Vælg en faggruppe fra listen.")})
    participation.workgroup = group
    participation.save(update_fields=["workgroup"])
    wave.groups.add(group)
    Draft.objects.filter(participation=participation).delete()  # rated as another group
    return participation


@transaction.atomic
def open_wave(*, actor: User, wave_id: Any) -> Wave:
    """Open for answers and notify every participant (a link, nothing more)."""
    wave = _wave_to_manage(actor, wave_id)
    if wave.status != WaveStatus.DRAFT:
        raise ValidationError({"status": _("Målingen er allerede åbnet.")})
    count = Participation.objects.filter(wave=wave).count()
    if count == 0:
        raise ValidationError(
            {
                "participants": _(
                    "Målingen har ingen deltagere. Tilføj deltagere, eller vælg en indsats eller "
                    "periode med forløb, hvor teamet bruger Helhed."
                )
            }
        )
    if count < wave.min_respondents:
        raise ValidationError(
            {
                "participants": _(
                    "Målingen har %(n)s deltagere, men hvert tal skal bygge på mindst "
                    "%(k)s svar. Tilføj flere deltagere."
                )
                % {"n": count, "k": wave.min_respondents}
            }
        )
    if wave.answer_by < today():
        raise ValidationError({"answer_by": _("Svarfristen er overskredet. Vælg en ny.")})
    wave.status = WaveStatus.OPEN
    wave.opened_at, wave.opened_by = timezone.now(), actor
    wave.save(update_fields=["status", "opened_at", "opened_by"])
    _invite(wave, list(Participation.objects.filter(wave=wave).values_list("user_id", flat=True)))
    return wave


@transaction.atomic
def set_answer_by(*, actor: User, wave_id: Any, answer_by: date | None) -> Wave:
    wave = _wave_to_manage(actor, wave_id)
    if wave.status == WaveStatus.CLOSED:
        raise ValidationError({"answer_by": _("Målingen er lukket.")})
    if answer_by is None or not _plausible(answer_by):
        raise ValidationError({"answer_by": _("Angiv en dato.")})
    if answer_by < today():
        raise ValidationError({"answer_by": _("Svarfristen kan ikke ligge i fortiden.")})
    wave.answer_by = answer_by
    wave.save(update_fields=["answer_by"])
    return wave


@transaction.atomic
def close_wave(*, actor: User, wave_id: Any) -> Wave:
    """Close for answers, compute the results (stored already suppressed) and delete the
    drafts nobody submitted. Final: a closed wave is never opened again."""
    wave = _wave_to_manage(actor, wave_id)
    if wave.status != WaveStatus.OPEN:
        raise ValidationError(
            {"status": _("Kun en åben måling kan lukkes.")}
            if wave.status == WaveStatus.DRAFT
            else {"status": _("Målingen er allerede lukket.")}
        )
    wave.status = WaveStatus.CLOSED
    wave.closed_at, wave.closed_by = timezone.now(), actor
    if wave.previous_id is None:
        wave.previous = selectors.previous_wave(wave)
    wave.save(update_fields=["status", "closed_at", "closed_by", "previous"])
    Draft.objects.filter(participation__wave=wave).delete()
    store_results(wave)
    return wave


def store_results(wave: Wave) -> WaveResult:
    """Compute the wave's figures from its answers and store them suppressed."""
    data = selectors.compute_results(wave)
    result, _created = WaveResult.objects.update_or_create(wave=wave, defaults={"data": data})
    return result


# --------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------


def _participation(actor: User, wave_id: Any) -> Participation:
    """The actor's own participation in an open wave (locked), or an error: ``PermissionDenied``
    for someone not invited (and for an unknown id), a field error after close or submission."""
    _staff(actor)
    try:
        participation = (
            Participation.objects.select_for_update()
            .select_related("wave", "wave__instrument", "workgroup")
            .filter(wave_id=wave_id, user=actor)
            .first()
        )
    except ValidationError:
        raise PermissionDenied from None
    if participation is None:
        raise PermissionDenied
    if participation.wave.status == WaveStatus.DRAFT:
        raise PermissionDenied
    if participation.wave.status == WaveStatus.CLOSED:
        raise ValidationError({"others": _("Målingen er lukket; der kan ikke længere svares.")})
    if participation.submitted:
        raise ValidationError(
            {"others": _("Du har allerede indsendt dine svar. Man kan kun svare én gang.")}
        )
    return participation


def _allowed_groups(participation: Participation) -> set[str]:
    return {g.slug for g in selectors.rated_groups(participation.wave)} - {
        participation.workgroup_id
    }


def _check(
    participation: Participation,
    others: Mapping[str, Mapping[str, Any]],
    within: Mapping[str, Any] | None,
    *,
    complete: bool,
) -> None:
    problems = logic.check_answers(
        participation.wave.instrument.parsed(),
        own=participation.workgroup_id,
        allowed=_allowed_groups(participation),
        others=others,
        within=within,
        complete=complete,
    )
    if problems:
        raise AnswerError(problems)


def _clean(answers: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in answers.items() if v not in (None, "")}


@transaction.atomic
def save_draft(
    *,
    actor: User,
    wave_id: Any,
    others: Mapping[str, Mapping[str, Any]],
    within: Mapping[str, Any] | None = None,
) -> Draft:
    """Replace the actor's draft (unanswered items allowed; wrong values are not)."""
    participation = _participation(actor, wave_id)
    if not isinstance(others, Mapping):
        raise ValidationError({"others": PROBLEMS["invalid_value"]})
    _check(participation, others, within, complete=False)
    draft, _created = Draft.objects.update_or_create(
        participation=participation,
        defaults={
            "others": {str(g): _clean(a) for g, a in others.items()},
            "within": _clean(within) if within is not None else None,
        },
    )
    return draft


@transaction.atomic
def choose_groups(*, actor: User, wave_id: Any, groups: Collection[str], rate_own: bool) -> Draft:
    """Which other workgroups the actor works with (and whether to rate their own): answers to
    groups still chosen are kept, the rest dropped."""
    participation = _participation(actor, wave_id)
    chosen = list(dict.fromkeys(str(g) for g in groups))
    if participation.workgroup_id in chosen:
        raise ValidationError({"groups": PROBLEMS["own_as_other"]})
    allowed = _allowed_groups(participation)
    if any(g not in allowed for g in chosen):
        raise ValidationError({"groups": PROBLEMS["unknown_group"]})
    if not chosen and not rate_own:
        raise ValidationError({"groups": PROBLEMS["nothing"]})
    draft = Draft.objects.filter(participation=participation).first()
    old_others = draft.others if draft else {}
    old_within = draft.within if draft else None
    draft, _created = Draft.objects.update_or_create(
        participation=participation,
        defaults={
            "others": {g: old_others.get(g, {}) for g in chosen},
            "within": (old_within or {}) if rate_own else None,
        },
    )
    return draft


@transaction.atomic
def save_group_answers(
    *, actor: User, wave_id: Any, group: str, answers: Mapping[str, Any]
) -> Draft:
    """The answers about one workgroup (every item answered or "ikke relevant") into the draft.
    ``group`` is one of the chosen workgroups or the actor's own."""
    participation = _participation(actor, wave_id)
    draft = Draft.objects.filter(participation=participation).first()
    others = dict(draft.others) if draft else {}
    within = draft.within if draft else None
    own = group == participation.workgroup_id
    if own:
        _check(participation, {}, answers, complete=True)
        within = _clean(answers)
    else:
        if group not in others:
            raise PermissionDenied
        _check(participation, {group: answers}, None, complete=True)
        others[group] = _clean(answers)
    draft, _created = Draft.objects.update_or_create(
        participation=participation, defaults={"others": others, "within": within}
    )
    return draft


@transaction.atomic
def submit(
    *,
    actor: User,
    wave_id: Any,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    within: Mapping[str, Any] | None = None,
) -> None:
    """Submit once: the given answers, or (with neither) the saved draft. The answers are
    written as a ``Response`` of the actor's workgroup with one ``TieAnswer`` per workgroup
    rated — nothing that points back to the actor — and the draft is deleted."""
    participation = _participation(actor, wave_id)
    if others is None and within is None:
        draft = Draft.objects.filter(participation=participation).first()
        others = draft.others if draft else {}
        within = draft.within if draft else None
    if not isinstance(others, Mapping):
        raise ValidationError({"others": PROBLEMS["invalid_value"]})
    _check(participation, others, within, complete=True)
    wave = participation.wave
    instrument = wave.instrument.parsed()
    own = participation.workgroup_id
    response = Response.objects.create(wave=wave, workgroup_id=own)
    ties = []
    rated: list[tuple[str, Mapping[str, Any]]] = list(others.items())
    if within is not None:
        rated.append((own, within))
    for group, answers in rated:
        cleaned = _clean(answers)
        scored = logic.score_tie(instrument, cleaned)
        ties.append(
            TieAnswer(
                response=response,
                wave=wave,
                from_workgroup_id=own,
                about_workgroup_id=group,
                within=group == own,
                answers=cleaned,
                items_answered=scored.answered,
                mean=scored.mean,
                dimensions=scored.dimensions,
            )
        )
    TieAnswer.objects.bulk_create(ties)
    Draft.objects.filter(participation=participation).delete()
    participation.submitted = True
    participation.save(update_fields=["submitted"])


def new_wave_defaults() -> dict[str, Any]:
    """What the new-wave form starts with: the courses of the last year, three weeks to
    answer, the installation's threshold."""
    on = today()
    return {
        "period_start": on - timedelta(days=365),
        "period_end": on,
        "answer_by": on + timedelta(days=21),
        "min_respondents": selectors.threshold(),
    }
