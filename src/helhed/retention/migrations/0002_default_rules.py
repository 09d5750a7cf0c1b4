"""One rule per category with Helhed's defaults (``logic.CATEGORIES``), marked as defaults for
the municipality's data protection officer to confirm."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from helhed.retention.logic import CATEGORIES

    rule = apps.get_model("retention", "RetentionRule")
    for category in CATEGORIES:
        rule.objects.get_or_create(
            category=category.key,
            defaults={
                "years": category.years,
                "active": True,
                "legal_basis": category.basis,
                "is_default": True,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_rules")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
