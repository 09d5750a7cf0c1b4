"""Demo data for economics: example prices and index, a Gladsaxe-like business case, a
Holbæk-like and a Viborg-like social-investment contract, and actual costs on demo courses.

Everything is synthetic and labelled. The shipped prices are *examples*: where a public source
gives a figure it is named with its year (the Benchmarking Unit's yearly cost per placed child in
2019, the highest weekly sickness benefit in 2024, Viborg's 8,600 kr. per citizen meeting the
employment criterion — research 003, L1491); every other figure is a made-up amount of a
plausible size and says so. A municipality replaces them with its own or SØM's.

Deterministic (``ctx.uuid`` keys, ``ctx.rng``) and idempotent (inserts ignore existing keys; the
contracts are evaluated again, which changes nothing on the same day). Costs are made for at most
``COST_COURSES`` courses so that the 300,000-citizen benchmark dataset is not slowed down (the
economics benchmark has its own dataset, ``benchdata.py``).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.devtools.demokit import (
    DEMO_PASSWORD,
    DemoContext,
    InsertStat,
    indexes_built_after,
    new_row,
)
from helhed.economics import logic
from helhed.economics.models import (
    BusinessCase,
    CaseCost,
    Consequence,
    Contract,
    CostEntry,
    Enrolment,
    Indicator,
    MeasurementPoint,
    Phase,
    PriceIndex,
    Revision,
    UnitPrice,
)

COST_COURSES = 2000
ENROLLED_PER_CONTRACT = 200  # Holbæk expected about 180 participants (research 003, L1320)
NO_SOURCE = "Fiktivt eksempel i en plausibel størrelsesorden (ingen kilde) – erstat med egen takst"
BENCHMARK = (
    "Social- og Indenrigsministeriets Benchmarkingenhed: Udvikling i udgifter og aktivitet på "
    "anbringelsesområdet (enhedsudgift pr. helårsanbragt 2019), gengivet af nb-okonomi.dk 7.10.2020"
)
SICKNESS = (
    "Beskæftigelsesministeriets satser 2024: højeste sygedagpengebeløb 4.695 kr. pr. uge "
    "(sygedagpengeloven § 50). Bruttoydelse – kommunens nettoudgift afhænger af refusionen"
)
INDEX_SOURCE = "Eksempel: 2 % om året (ikke officielt) – erstat med KL's pris- og lønskøn"

# key: (name, unit, kind, kr., year, payer, budget area, source)
PRICES: dict[str, tuple[str, str, str, str, int, str, str, str]] = {
    "anbringelse-aar": (
        "Anbringelse på døgninstitution eller opholdssted, år",
        "år",
        "udgift",
        "1160000",
        2019,
        "kommune",
        "boern-familie",
        BENCHMARK,
    ),
    "pleje-aar": (
        "Anbringelse i plejefamilie, år",
        "år",
        "udgift",
        "470000",
        2019,
        "kommune",
        "boern-familie",
        BENCHMARK,
    ),
    "anbringelse-doegn": (
        "Anbringelse, døgn (døgninstitution eller opholdssted)",
        "døgn",
        "udgift",
        "3178.08",
        2019,
        "kommune",
        "boern-familie",
        "Afledt af enhedsudgiften pr. helårsanbragt 2019 (1.160.000 kr. / 365); " + BENCHMARK,
    ),
    "sygedagpenge-uge": (
        "Uge på sygedagpenge (højeste sats)",
        "uge",
        "udgift",
        "4695",
        2024,
        "kommune",
        "beskaeftigelse",
        SICKNESS,
    ),
    "kontanthjaelp-uge": (
        "Uge på kontanthjælp",
        "uge",
        "udgift",
        "3400",
        2025,
        "kommune",
        "beskaeftigelse",
        NO_SOURCE,
    ),
    "forsorgshjem-nat": (
        "Nat på forsorgshjem (SEL § 110)",
        "nat",
        "udgift",
        "1150",
        2025,
        "kommune",
        "voksne",
        NO_SOURCE,
    ),
    "familiebehandling-time": (
        "Time familiebehandling",
        "time",
        "udgift",
        "850",
        2025,
        "kommune",
        "boern-familie",
        NO_SOURCE,
    ),
    "skadestue": (
        "Skadestuebesøg",
        "besøg",
        "udgift",
        "2100",
        2025,
        "region",
        "sygehus",
        NO_SOURCE,
    ),
    "mentor-time": (
        "Time mentorstøtte",
        "time",
        "udgift",
        "450",
        2025,
        "kommune",
        "beskaeftigelse",
        NO_SOURCE,
    ),
    "psykolog-time": (
        "Time psykologsamtale",
        "time",
        "udgift",
        "1100",
        2025,
        "kommune",
        "beskaeftigelse",
        NO_SOURCE,
    ),
    "stoette-time": (
        "Time socialpædagogisk støtte",
        "time",
        "udgift",
        "520",
        2025,
        "kommune",
        "voksne",
        NO_SOURCE,
    ),
    "psykiatri-samtale": (
        "Ambulant psykiatrisk samtale",
        "samtale",
        "udgift",
        "1900",
        2025,
        "region",
        "sygehus",
        NO_SOURCE,
    ),
    "tilsyn-maaned": (
        "Måned med tilsyn i Kriminalforsorgen",
        "måned",
        "udgift",
        "4200",
        2025,
        "stat",
        "kriminalitet",
        NO_SOURCE,
    ),
    "skat-aar": (
        "Skat af et fuldtidsjob, år",
        "år",
        "indtaegt",
        "120000",
        2025,
        "stat",
        "skat",
        NO_SOURCE,
    ),
}

# A course measure's fagområde → (price, quantity a month)
AREA_PRICE = {
    "beskaeftigelse": ("mentor-time", 8),
    "specialiseret-boern-unge": ("familiebehandling-time", 10),
    "specialiseret-voksen": ("stoette-time", 12),
    "psykiatri": ("psykiatri-samtale", 2),
    "kriminalitet": ("tilsyn-maaned", 1),
    "kommunalt-sundhed": ("psykolog-time", 2),
    "uddannelse": ("mentor-time", 4),
    "skole": ("familiebehandling-time", 2),
    "boligsocial": ("stoette-time", 4),
}


def generate(ctx: DemoContext) -> None:
    started = time.perf_counter()
    today = timezone.localdate()
    before = CostEntry.objects.count()
    _index(ctx)
    prices = _prices(ctx)
    holbaek = Organisation.objects.filter(org_type_id="kommune", official_code="316").first()
    viborg = Organisation.objects.filter(org_type_id="kommune", official_code="791").first()
    author = User.objects.filter(username="analytiker").first()
    if holbaek is None or author is None:
        ctx.out.write("economics: demo springes over (kør core-demoen først)\n")
        return
    investor = _investor(ctx)
    _gladsaxe_case(ctx, prices, author)
    holbaek_contract = _holbaek_contract(ctx, holbaek, investor, author, today)
    viborg_contract = (
        _viborg_contract(ctx, viborg, investor, author, today) if viborg is not None else None
    )
    for contract in (holbaek_contract, viborg_contract):
        if contract is not None:
            _enrol(ctx, contract, author, today)
    _costs(ctx, prices, author, today)
    from helhed.economics import services

    services.evaluate_contracts(today)
    ctx.stats.append(
        InsertStat(
            "økonomi (priser, business case, kontrakter, udgifter)",
            rows=CostEntry.objects.count() - before,
            seconds=time.perf_counter() - started,
        )
    )


def _index(ctx: DemoContext) -> None:
    rows = [
        PriceIndex(
            year=y,
            value=(Decimal(100) * Decimal("1.02") ** (y - 2019)).quantize(Decimal("0.0001")),
            source=INDEX_SOURCE,
        )
        for y in range(2015, 2031)
    ]
    PriceIndex.objects.bulk_create(rows, ignore_conflicts=True)


def _prices(ctx: DemoContext) -> dict[str, UnitPrice]:
    rows = [
        UnitPrice(
            id=ctx.uuid("econ-price", key),
            organisation=None,
            name=name,
            unit=unit,
            kind=kind,
            amount_ore=logic.to_ore(Decimal(kr)),
            year=year,
            payer=payer,
            budget_area=area,
            source=source,
            is_example=True,
            note="Eksempelpris leveret med Helhed.",
        )
        for key, (name, unit, kind, kr, year, payer, area, source) in PRICES.items()
    ]
    ctx.bulk_insert(UnitPrice, rows, label="eksempelpriser")
    stored = UnitPrice.objects.in_bulk([ctx.uuid("econ-price", k) for k in PRICES])
    return {k: stored[ctx.uuid("econ-price", k)] for k in PRICES}


def _investor(ctx: DemoContext) -> Organisation:
    """A demo investor organisation with an ``investor`` login (analyst there): it sees the
    contracts' period reports, aggregates only."""
    org, _ = Organisation.objects.get_or_create(
        pk=ctx.uuid("econ-org", "investor"),
        defaults={"name": "Den Sociale Investeringsfond (demo)", "org_type_id": "stat"},
    )
    unit, _ = Unit.objects.get_or_create(
        pk=ctx.uuid("econ-unit", "investor"),
        defaults={"organisation": org, "name": "Investeringer og opfølgning"},
    )
    user = User.objects.filter(username="investor").first()
    if user is None:
        user = User.objects.create(
            id=ctx.uuid("user", "investor"),
            username="investor",
            first_name=ctx.faker.first_name(),
            last_name=ctx.faker.last_name(),
            email="investor@demo.helhed.invalid",
            password=make_password(DEMO_PASSWORD),
            kind=UserKind.STAFF,
            title="Investeringsansvarlig",
        )
    Membership.objects.get_or_create(user=user, unit=unit, role="analytiker")
    ctx.add_login("investor", "analytiker (investor)", str(unit))
    return org


