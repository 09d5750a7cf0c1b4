"""The request table: every URL pattern, what a request to it must answer each user, and the
patterns that show no personal data (with the reason).

``cases_for(ctx)`` lists the requests one user makes in one world, each with what the oracle
expects: the acceptable statuses, the tokens that must appear (what the URL is meant to show and
the reader may see), extra tokens that must not appear on this URL (unit names on a course's
pages; every course-bound token the reader may not see is forbidden on every URL anyway), and
which access-log entries the request must write.

``COVERED`` names every pattern the table requests, with what it is checked for; the test checks
that each of them was requested. ``NO_PERSONAL_DATA`` lists the patterns it does not request and
why they show no personal data. ``uncovered_patterns()`` walks the resolver (pages, the API, the
admin) and names every pattern in neither table.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.surface import oracle as o
from tests.surface.world import (
    UNIT,
    UNIT_KEYS,
    USER,
    Built,
    BuiltCourse,
)

OK = frozenset({200})
REFUSED = frozenset({403, 404})
FORBIDDEN = frozenset({403})
NOT_ALLOWED = frozenset({405})
# Not logged in: the login page (pages), 401 (API) or 403 (views that refuse at once).
ANONYMOUS = frozenset({302, 401, 403})


# --------------------------------------------------------------------------------------------
# What a request must do
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    """The access-log entries one request must write: for each citizen it may log, the
    acceptable (unit id, without consent) attributions; the citizens it must log; ``exact``: the
    citizens logged are exactly ``required`` (a list logs one entry per citizen it shows)."""

    allowed: dict[Any, frozenset[tuple[Any, bool]]] = field(default_factory=dict)
    required: frozenset[Any] = frozenset()
    exact: bool = False


NO_LOG = Log()


@dataclass(frozen=True)
class Case:
    pattern: str  # the pattern it is about (checked against the resolver's match)
    path: str
    statuses: frozenset[int]
    about: str  # what the request is, for messages
    htmx: bool = False
    must_show: frozenset[str] = frozenset()  # tokens, when the answer is 200
    forbidden: frozenset[str] = frozenset()  # tokens beyond the user's global ones
    log: Log = NO_LOG
    contains: tuple[str, ...] = ()  # literal texts that must appear (200)
    absent: tuple[str, ...] = ()  # literal texts that must not appear
    post: dict[str, Any] | None = None  # a read answered on POST (the exports): its data
    json: bool = False  # post the data as JSON (the API)


@dataclass
class Ctx:
    world: Built
    user: str
    reads_api_docs: bool = False
    guesses: bool = True  # also request every course pattern with a guessed id
    number: int = 0  # the user's and the world's number (which courses it refuses to check)

    def __post_init__(self) -> None:
        w = self.world.spec
        self.kind = USER[self.user].kind
        self.views = [o.view(w, self.user, i) for i in range(len(w.courses))]
        self.allowed = o.allowed_tokens(w, self.user, self.world.tokens.all)
        self.role = o.start_role(w, self.user)
        self.roles = o.roles(w, self.user)

    @property
    def staff(self) -> bool:
        return self.kind in ("staff", "superuser")

    def unit_id(self, key: str) -> Any:
        return self.world.units[key].pk

    def attributions(self, v: o.View) -> frozenset[tuple[Any, bool]]:
        if v.citizen:
            return frozenset({(None, False)})
        return frozenset((self.unit_id(u), flag) for u, flag in v.attributions)

    def read(self, course: int, *, required: bool = True) -> Log:
        """A read of one course's citizen, attributed as the oracle says."""
        bc = self.world.courses[course]
        citizen = bc.course.citizen_id
        allowed = {citizen: self.attributions(self.views[course])}
        return Log(allowed, frozenset({citizen}) if required else frozenset())

    def any_read(self) -> Log:
        """A list across courses may read (and must log) any citizen the reader may read, as
        the course's reader or as a party to its handover; none is required."""
        allowed = {}
        for i, bc in enumerate(self.world.courses):
            found = set(self.handover_attributions(i)) if self.kind == "staff" else set()
            if not o.is_handover_party(self.world.spec, self.user, i):
                found = set(self.attributions(self.views[i])) if self.views[i].visible else set()
            if found:
                allowed[bc.course.citizen_id] = frozenset(found)
        return Log(allowed)

    def handover_attributions(self, course: int) -> frozenset[tuple[Any, bool]]:
        """A handover is read from the receiving unit (receiver), the sending unit (sender),
        the coordinating unit (coordinator), or as the course is read (other team members)."""
        w, c = self.world.spec, self.world.spec.courses[course]
        units = o.current_units(w, self.user)
        found = set(self.attributions(self.views[course]))
        if c.handover.to_unit in units:
            found.add((self.unit_id(c.handover.to_unit), False))
        if c.handover.from_unit in units:
            found |= {(self.unit_id(c.handover.from_unit), flag) for flag in (False, True)}
        return frozenset(found)

    def tokens(self, course: int, kinds: tuple[str, ...], **where: Any) -> frozenset[str]:
        """The tokens of ``kinds`` in the course that the reader may see."""
        w, v = self.world.spec, self.views[course]
        c = w.courses[course]
        found = set()
        for t in self.world.tokens:
            if t.course != course or t.kind not in kinds or not o.sees_token(v, c, t):
                continue
            if all(check(t) for check in where.values()):
                found.add(t.value)
        return frozenset(found)

    def hidden_unit_names(self, course: int) -> frozenset[str]:
        v, c = self.views[course], self.world.spec.courses[course]
        return frozenset(
            self.world.unit_token[u] for u in UNIT_KEYS if not o.sees_unit_name(v, c, u)
        )


def guessed() -> str:
    return str(uuid.uuid4())


# --------------------------------------------------------------------------------------------
# Course-scoped URLs
# --------------------------------------------------------------------------------------------

ITEM_KINDS = ("measure", "demand", "appointment", "subgoal")
PLAN_KINDS = ("citizen", "goal", *ITEM_KINDS, "member", "text", "conflict")


def _item(bc: BuiltCourse, kind: str) -> list[tuple[int, Any]]:
    return [
        (i, row)
        for i, (row, it) in enumerate(zip(bc.items, bc.spec.items, strict=True))
        if it.kind == kind
    ]


def _refusal(ctx: Ctx) -> frozenset[int]:
    return ANONYMOUS if ctx.kind == "anonymous" else FORBIDDEN


