"""A handover keeps its measure's category (so a deleted measure never widens it). Where the
measure is still in the plan, the copy follows its reclassification by ``courses/0004``
(issue 10: employment measures were "economy", drug treatment under Serviceloven § 101
"social"); a handover whose measure is gone keeps what it had."""

from django.db import migrations


def forwards(apps, schema_editor):
    Handover = apps.get_model("handovers", "Handover")
    Measure = apps.get_model("courses", "Measure")
    current = dict(Measure.objects.values_list("pk", "data_category"))
    for pk, measure_id, category in Handover.objects.filter(measure__isnull=False).values_list(
        "pk", "measure_id", "measure_category"
    ):
        live = current.get(measure_id)
        if live and live != category:
            Handover.objects.filter(pk=pk).update(measure_category=live)


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0004_privacy_categories"),
        ("handovers", "0002_review_fixes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