def _initiative(name: str, location: str) -> Any:
    from helhed.registry.models import Initiative

    return Initiative.objects.filter(name=name, location=location).first()


def _family_initiative() -> Any:
    """Holbæk's family initiative with the most demo courses (the demo leader and analyst are in
    Holbæk, so they see the case and its observed placements)."""
    from django.db.models import Count

    from helhed.courses.models import Course
    from helhed.registry.models import Initiative

    names = ("Familien i Fokus", "Tidlig indsats for sårbare familier")
    counted = dict(
        Course.objects.filter(
            initiative__name__in=names, coordinator_unit__organisation__official_code="316"
        )
        .values_list("initiative_id")
        .annotate(n=Count("pk"))
        .values_list("initiative_id", "n")
    )
    candidates = list(Initiative.objects.filter(name__in=names, location="hele landet"))
    if not candidates:
        return None
    return max(candidates, key=lambda i: (counted.get(i.pk, 0), i.name == names[0], str(i.pk)))


def _gladsaxe_case(ctx: DemoContext, prices: dict[str, UnitPrice], author: User) -> None:
    """A family intervention costing 600,000 kr. a year for four years (two thirds in children
    and family, a third in employment), which earns its costs back in year 4 if two of 40
    families avoid a foster-care placement from the second year — as Gladsaxe's evaluation found
    (research 001, L1458-1465). The figures are the demo's own."""
    initiative = _family_initiative()
    if initiative is None:
        return
    case_id = ctx.uuid("econ-case", "gladsaxe")
    if BusinessCase.objects.filter(pk=case_id).exists():
        return
    case = BusinessCase.objects.create(
        id=case_id,
        initiative=initiative,
        name="Familieindsats efter Gladsaxe-modellen (eksempel)",
        target_group=(
            "Familier med mindst to aktive sager i forskellige forvaltninger, heraf én i Børn og "
            "Familie; 40 familier over fire år."
        ),
        cohort_size=40,
        horizon_years=6,
        price_year=2025,
        discount_rate=Decimal(0),
        baseline_rate=Decimal(0),
        rate_cautious=Decimal("2.5"),
        rate_expected=Decimal(5),
        rate_optimistic=Decimal(10),
        success_label="en anbringelse i plejefamilie undgås",
        observed_outcome="anbringelse",
        breakeven_within=4,
        notes=(
            "Eksempel bygget som Gladsaxe-evalueringens udsagn (VIVE og Oxford Research 2020, "
            "gengivet i forskningsgrundlaget): omkostningerne tjenes hjem på 4 år, hvis to "
            "anbringelser undgås. Indsatsens omkostninger er demoens egne tal; prisen på et "
            "plejefamilieår er Benchmarkingenhedens 2019-tal fremskrevet med eksempelindekset."
        ),
        created_by=author,
    )
    CaseCost.objects.bulk_create(
        [
            CaseCost(
                id=ctx.uuid("econ-casecost", "gladsaxe", t, area),
                case=case,
                year=t,
                label=label,
                budget_area=area,
                payer="kommune",
                amount_ore=logic.to_ore(Decimal(amount)),
                order=2 * t + (0 if area == "boern-familie" else 1),
            )
            for t in range(1, 5)
            for area, label, amount in (
                ("boern-familie", "Familiekonsulenter og familiebehandling", 400_000),
                ("beskaeftigelse", "Virksomhedskonsulent for forældrene", 200_000),
            )
        ],
        ignore_conflicts=True,
    )
    Consequence.objects.create(
        id=ctx.uuid("econ-consequence", "gladsaxe", "pleje"),
        case=case,
        unit_price=prices["pleje-aar"],
        label="Færre år i plejefamilie",
        budget_area="boern-familie",
        payer="kommune",
        changes=["0", "-0.5", "-1", "-1", "-1", "-1"],
        order=0,
    )
    from helhed.economics.services import _case_snapshot

    Revision.objects.get_or_create(
        kind="case",
        object_id=case.pk,
        version=1,
        defaults={"snapshot": _case_snapshot(case), "changes": ["oprettet"], "changed_by": author},
    )