class _CourseCases:
    """Every URL about one course, as one user."""

    def __init__(self, ctx: Ctx, index: int) -> None:
        self.ctx, self.index = ctx, index
        self.bc = ctx.world.courses[index]
        self.v = ctx.views[index]
        self.c = ctx.world.spec.courses[index]
        self.cid = self.bc.course.pk
        self.visible = self.v.visible and not self.v.citizen
        self.coordinator = self.visible and self.v.coordinator
        self.hidden_units = ctx.hidden_unit_names(index) if self.visible else frozenset()
        self.refused = _refusal(ctx)
        self.api_refused = frozenset({401}) if ctx.kind == "anonymous" else FORBIDDEN

    def __iter__(self) -> Iterator[Case]:
        yield from self.course_page()
        yield from self.plan_forms()
        yield from self.item_forms()
        yield from self.history()
        yield from self.coordinator_pages()
        yield from self.sections()
        yield from self.meeting()
        yield from self.handover()
        yield from self.api()

    # helpers ---------------------------------------------------------------------------------

    def status(self, ok: bool, when_ok: frozenset[int] = OK) -> frozenset[int]:
        return when_ok if ok else self.refused

    def read(self, ok: bool) -> Log:
        return self.ctx.read(self.index) if ok else NO_LOG

    def case(self, pattern: str, args: list[Any], ok: bool, about: str, **kw: Any) -> Case:
        kw.setdefault("log", self.read(ok))
        kw.setdefault("forbidden", self.hidden_units)
        if not ok:
            kw.pop("must_show", None)
            kw.pop("contains", None)
        return Case(pattern, reverse(pattern, args=args), self.status(ok), about, **kw)

    def shown(self, kinds: tuple[str, ...], **where: Any) -> frozenset[str]:
        return self.ctx.tokens(self.index, kinds, **where)

    def some(self, rows: list[Any]) -> list[Any]:
        """A course the reader may not see is refused whatever the id of the item, law or
        variant asked for: one of each is enough there (every one for a reader of the course)."""
        return rows if self.visible else rows[:1]

    def token(self, kind: str, ref: Any) -> frozenset[str]:
        return frozenset(
            t.value
            for t in self.ctx.world.tokens
            if t.course == self.index and t.kind == kind and t.ref == ref
        )

    # the pages -------------------------------------------------------------------------------

    def course_page(self) -> Iterator[Case]:
        """The citizen, the goals, and what the reader may see of items, team and texts; the
        print views per law."""
        cid, c = self.cid, self.c
        # The course page's first screen and its sub-pages (issue 14): together what the one
        # long page showed (PLAN_KINDS), each part on the tab that shows it.
        current = o.CURRENT
        tabs = (
            (
                "courses:course_detail",
                "the course page's first screen",
                self.shown(("citizen",))
                | self.shown(("member",), now=lambda t: c.team[t.ref].period == current)
                | self.shown(("text",), own=lambda t: t.ref in ("referral_note", "mandate")),
            ),
            (
                "courses:course_plan",
                "the plan's tab",
                self.shown(("citizen", "goal", "measure", "subgoal"))
                | self.shown(("text",), plan=lambda t: t.ref in ("citizen_statement", "summary")),
            ),
            ("courses:course_demands", "the demands' tab", self.shown(("citizen", "demand"))),
            (
                "courses:course_appointments",
                "the appointments' tab",
                self.shown(("citizen", "appointment")),
            ),
            (
                "courses:course_history",
                "the history's tab",
                self.shown(("citizen",))
                | self.shown(("member",), before=lambda t: c.team[t.ref].period != current),
            ),
        )
        for pattern, about, must in tabs:
            yield self.case(pattern, [cid], self.visible, about, must_show=must)
        laws = [
            ("min-plan", ("citizen",)),
            ("sel-141", ("citizen", "goal", "measure", "subgoal")),
            ("barnets-plan", ("citizen", "goal", "measure", "subgoal")),
        ]
        for law, kinds in self.some(laws):
            must = self.shown(kinds)
            if law == "min-plan":  # the employment part
                must |= self.shown(
                    ("measure", "demand"),
                    employment=lambda t: c.items[t.ref].category in ("employment", "economy"),
                )
            yield self.case(
                "courses:print_view", [cid, law], self.visible, f"print: {law}", must_show=must
            )
        yield Case(
            "courses:print_view",
            reverse("courses:print_view", args=[cid, "ukendt-lov"]),
            frozenset({404}) if self.ctx.kind != "anonymous" else ANONYMOUS,
            "a print view for a law that does not exist",
        )

    def plan_forms(self) -> Iterator[Case]:
        """The plan's forms (GET): what each offers to choose from."""
        cid, c, visible = self.cid, self.c, self.visible
        current_members = self.shown(
            ("member",), current=lambda t: c.team[t.ref].period == o.CURRENT
        )
        texts = self.shown(("text",), plan=lambda t: t.ref in ("citizen_statement", "summary"))
        yield self.case("courses:plan_edit", [cid], visible, "the plan's texts", must_show=texts)
        yield self.case("courses:goal_add", [cid], visible, "a new goal (form)")
        yield Case(
            "courses:child_perspective_edit",
            reverse("courses:child_perspective_edit", args=[cid, guessed()]),
            _refusal(self.ctx),
            "the own perspective of a child not in the course's family (a guessed id)",
        )
        for g, goal in self.some(list(enumerate(self.bc.goals))):
            token = self.token("goal", g)
            yield self.case(
                "courses:goal_edit", [cid, goal.pk], visible, f"goal {g}", must_show=token
            )
            yield self.case(
                "courses:subgoal_add",
                [cid, goal.pk],
                visible,
                f"a new sub-goal of goal {g} (form)",
                must_show=token | current_members,
            )
        yield self.case(
            "courses:measure_add",
            [cid],
            visible,
            "a new measure (form)",
            must_show=current_members | self.shown(("goal",)),
        )
        yield self.case("courses:demand_add", [cid], visible, "a new demand (form)")
        yield self.case(
            "courses:appointment_add",
            [cid],
            visible,
            "a new appointment (form)",
            must_show=current_members | self.shown(("demand",)),
        )

    def item_forms(self) -> Iterator[Case]:
        """Each item's own form: only for a reader who may see the item."""
        for kind, pattern in (
            ("measure", "courses:measure_edit"),
            ("demand", "courses:demand_edit"),
            ("appointment", "courses:appointment_edit"),
        ):
            for i, row in self.some(_item(self.bc, kind)):
                sees = self.visible and o.sees_item(self.v, self.c, i)
                yield self.case(
                    pattern,
                    [self.cid, row.pk],
                    sees,
                    f"{kind} {i} ({self.c.items[i].category}) (form)",
                    must_show=self.token(kind, i),
                )

    def history(self) -> Iterator[Case]:
        """The plan's versions show every category: only to a reader who may see them all."""
        cid = self.cid
        may_all = self.visible and self.v.may_all()
        yield self.case(
            "courses:versions",
            [cid],
            may_all,
            "the plan's version history",
            must_show=self.shown(("measure", "demand", "appointment", "goal")),
        )
        texts = self.shown(("text",), plan=lambda t: t.ref in ("citizen_statement", "summary"))
        compared = Case(
            "courses:versions",
            reverse("courses:versions", args=[cid]) + "?vis=2",
            self.status(may_all),
            "the plan's version 2 compared with version 1",
            must_show=texts if may_all else frozenset(),
            forbidden=self.hidden_units,
            log=self.read(may_all),
        )
        yield from self.some([compared])
        yield Case(
            "courses:version_restore",
            reverse("courses:version_restore", args=[cid, 1]),
            NOT_ALLOWED,
            "restoring a version (GET)",
        )

    def coordinator_pages(self) -> Iterator[Case]:
        """The coordinator's forms (each consent and team member for the coordinator; one of
        each for everyone else, who is refused); the no-access page that offers an access
        without consent."""
        cid, coordinator, ctx = self.cid, self.coordinator, self.ctx
        yield self.case("courses:course_status", [cid], coordinator, "the status (form)")
        yield self.case(
            "courses:course_restriction", [cid], coordinator, "restricting processing (form)"
        )
        yield self.case("courses:change_coordinator", [cid], coordinator, "coordinator (form)")
        yield self.case("courses:consent_create", [cid], coordinator, "a new consent (form)")
        consents = self.bc.consents if self.v.coordinator else self.bc.consents[:1]
        for n, consent in enumerate(consents):
            yield self.case(
                "courses:consent_withdraw", [cid, consent.pk], coordinator, f"consent {n}"
            )
        # Consent with evidence (issue 15): the coordinator's forms; anyone else gets 404 (as a
        # guessed id). No document in this world: its download is 404 to everyone.
        not_ok = self.refused | {404}
        for n, consent in enumerate(consents):
            for pattern in ("courses:consent_change", "courses:consent_document_upload"):
                yield Case(
                    pattern,
                    reverse(pattern, args=[cid, consent.pk]),
                    OK if coordinator else not_ok,
                    f"{pattern} for consent {n}",
                    forbidden=self.hidden_units,
                    log=self.read(coordinator),
                )
            yield Case(
                "courses:consent_document_download",
                reverse("courses:consent_document_download", args=[cid, consent.pk]),
                self.refused | {404} if ctx.kind == "anonymous" else frozenset({404}),
                f"consent {n}'s signed document (none here)",
            )
        yield self.case("courses:team_add", [cid], coordinator, "adding a team member (form)")
        # Art. 15: the coordinator only; a request id that is not the citizen's is refused
        yield self.case("gdpr:course_requests", [cid], coordinator, "art. 15 requests (form)")
        yield self.case(
            "gdpr:course_download",
            [cid, guessed(), "json"],
            False,
            "an art. 15 export for a guessed request",
            log=NO_LOG,
        )
        unit_id = ctx.unit_id(self.c.coordinator_unit)
        yield Case(
            "courses:team_add",
            reverse("courses:team_add", args=[cid]) + f"?unit={unit_id}",
            self.status(coordinator),
            "the team form's user field (htmx): the unit's staff, no citizen data",
            htmx=True,
            forbidden=self.hidden_units,
            log=Log(self.read(coordinator).allowed),
        )
        members = list(enumerate(self.bc.team))
        for t_index, member in members if self.v.coordinator else members[1:2]:
            yield self.case(
                "courses:team_end",
                [cid, member.pk],
                coordinator,
                f"ending team member {t_index} (form)",
                must_show=self.token("member", t_index),
            )
        # The no-access page with the form to open the course without consent: never the course
        may_open = ctx.kind == "staff" and o.may_open_without_consent(ctx.world.spec, ctx.user)
        yield Case(
            "courses:without_consent",
            reverse("courses:without_consent", args=[cid]),
            ANONYMOUS if ctx.kind == "anonymous" else FORBIDDEN,
            "the form to open the course without consent",
            contains=('name="basis"',) if may_open else (),
            absent=() if may_open else ('name="basis"',),
        )
        yield Case(
            "courses:join_answer",
            reverse("courses:join_answer", args=[cid, guessed()]),
            NOT_ALLOWED,
            "answering a join request (GET)",
        )

    def sections(self) -> Iterator[Case]:
        """Other apps' parts of the course page and their forms."""
        cid, visible = self.cid, self.visible
        for htmx in self.some([False, True]):
            suffix = " (htmx)" if htmx else ""
            yield self.case(
                "meetings:course_section",
                [cid],
                visible,
                "the meetings section" + suffix,
                htmx=htmx,
                must_show=self.shown(("meeting",)),
            )
            yield self.case(
                "handovers:course_section",
                [cid],
                visible,
                "the handovers section" + suffix,
                htmx=htmx,
                must_show=self.shown(("stay",)),
            )
        yield self.case("progress:course_progress", [cid], visible, "the progress page")
        yield self.case("meetings:meeting_create", [cid], visible, "a new meeting (form)")
        yield self.case("meetings:meeting_register", [cid], visible, "a held meeting (form)")
        yield self.case("meetings:recommendation_create", [cid], visible, "a recommendation")
        # The receiver field lists every unit in Helhed (a directory, not the course's team)
        yield self.case(
            "handovers:create", [cid], visible, "a new handover (form)", forbidden=frozenset()
        )
        # The stay form shows no data of the citizen (only the kinds the reader may record)
        yield self.case(
            "handovers:stay_create",
            [cid],
            visible,
            "a new stay (form)",
            log=Log(self.read(visible).allowed),
        )
        yield Case(
            "progress:course_measure",
            reverse("progress:course_measure", args=[cid, "who5"]),
            frozenset({302}),
            "an instrument's form (GET redirects to the progress page)",
        )
        yield Case(
            "progress:course_schedule",
            reverse("progress:course_schedule", args=[cid]),
            frozenset({302}),
            "the measurement plan form (GET redirects to the progress page)",
        )
        yield Case(
            "progress:course_schedule_end",
            reverse("progress:course_schedule_end", args=[cid, guessed()]),
            frozenset({302}),
            "removing a guessed measurement plan (GET redirects to the progress page)",
        )

    def meeting(self) -> Iterator[Case]:
        """The meeting, its minutes, decisions, tasks and recommendation."""
        c, visible = self.c, self.visible
        meeting = self.bc.meeting.meeting
        participants = self.shown(
            ("member",), participant=lambda t: c.team[t.ref].period == o.CURRENT
        )
        yield self.case(
            "meetings:meeting_detail",
            [meeting.pk],
            visible,
            "the meeting with its minutes",
            must_show=self.shown(("meeting", "minutes", "decision", "task")) | participants,
        )
        for pattern, about in (
            ("meetings:minutes", "the minutes (form)"),
            ("meetings:decision_add", "a new decision (form)"),
        ):
            # the held meeting's minutes may be closed to writing: the form or a refusal
            yield Case(
                pattern,
                reverse(pattern, args=[meeting.pk]),
                frozenset({200, 403}) if visible else self.refused,
                about,
                forbidden=self.hidden_units,
                log=Log(self.read(visible).allowed),
            )
        sees = visible and o.sees_item(self.v, c, c.meeting.recommendation_measure)
        yield Case(
            "meetings:ruling_create",
            reverse("meetings:ruling_create", args=[self.bc.meeting.recommendation.pk]),
            # only the deciding unit's staff rule; everyone else who sees it is refused too
            frozenset({200, 403}) if sees else self.refused,
            "a ruling on the recommendation (form)",
            must_show=self.shown(("recommendation",)) if sees else frozenset(),
            forbidden=self.hidden_units,
            log=Log(self.read(sees).allowed),
        )

    def handover(self) -> Iterator[Case]:
        """The handover: its parties, and readers of the course who may see what it reveals."""
        ctx, c, bc = self.ctx, self.c, self.bc
        party = ctx.kind == "staff" and o.is_handover_party(ctx.world.spec, ctx.user, self.index)
        sees = party or (self.visible and o.sees_handover(self.v, c))
        citizen = bc.course.citizen_id
        log = (
            Log({citizen: ctx.handover_attributions(self.index)}, frozenset({citizen}))
            if sees
            else NO_LOG
        )
        units = frozenset(
            ctx.world.unit_token[u] for u in (c.handover.from_unit, c.handover.to_unit)
        )
        yield Case(
            "handovers:detail",
            reverse("handovers:detail", args=[bc.handover.pk]),
            OK if sees else self.refused,
            "the handover",
            must_show=self.shown(("handover",)) | units if sees and self.visible else frozenset(),
            log=log,
        )
        for pattern in ("api:handover_detail", "api:handover_fhir"):
            yield Case(
                pattern,
                reverse(pattern, kwargs={"handover_id": bc.handover.pk}),
                OK if sees else self.api_refused,
                f"the handover ({pattern})",
                log=Log(log.allowed),
            )

    def api(self) -> Iterator[Case]:
        """The API's reads of the course: as the pages."""
        texts = {"api:course_detail": ("referral_note", "mandate")}
        texts["api:plan_detail"] = ("citizen_statement", "summary")
        for pattern, about, kinds in (
            ("api:course_detail", "the course", ("citizen", "text", "member")),
            ("api:plan_detail", "the plan", ("goal", *ITEM_KINDS, "text")),
            ("api:team_list", "the team", ("member",)),
            ("api:consent_list", "the consents", ()),
            ("api:consent_history", "the consents' history", ()),
            ("api:meeting_list", "the meetings", ("meeting",)),
            ("api:course_tasks", "the tasks", ()),
            ("api:course_recommendations", "the recommendations", ()),
            ("api:timeliness", "the meetings' timeliness", ()),
            ("api:course_handovers", "the handovers", ()),
            ("api:transitions", "the transitions", ()),
            ("api:gaps", "the gaps", ()),
            ("api:stays", "the stays", ("stay",)),
            ("api:course_timeliness", "the handovers' timeliness", ()),
            ("api:list_measurements", "the measurements", ()),
            ("api:measurement_plan", "the measurement plan", ()),
        ):
            named = texts.get(pattern, ())
            must = self.shown(kinds, text=lambda t, n=named: t.kind != "text" or t.ref in n)
            # The citizen reads their own measurements through the API too (docs/progress.md).
            ok = self.visible or (self.v.citizen and pattern == "api:list_measurements")
            yield Case(
                pattern,
                reverse(pattern, kwargs={"course_id": self.cid}),
                OK if ok else self.api_refused,
                f"{about} (API)",
                must_show=must if self.visible else frozenset(),
                forbidden=self.hidden_units,
                log=self.read(ok),
            )
        # The signed document (the GET of api:consent_document_upload's URL): none in this
        # world, and a course the reader may not see is 404 too — 401 without login.
        api_missing = frozenset({401}) if self.ctx.kind == "anonymous" else frozenset({404})
        for consent in self.bc.consents[:1]:
            yield Case(
                "api:consent_document_upload",
                reverse(
                    "api:consent_document_download",
                    kwargs={"course_id": self.cid, "consent_id": consent.pk},
                ),
                api_missing,
                "the consent's signed document (API)",
            )
        # The course as a FHIR Bundle (API and the page's download): no token the reader may
        # not see, no unit name they may not see named; logged as a read of the course.
        yield Case(
            "api:course_bundle",
            reverse("api:course_bundle", kwargs={"course_id": self.cid}),
            OK if self.visible else self.api_refused,
            "the course as a FHIR Bundle (API)",
            forbidden=self.hidden_units,
            log=self.read(self.visible),
        )
        yield Case(
            "fhir:course_bundle",
            reverse("fhir:course_bundle", args=[self.cid]),
            OK if self.visible else self.refused,
            "the course as a FHIR Bundle (download)",
            forbidden=self.hidden_units,
            log=self.read(self.visible),
        )


