"""Synthetic organisations, units and staff for the demo (all names are invented by Faker)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.contrib.auth.hashers import make_password

from helhed.core import logic
from helhed.core.models import Membership, Organisation, Unit, User, UserKind
from helhed.devtools.demokit import DEMO_PASSWORD, DemoContext

# The demo municipalities are real reference organisations; everything inside them is synthetic.
DEMO_MUNICIPALITIES = ("461", "316", "479", "791")  # Odense, Holbæk, Svendborg, Viborg

MUNICIPAL_UNITS: tuple[tuple[str, str | None], ...] = (
    ("Jobcenter", "beskaeftigelse"),
    ("Børn og Familie", "specialiseret-boern-unge"),
    ("Socialpsykiatri og Handicap", "specialiseret-voksen"),
    ("Rusmiddelcenter", "specialiseret-voksen"),
    ("Ungeenheden", "uddannelse"),
    ("PPR og Skole", "skole"),
    ("Sundhed og Forebyggelse", "kommunalt-sundhed"),
    ("Boligsocialt Team", "boligsocial"),
    ("Koordinerende Team", None),
)

REGION_UNITS = {
    "1083": ("Psykiatrisk Afdeling Syd", "psykiatri"),
    "1085": ("Psykiatrien Vest", "psykiatri"),
    "1082": ("Børne- og Ungdomspsykiatrien", "psykiatri"),
}

# Fixed logins for the sectors around a municipality's course (issue 14): username → (unit key,
# title, what the demo list of logins says). Each is placed on the teams of demo courses by the
# courses demo (``SECTOR_SLOTS`` there), with a consent naming its unit for its sector's data.
SECTOR_LOGINS: dict[str, tuple[str, str, str]] = {
    "psykiatri": ("region-psychiatry", "Psykiatrisk sygeplejerske", "fagperson (regionspsykiatri)"),
    "kriminalforsorg": ("probation", "Tilsynsførende", "fagperson (Kriminalforsorgen)"),
    "rusbehandler": (
        "drug-treatment",
        "Misbrugsbehandler",
        "fagperson (kommunal alkohol- og stofbehandling, SUL § 142)",
    ),
}

PROFESSIONS = {
    "beskaeftigelse": ["Jobkonsulent", "Sagsbehandler", "Virksomhedskonsulent"],
    "specialiseret-boern-unge": ["Socialrådgiver", "Familiebehandler", "Sagsbehandler"],
    "specialiseret-voksen": ["Socialrådgiver", "Bostøtte", "Misbrugsbehandler"],
    "uddannelse": ["UU-vejleder", "Mentor"],
    "skole": ["Skolepsykolog", "Lærer", "Inklusionsvejleder"],
    "kommunalt-sundhed": ["Sundhedsplejerske", "Sygeplejerske"],
    "boligsocial": ["Boligsocial medarbejder", "Gadeplansmedarbejder"],
    "psykiatri": ["Psykiater", "Psykiatrisk sygeplejerske", "Psykolog"],
    "kriminalitet": ["Kriminalforsorgsmedarbejder", "Tilsynsførende"],
    "kultur-fritid": ["Frivilligkoordinator", "Fritidsvejleder"],
    "": ["Koordinerende sagsbehandler", "Tovholder"],
}


def _ascii(text: str) -> str:
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = text.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _sector_logins(
    ctx: DemoContext, first: Organisation, units: list[Unit], add_user: Callable[..., None]
) -> None:
    """The region's psychiatry unit of the first demo municipality, Kriminalforsorgen's unit and
    the first municipality's drug treatment unit each get a fixed login (after every other
    draw from the generator, so the rest of the demo is as before)."""
    region_unit = REGION_UNITS.get(first.region.official_code if first.region else "", ("", ""))[0]
    where = {
        "region-psychiatry": next(
            (u for u in units if u.name == region_unit and u.organisation_id == first.region_id),
            None,
        ),
        "probation": next(
            (u for u in units if u.id == ctx.uuid("unit", "kriminalforsorgen")), None
        ),
        "drug-treatment": next(
            (u for u in units if u.name == "Rusmiddelcenter" and u.organisation_id == first.id),
            None,
        ),
    }
    f = ctx.faker
    for username, (key, title, label) in SECTOR_LOGINS.items():
        unit = where[key]
        if unit is None:
            continue
        add_user(username, username, "fagperson", unit, f.first_name(), f.last_name(), title)
        ctx.add_login(username, label, f"{unit.name}, {unit.organisation.name}")


def generate(ctx: DemoContext) -> None:
    f, rng = ctx.faker, ctx.rng
    password = make_password(DEMO_PASSWORD)  # hashed once: argon2 is deliberately slow
    orgs: list[Organisation] = list(
        Organisation.objects.filter(
            org_type_id="kommune", official_code__in=DEMO_MUNICIPALITIES
        ).order_by("official_code")
    )
    regions = {o.official_code: o for o in Organisation.objects.filter(org_type_id="region")}
    extra_orgs = [
        Organisation(
            id=ctx.uuid("org", "kriminalforsorgen"), name="Kriminalforsorgen", org_type_id="stat"
        ),
        Organisation(
            id=ctx.uuid("org", "privat", 1),
            name=f"{f.last_name()} & {f.last_name()} Beskæftigelse ApS",
            org_type_id="privat",
            cvr=f"{rng.randint(10_000_000, 99_999_999)}",
        ),
        Organisation(
            id=ctx.uuid("org", "civil", 1),
            name=f"Foreningen {f.first_name()}huset",
            org_type_id="civilsamfund",
        ),
        Organisation(
            id=ctx.uuid("org", "civil", 2),
            name=f"{f.city_name()} Frivilligcenter",
            org_type_id="civilsamfund",
        ),
    ]
    ctx.bulk_insert(Organisation, extra_orgs, label="organisationer")

    units: list[Unit] = []
    for org in orgs:
        for name, area in MUNICIPAL_UNITS:
            units.append(
                Unit(
                    id=ctx.uuid("unit", org.official_code, name),
                    organisation=org,
                    name=name,
                    welfare_area_id=area,
                    phone=f"{rng.randint(20, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
            )
    for code, (name, area) in REGION_UNITS.items():
        units.append(
            Unit(
                id=ctx.uuid("unit", code, name),
                organisation=regions[code],
                name=name,
                welfare_area_id=area,
            )
        )
    units.append(
        Unit(
            id=ctx.uuid("unit", "kriminalforsorgen"),
            organisation_id=extra_orgs[0].id,
            name="Kriminalforsorgen i Frihed, Fyn",
            welfare_area_id="kriminalitet",
        )
    )
    units.append(
        Unit(
            id=ctx.uuid("unit", "privat"),
            organisation_id=extra_orgs[1].id,
            name="Mentorteam",
            welfare_area_id="beskaeftigelse",
        )
    )
    units.append(
        Unit(
            id=ctx.uuid("unit", "civil1"),
            organisation_id=extra_orgs[2].id,
            name="Frivillige bisiddere",
            welfare_area_id="specialiseret-voksen",
        )
    )
    units.append(
        Unit(
            id=ctx.uuid("unit", "civil2"),
            organisation_id=extra_orgs[3].id,
            name="Netværksgruppen",
            welfare_area_id="kultur-fritid",
        )
    )
    # Municipalities, regions and the state's Kriminalforsorgen are public authorities.
    public = {o.pk for o in orgs} | {o.pk for o in regions.values()} | {extra_orgs[0].id}
    for unit in units:
        unit.data_category = logic.category_for_unit(unit.name, unit.welfare_area_id)
        unit.may_open_without_consent = logic.default_may_open_without_consent(
            unit.organisation_id in public, unit.welfare_area_id
        )
    ctx.bulk_insert(Unit, units, label="enheder")
    # Another seed may already have created a unit of the same name in a reference municipality:
    # use the stored rows, so memberships always point at units that exist.
    stored = {
        (u.organisation_id, u.name): u
        for u in Unit.objects.filter(
            organisation__in={u.organisation_id for u in units}
        ).select_related("organisation")
    }
    units = [stored[(u.organisation_id, u.name)] for u in units]

    users: list[User] = []
    memberships: list[Membership] = []

    def add_user(
        key: str,
        username: str,
        role: str,
        unit: Unit,
        first: str,
        last: str,
        title: str,
        *,
        superuser: bool = False,
    ) -> None:
        uid = ctx.uuid("user", key)
        users.append(
            User(
                id=uid,
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.helhed.invalid",
                password=password,
                kind=UserKind.STAFF,
                title=title,
                is_staff=superuser,
                is_superuser=superuser,
                phone=f"+45 {rng.randint(20, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            )
        )
        memberships.append(
            Membership(
                id=ctx.uuid("membership", key, unit.id, role), user_id=uid, unit=unit, role=role
            )
        )

    first_kommune = [u for u in units if u.organisation_id == orgs[0].id]
    by_name = {u.name: u for u in first_kommune}
    # Fixed, documented logins — one per role — in the first demo municipality.
    fixed = [
        (
            "koordinator",
            "koordinator",
            by_name["Koordinerende Team"],
            "Koordinerende sagsbehandler",
        ),
        ("fagperson", "fagperson", by_name["Jobcenter"], "Jobkonsulent"),
        ("leder", "leder", by_name["Koordinerende Team"], "Afdelingsleder"),
        ("analytiker", "analytiker", by_name["Koordinerende Team"], "Analytiker"),
        ("admin", "administrator", by_name["Koordinerende Team"], "Systemadministrator"),
    ]
    for username, role, unit, title in fixed:
        add_user(
            username,
            username,
            role,
            unit,
            f.first_name(),
            f.last_name(),
            title,
            superuser=(role == "administrator"),
        )
        ctx.add_login(username, role, str(unit))

    seen: set[str] = {u.username for u in users}
    for unit in units:
        professions = PROFESSIONS[unit.welfare_area_id or ""]
        for i in range(rng.randint(3, 6)):
            first, last = f.first_name(), f.last_name()
            base = _ascii(f"{first}.{last}").replace(" ", "")
            username, n = base, 1
            while username in seen:
                n += 1
                username = f"{base}{n}"
            seen.add(username)
            role = "koordinator" if unit.welfare_area_id is None and i < 2 else "fagperson"
            add_user(f"{unit.id}:{i}", username, role, unit, first, last, rng.choice(professions))
        if unit.organisation.org_type_id == "kommune" and unit.welfare_area_id is None:
            add_user(
                f"{unit.id}:leder",
                f"leder.{_ascii(unit.organisation.name.split()[0])}",
                "leder",
                unit,
                f.first_name(),
                f.last_name(),
                "Leder",
            )

    # A citizen login (the courses app links it to a synthetic citizen record).
    citizen_id = ctx.uuid("user", "borger")
    users.append(
        User(
            id=citizen_id,
            username="borger",
            first_name=f.first_name(),
            last_name=f.last_name(),
            password=password,
            kind=UserKind.CITIZEN,
        )
    )
    ctx.add_login("borger", "borger", "—")
    _sector_logins(ctx, orgs[0], units, add_user)

    ctx.bulk_insert(User, users, label="medarbejdere og brugere")
    # Fixed usernames (koordinator, borger…) may belong to another seed's run: bind memberships to
    # whoever holds the username now.
    id_by_username = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )
    wanted = {u.id: id_by_username[u.username] for u in users}
    for m in memberships:
        m.user_id = wanted[m.user_id]
    ctx.shared["citizen_user_id"] = id_by_username["borger"]
    ctx.bulk_insert(Membership, memberships, label="medlemskaber")
    ctx.shared["demo_municipalities"] = orgs