def _contract(
    ctx: DemoContext,
    key: str,
    *,
    initiative: Any,
    owner: Organisation,
    investor: Organisation,
    author: User,
    name: str,
    investor_name: str,
    start: date,
    end: date,
    budget: int,
    notes: str,
    indicators: list[dict[str, Any]],
    phases: list[tuple[str, int, int]],
    points: list[tuple[int, str]],
) -> Contract:
    contract, created = Contract.objects.get_or_create(
        pk=ctx.uuid("econ-contract", key),
        defaults={
            "initiative": initiative,
            "name": name,
            "owner": owner,
            "investor_name": investor_name,
            "investor": investor,
            "period_start": start,
            "period_end": end,
            "cutoff": end + timedelta(days=365),
            "budget_ore": logic.to_ore(Decimal(budget)),
            "notes": notes,
            "created_by": author,
        },
    )
    if not created:
        return contract
    Indicator.objects.bulk_create(
        [
            Indicator(id=ctx.uuid("econ-indicator", key, i), contract=contract, order=i, **spec)
            for i, spec in enumerate(indicators)
        ]
    )
    Phase.objects.bulk_create(
        [
            Phase(contract=contract, name=n, start_week=s, end_week=e, order=i)
            for i, (n, s, e) in enumerate(phases)
        ]
    )
    MeasurementPoint.objects.bulk_create(
        [MeasurementPoint(contract=contract, week=w, instrument=what) for w, what in points]
    )
    from helhed.economics.services import _contract_snapshot

    Revision.objects.create(
        kind="contract",
        object_id=contract.pk,
        version=1,
        snapshot=_contract_snapshot(contract),
        changes=["oprettet"],
        changed_by=author,
    )
    return contract


