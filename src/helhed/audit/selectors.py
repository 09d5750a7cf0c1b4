"""Reads of the access log: the citizen's own view and supervision by leaders/administrators.

Supervision follows attribution: each entry names the unit the read was made from
(``actor_unit_id``) and that unit's organisation (``actor_organisation_id``), and a *leder* or
*administrator* sees the entries attributed to units of the organisations where they hold that
role today. A reader with units in two organisations is supervised by the organisation of the
unit each read was made from. Only memberships count: a superuser is nobody's supervisor.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet

from helhed.audit import chain, logic
from helhed.audit.models import AccessLogEntry, ChainAnchor, Purpose
from helhed.core.models import Organisation, Role, User
from helhed.core.selectors import membership_list

SUPERVISING_ROLES = frozenset({Role.LEDER, Role.ADMINISTRATOR})


def entries_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> QuerySet[AccessLogEntry]:
    """What the citizen sees under "who has looked at my data". ``exclude_actor`` leaves out the
    citizen's own reads of their own data (the log still stores them)."""
    qs = AccessLogEntry.objects.filter(citizen_id=citizen_id)
    if exclude_actor is not None:
        qs = qs.exclude(actor=exclude_actor)
    return qs.order_by("-at")


# The ``what`` of the list reads written before entries recorded ``listing`` (NULL there): the
# course lists, caseload, search results, task, handover and recommendation lists of the time.
LEGACY_LIST_READS = frozenset(
    {
        "forløbsliste",
        "forløbsliste: familiemedlem fundet ved søgning",
        "sagsoversigt",
        "søgeresultat",
        "mine opgaver",
        "åbne indstillinger",
        "overdragelser og overgange",
        "planlagte målinger",
    }
)


def _listing() -> Q:
    return Q(listing=True) | Q(listing__isnull=True, what__in=LEGACY_LIST_READS)


def record_openings_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> QuerySet[AccessLogEntry]:
    """The citizen's log without the lists they appeared in: each time someone opened their
    course, plan or other data, newest first."""
    return entries_for_citizen(citizen_id, exclude_actor=exclude_actor).exclude(_listing())


@dataclass(frozen=True)
class ListAppearance:
    """The times one person had the citizen's name on one kind of list (a caseload, search
    results), from one unit, for one purpose."""

    actor_name: str
    actor_unit: str
    what: str
    purpose_label: str
    without_consent: bool
    legal_basis: str
    times: int
    first: datetime
    last: datetime


