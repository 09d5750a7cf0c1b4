"""Run a command against a throwaway PostgreSQL cluster started from the installed binaries.

    python scripts/pgtmp.py -- pytest tests

initdb + pg_ctl in a temporary directory, a Unix socket only (no TCP port to collide with), then
the command runs with DATABASE_URL pointing at the cluster; the cluster is stopped and removed
afterwards whatever the command's outcome. PostgreSQL refuses to run as root, so as root the
cluster runs as the ``postgres`` system user (created by Debian's postgresql packages).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SEARCH = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]


def find_bin(name: str) -> str:
    for folder in SEARCH:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    sys.exit(f"pgtmp: cannot find PostgreSQL's {name} (install postgresql 15+)")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: pgtmp.py -- COMMAND [ARGS...]")
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    as_root = os.geteuid() == 0
    runner: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="helhed-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (base, sock):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        runner = ["runuser", "-u", "postgres", "--"]
    log = base / "server.log"
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *runner,
                initdb,
                "-D",
                str(data),
                "-U",
                "helhed",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        options = (
            f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB"
        )
        subprocess.run(
            [*runner, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        url = f"postgres://helhed@/helhed?host={sock}"
        subprocess.run(
            [*runner, find_bin("createdb"), "-h", str(sock), "-U", "helhed", "helhed"],
            check=True,
            env=env,
        )
        print(f"pgtmp: PostgreSQL running on socket {sock}", flush=True)
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode
    finally:
        subprocess.run(
            [*runner, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