def course_cases(ctx: Ctx, index: int) -> Iterator[Case]:
    """Every URL about one course, as this user."""
    return iter(_CourseCases(ctx, index))


def write_only_cases(ctx: Ctx) -> Iterator[Case]:
    """A route that only writes answers a GET with 405 whatever the course: once per user."""
    bc = ctx.world.courses[0]
    cid = bc.course.pk
    for pattern, kwargs in (
        ("api:without_consent_open", {"course_id": cid}),
        ("api:goal_create", {"course_id": cid}),
        ("api:goal_update", {"course_id": cid, "goal_id": bc.goals[0].pk}),
        ("api:child_perspective_save", {"course_id": cid, "child_id": guessed()}),
        ("api:subgoal_create", {"course_id": cid, "goal_id": bc.goals[0].pk}),
        ("api:measure_create", {"course_id": cid}),
        ("api:demand_create", {"course_id": cid}),
        ("api:appointment_create", {"course_id": cid}),
        ("api:team_end", {"course_id": cid, "member_id": bc.team[0].pk}),
        ("api:consent_withdraw", {"course_id": cid, "consent_id": bc.consents[0].pk}),
        ("api:consent_change", {"course_id": cid, "consent_id": bc.consents[0].pk}),
        ("api:consent_confirm", {"consent_id": bc.consents[0].pk}),
        ("api:join_request_answer", {"course_id": cid, "request_id": guessed()}),
        ("api:coordinator_change", {"course_id": cid}),
        ("api:rate_goals", {"course_id": cid}),
        ("api:create_outcome", {"course_id": cid}),
        ("api:end_measurement_schedule", {"schedule_id": guessed()}),
    ):
        yield Case(
            pattern, reverse(pattern, kwargs=kwargs), NOT_ALLOWED, f"{pattern} (GET, write only)"
        )


def guessed_course_cases(ctx: Ctx) -> Iterator[Case]:
    """A course id nobody has: the same refusal as a course the reader may not see."""
    refused = _refusal(ctx)
    cid = guessed()
    for pattern, args in (
        ("courses:course_detail", [cid]),
        ("courses:course_plan", [cid]),
        ("courses:course_demands", [cid]),
        ("courses:course_appointments", [cid]),
        ("courses:course_history", [cid]),
        ("courses:print_view", [cid, "min-plan"]),
        ("courses:plan_edit", [cid]),
        ("courses:goal_add", [cid]),
        ("courses:goal_edit", [cid, guessed()]),
        ("courses:child_perspective_edit", [cid, guessed()]),
        ("courses:subgoal_add", [cid, guessed()]),
        ("courses:measure_add", [cid]),
        ("courses:measure_edit", [cid, guessed()]),
        ("courses:demand_add", [cid]),
        ("courses:demand_edit", [cid, guessed()]),
        ("courses:appointment_add", [cid]),
        ("courses:appointment_edit", [cid, guessed()]),
        ("courses:conflict_mark", [cid]),
        ("courses:conflict_resolve", [cid, guessed()]),
        ("courses:versions", [cid]),
        ("courses:course_status", [cid]),
        ("courses:course_restriction", [cid]),
        ("courses:change_coordinator", [cid]),
        ("courses:consent_create", [cid]),
        ("courses:consent_withdraw", [cid, guessed()]),
        ("courses:team_add", [cid]),
        ("courses:team_end", [cid, guessed()]),
        ("courses:without_consent", [cid]),
        ("meetings:course_section", [cid]),
        ("meetings:meeting_create", [cid]),
        ("meetings:meeting_register", [cid]),
        ("meetings:recommendation_create", [cid]),
        ("handovers:course_section", [cid]),
        ("handovers:create", [cid]),
        ("handovers:stay_create", [cid]),
        ("progress:course_progress", [cid]),
    ):
        yield Case(pattern, reverse(pattern, args=args), refused, f"{pattern} for a guessed id")
    api_refused = frozenset({401}) if ctx.kind == "anonymous" else FORBIDDEN
    for pattern in (
        "api:course_detail",
        "api:plan_detail",
        "api:team_list",
        "api:consent_list",
        "api:consent_history",
        "api:meeting_list",
        "api:course_tasks",
        "api:course_recommendations",
        "api:timeliness",
        "api:course_handovers",
        "api:transitions",
        "api:gaps",
        "api:stays",
        "api:course_timeliness",
        "api:list_measurements",
        "api:measurement_plan",
        "api:schedule_measurements",  # the same URL: a GET is the plan's read
    ):
        yield Case(
            pattern,
            reverse(pattern, kwargs={"course_id": cid}),
            api_refused,
            f"{pattern} for a guessed id",
        )
    # Organisations, initiatives and dashboards by a guessed id: not found or refused
    anonymous = ctx.kind == "anonymous"
    for pattern, args in (
        ("core:organisation_detail", [guessed()]),
        ("registry:initiative_detail", [guessed()]),
        ("registry:initiative_edit", [guessed()]),
        ("progress:dashboard", [guessed()]),
        ("progress:dashboard_timeliness", [guessed()]),
        ("progress:export", [guessed()]),
        ("progress:my_measure", [guessed(), "who5"]),
    ):
        yield Case(
            pattern,
            reverse(pattern, args=args),
            # (a citizen's instrument form redirects before it looks at the course)
            ANONYMOUS if anonymous else frozenset({302, 403, 404}),
            f"{pattern} for a guessed id",
        )
    for pattern, kwargs in (
        ("api:organisation_detail", {"org_id": guessed()}),
        ("api:initiative_detail", {"initiative_id": guessed()}),
        ("api:dashboard", {"initiative_id": guessed()}),
        ("api:initiative_timeliness", {"initiative_id": guessed()}),
    ):
        yield Case(
            pattern,
            reverse(pattern, kwargs=kwargs),
            # aggregates over no course at all are still only aggregates (200)
            frozenset({401}) if anonymous else frozenset({200, 403, 404}),
            f"{pattern} for a guessed id",
        )


# --------------------------------------------------------------------------------------------
# URLs that are not about one course
# --------------------------------------------------------------------------------------------


def _lists(ctx: Ctx) -> tuple[frozenset[str], Log]:
    """What a list of the reader's courses shows and logs: every course they may see (all are
    open), one entry per citizen shown."""
    names: set[str] = set()
    allowed: dict[Any, frozenset[tuple[Any, bool]]] = {}
    for i, bc in enumerate(ctx.world.courses):
        v = ctx.views[i]
        if v.visible and not v.citizen:
            names.add(bc.citizen_token)
            allowed[bc.course.citizen_id] = ctx.attributions(v)
    return frozenset(names), Log(allowed, frozenset(allowed), exact=True)


