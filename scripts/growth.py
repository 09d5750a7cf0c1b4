"""Measure how the access log and plan versions grow (docs/operations.md, "Vækst / Growth").

    DEBUG=true DATABASE_URL=sqlite:////tmp/growth.sqlite3 python scripts/growth.py

Use a throwaway SQLite database with demo data (``helhed migrate && helhed demo``): the script
requests pages as a demo coordinator through Django's test client (which writes the access log as
a real request does), writes extra entries to measure bytes per row on disk, and prints the
figures and the extrapolation per 1,000 courses per year as ``GROWTH key=value`` lines.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
import zlib


def file_bytes(path: str) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return int((pages - free) * size)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from helhed.audit.models import AccessLogEntry
    from helhed.audit.services import log_access
    from helhed.core.models import User
    from helhed.courses.models import Course, PlanVersion

    assert connection.vendor == "sqlite", "measure on a SQLite copy of a demo database"
    settings.ALLOWED_HOSTS = ["*"]
    busiest = (
        Course.objects.values("coordinator").annotate(n=Count("id")).order_by("-n", "coordinator")
    ).first()
    assert busiest is not None, "no demo courses: run `helhed demo` first"
    user = User.objects.get(pk=busiest["coordinator"])
    client = Client()
    client.force_login(user)

    def rows_for(url: str) -> tuple[int, int]:
        before = AccessLogEntry.objects.count()
        status = client.get(url).status_code
        return AccessLogEntry.objects.count() - before, status

    caseload, status = rows_for(reverse("courses:course_list"))
    courses = list(Course.objects.filter(coordinator=user).values_list("pk", flat=True)[:20])
    opened = [rows_for(reverse("courses:course_detail", args=[pk])) for pk in courses]
    per_course = sum(n for n, s in opened if s == 200) / max(1, sum(s == 200 for _, s in opened))
    home, _ = rows_for(reverse("core:home"))
    print(f"GROWTH caseload_rows={caseload} status={status} (one per course listed)")
    print(f"GROWTH course_page_rows={per_course:.2f} start_page_rows={home}")
    # A normal mix: of 10 requests, the start page, 1 caseload list, 5 course pages or tabs and 3
    # without personal data (forms posted, help, notifications).
    mix = (home + caseload + 5 * per_course) / 10
    print(
        f"GROWTH mix_rows_per_request={mix:.2f} (start, caseload, 5 course pages, 3 other per 10)"
    )

    path = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    before = file_bytes(path)
    n = 2000
    for _ in range(n // 10):
        log_access(user, [uuid.uuid4() for _ in range(10)], "sagsoversigt", "sagsbehandling")
    connection.close()
    per_row = (file_bytes(path) - before) / n
    print(f"GROWTH access_log_bytes_per_row={per_row:.0f} (table and indexes, SQLite)")

    versions = PlanVersion.objects.count()
    texts = [
        json.dumps(s, ensure_ascii=False) + json.dumps(c, ensure_ascii=False)
        for s, c in PlanVersion.objects.values_list("snapshot", "changes").iterator()
    ]
    sizes = [len(t.encode()) for t in texts]
    packed = sum(len(zlib.compress(t.encode(), 6)) for t in texts)
    print(f"GROWTH plan_version_zlib_ratio={sum(sizes) / max(1, packed):.1f}")
    per_version = sum(sizes) / max(1, len(sizes))
    planned = Course.objects.filter(plan__isnull=False).count()
    print(
        f"GROWTH plan_versions={versions} courses_with_plan={planned} "
        f"versions_per_course={versions / max(1, planned):.1f} "
        f"plan_version_json_bytes={per_version:.0f} largest={max(sizes, default=0)}"
    )


if __name__ == "__main__":
    main()
