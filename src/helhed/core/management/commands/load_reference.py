"""``helhed load_reference``: (re)load reference data. Migrations do this too; it is idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from helhed.core.services import sync_reference_data


class Command(BaseCommand):
    help = "Indlæs referencedata: organisationstyper, de 14 fagområder, regioner og kommuner."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = sync_reference_data()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