def _owns_task(ctx: Ctx, course: int | None, about_measure: bool) -> bool:
    """Is the reader the task's owner (the coordinator's row on the team) in a course they may
    see? Their "Mine opgaver" lists it."""
    if course is None or not ctx.views[course].visible or ctx.views[course].citizen:
        return False
    c = ctx.world.spec.courses[course]
    owner = o.task_owner(c) if about_measure else 0
    return c.team[owner].coordinator and c.coordinator == ctx.user


def _page(
    ctx: Ctx,
    pattern: str,
    ok: bool,
    about: str,
    *,
    args: list[Any] | None = None,
    query: str = "",
    **kw: Any,
) -> Case:
    """A page not about one course: 200 if ``ok`` (else 403; the login page when anonymous),
    unless ``statuses`` says otherwise; nothing to show or log unless it may answer 200."""
    statuses = kw.pop("statuses", None)
    if statuses is None:
        statuses = ANONYMOUS if ctx.kind == "anonymous" else (OK if ok else FORBIDDEN)
    if 200 not in statuses:
        kw.pop("must_show", None)
        kw.pop("contains", None)
        kw["log"] = NO_LOG
    return Case(pattern, reverse(pattern, args=args or []) + query, statuses, about, **kw)


def _start_and_lists(ctx: Ctx) -> Iterator[Case]:
    """The start page, the lists of courses, intake and the leaders' review of accesses
    without consent."""
    w, world = ctx.world.spec, ctx.world
    anonymous = ctx.kind == "anonymous"
    # The start page per role
    coordinated = frozenset(
        bc.citizen_token for i, bc in enumerate(world.courses) if ctx.views[i].coordinator
    )
    if anonymous:
        home = ANONYMOUS
    elif ctx.kind == "superuser" and ctx.role is None:
        home = frozenset({302})  # to the admin: the superuser reads no personal data
    else:
        home = OK if ctx.role else FORBIDDEN
    citizen_course = USER[ctx.user].citizen_of
    if ctx.role == "koordinator":
        home_log = Log(
            {
                world.courses[i].course.citizen_id: ctx.attributions(ctx.views[i])
                for i in range(len(world.courses))
                if ctx.views[i].coordinator
            },
            frozenset(
                world.courses[i].course.citizen_id
                for i in range(len(world.courses))
                if ctx.views[i].coordinator
            ),
            exact=True,
        )
        home_must = coordinated
    elif ctx.role == "citizen" and citizen_course is not None:
        home_log = Log(
            {world.courses[citizen_course].course.citizen_id: frozenset({(None, False)})},
            frozenset({world.courses[citizen_course].course.citizen_id}),
        )
        home_must = frozenset()
    else:
        home_log, home_must = NO_LOG, frozenset()
    yield _page(
        ctx, "core:home", True, "the start page", statuses=home, must_show=home_must, log=home_log
    )
    # Lists of courses
    names, list_log = _lists(ctx)
    staff_only = ctx.kind in ("staff", "superuser")
    yield _page(
        ctx, "courses:course_list", staff_only, "the course list", must_show=names, log=list_log
    )
    api_status = frozenset({401}) if anonymous else OK
    yield Case(
        "api:course_list",
        reverse("api:course_list"),
        api_status if ctx.kind != "citizen" else OK,
        "the course list (API)",
        must_show=names if staff_only else frozenset(),
        log=list_log if staff_only else NO_LOG,
    )
    # Intake: no personal data until a CPR number is posted
    may_intake = ctx.kind in ("staff",) and bool(o.current_units(w, ctx.user))
    yield _page(ctx, "courses:intake", may_intake, "the intake form")
    yield _page(
        ctx,
        "courses:intake",
        may_intake,
        "the intake form's checklist (htmx)",
        query=f"?initiative={world.initiative.pk}",
        htmx=True,
    )
    yield _page(ctx, "courses:join_request", False, "a join request (GET)", statuses=NOT_ALLOWED)
    # Early contact (issue 14): the referral form lists municipal units and their coordinators
    may_refer = ctx.kind == "staff" and bool(o.roles(w, ctx.user) & {"koordinator", "fagperson"})
    yield _page(ctx, "courses:referral", may_refer, "the referral form")
    # Leaders' review of accesses without consent: who opened what from their units, no citizen
    leader_orgs = o.organisations_of(w, ctx.user, "leder")
    review_units = {g.unit for c in w.courses for g in c.grants if o.org_of(g.unit) in leader_orgs}
    yield _page(
        ctx,
        "courses:without_consent_review",
        ctx.kind == "staff" and bool(leader_orgs),
        "the leaders' review of accesses without consent",
        must_show=frozenset(world.unit_token[u] for u in review_units),
        forbidden=frozenset(
            world.unit_token[u]
            for c in w.courses
            for g in c.grants
            if (u := g.unit)
            and o.org_of(u) not in leader_orgs
            # the page header names the reader's own units (DKFDS's solution row)
            and u not in o.current_units(w, ctx.user)
        ),
    )
    yield _page(
        ctx,
        "courses:without_consent_review_save",
        False,
        "reviewing an access (GET)",
        args=[guessed()],
        statuses=NOT_ALLOWED,
    )


def _citizen_pages(ctx: Ctx) -> Iterator[Case]:
    """The citizen's own pages: everything about themself, nothing about anyone else."""
    w, world = ctx.world.spec, ctx.world
    anonymous = ctx.kind == "anonymous"
    citizen_course = USER[ctx.user].citizen_of
    # The citizen's own pages: everything about themself, nothing about anyone else
    own = citizen_course if ctx.kind == "citizen" else None
    own_log = (
        Log(
            {world.courses[own].course.citizen_id: frozenset({(None, False)})},
            frozenset({world.courses[own].course.citizen_id}),
        )
        if own is not None
        else NO_LOG
    )
    everything_own: frozenset[str] = frozenset()
    if own is not None:
        c = w.courses[own]
        everything_own = frozenset(
            t.value
            for t in world.tokens
            if t.course == own
            and (
                t.kind in ("goal", "measure", "demand", "appointment")
                or (t.kind == "text" and t.ref == "citizen_statement")
                or (
                    t.kind == "member"
                    and c.team[t.ref].period == o.CURRENT
                    and not c.team[t.ref].coordinator
                )
            )
        )
    yield _page(
        ctx,
        "courses:my_plan",
        ctx.kind == "citizen",
        "the citizen's plan",
        must_show=everything_own,
        log=own_log,
    )
    yield _page(
        ctx,
        "courses:my_consents",
        ctx.kind == "citizen",
        "the citizen's consents",
        log=Log(own_log.allowed),
    )
    for i, bc in enumerate(world.courses):
        for n, consent in enumerate(bc.consents[:1]):
            mine = own == i
            yield _page(
                ctx,
                "courses:my_consent_withdraw",
                mine,
                f"withdrawing course {i}'s consent {n} (citizen)",
                args=[consent.pk],
                # one's own: the form, or back to the list if it is no longer in force
                statuses=frozenset({200, 302}) if mine else (None if anonymous else REFUSED),
                log=Log(own_log.allowed),
            )
    yield _page(
        ctx,
        "courses:my_consent_withdraw",
        False,
        "withdrawing a guessed consent (citizen)",
        args=[guessed()],
        statuses=ANONYMOUS if anonymous else REFUSED,
    )
    for i, bc in enumerate(world.courses):
        for n, consent in enumerate(bc.consents[:1]):
            mine = own == i
            yield _page(
                ctx,
                "courses:my_consent_confirm",
                mine,
                f"confirming course {i}'s consent {n} (citizen)",
                args=[consent.pk],
                # one's own: the confirmation page, or 404 if a custody holder gave it
                statuses=frozenset({200, 404}) if mine else (None if anonymous else REFUSED),
                log=Log(own_log.allowed),
            )
    yield _page(
        ctx,
        "courses:my_consent_confirm",
        False,
        "confirming a guessed consent (citizen)",
        args=[guessed()],
        statuses=ANONYMOUS if anonymous else REFUSED,
    )
    yield _page(ctx, "audit:my_log", ctx.kind == "citizen", "the citizen's own access log")
    yield _page(
        ctx,
        "gdpr:my_requests",
        own is not None,
        "the citizen's requests for access (art. 15)",
        log=Log(own_log.allowed),
    )
    yield _page(
        ctx,
        "gdpr:my_download",
        False,
        "an art. 15 export for a guessed request (citizen)",
        args=[guessed(), "html"],
        statuses=ANONYMOUS if anonymous else REFUSED,
    )
    yield _page(
        ctx,
        "meetings:my_meetings",
        ctx.kind == "citizen",
        "the citizen's meetings",
        log=Log(own_log.allowed),
    )
    yield _page(
        ctx,
        "meetings:my_answers",
        False,
        "answering a meeting (GET)",
        args=[guessed()],
        statuses=NOT_ALLOWED,
    )
    yield _page(
        ctx,
        "progress:my_progress",
        ctx.kind == "citizen",
        "the citizen's progress",
        log=Log(own_log.allowed),
    )
    for i, bc in enumerate(world.courses):
        yield _page(
            ctx,
            "progress:my_measure",
            False,
            f"course {i}'s WHO-5 form (the citizen's; GET redirects to their progress page)",
            args=[bc.course.pk, "who5"],
            statuses=frozenset({302}) if ctx.kind in ("citizen", "anonymous") else FORBIDDEN,
        )


