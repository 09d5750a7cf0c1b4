"""``helhed demo``: deterministic synthetic demo data, with a progress bar and rows/s."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helhed.devtools.demokit import (
    DEMO_PASSWORD,
    DemoContext,
    data_not_from_the_demo,
    demo_hooks,
    run_demo,
)


class Command(BaseCommand):
    help = "Opret syntetiske demodata (deterministisk for et seed, kan køres igen uden dubletter)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Seed (standard 1).")
        parser.add_argument(
            "--citizens", type=int, default=60, help="Antal syntetiske borgere (standard 60)."
        )
        parser.add_argument("--only", nargs="*", default=[], help="Kun disse apps (labels).")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Processer der bygger forløbsdata efter de første 2.000 forløb (standard: "
            "antal kerner, højst 2; 1: alt i én proces).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Ingen statuslinje.")
        parser.add_argument(
            "--allow-existing-data",
            action="store_true",
            help="Byg også i en database med brugere eller borgere, som demoen ikke har lavet "
            "(kun test- og demodatabaser: demoens logins har en kendt adgangskode).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["citizens"] < 0:
            raise CommandError("--citizens skal være 0 eller større.")
        if options["workers"] < 1:
            raise CommandError("--workers skal være 1 eller større.")
        if options["seed"] < 0:
            raise CommandError("--seed skal være 0 eller større.")
        known = {label for label, _ in demo_hooks()}
        unknown = set(options["only"]) - known
        if unknown:
            names, known_names = ", ".join(sorted(unknown)), ", ".join(sorted(known))
            raise CommandError(f"Ukendt app i --only: {names}. Kendte: {known_names}")
        ctx = DemoContext(
            seed=options["seed"],
            citizens=options["citizens"],
            out=sys.stderr,  # progress bars go to stderr, the summary to stdout
            workers=options["workers"],
            progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        found = data_not_from_the_demo(ctx)
        if found is not None and not options["allow_existing_data"]:
            users, citizens = found
            people = (
                f"{users} {'bruger' if users == 1 else 'brugere'} og "
                f"{citizens} {'borger' if citizens == 1 else 'borgere'}"
            )
            raise CommandError(
                f"Databasen indeholder data, som demoen (seed {ctx.seed}) ikke har lavet: "
                f"{people}. Demodata har logins med en kendt adgangskode og må aldrig komme i en "
                "rigtig installation — brug en tom database (helhed bench og helhed load: slet "
                "datafilen under var/, så bygges den forfra). Er det en test- eller "
                "demodatabase, så kør helhed demo igen med --allow-existing-data."
            )
        start = time.perf_counter()
        run_demo(ctx, only=options["only"])
        elapsed = time.perf_counter() - start
        if options["verbosity"] == 0:
            return
        self.stdout.write(f"Demodata (seed {ctx.seed}) klar på {elapsed:.1f} s:")
        for stat in ctx.stats:
            rate = f"{stat.rows_per_second:>10.0f} rækker/s"
            self.stdout.write(f"  {stat.label:<32} {stat.rows:>9} nye rækker  {rate}")
        if ctx.logins:
            self.stdout.write("")
            self.stdout.write(f"Demo-logins (adgangskode for alle: {DEMO_PASSWORD}):")
            for username, role, where in ctx.logins:
                self.stdout.write(f"  {username:<14} {role:<14} {where}")
            self.stdout.write("")
            if settings.HELHED_REQUIRE_SECOND_FACTOR:
                self.stdout.write(
                    "To-faktor-login: påkrævet for medarbejdere (HELHED_REQUIRE_SECOND_FACTOR=true)"
                    " — første log ind beder om en autentificeringsapp (TOTP)."
                )
            else:
                self.stdout.write(
                    "To-faktor-login: ikke påkrævet i demoen (HELHED_REQUIRE_SECOND_FACTOR=false,"
                    " standard når DEBUG=true); sæt HELHED_REQUIRE_SECOND_FACTOR=true for at prøve"
                    " det. Kan altid slås til under /konto/2fa/."
                )
            self.stdout.write(
                f"Inaktivitet: log ud efter {settings.HELHED_IDLE_TIMEOUT_MINUTES} minutter"
                " (HELHED_IDLE_TIMEOUT_MINUTES)."
            )