def _holbaek_contract(
    ctx: DemoContext, owner: Organisation, investor: Organisation, author: User, today: date
) -> Contract | None:
    """Holbæk's job intervention for mentally vulnerable citizens (research 003, L1243-1383): a
    conditional grant of about 6.9 mio. kr.; up to 26 weeks of intervention and 13 of aftercare;
    payment targets employment (primary, flexjob excluded), declared fit for work and a
    significant WHO-5 improvement; 60 % expected fit at six months, 40 % in ordinary work after a
    year. The kr. per success are the demo's own (the report gives none)."""
    initiative = _initiative("Helhedsorienteret jobindsats til psykisk sårbare borgere", "Holbæk")
    if initiative is None:
        return None
    start = date(today.year - 2, 1, 1)
    return _contract(
        ctx,
        "holbaek",
        initiative=initiative,
        owner=owner,
        investor=investor,
        author=author,
        name="Jobindsats for psykisk sårbare – betinget tilskud (demo efter Holbæk)",
        investor_name="Den Sociale Investeringsfond (demo)",
        start=start,
        end=logic.add_months(start, 30) - timedelta(days=1),
        budget=6_900_000,
        notes=(
            "Demo efter VIVE's beskrivelse af Holbæks kontrakt med DSI. »Signifikant højere "
            "trivsel« er ikke defineret i kilden; her: mindst 10 point på WHO-5. Beløb pr. succes "
            "er fiktive."
        ),
        indicators=[
            {
                "name": "Beskæftigelse (ordinært job eller uddannelse)",
                "priority": "primaer",
                "source": "beskaeftigelse",
                "months_after": 12,
                "accepted": ["ordinaert-job", "uddannelse"],
                "price_ore": logic.to_ore(Decimal(45_000)),
                "cap_ore": logic.to_ore(Decimal(4_000_000)),
                "expected_rate": Decimal(40),
            },
            {
                "name": "Raskmelding",
                "priority": "sekundaer",
                "source": "raskmelding",
                "months_after": 6,
                "accepted": ["ordinaert-job", "fleksjob", "uddannelse", "dagpenge"],
                "price_ore": logic.to_ore(Decimal(15_000)),
                "expected_rate": Decimal(60),
            },
            {
                "name": "Trivsel (WHO-5 mindst 10 point højere)",
                "priority": "sekundaer",
                "source": "who5-stigning",
                "min_points": 10,
                "window_weeks": 39,
                "price_ore": logic.to_ore(Decimal(8_000)),
                "expected_rate": Decimal(50),
            },
        ],
        phases=[("Indsats", 0, 26), ("Efterværn", 26, 39)],
        points=[(0, "who5"), (26, "who5"), (26, "beskaeftigelse"), (39, "who5")],
    )