def _staff_lists(ctx: Ctx) -> Iterator[Case]:
    """Supervision, the staff's own lists, notifications, organisations and dashboards."""
    w, world = ctx.world.spec, ctx.world
    anonymous = ctx.kind == "anonymous"
    staff_member = ctx.kind == "staff" and bool(ctx.roles)
    # Supervision of the access log: the entries made from units of the reader's organisations
    supervised = o.organisations_of(w, ctx.user, "leder", "administrator")
    yield _page(
        ctx,
        "audit:supervision",
        ctx.kind == "staff" and bool(supervised),
        "the access log's supervision",
        forbidden=frozenset(world.unit_token[u] for u in UNIT_KEYS if UNIT[u].org not in supervised)
        - frozenset(world.unit_token[u] for u in o.current_units(w, ctx.user)),
    )
    # Staff's own lists: tasks, recommendations, handovers, notifications. "Mine opgaver": the
    # tasks whose owner is the reader (the coordinator's row), in courses they may see.
    my_tasks = frozenset(
        t.value for t in world.tokens if t.kind == "task" and _owns_task(ctx, t.course, t.ref)
    )
    staff_status = OK if ctx.kind in ("staff", "superuser") else FORBIDDEN
    for pattern, about in (
        ("meetings:my_tasks", "my tasks"),
        ("meetings:recommendations", "open recommendations"),
        ("handovers:overview", "handovers waiting for my units"),
    ):
        yield _page(
            ctx,
            pattern,
            True,
            about,
            statuses=ANONYMOUS if anonymous else staff_status,
            log=ctx.any_read(),
            must_show=my_tasks if pattern == "meetings:my_tasks" else frozenset(),
        )
    for pattern, about, htmx in (
        ("notifications:list", "my notifications", False),
        ("notifications:badge", "the unread badge (htmx)", True),
    ):
        yield _page(ctx, pattern, True, about, htmx=htmx)
    yield _page(
        ctx,
        "notifications:open",
        False,
        "a guessed notification",
        args=[guessed()],
        statuses=ANONYMOUS if anonymous else frozenset({404}),
    )
    yield _page(
        ctx,
        "notifications:read_all",
        False,
        "marking all read (GET)",
        statuses=NOT_ALLOWED if not anonymous else ANONYMOUS | NOT_ALLOWED,
    )
    # Organisations and units (not personal data; staff with a role)
    # (the superuser too: organisations are reference data it keeps)
    directory = staff_member or ctx.kind == "superuser"
    yield _page(ctx, "core:organisation_list", directory, "the organisations")
    yield _page(ctx, "core:organisation_list", directory, "the organisations (htmx)", htmx=True)
    yield _page(
        ctx,
        "core:organisation_detail",
        directory,
        "an organisation",
        args=[world.organisations["m1"].pk],
    )
    # Dashboards: aggregates only, never a citizen
    leader_or_analyst = ctx.kind == "staff" and bool(ctx.roles & {"leder", "analytiker"})
    yield _page(
        ctx,
        "progress:initiatives",
        leader_or_analyst,
        "the initiatives' results",
        statuses=None if anonymous else frozenset({200, 403}),
    )
    yield _page(
        ctx,
        "progress:dashboard",
        leader_or_analyst,
        "an initiative's dashboard",
        args=[world.initiative.pk],
        statuses=None if anonymous else frozenset({200, 403}),
    )
    yield _page(
        ctx,
        "progress:dashboard_timeliness",
        leader_or_analyst,
        "an initiative's timeliness",
        args=[world.initiative.pk],
        statuses=None if anonymous else frozenset({200, 403}),
    )
    analyst = ctx.kind == "staff" and "analytiker" in ctx.roles
    yield _page(
        ctx,
        "progress:export",
        analyst,
        "the evaluation export (form)",
        args=[world.initiative.pk],
        statuses=None if anonymous else frozenset({200, 403}),
    )
    # The evaluation export itself (POST): analysts only, and never for fewer than 5 citizens
    # (each world's initiative has 2): no rows, no log entry, no data of anyone.
    export = {"purpose": "evaluering", "date_mode": "quarter"}
    yield Case(
        "progress:export",
        reverse("progress:export", args=[world.initiative.pk]),
        ANONYMOUS if anonymous else (frozenset({200, 400, 422}) if analyst else FORBIDDEN),
        "the evaluation export (POST, CSV)",
        post={**export, "fmt": "csv"},
        absent=("pseudonym,forloeb,kohorte",),  # the CSV's header row
    )
    yield Case(
        "api:export",
        reverse("api:export", kwargs={"initiative_id": world.initiative.pk}),
        frozenset({401}) if anonymous else (frozenset({422}) if analyst else FORBIDDEN),
        "the evaluation export (API, POST)",
        post=export,
        json=True,
        absent=('"rows": [{',),
    )


def _reference_and_admin(ctx: Ctx) -> Iterator[Case]:
    """The registry (no personal data) and the admin (no personal-data model)."""
    world = ctx.world
    anonymous = ctx.kind == "anonymous"
    # The registry of initiatives (not personal data)
    for pattern, args, about in (
        ("registry:initiative_list", [], "the registry"),
        ("registry:initiative_detail", [world.initiative.pk], "an initiative"),
        ("registry:matrix", [], "the category matrix"),
        ("registry:distribution", [], "the distribution"),
        ("registry:initiative_create", [], "a new initiative (form)"),
        ("registry:initiative_edit", [world.initiative.pk], "editing an initiative (form)"),
        ("registry:import", [], "the import form"),
        ("registry:export", ["csv"], "the registry as CSV"),
    ):
        yield _page(
            ctx,
            pattern,
            True,
            about,
            args=args,
            statuses=None if anonymous else frozenset({200, 403}),
        )
    yield _page(
        ctx,
        "registry:initiative_preview",
        False,
        "the live preview (GET)",
        statuses=ANONYMOUS | NOT_ALLOWED if anonymous else frozenset({403, 405}),
    )
    # The admin: no personal data is registered; who enters is docs/security.md's rule
    in_admin = ctx.kind == "superuser" or "administrator" in ctx.roles
    for pattern in (
        "admin:index",
        "admin:core_user_changelist",
        "admin:core_unit_changelist",
        "admin:core_membership_changelist",
    ):
        # Anyone else is sent to the one login page, which refuses a logged-in user (403).
        refused_admin = frozenset({302, 403})
        yield _page(ctx, pattern, in_admin, pattern, statuses=OK if in_admin else refused_admin)


def _api_and_guesses(ctx: Ctx) -> Iterator[Case]:
    """The API outside courses, write-only routes, and objects by a guessed id."""
    world = ctx.world
    anonymous = ctx.kind == "anonymous"
    # The API outside courses
    api_anon = frozenset({401})
    for pattern, kwargs in (
        ("api:me", {}),
        ("api:organisation_list", {}),
        ("api:organisation_detail", {"org_id": world.organisations["m1"].pk}),
        ("api:welfare_areas", {}),
        ("api:initiative_list", {}),
        ("api:initiative_detail", {"initiative_id": world.initiative.pk}),
        ("api:matrix", {}),
        ("api:without_consent_bases", {}),
        ("api:list_notifications", {}),
        ("api:tasks_mine", {}),
        ("api:recommendations_open", {}),
        ("api:waiting", {}),
        ("api:instruments", {}),
        ("api:dashboard", {"initiative_id": world.initiative.pk}),
        ("api:initiative_timeliness", {"initiative_id": world.initiative.pk}),
        ("api:meeting_get", {"meeting_id": guessed()}),
        ("api:handover_detail", {"handover_id": guessed()}),
        ("api:handover_fhir", {"handover_id": guessed()}),
    ):
        yield Case(
            pattern,
            reverse(pattern, kwargs=kwargs),
            api_anon if anonymous else frozenset({200, 403, 404}),
            f"{pattern}",
            log=ctx.any_read(),
        )
    for pattern, kwargs in (
        ("api:join_request_create", {}),
        ("api:referral_create", {}),
        ("api:categorize", {}),
        ("api:read_notification", {"notification_id": guessed()}),
        ("api:availability", {"meeting_id": guessed()}),
        ("api:meeting_register", {"course_id": guessed()}),
        ("api:choose_time", {"meeting_id": guessed()}),
        ("api:minutes", {"meeting_id": guessed()}),
        ("api:decision_create", {"meeting_id": guessed()}),
        ("api:task_done", {"task_id": guessed()}),
        ("api:ruling_create", {"recommendation_id": guessed()}),
        ("api:accept", {"handover_id": guessed()}),
        ("api:decline", {"handover_id": guessed()}),
        ("api:revoke", {"handover_id": guessed()}),
        ("api:confirm", {"handover_id": guessed()}),
        ("api:arrival", {"handover_id": guessed()}),
        ("api:reschedule", {"handover_id": guessed()}),
        ("api:import_bundle", {}),
        ("api:request_export", {}),
    ):
        yield Case(
            pattern, reverse(pattern, kwargs=kwargs), NOT_ALLOWED, f"{pattern} (GET, write only)"
        )
    # Bulk FHIR exports by a guessed id: none is anyone's (the own ones: tests/fhir)
    for pattern in ("api:export_status", "api:export_download"):
        yield Case(
            pattern,
            reverse(pattern, kwargs={"export_id": guessed()}),
            api_anon if anonymous else REFUSED,
            f"{pattern} (a guessed id)",
        )
    for pattern in ("fhir:export_status", "fhir:export_download"):
        yield Case(
            pattern,
            reverse(pattern, args=[guessed()]),
            ANONYMOUS if anonymous else REFUSED,
            f"{pattern} (a guessed id)",
        )
    if ctx.reads_api_docs:  # the same document for everyone, and slow: one reader per world
        # Anyone without a login is sent to the login page (the docs' decorator is
        # login_required); an account whose membership ended gets the API's 401 at the request
        # that logs it out, and the redirect after that.
        yield Case(
            "api:openapi-json",
            reverse("api:openapi-json"),
            api_anon | {302} if anonymous else OK,
            "the OpenAPI document",
        )
    # Meetings, tasks, recommendations, handovers and stays by a guessed id
    for pattern, args in (
        ("meetings:meeting_detail", [guessed()]),
        ("meetings:minutes", [guessed()]),
        ("meetings:decision_add", [guessed()]),
        ("meetings:ruling_create", [guessed()]),
        ("handovers:detail", [guessed()]),
    ):
        yield _page(
            ctx,
            pattern,
            False,
            f"{pattern} for a guessed id",
            args=args,
            statuses=ANONYMOUS if anonymous else REFUSED,
        )
    for pattern, args in (
        ("meetings:availability", [guessed()]),
        ("meetings:choose_time", [guessed()]),
        ("meetings:meeting_cancel", [guessed()]),
        ("meetings:task_done", [guessed()]),
        ("handovers:action", [guessed(), "accept"]),
        ("handovers:reschedule", [guessed()]),
        ("handovers:stay_end", [guessed()]),
    ):
        yield _page(
            ctx,
            pattern,
            False,
            f"{pattern} (GET)",
            args=args,
            # staff: the method is wrong (405); anyone else may not write here at all (403)
            statuses=NOT_ALLOWED if ctx.staff else frozenset({302, 403, 405}),
        )


def global_cases(ctx: Ctx) -> Iterator[Case]:
    """Every URL that is not about one course, as this user."""
    yield from _start_and_lists(ctx)
    yield from _citizen_pages(ctx)
    yield from _staff_lists(ctx)
    yield from _reference_and_admin(ctx)
    yield from _api_and_guesses(ctx)
    yield from _operations(ctx)


