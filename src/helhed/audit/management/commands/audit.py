"""``helhed audit verify [--checkpoint FILE]`` and ``helhed audit checkpoint [--file FILE]``:
the access log's hash chain (docs/security.md, "Adgangsloggen kan ikke ændres ubemærket")."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helhed.audit import selectors, services

MAX_SHOWN = 20
HEAD = re.compile(r"[0-9a-f]{64}")  # a chain hash: HMAC-SHA256 in hex (audit.logic.entry_hash)


def read_checkpoints(path: str) -> list[selectors.Checkpoint]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CommandError(f"--checkpoint: kan ikke læse {path!r} ({exc.strerror})") from None
    checkpoints = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            seq, head = int(data["seq"]), str(data["hash"])
            if not HEAD.fullmatch(head):
                raise ValueError(head)
            checkpoints.append(selectors.Checkpoint(seq=seq, hash=head))
        except (ValueError, KeyError, TypeError, OverflowError):
            raise CommandError(
                f"--checkpoint: linje {number} i {path} er ikke et checkpoint "
                '({"seq": …, "hash": …, "at": …})'
            ) from None
    return checkpoints


class Command(BaseCommand):
    help = "Adgangsloggens hashkæde: kontrollér den, eller gem dens hoved uden for databasen."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Genberegn kæden og nævn den første ændrede, indsatte eller slettede post.",
        )
        verify.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            help="En fil med checkpoints (JSON-linjer); kæden skal stadig indeholde hvert hoved.",
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="Skriv kædens hoved (sekvens, hash, tid) som en JSON-linje."
        )
        checkpoint.add_argument(
            "--file", help="Tilføj linjen til denne fil (standard: skriv til stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            if options["file"]:
                line = services.write_checkpoint(options["file"])
                self.stdout.write(f"Checkpoint gemt i {options['file']}: {line}")
            else:
                self.stdout.write(services.checkpoint_line())
            return
        checkpoints = [c for path in options["checkpoint"] for c in read_checkpoints(path)]
        started = time.perf_counter()
        result = selectors.verify_chain(checkpoints=checkpoints)
        seconds = time.perf_counter() - started
        summary = (
            f"{result.checked} poster kontrolleret på {seconds:.1f} s; "
            f"hoved: sekvens {result.head_seq}"
        )
        if checkpoints:
            summary += f"; {result.checkpoints} checkpoints"
        if result.anchor is not None:
            summary += (
                f"; kæden starter ved sekvens {result.anchor.first_seq} efter oprydning "
                f"{result.anchor.at:%Y-%m-%d} ({result.anchor.removed} poster fjernet)"
            )
        if result.ok:
            self.stdout.write(f"Adgangsloggen er i orden: {summary}.")
            return
        first = result.problems[0]
        self.stdout.write(f"Adgangsloggen er IKKE i orden: {summary}.")
        self.stdout.write(f"Første fejl: {first.line()}")
        for problem in result.problems[1:MAX_SHOWN]:
            self.stdout.write(f"  derefter: {problem.line()}")
        if len(result.problems) > MAX_SHOWN:
            self.stdout.write(f"  … og {len(result.problems) - MAX_SHOWN} fejl mere")
        raise SystemExit(1)