def _viborg_contract(
    ctx: DemoContext, owner: Organisation, investor: Organisation, author: User, today: date
) -> Contract | None:
    """Viborg's "Relationel velfærd" (research 003, L1437-1491): five indicators and 8,600 kr.
    repaid per citizen meeting the employment criterion; the other prices are the demo's."""
    initiative = _initiative("Relationel velfærd", "Viborg")
    if initiative is None:
        return None
    start = date(today.year - 2, 1, 1)
    return _contract(
        ctx,
        "viborg",
        initiative=initiative,
        owner=owner,
        investor=investor,
        author=author,
        name="Relationel velfærd – social effektinvestering (demo efter Viborg)",
        investor_name="Den Sociale Investeringsfond og Landsbyggefonden (demo)",
        start=start,
        end=date(today.year, 12, 31),
        budget=5_300_000,
        notes="Demo efter VIVE's beskrivelse. 8.600 kr. pr. borger i beskæftigelse er fra kilden.",
        indicators=[
            {
                "name": "Beskæftigelse",
                "priority": "primaer",
                "source": "beskaeftigelse",
                "months_after": 12,
                "accepted": ["ordinaert-job", "uddannelse", "fleksjob"],
                "price_ore": logic.to_ore(Decimal(8_600)),
                "expected_rate": Decimal(30),
            },
            {
                "name": "Færre sociale foranstaltninger",
                "priority": "sekundaer",
                "source": "foranstaltninger",
                "months_after": 12,
                "price_ore": logic.to_ore(Decimal(5_000)),
                "expected_rate": Decimal(30),
            },
            {
                "name": "Skolefravær under 10 %",
                "priority": "sekundaer",
                "source": "skolefravaer",
                "months_after": 12,
                "limit_percent": Decimal(10),
                "price_ore": logic.to_ore(Decimal(4_000)),
                "expected_rate": Decimal(40),
            },
            {
                "name": "Livstilfredshed (WHO-5 mindst 10 point højere)",
                "priority": "sekundaer",
                "source": "who5-stigning",
                "min_points": 10,
                "window_weeks": 52,
                "price_ore": logic.to_ore(Decimal(3_000)),
                "expected_rate": Decimal(40),
            },
            {
                "name": "Opfyldte handleplansmål",
                "priority": "sekundaer",
                "source": "planmaal",
                "months_after": 12,
                "goal_share": Decimal(50),
                "price_ore": logic.to_ore(Decimal(3_000)),
                "expected_rate": Decimal(50),
            },
        ],
        phases=[("Forløb", 0, 52)],
        points=[(0, "who5"), (26, "who5"), (52, "who5"), (52, "beskaeftigelse")],
    )