def _operations(ctx: Ctx) -> Iterator[Case]:
    """The health probes and the metrics scrape (helhed.ops): the same answer for every user,
    logged in or not — figures only, no one's data, nothing written to the access log."""
    yield Case("ops:live", reverse("ops:live"), OK, "liveness", contains=('"status": "ok"',))
    yield Case(
        "ops:ready",
        reverse("ops:ready"),
        frozenset({200, 503}),
        "readiness",
        contains=('"database"', '"migrations"', '"queue"'),
    )
    # No HELHED_METRICS_TOKEN in the tests' settings: the endpoint does not exist.
    yield Case("ops:metrics", reverse("ops:metrics"), frozenset({404}), "metrics (no token)")


# --------------------------------------------------------------------------------------------
# Economics (docs/economics.md) and relational coordination
# --------------------------------------------------------------------------------------------

# Anything but a server error or a page of someone else's data: the aggregate pages' own rules
# (leaders and analysts of actor organisations, a contract's parties) are their apps' tests'.
AGGREGATE = frozenset({200, 302, 403, 404, 405})


def economics_course_cases(ctx: Ctx, index: int) -> Iterator[Case]:
    """A course's costs and contract results are personal data: the course's rule (team within
    consent, coordinator, access without consent), every read logged."""
    bc = ctx.world.courses[index]
    v = ctx.views[index]
    visible = v.visible and not v.citizen
    refused = _refusal(ctx)
    read = ctx.read(index) if visible else NO_LOG
    hidden_units = ctx.hidden_unit_names(index) if visible else frozenset()
    cid = bc.course.pk
    yield Case(
        "economics:course",
        reverse("economics:course", args=[cid]),
        OK if visible else refused,
        "the course's costs and results",
        forbidden=hidden_units,
        log=read,
    )
    for htmx in (False, True):
        yield Case(
            "economics:course_section",
            reverse("economics:course_section", args=[cid]),
            OK if visible else refused,
            "the course page's economics section" + (" (htmx)" if htmx else ""),
            htmx=htmx,
            forbidden=hidden_units,
            log=read,
        )
    for pattern, args in (
        ("economics:cost_add", [cid]),
        ("economics:enrol", [cid]),
        ("economics:cost_delete", [cid, guessed()]),
        ("economics:override", [cid, guessed()]),
    ):
        # forms that are posted (a GET goes back to the course's economics page), or refused
        yield Case(
            pattern,
            reverse(pattern, args=args),
            ANONYMOUS if ctx.kind == "anonymous" else frozenset({302, 403, 404, 405}),
            f"{pattern} (GET)",
        )
    api_refused = frozenset({401}) if ctx.kind == "anonymous" else FORBIDDEN
    for pattern in ("api:course_costs", "api:course_results"):
        yield Case(
            pattern,
            reverse(pattern, kwargs={"course_id": cid}),
            OK if visible else api_refused,
            f"{pattern} (API)",
            forbidden=hidden_units,
            log=read,
        )


def aggregate_cases(ctx: Ctx) -> Iterator[Case]:
    """Economics' prices, business cases and contracts and relational coordination's survey
    waves: aggregates and staff's own answers, never a citizen — each requested by every user,
    with the world's initiative or a guessed id."""
    initiative = ctx.world.initiative.pk
    anonymous = ctx.kind == "anonymous"
    for pattern, args in (
        ("economics:index", []),
        ("economics:prices", []),
        ("economics:price_new", []),
        ("economics:price", [guessed()]),
        ("economics:price_edit", [guessed()]),
        ("economics:price_copy", [guessed()]),
        ("economics:initiative", [initiative]),
        ("economics:case_new", [initiative]),
        ("economics:contract_new", [initiative]),
        ("economics:case", [guessed()]),
        ("economics:case_edit", [guessed()]),
        ("economics:case_history", [guessed()]),
        ("economics:case_xlsx", [guessed()]),
        ("economics:contract", [guessed()]),
        ("economics:contract_edit", [guessed()]),
        ("economics:contract_report", [guessed()]),
        ("economics:contract_report_xlsx", [guessed()]),
        ("economics:contract_history", [guessed()]),
        ("coordination:index", []),
        ("coordination:wave_new", []),
        ("coordination:wave_detail", [guessed()]),
        ("coordination:wave_close", [guessed()]),
        ("coordination:wave_action", [guessed(), "aabn"]),
        ("coordination:results", [guessed()]),
        ("coordination:structure", [guessed()]),
        ("coordination:flow", [guessed()]),
        ("coordination:export", [guessed()]),
        ("coordination:answer_start", [guessed()]),
        ("coordination:answer_submit", [guessed()]),
        ("coordination:answer_group", [guessed(), "gruppe"]),
        ("coordination:workgroups", []),
        ("coordination:classification", []),
        # course imports: a user's own jobs (a guessed id is refused like another's job)
        ("imports:list", []),
        ("imports:upload", []),
        ("imports:job", [guessed()]),
        ("imports:start", [guessed()]),
        ("imports:cancel", [guessed()]),
        ("imports:progress", [guessed()]),
    ):
        yield Case(
            pattern,
            reverse(pattern, args=args),
            ANONYMOUS if anonymous else AGGREGATE,
            f"{pattern} (aggregates, no citizen)",
            log=ctx.any_read(),
        )
    for pattern, kwargs in (
        ("api:prices", {}),
        ("api:price_update", {"price_id": guessed()}),
        ("api:initiative_costs", {"initiative_id": initiative}),
        ("api:case_detail", {"case_id": guessed()}),
        ("api:case_create", {}),
        ("api:contract_detail", {"contract_id": guessed()}),
        ("api:contract_create", {}),
        ("api:contract_report", {"contract_id": guessed()}),
        ("api:cost_delete", {"cost_id": guessed()}),
        ("api:course_enrol", {"course_id": guessed()}),
        ("api:result_override", {"result_id": guessed()}),
        ("api:workgroup_list", {}),
        ("api:instrument_list", {}),
        ("api:wave_list", {}),
        ("api:wave_get", {"wave_id": guessed()}),
        ("api:participant_add", {"wave_id": guessed()}),
        ("api:participant_change", {"wave_id": guessed(), "participation_id": guessed()}),
        ("api:wave_open", {"wave_id": guessed()}),
        ("api:wave_close", {"wave_id": guessed()}),
        ("api:wave_results", {"wave_id": guessed()}),
        ("api:wave_network", {"wave_id": guessed()}),
        ("api:wave_flow", {"wave_id": guessed()}),
        ("api:answers_get", {"wave_id": guessed()}),
        ("api:answers_submit", {"wave_id": guessed()}),
        ("api:classification_list", {}),
    ):
        yield Case(
            pattern,
            reverse(pattern, kwargs=kwargs),
            frozenset({401, 405}) if anonymous else AGGREGATE,
            f"{pattern} (aggregates, no citizen)",
            log=ctx.any_read(),
        )


def cases_for(ctx: Ctx) -> list[Case]:
    found = list(global_cases(ctx))
    for index in range(len(ctx.world.courses)):
        # A course the reader may not see is asked for on every one of its URLs by a third of
        # those readers (a different third in each world): each URL's refusal of a real id is
        # still checked several times per world, at a third of the cost.
        if ctx.views[index].visible or (ctx.number + index) % 3 == 0:
            found.extend(course_cases(ctx, index))
            found.extend(economics_course_cases(ctx, index))
    if ctx.number % 3 == 0:  # aggregates: a third of the users in each world, by turns
        found.extend(aggregate_cases(ctx))
    found.extend(write_only_cases(ctx))
    if ctx.guesses:
        found.extend(guessed_course_cases(ctx))
    return found


# --------------------------------------------------------------------------------------------
# Every pattern: covered, or no personal data (with the reason)
# --------------------------------------------------------------------------------------------

