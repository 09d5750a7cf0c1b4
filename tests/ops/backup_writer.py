"""A process that keeps writing through Helhed while a backup runs (tests/ops/test_backup.py).

    python tests/ops/backup_writer.py STOP_FILE     (DATABASE_URL names the database)

Each write is a caseload-like read logged through ``audit.services.log_access`` (three citizens,
one entry each, in one transaction on the hash chain). Prints ``ready`` after the first write;
stops when STOP_FILE exists and prints one JSON line: every write's start and end (wall clock).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path


def main(stop_file: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from helhed.audit.services import log_access
    from helhed.core.models import User

    user, _ = User.objects.get_or_create(
        username="backup-writer", defaults={"first_name": "Skriver", "last_name": "Test"}
    )
    stop, writes = Path(stop_file), []
    while not stop.exists():
        started = time.time()
        log_access(user, [uuid.uuid4() for _ in range(3)], "sagsoversigt", "sagsbehandling")
        writes.append((started, time.time()))
        if len(writes) == 1:
            print("ready", flush=True)
        time.sleep(0.01)
    print(json.dumps(writes), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
