"""``helhed webhooks dispatch``: fan out the events whose dispatch never ran (the sweep the
worker runs when it starts and ``helhed alerts`` runs daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from helhed.webhooks.tasks import sweep


class Command(BaseCommand):
    help = "Webhooks: 'dispatch' makes the deliveries of events not yet dispatched."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["dispatch"])

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{sweep()} event(s) dispatched")
