"""The maintained list of workgroups as shipped, and Helhed's own instrument (version 1).

An installation may rename, reorder, deactivate or add workgroups afterwards
(``/samarbejde/faggrupper/``); this migration only adds rows that do not exist."""

from django.db import migrations

def forwards(apps, schema_editor):
    from helhed.coordination.logic import DEFAULT_WORKGROUPS as WORKGROUPS
    from helhed.coordination.logic import HELHED_V1

    Workgroup = apps.get_model("coordination", "Workgroup")
    for slug, name_da, name_en, kind, order, description in WORKGROUPS:
        Workgroup.objects.get_or_create(
            slug=slug,
            defaults={
                "name_da": name_da,
                "name_en": name_en,
                "kind": kind,
                "order": order,
                "description": description,
            },
        )
    Instrument = apps.get_model("coordination", "Instrument")
    Instrument.objects.get_or_create(
        key=HELHED_V1.key,
        version=HELHED_V1.version,
        defaults={
            "name": HELHED_V1.name_da,
            "source": HELHED_V1.source,
            "data": HELHED_V1.as_data(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
