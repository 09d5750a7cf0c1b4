"""Load the reference data: organisation types, the 14 fagområder with synonyms, 5 regions and
98 municipalities. Idempotent (update_or_create), so re-running or re-loading changes nothing."""

from django.db import migrations


def load(apps, schema_editor):
    from helhed.core.services import sync_reference_data

    sync_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