# What each requested pattern is checked for (besides, on every request: no 500, no token the
# reader may not see, the access log written only for what the reader may read, attributed to
# the right unit). "Refused" means 403/404 for a course or object the reader may not see and for
# a guessed id; "write only" means a GET answers 405 and shows and logs nothing.
_COURSE_PAGE = "200 to a reader of the course, refused otherwise"
COVERED: dict[str, str] = {
    # courses: the course, its plan, forms and print views
    "courses:course_detail": f"{_COURSE_PAGE}; the first screen: the citizen, the current team "
    "members and the course's free texts the reader may see, no unit name the reader may not "
    "see; the read is logged (the plan's items are on the sub-pages below)",
    "courses:course_plan": f"{_COURSE_PAGE}; the goals, sub-goals, measures and plan texts the "
    "reader may see; logged",
    "courses:course_demands": f"{_COURSE_PAGE}; the demands the reader may see; logged",
    "courses:course_appointments": f"{_COURSE_PAGE}; the appointments the reader may see; logged",
    "courses:course_history": f"{_COURSE_PAGE}; former team members the reader may name; logged",
    "courses:print_view": f"{_COURSE_PAGE} (404 for an unknown law); Min Plan lists the visible "
    "employment and economy measures and demands, § 141 and Barnets plan every visible measure",
    "courses:plan_edit": f"{_COURSE_PAGE}; the plan's texts the reader may see",
    "courses:goal_add": _COURSE_PAGE,
    "courses:goal_edit": f"{_COURSE_PAGE}; the goal",
    "courses:child_perspective_edit": "refused for a child not in the course's family (a "
    "guessed id), whoever asks; a family's child: tests/courses/test_families.py",
    "courses:subgoal_add": f"{_COURSE_PAGE}; the goal and the team members it may name",
    "courses:measure_add": f"{_COURSE_PAGE}; the team members and goals it may name",
    "courses:measure_edit": "200 for a measure the reader may see, refused otherwise",
    "courses:demand_add": _COURSE_PAGE,
    "courses:demand_edit": "200 for a demand the reader may see, refused otherwise",
    "courses:appointment_add": f"{_COURSE_PAGE}; the team members and demands it may name",
    "courses:appointment_edit": "200 for an appointment the reader may see, refused otherwise",
    "courses:conflict_mark": "200 to the coordinator only",
    "courses:conflict_resolve": "200 to the coordinator only; the conflict",
    "courses:versions": "200 only to a reader who may see every category (and ?vis=2 the texts)",
    "courses:version_restore": "write only",
    "courses:course_status": "200 to the coordinator only",
    "courses:course_restriction": "200 to the coordinator only",
    "courses:change_coordinator": "200 to the coordinator only",
    "courses:consent_create": "200 to the coordinator only",
    "courses:consent_withdraw": "200 to the coordinator only",
    "courses:team_add": "200 to the coordinator only (also the htmx user field)",
    "courses:team_end": "200 to the coordinator only; the member",
    "courses:without_consent": "always 403 and nothing of the course; the form only to a casework "
    "authority's koordinator or fagperson",
    "courses:join_answer": "write only",
    "courses:course_list": "every course the reader may see, by the citizen's name, and no other; "
    "one log entry per citizen shown",
    "courses:intake": "staff with a current membership; no personal data (also the htmx checklist)",
    "courses:join_request": "write only",
    "courses:referral": "a caseworker's form: municipal units and their coordinators, no citizen",
    "courses:without_consent_review": "leaders only; the accesses opened from their "
    "organisations' units, none from other organisations'",
    "courses:without_consent_review_save": "write only",
    "courses:my_plan": "the citizen's own plan (goals, measures, demands, appointments, team), "
    "nothing of anyone else; logged as the citizen's own read",
    "courses:my_consents": "the citizen's own consents",
    "courses:my_consent_withdraw": "the citizen's own consent only",
    "courses:my_consent_confirm": "the citizen's own consent (or her custody child's) only",
    "courses:consent_change": "200 to the coordinator only, 404 to anyone else; logged",
    "courses:consent_document_upload": "200 to the coordinator only, 404 to anyone else; logged",
    "courses:consent_document_download": "404 without a document, to everyone (guard first)",
    "api:consent_history": "as the course page; details only for a reader of every category",
    "api:consent_document_upload": "GET on its URL is the download: 404 without a document",
    # the start page, organisations, supervision, notifications
    "core:home": "the start page per role; the coordinator's caseload names their courses and "
    "logs them; no role: 403; the superuser: to the admin",
    "core:organisation_list": "staff with a role (and the superuser); no personal data",
    "core:organisation_detail": "staff with a role (and the superuser); no personal data",
    "audit:supervision": "leders and administrators only; no unit of another organisation",
    "audit:my_log": "the citizen only",
    "notifications:list": "no personal data",
    "notifications:badge": "no personal data (htmx)",
    "notifications:open": "404 for a guessed id",
    "notifications:read_all": "write only",
    # meetings
    "meetings:course_section": f"{_COURSE_PAGE} (page and htmx); the meeting",
    "meetings:meeting_create": _COURSE_PAGE,
    "meetings:meeting_register": _COURSE_PAGE,
    "meetings:recommendation_create": _COURSE_PAGE,
    "meetings:meeting_detail": f"{_COURSE_PAGE}; the minutes, decisions, tasks and participants "
    "the reader may see",
    "meetings:minutes": "the form or 403 to a reader of the course, refused otherwise",
    "meetings:decision_add": "the form or 403 to a reader of the course, refused otherwise",
    "meetings:ruling_create": "the form or 403 to a reader of the recommendation, refused "
    "otherwise",
    "meetings:availability": "write only",
    "meetings:choose_time": "write only",
    "meetings:meeting_cancel": "write only",
    "meetings:task_done": "write only",
    "meetings:my_tasks": "the reader's own tasks in courses they may see",
    "meetings:recommendations": "staff only; nothing the reader may not see",
    "meetings:my_meetings": "the citizen only",
    "meetings:my_answers": "write only",
    # handovers
    "handovers:course_section": f"{_COURSE_PAGE} (page and htmx); the stay if its category is seen",
    "handovers:create": _COURSE_PAGE,
    "handovers:stay_create": _COURSE_PAGE,
    "handovers:detail": "200 to its sending and receiving units, the coordinator and readers who "
    "may see what it reveals; the receiver's summary only what the consent lets travel",
    "handovers:action": "write only",
    "handovers:reschedule": "write only",
    "handovers:stay_end": "write only",
    "handovers:overview": "staff only; nothing the reader may not see",
    # progress
    "progress:course_progress": f"{_COURSE_PAGE}; life areas only in the categories seen",
    "progress:course_measure": "a GET redirects to the progress page",
    "progress:course_schedule": "write only (a GET redirects to the progress page)",
    "progress:course_schedule_end": "write only (a GET redirects to the progress page)",
    "progress:my_progress": "the citizen only",
    "progress:my_measure": "the citizen's (a GET redirects); 403 to staff",
    "progress:initiatives": "aggregates only (leder, analytiker)",
    "progress:dashboard": "aggregates only (leder, analytiker)",
    "progress:dashboard_timeliness": "aggregates only (leder, analytiker)",
    "progress:export": "the export form, analytiker only; POSTed: no file below 5 citizens",
    # the registry (no personal data)
    "registry:initiative_list": "no personal data",
    "registry:initiative_detail": "no personal data",
    "registry:matrix": "no personal data",
    "registry:distribution": "no personal data",
    "registry:initiative_create": "no personal data",
    "registry:initiative_edit": "no personal data",
    "registry:initiative_preview": "write only",
    "registry:import": "no personal data",
    "registry:export": "no personal data (CSV)",
    # the admin (no personal data is registered)
    "admin:index": "the superuser and administrators; nobody else",
    "admin:core_user_changelist": "the superuser and administrators; no personal data",
    "admin:core_unit_changelist": "the superuser and administrators; no personal data",
    "admin:core_membership_changelist": "the superuser and administrators; no personal data",
}
COVERED["economics:course"] = f"{_COURSE_PAGE}; logged"
COVERED["gdpr:course_requests"] = "the course's coordinator only (200), refused otherwise; logged"
COVERED["gdpr:course_download"] = (
    "refused for a request that is not the course's citizen's, for everyone; nothing logged"
)
COVERED["gdpr:my_requests"] = "the citizen with a record only; logged as their own access"
COVERED["gdpr:my_download"] = "refused for a request that is not the citizen's own"
COVERED["economics:course_section"] = f"{_COURSE_PAGE} (page and htmx); logged"
for _name in ("cost_add", "enrol", "cost_delete", "override"):
    COVERED[f"economics:{_name}"] = "posted forms: a GET redirects or is refused, nothing shown"
for _name in ("course_costs", "course_results"):
    COVERED[f"api:{_name}"] = f"{_COURSE_PAGE}, 401 without login; logged"
for _name in (
    "economics:index",
    "economics:prices",
    "economics:price_new",
    "economics:price",
    "economics:price_edit",
    "economics:price_copy",
    "economics:initiative",
    "economics:case_new",
    "economics:contract_new",
    "economics:case",
    "economics:case_edit",
    "economics:case_history",
    "economics:case_xlsx",
    "economics:contract",
    "economics:contract_edit",
    "economics:contract_report",
    "economics:contract_report_xlsx",
    "economics:contract_history",
    "coordination:index",
    "coordination:wave_new",
    "coordination:wave_detail",
    "coordination:wave_close",
    "coordination:wave_action",
    "coordination:results",
    "coordination:structure",
    "coordination:flow",
    "coordination:export",
    "coordination:answer_start",
    "coordination:answer_submit",
    "coordination:answer_group",
    "coordination:workgroups",
    "coordination:classification",
    "api:prices",
    "api:price_update",
    "api:initiative_costs",
    "api:case_detail",
    "api:case_create",
    "api:contract_detail",
    "api:contract_create",
    "api:contract_report",
    "api:cost_delete",
    "api:course_enrol",
    "api:result_override",
    "api:workgroup_list",
    "api:instrument_list",
    "api:wave_list",
    "api:wave_get",
    "api:participant_add",
    "api:participant_change",
    "api:wave_open",
    "api:wave_close",
    "api:wave_results",
    "api:wave_network",
    "api:wave_flow",
    "api:answers_get",
    "api:answers_submit",
    "api:classification_list",
):
    COVERED[_name] = "aggregates or staff's own survey answers: never a 500, no citizen's data"
COVERED["ops:live"] = "the same 200 for everyone, logged in or not; nothing of anyone"
COVERED["ops:ready"] = "figures only (checks' status, counts, ages), no login; nothing logged"
COVERED["ops:metrics"] = "404 without a configured token (tests/ops/test_metrics.py: the token)"
for _name in ("list", "upload", "job", "start", "cancel", "progress"):
    COVERED[f"imports:{_name}"] = (
        "a user's own import jobs: source, file name, status, row numbers and messages — no CPR "
        "number or name; another's or a guessed job is refused (tests/imports/test_import.py)"
    )
# The API: reads of one course, as the pages
for _name in (
    "course_detail",
    "plan_detail",
    "team_list",
    "consent_list",
    "meeting_list",
    "course_tasks",
    "course_recommendations",
    "timeliness",
    "course_handovers",
    "transitions",
    "gaps",
    "stays",
    "course_timeliness",
    "list_measurements",
    "measurement_plan",
):
    COVERED[f"api:{_name}"] = f"{_COURSE_PAGE}, 401 without login; as the course page"
COVERED["api:schedule_measurements"] = "POST on api:measurement_plan's URL (a GET is that read)"
COVERED["api:end_measurement_schedule"] = "write only (DELETE)"
COVERED["api:course_list"] = "every course the reader may see, and no other; logged per citizen"
COVERED["api:export"] = (
    "POSTed: analytiker only, and 422 without rows or log entries below 5 citizens"
)
for _name in ("handover_detail", "handover_fhir"):
    COVERED[f"api:{_name}"] = "as handovers:detail"
COVERED["api:course_bundle"] = (
    "the course as a FHIR Bundle: 200 to a reader of the course with only what the consent lets "
    "through (no WHO-5, health measure or health member's name for a plan-only reader), 403 to "
    "another organisation, 401 without login; logged (tests/fhir/test_fhir.py)"
)
COVERED["fhir:course_bundle"] = (
    "as api:course_bundle, as a file download (tests/fhir/test_pages.py)"
)
COVERED["fhir:export_status"] = "as api:export_status, as the htmx row (tests/fhir/test_pages.py)"
COVERED["fhir:export_download"] = "as api:export_download (tests/fhir/test_pages.py)"
COVERED["api:import_bundle"] = "write only (POST): tests/fhir/test_fhir.py"
COVERED["api:request_export"] = "write only (POST): tests/fhir/test_bulk_export.py"
COVERED["api:export_status"] = (
    "the requester's own bulk export's status and counts (no personal data); 403 to anyone else "
    "(tests/fhir/test_bulk_export.py)"
)
COVERED["api:export_download"] = (
    "the requester's own bulk export only, each course through the guard at the time of "
    "download and logged; 403 to anyone else (tests/fhir/test_bulk_export.py)"
)
for _name in (
    "me",
    "organisation_list",
    "organisation_detail",
    "welfare_areas",
    "initiative_list",
    "initiative_detail",
    "matrix",
    "without_consent_bases",
    "list_notifications",
    "tasks_mine",
    "recommendations_open",
    "waiting",
    "instruments",
    "dashboard",
    "initiative_timeliness",
    "meeting_get",
    "openapi-json",
):
    COVERED[f"api:{_name}"] = "nothing the reader may not see; 401 without login"
