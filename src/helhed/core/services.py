"""Write operations of the core app: reference data and user/membership administration."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db import transaction

from helhed.core import reference_data as ref
from helhed.core.logic import municipality_name


def sync_reference_data(apps: Any = global_apps) -> dict[str, int]:
    """Create or update organisation types, the 14 fagområder with synonyms, the 5 regions and the
    98 municipalities. Idempotent: running it twice changes nothing the second time.

    ``apps`` is the migration state registry when called from a data migration, so the function
    works against historical models.
    """
    OrganisationType = apps.get_model("core", "OrganisationType")
    WelfareArea = apps.get_model("core", "WelfareArea")
    WelfareAreaSynonym = apps.get_model("core", "WelfareAreaSynonym")
    Organisation = apps.get_model("core", "Organisation")
    counts = {"organisation_types": 0, "welfare_areas": 0, "synonyms": 0, "organisations": 0}
    with transaction.atomic():
        for order, (slug, name_da, name_en, is_public) in enumerate(ref.ORGANISATION_TYPES):
            OrganisationType.objects.update_or_create(
                slug=slug,
                defaults={
                    "name_da": name_da,
                    "name_en": name_en,
                    "is_public": is_public,
                    "order": order,
                },
            )
            counts["organisation_types"] += 1
        for order, (slug, name_da, name_en) in enumerate(ref.WELFARE_AREAS):
            WelfareArea.objects.update_or_create(
                slug=slug, defaults={"name_da": name_da, "name_en": name_en, "order": order}
            )
            counts["welfare_areas"] += 1
        for term, slug in ref.WELFARE_AREA_SYNONYMS.items():
            WelfareAreaSynonym.objects.update_or_create(term=term, defaults={"area_id": slug})
            counts["synonyms"] += 1
        regions = {}
        for code, name in ref.REGIONS:
            regions[code], _created = Organisation.objects.update_or_create(
                org_type_id="region", official_code=code, defaults={"name": name}
            )
            counts["organisations"] += 1
        for code, name, region_code in ref.MUNICIPALITIES:
            Organisation.objects.update_or_create(
                org_type_id="kommune",
                official_code=code,
                defaults={"name": municipality_name(name), "region": regions[region_code]},
            )
            counts["organisations"] += 1
    return counts
