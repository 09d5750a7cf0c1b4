"""Load the maintained list of legal bases (idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from helhed.courses.legal_bases import sync_legal_bases

    sync_legal_bases(apps)


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