def _enrol(ctx: DemoContext, contract: Contract, author: User, today: date) -> None:
    """The demo courses of the contract's initiative coordinated in its municipality join it (at
    the course's start, kept within the contract's period), at most ``ENROLLED_PER_CONTRACT``."""
    from helhed.courses.models import Course

    rows = []
    for pk, start, referred in (
        Course.objects.filter(
            initiative_id=contract.initiative_id,
            coordinator_unit__organisation_id=contract.owner_id,
        )
        .order_by("pk")
        .values_list("pk", "start_date", "referred_on")[:ENROLLED_PER_CONTRACT]
    ):
        day = min(max(start or referred, contract.period_start), contract.period_end, today)
        rows.append(
            Enrolment(
                id=ctx.uuid("econ-enrolment", contract.pk, pk),
                contract=contract,
                course_id=pk,
                start_date=day,
                enrolled_by=author,
            )
        )
    Enrolment.objects.bulk_create(rows, ignore_conflicts=True)


def _costs(ctx: DemoContext, prices: dict[str, UnitPrice], author: User, today: date) -> None:
    """Monthly costs for each measure of the first ``COST_COURSES`` courses, from its start to
    its end (or today), priced by the measure's fagområde and paid by its "hvem betaler"."""
    from helhed.courses.models import Measure

    index = dict(PriceIndex.objects.values_list("year", "value"))
    rows: list[CostEntry] = []
    measures = (
        Measure.objects.filter(start_date__isnull=False, start_date__lte=today)
        .order_by("plan__course_id", "pk")
        .values_list(
            "pk",
            "plan__course_id",
            "welfare_area_id",
            "budget_area",
            "start_date",
            "end_date",
            "plan__course__initiative_id",
            "plan__course__coordinator_unit__organisation_id",
        )
    )
    courses: set[Any] = set()
    for pk, course_id, area, who_pays, start, end, initiative, org in measures.iterator(
        chunk_size=2000
    ):
        if start is None or (course_id not in courses and len(courses) >= COST_COURSES):
            continue
        courses.add(course_id)
        key, per_month = AREA_PRICE.get(area, ("mentor-time", 4))
        price = prices[key]
        budget_area, payer = logic.COURSE_BUDGET_AREA.get(who_pays, (price.budget_area, "kommune"))
        last = min(end or today, today)
        months = max(1, min(18, logic.months_between(start, last) + 1))
        for i, (y, m) in enumerate(logic.month_range(start, months)):
            unit_kr, _ok = logic.index_or_keep(logic.to_kr(price.amount_ore), price.year, y, index)
            unit_ore = logic.to_ore(unit_kr)
            quantity = Decimal(per_month + ctx.rng.randint(-1, 2))
            rows.append(
                new_row(
                    CostEntry,
                    id=ctx.uuid("econ-cost", pk, i),
                    course_id=course_id,
                    initiative_id=initiative,
                    organisation_id=org,
                    measure_id=pk,
                    category=_category(area),
                    unit_price_id=price.pk,
                    year=y,
                    month=m,
                    quantity=quantity,
                    unit_amount_ore=unit_ore,
                    amount_ore=logic.to_ore(quantity * logic.to_kr(unit_ore)),
                    payer=payer,
                    budget_area=budget_area,
                    created_by_id=author.pk,
                )
            )
    with indexes_built_after([CostEntry]):
        ctx.bulk_insert(CostEntry, rows, label="udgifter på forløb", total=len(rows))


def _category(area: str | None) -> str:
    from helhed.courses.logic import data_category_for_area

    return data_category_for_area(area)
