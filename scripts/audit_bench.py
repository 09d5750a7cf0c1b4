"""Time ``helhed audit verify`` over a large access log (docs/security.md, the figures).

    HELHED_VAR_DIR=/tmp/auditbench DEBUG=true python scripts/audit_bench.py 100000

Migrates the database ``HELHED_VAR_DIR`` points at (use a throwaway one), fills the access log up
to N entries through the chain (``bulk_create`` in batches of 1,000), times 200 single appends and
one verification.
"""

from __future__ import annotations

import os
import sys
import time
import uuid


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from helhed.audit.models import AccessLogEntry
    from helhed.audit.selectors import verify_chain
    from helhed.audit.services import log_access
    from helhed.core.models import User

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench", defaults={"first_name": "Bench"})
    for start in range(AccessLogEntry.objects.count(), n, 1000):
        AccessLogEntry.objects.bulk_create(
            AccessLogEntry(
                actor=user,
                actor_name="Bench Bruger",
                actor_unit="Team, Odense Kommune",
                citizen_id=uuid.uuid4(),
                what="forløbsside",
                purpose="sagsbehandling",
            )
            for _ in range(min(1000, n - start))
        )
    started = time.perf_counter()
    for _ in range(200):
        log_access(user, uuid.uuid4(), "forløbsside", "sagsbehandling")
    append_ms = (time.perf_counter() - started) / 200 * 1000
    wall, cpu = time.perf_counter(), time.process_time()
    result = verify_chain()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"log_access: {append_ms:.2f} ms per call (with its commit)")
    print(f"verify: {result.checked} entries, ok={result.ok}, {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
