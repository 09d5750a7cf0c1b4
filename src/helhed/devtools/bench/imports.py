"""The course import's benchmark (issue 17): a synthetic 100,000-row extract — Danish names from
Faker, CPR numbers no citizen in the database has — imported end to end by the import job
(``imports.job.run_import``: reading, checking and writing every row), inside a transaction
that is rolled back afterwards, so the benchmark database is left as it was::

    BENCH import-100k backend=sqlite seconds=23.4 rows=100000
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from faker import Faker

HEADER = (
    "CPR;Fornavn;Efternavn;Henvist;Type;Titel;Hjemmel;Fagområde;Start;Slut;Klokken;Sted;"
    "Resultattype;Resultat"
)
ROWS_PER_CITIZEN = 4  # two measures, an appointment, an outcome state


class _RollbackError(Exception):
    pass


def synthetic_extract(rows: int, taken: set[str], seed: int = 1) -> bytes:
    """``rows`` rows in Windows-1252 with ``;`` (as Danish Excel saves a CSV)."""
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    firsts = [fake.first_name() for _ in range(500)]
    lasts = [fake.last_name() for _ in range(500)]
    bases = [
        ("lab-187", "beskaeftigelse"),
        ("sel-85", "specialiseret-voksen"),
        ("lab-127", "beskaeftigelse"),
    ]
    lines = [HEADER]
    born = date(1960, 1, 1)
    serial = 0
    while len(lines) - 1 < rows:
        serial += 1
        day = born + timedelta(days=serial % 14000)
        cpr = f"{day:%d%m%y}{1000 + serial // 14000:04d}"  # 7th digit 1: born in the 1900s
        if cpr in taken:
            continue
        first, last = rnd.choice(firsts), rnd.choice(lasts)
        referred = date(2025, 1, 1) + timedelta(days=serial % 300)
        ref = f"{referred:%d-%m-%Y}"
        person = f"{cpr[:6]}-{cpr[6:]};{first};{last};{ref}"
        for basis, area in rnd.sample(bases, 2):
            lines.append(
                f"{person};indsats;Indsats {basis};{basis};{area};{referred:%Y-%m-%d};;;;;"
            )
        lines.append(f"{person};aftale;Samtale;;;{ref};;10:00;Jobcentret;;")
        lines.append(f"{person};resultat;;;;{ref};;;;beskaeftigelse;kontanthjaelp")
    return ("\r\n".join(lines[: rows + 1]) + "\r\n").encode("cp1252")


def bench_import(rows: int, backend: str, out: Any) -> str:
    from helhed.core.models import Membership, Organisation, Unit, User
    from helhed.courses.models import Citizen
    from helhed.imports import job as import_job
    from helhed.imports import services
    from helhed.imports.models import ImportJob, JobStatus
    from helhed.registry.models import Initiative

    taken = set(Citizen.objects.values_list("cpr", flat=True))
    data = synthetic_extract(rows, taken)
    out.write(f"Importfil: {rows} rækker, {len(data) / 1e6:.1f} MB (Windows-1252, semikolon)\n")
    seconds = dry = 0.0
    status = ""
    try:
        with override_settings(DEBUG=False), transaction.atomic():
            org = Organisation.objects.filter(org_type_id="kommune").first()
            assert org is not None, "reference data missing: run helhed migrate"
            unit = Unit.objects.create(
                organisation=org, name="Bench-import", welfare_area_id="beskaeftigelse"
            )
            user = User.objects.create(
                username="bench-import", first_name="Bench", last_name="Import"
            )
            Membership.objects.create(user=user, unit=unit, role="koordinator")
            initiative = Initiative.objects.create(name="Bench-import")
            job = services.upload(
                user,
                unit_id=unit.pk,
                initiative_id=initiative.pk,
                source="Bench",
                filename="bench.csv",
                data=data,
            )
            start = time.perf_counter()
            job = services.dry_run(user, job_id=job.pk, mapping=job.mapping)
            dry = time.perf_counter() - start
            if job.status != JobStatus.CHECKED:
                raise RuntimeError(f"the synthetic extract has errors: {job.errors[:5]}")
            ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
            start = time.perf_counter()
            status = import_job.run_import(job_id=job.pk)
            seconds = time.perf_counter() - start
            courses = ImportJob.objects.get(pk=job.pk).summary.get("created_courses")
            out.write(
                f"Prøveimport {dry:.1f} s; importjobbet {seconds:.1f} s "
                f"({status}, {courses} forløb)\n"
            )
            raise _RollbackError
    except _RollbackError:
        pass
    if status != JobStatus.DONE:
        raise RuntimeError(f"the import job ended {status}")
    return f"BENCH import-100k backend={backend} seconds={seconds:.1f} rows={rows}"