for _name in (
    "without_consent_open",
    "goal_create",
    "goal_update",
    "child_perspective_save",
    "subgoal_create",
    "measure_create",
    "demand_create",
    "appointment_create",
    "team_end",
    "consent_withdraw",
    "consent_change",
    "consent_confirm",
    "join_request_answer",
    "coordinator_change",
    "referral_create",
    "rate_goals",
    "create_outcome",
    "join_request_create",
    "categorize",
    "read_notification",
    "availability",
    "meeting_register",
    "choose_time",
    "minutes",
    "decision_create",
    "task_done",
    "ruling_create",
    "accept",
    "decline",
    "revoke",
    "confirm",
    "arrival",
    "reschedule",
):
    COVERED[f"api:{_name}"] = "write only"


NO_PERSONAL_DATA: dict[str, str] = {
    "core:login": "the login form; no user is logged in yet",
    "core:logout": "logs out (POST); shows a goodbye page with nothing of anyone",
    "set_language": "switches the language (POST) and redirects",
    "api:openapi-view": "the Swagger UI page (static HTML that loads the OpenAPI document)",
    "api:api-root": "the API's root; lists nothing",
    "admin:login": "the admin has no login form of its own: it redirects to core:login",
    "admin:logout": "logs out of the admin (POST)",
    "admin:password_change": "the user's own password form",
    "admin:password_change_done": "a confirmation page",
    "admin:autocomplete": "autocomplete for admin forms over the registered (non-personal) models",
    "admin:jsi18n": "the admin's JavaScript translations",
    "admin:view_on_site": "redirects to an admin object's public URL (no personal-data model is "
    "registered)",
    "admin:app_list": "the admin's list of registered (non-personal) models of one app",
    "admin/(?P<url>.*)$": "the admin's catch-all: redirects or 404",
    "admin:auth_user_password_change": "a user's password form in the admin (accounts are "
    "administered there; no citizen record, no course)",
    "identity:oidc_login": "starts an organisation's OpenID Connect login (POST): a redirect to "
    "the broker, or 404 for an unknown provider (tests/identity)",
    "identity:oidc_callback": "the broker's answer: logs in or refuses; without a state this "
    "session started it is refused (tests/identity/test_oidc_bad_input.py)",
    # django-allauth under /konto/ (docs/security.md, "Log ind / Logins"): the user's own account.
    "account_login": "the login form (the same view as core:login)",
    "account_logout": "logs out (POST)",
    "account_inactive": "says an account is inactive",
    "account_signup": "signup is closed: says so",
    "account_reauthenticate": "asks the logged-in user for their own password again",
    "account_request_reauthentication_code": "login by code is off: nothing",
    "account_confirm_reauthentication_code": "login by code is off: nothing",
    "account_email": "the logged-in user's own e-mail addresses",
    "account_email_verification_sent": "says a verification e-mail was sent",
    "account_change_password": "the logged-in user's own password form",
    "account_set_password": "the logged-in user's own password form",
    "account_reset_password": "asks for an e-mail address to send a reset link to",
    "account_confirm_login_code": "login by code is off: nothing",
    "account_confirm_email": "confirms an e-mail address by its key",
    "account_reset_password_from_key_done": "says the password was changed",
    "account_reset_password_from_key": "the new-password form behind a reset link",
    "account_reset_password_done": "says a reset link was sent (known address or not)",
    "mfa_index": "the logged-in user's own two factors",
    "mfa_authenticate": "asks for the second factor during login",
    "mfa_reauthenticate": "asks the logged-in user for their second factor again",
    "mfa_activate_totp": "the user's own new authenticator secret and its QR code",
    "mfa_deactivate_totp": "turns off the user's own authenticator",
    "mfa_view_recovery_codes": "the user's own recovery codes",
    "mfa_generate_recovery_codes": "makes new recovery codes for the user",
    "mfa_download_recovery_codes": "the user's own recovery codes as a text file",
    "mfa_list_webauthn": "the user's own security keys",
    "mfa_add_webauthn": "adds a security key (WebAuthn) to the user's own account",
    "mfa_reauthenticate_webauthn": "asks the logged-in user for their own security key again",
    "mfa_remove_webauthn": "removes one of the user's own security keys (another user's: 404)",
    "mfa_edit_webauthn": "renames one of the user's own security keys (another user's: 404)",
    "socialaccount_login_cancelled": "says a login at the identity provider was cancelled",
    "socialaccount_login_error": "says a login at the identity provider failed",
    "socialaccount_signup": "signup is closed: says so",
    "socialaccount_connections": "the logged-in user's own identity-provider links",
    "konto/social/login/cancelled/": "allauth's old address: redirects",
    "konto/social/login/error/": "allauth's old address: redirects",
    "konto/social/signup/": "allauth's old address: redirects",
    "konto/social/connections/": "allauth's old address: redirects",
    # Events (docs/integration.md, "Hændelser / Events"): integration clients' endpoints;
    # tests/webhooks/ request them as the client, another organisation's client and a guessed id.
    "api:event_feed": "ids and event types only (no name, text or CPR), of the courses "
    "visible_courses lets the reader see now; the page is logged as a list "
    "(tests/webhooks/test_feed.py)",
    "api:list_event_subscriptions": "the calling integration client's own webhook addresses",
    "api:create_event_subscription": "makes a subscription of the calling client (POST)",
    "api:delete_event_subscription": "deletes one of the calling client's own subscriptions "
    "(another's: 404)",
    # allauth's own OpenID Connect views are not mounted (helhed.identity.allauth_routes): the
    # login and callback are identity:oidc_login and identity:oidc_callback.
    # Integration clients (helhed.integrations; tests/integrations): OAuth 2 endpoints and the
    # administrators' pages about systems, not people.
    "integrations:token": "OAuth 2 token endpoint (POST, client credentials): an opaque token",
    "integrations:revoke": "OAuth 2 token revocation (POST): an empty answer",
    "integrations:list": "administrators only: the own organisations' clients (systems' names, "
    "units, scopes, dates); no citizen",
    "integrations:new": "administrators only: the form to create a client",
    "integrations:detail": "administrators only: one client of the own organisations",
    "integrations:rotate": "administrators only (POST): a new secret for a system",
    "integrations:revoke_client": "administrators only (POST): revokes a system's access",
}
NO_PERSONAL_DATA["fhir:exports"] = (
    "the user's own bulk FHIR exports: dates, status and counts (the downloads are guarded: "
    "fhir:export_download; tests/fhir/test_pages.py)"
)
# The admin's pages for these models: the reference lists and the administration of
# organisations and users — none is a personal-data model (tests/core/test_admin_scope.py
# compares the admin's registry with the guard check's list of personal-data models).
ADMIN_MODELS: dict[str, str] = {
    "auth_group": "permission groups",
    "core_membership": "a staff user's memberships of units",
    "core_user": "staff and citizen accounts (no citizen record, no course)",
    "core_organisation": "organisations (reference data)",
    "core_unit": "units (reference data)",
    "core_welfarearea": "the 14 fagområder (reference data)",
    "core_welfareareasynonym": "synonyms of the fagområder (reference data)",
    "core_organisationtype": "organisation types (reference data)",
    "registry_initiative": "the registry's initiatives (no citizen)",
    "courses_legalbasis": "the maintained list of legal bases",
    "courses_withoutconsentbasis": "the maintained list of bases for access without consent",
    "coordination_workgroup": "relational coordination's workgroups (reference data)",
    "coordination_instrument": "relational coordination's survey instruments (reference data)",
    "coordination_wave": "survey waves among staff (answers are anonymous; no citizen)",
    "coordination_workgroupdecision": "how units map to workgroups (no citizen)",
    "economics_priceindex": "price indices (reference data)",
    "economics_unitprice": "unit prices (no citizen)",
    "identity_organisationlogin": "an organisation's OpenID Connect login and claim mapping",
    "retention_retentionrule": "retention periods per data category (no citizen; superuser only)",
    "socialaccount_socialapp": "the OpenID Connect identity providers (issuer, client; no citizen)",
    "notifications_notification": "notifications' e-mail delivery status, read only (titles carry "
    "no personal data; technical administrator only)",
    "webhooks_subscription": "integration clients' webhook addresses (the secret is never "
    "shown; no citizen)",
    "webhooks_deaddelivery": "dead letters: an event's type and number, the subscription, the "
    "last HTTP status (no course, no citizen)",
    "django_tasks_database_dbtaskresult": "the background task queue, read only (a notification's "
    "task holds its id; superuser only)",
}
_ADMIN_PAGE = re.compile(r"^admin:(?P<model>[a-z_]+)_(changelist|add|history|delete|change)$")
_ADMIN_OBJECT = re.compile(r"^admin/(?P<app>[a-z_]+)/(?P<model>[a-z]+)/<path:object_id>/$")


def walk(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(name, route) of every pattern, with its namespace; an unnamed pattern by its route."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield (f"{namespace}{p.name}" if p.name else route), route


def no_personal_data_reason(name: str, route: str) -> str | None:
    if name in NO_PERSONAL_DATA:
        return NO_PERSONAL_DATA[name]
    page = _ADMIN_PAGE.match(name)
    if page and page["model"] in ADMIN_MODELS:
        return f"the admin's page for {ADMIN_MODELS[page['model']]}"
    obj = _ADMIN_OBJECT.match(route)
    if obj and f"{obj['app']}_{obj['model']}" in ADMIN_MODELS:
        return "redirects to the admin's change page of a non-personal model"
    return None


def uncovered_patterns(covered: set[str] | None = None) -> list[tuple[str, str]]:
    """The patterns neither requested by the table nor listed as showing no personal data. An
    API operation is covered when another operation on the same route is (the route is one view
    that dispatches on the method: the table requests it with GET)."""
    covered = set(COVERED if covered is None else covered)
    patterns = list(walk())
    covered_routes = {route for name, route in patterns if name in covered}
    return [
        (name, route)
        for name, route in patterns
        if name not in covered
        and not (name.startswith("api:") and route in covered_routes)
        and no_personal_data_reason(name, route) is None
    ]