def list_appearances_for_citizen(
    citizen_id: uuid.UUID, *, exclude_actor: User | None = None
) -> list[ListAppearance]:
    """The lists the citizen's name appeared in, grouped by who, from which unit, which list and
    why; the most recent first."""
    rows = (
        entries_for_citizen(citizen_id, exclude_actor=exclude_actor)
        .filter(_listing())
        .values(
            "actor_id",
            "actor_name",
            "actor_unit",
            "what",
            "purpose",
            "without_consent",
            "legal_basis",
        )
        .annotate(times=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last", "actor_name")
    )
    labels = dict(Purpose.choices)
    return [
        ListAppearance(
            actor_name=r["actor_name"],
            actor_unit=r["actor_unit"],
            what=r["what"],
            purpose_label=str(labels.get(r["purpose"], r["purpose"])),
            without_consent=r["without_consent"],
            legal_basis=r["legal_basis"],
            times=r["times"],
            first=r["first"],
            last=r["last"],
        )
        for r in rows
    ]


def supervised_organisation_ids(viewer: User) -> frozenset[uuid.UUID]:
    """The organisations where ``viewer`` is *leder* or *administrator* today."""
    return frozenset(org.pk for org in supervised_organisations(viewer))


def supervised_organisations(viewer: User) -> list[Organisation]:
    """The same organisations, by name (the supervision page says whose entries it shows)."""
    if not viewer.is_authenticated or viewer.is_citizen:
        return []
    found: dict[uuid.UUID, Organisation] = {}
    for m in membership_list(viewer):
        if m.role in SUPERVISING_ROLES:
            found.setdefault(m.unit.organisation_id, m.unit.organisation)
    return sorted(found.values(), key=lambda org: org.name)


def entries_for_supervision(
    viewer: User,
    *,
    citizen_id: uuid.UUID | None = None,
    actor_query: str = "",
    without_consent_only: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AccessLogEntry]:
    """Entries attributed to units of the organisations ``viewer`` supervises (none for anyone
    else, a superuser included), newest first."""
    qs = AccessLogEntry.objects.filter(
        actor_organisation_id__in=supervised_organisation_ids(viewer)
    )
    if citizen_id is not None:
        qs = qs.filter(citizen_id=citizen_id)
    if actor_query:
        qs = qs.filter(actor_name__icontains=actor_query)
    if without_consent_only:
        qs = qs.filter(without_consent=True)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    if until is not None:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at")


# --- Verification of the hash chain (``helhed audit verify``; docs/security.md) ---------------

CHAIN_FIELDS = [
    "seq",
    "chain_hash",
    "id",
    "at",
    "actor_id",
    "actor_organisation_id",
    "actor_unit_id",
    "purpose",
    "without_consent",
    "listing",
    "salt",
    "erased",
    *logic.PERSONAL_FIELDS,
]


@dataclass
class Verification:
    """The outcome of recomputing the chain: what was checked and every problem found, in chain
    order (the first is the first altered, inserted or deleted entry)."""

    checked: int = 0
    first_seq: int | None = None
    head_seq: int = 0
    head_hash: str = logic.GENESIS
    checkpoints: int = 0
    anchor: ChainAnchor | None = None
    problems: list[logic.Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str


def _verifies(key: bytes, prev_hash: str, row: dict[str, Any], seq: int) -> bool:
    stored = row["chain_hash"]
    if not stored or not row["salt"]:
        return False
    return hmac.compare_digest(logic.entry_hash(key, prev_hash, {**row, "seq": seq}), stored)


def _valid_anchor(key: bytes, result: Verification) -> ChainAnchor | None:
    for anchor in ChainAnchor.objects.order_by("-first_seq"):
        expected = logic.anchor_mac(
            key, anchor.first_seq, anchor.prev_hash, anchor.removed, anchor.at
        )
        if hmac.compare_digest(expected, anchor.mac):
            return anchor
        result.problems.append(
            logic.Problem(
                logic.ALTERED,
                anchor.first_seq,
                None,
                "kædens startpunkt efter en oprydning er forfalsket (MAC passer ikke)",
            )
        )
    return None


def _wanted_heads(
    checkpoints: Iterable[Checkpoint], anchor: ChainAnchor | None, result: Verification
) -> dict[int, set[str]]:
    """Every hash the checkpoints name for a sequence number still in the chain (two different
    heads at one number — a file kept across a restore, a rewritten chain — cannot both be the
    chain's); heads before a prune are checked against its anchor here and left out."""
    wanted: dict[int, set[str]] = {}
    for checkpoint in checkpoints:
        if checkpoint.seq > 0:
            wanted.setdefault(checkpoint.seq, set()).add(checkpoint.hash)
    result.checkpoints = len(wanted)
    if anchor is not None:  # heads before the prune cannot be checked; the anchor's can
        for seq in [s for s in wanted if s < anchor.first_seq]:
            if seq == anchor.first_seq - 1 and wanted[seq] != {anchor.prev_hash}:
                result.problems.append(
                    logic.Problem(logic.ALTERED, seq, None, "svarer ikke til checkpointet")
                )
            elif len(wanted[seq]) > 1:  # pruned since, but the file still shows a rewrite
                result.problems.append(
                    logic.Problem(
                        logic.ALTERED,
                        seq,
                        None,
                        "kæden er skrevet om: checkpointene har to forskellige hasher for "
                        "samme sekvens",
                    )
                )
            del wanted[seq]
    return wanted


def verify_chain(*, checkpoints: Iterable[Checkpoint] = ()) -> Verification:
    """Recompute every entry's hash in sequence order and report what does not fit: a changed
    entry (*ændret*), an entry that was never part of the chain or was slipped into it
    (*indsat*), missing sequence numbers (*slettet*), two entries swapped (*flyttet*); with
    ``checkpoints`` (heads kept outside the database) also a truncated tail or a chain rewritten
    since (which a key holder could otherwise do unnoticed)."""
    key = chain.key()
    result = Verification()
    anchor = result.anchor = _valid_anchor(key, result)
    expected = anchor.first_seq if anchor is not None else 1
    prev_hash = anchor.prev_hash if anchor is not None else logic.GENESIS
    wanted = _wanted_heads(checkpoints, anchor, result)
    prev_at: datetime | None = None
    last_seq: int | None = None
    rows = (
        AccessLogEntry._base_manager.filter(seq__isnull=False)
        .order_by("seq")
        .values(*CHAIN_FIELDS)
        .iterator(chunk_size=5000)
    )
    row = next(rows, None)
    while row is not None:
        following = next(rows, None)
        seq, entry_id = row["seq"], str(row["id"])
        problem: logic.Problem | None = None
        if result.first_seq is None:
            result.first_seq = seq
        result.checked += 1
        if seq == last_seq:
            problem = logic.Problem(
                logic.INSERTED, seq, entry_id, "har samme sekvensnummer som posten før"
            )
        elif seq < expected:
            problem = logic.Problem(logic.INSERTED, seq, entry_id, "ligger før kædens startpunkt")
        else:
            if seq > expected:
                missing = str(expected) if seq == expected + 1 else f"{expected}–{seq - 1}"
                problem = logic.Problem(
                    logic.DELETED, seq, entry_id, f"sekvens {missing} mangler før denne post"
                )
            elif not _verifies(key, prev_hash, row, seq):
                problem = _classify(key, prev_hash, prev_at, row, following)
            if problem is not None:
                result.problems.append(problem)
                problem = None
            prev_hash, expected, prev_at = row["chain_hash"] or prev_hash, seq + 1, row["at"]
            if seq in wanted and not all(
                hmac.compare_digest(named, row["chain_hash"] or "") for named in wanted.pop(seq)
            ):
                result.problems.append(
                    logic.Problem(
                        logic.ALTERED,
                        seq,
                        entry_id,
                        "kæden er skrevet om: hashen svarer ikke til et checkpoint",
                    )
                )
        if problem is not None:
            result.problems.append(problem)
        last_seq = seq
        result.head_seq, result.head_hash = seq, row["chain_hash"] or ""
        row = following
    for seq in sorted(wanted):
        result.problems.append(
            logic.Problem(
                logic.DELETED,
                seq,
                None,
                f"checkpointets sekvens {seq} findes ikke længere: kædens ende er slettet",
            )
        )
    unchained = (
        AccessLogEntry._base_manager.filter(seq__isnull=True).order_by("at", "id").values("id")
    )
    for entry in unchained:
        result.problems.append(
            logic.Problem(
                logic.INSERTED,
                None,
                str(entry["id"]),
                "er ikke en del af kæden (intet sekvensnummer)",
            )
        )
    result.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return result


def _classify(
    key: bytes,
    prev_hash: str,
    prev_at: datetime | None,
    row: dict[str, Any],
    following: dict[str, Any] | None,
) -> logic.Problem:
    """What is wrong with an entry whose hash does not fit."""
    seq, entry_id = row["seq"], str(row["id"])
    if not row["chain_hash"] or not row["salt"]:
        return logic.Problem(logic.INSERTED, seq, entry_id, "har ingen hash: skrevet uden om kæden")
    # The next entry fits right here: this one was slipped in before it (or swapped with it).
    if (
        following is not None
        and following["seq"] == seq + 1
        and _verifies(key, prev_hash, following, seq)
    ):
        if _verifies(key, following["chain_hash"], row, seq + 1):
            return logic.Problem(
                logic.MOVED, seq, entry_id, f"har byttet plads med sekvens {seq + 1}"
            )
        return logic.Problem(logic.INSERTED, seq, entry_id, "er skudt ind foran en ægte post")
    if logic.is_backdated(row["at"], prev_at):
        return logic.Problem(
            logic.INSERTED,
            seq,
            entry_id,
            "tilbagedateret: tidspunktet ligger før den forrige post, og hashen passer ikke",
        )
    blanked = [
        name
        for name in logic.NEVER_BLANK
        if logic.is_blank(name, row[name]) and name not in (row["erased"] or {})
    ]
    if blanked:
        detail = f"feltet {', '.join(blanked)} er tømt, uden at dets fingeraftryk er gemt"
    else:
        detail = "indholdet svarer ikke til kædens hash"
    return logic.Problem(logic.ALTERED, seq, entry_id, detail)
