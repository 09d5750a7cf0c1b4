"""The minutes carry the data category their writer chose (issue 10, hole 5).

Existing minutes are classified by their words (``courses.logic.guess_text_category``: the most
sensitive category the words suggest), reading the agenda texts, the plain-language summary, the
reason for the citizen's absence and the decisions and tasks not about a measure (they are read
under the minutes' category). Recommendations copy their measure's category: where the measure
is still in the plan, the copy follows its reclassification by ``courses/0004`` (employment
measures were "economy", drug treatment under Serviceloven § 101 "social").
"""

from django.db import migrations, models
from django.db.models import Q

TEXTS = (
    "problem_focus",
    "what_works",
    "what_worries",
    "exceptions",
    "legal_options",
    "motivation",
    "organisational_options",
    "plain_summary",
    "citizen_absence_reason",
)


def forwards(apps, schema_editor):
    from helhed.courses.logic import guess_text_category

    Meeting = apps.get_model("meetings", "Meeting")
    Decision = apps.get_model("meetings", "Decision")
    Task = apps.get_model("meetings", "Task")
    Recommendation = apps.get_model("meetings", "Recommendation")
    Measure = apps.get_model("courses", "Measure")

    written = Q()
    for name in TEXTS:
        written |= ~Q(**{name: ""})
    extra: dict = {}
    for meeting_id, text in Decision.objects.filter(measure__isnull=True).values_list(
        "meeting_id", "text"
    ):
        extra.setdefault(meeting_id, []).append(text)
    for meeting_id, title in Task.objects.filter(
        measure__isnull=True, decision__measure__isnull=True
    ).values_list("decision__meeting_id", "title"):
        extra.setdefault(meeting_id, []).append(title)
    ids = set(Meeting.objects.filter(written).values_list("pk", flat=True)) | set(extra)
    by_category: dict = {}
    for row in Meeting.objects.filter(pk__in=list(ids)).values("pk", *TEXTS).iterator():
        text = "\n".join([*(row[name] for name in TEXTS), *extra.get(row["pk"], [])])
        by_category.setdefault(guess_text_category(text), []).append(row["pk"])
    for category, meeting_ids in by_category.items():
        if category != "plan":
            for start in range(0, len(meeting_ids), 500):
                Meeting.objects.filter(pk__in=meeting_ids[start : start + 500]).update(
                    minutes_category=category
                )

    current = dict(Measure.objects.values_list("pk", "data_category"))
    for pk, measure_id, category in Recommendation.objects.filter(
        measure__isnull=False
    ).values_list("pk", "measure_id", "data_category"):
        live = current.get(measure_id)
        if live and live != category:
            Recommendation.objects.filter(pk=pk).update(data_category=live)


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0004_privacy_categories"),
        ("meetings", "0002_submitted_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="minutes_category",
            field=models.CharField(
                choices=[
                    ("plan", "Plan, mål og aftaler"),
                    ("health", "Helbred (sundhed, psykiatri og rusmiddelbehandling)"),
                    ("social", "Sociale forhold"),
                    ("crime", "Strafbare forhold"),
                    ("employment", "Beskæftigelse"),
                    ("economy", "Økonomi og forsørgelse"),
                ],
                default="plan",
                max_length=12,
                verbose_name="hvem må læse referatet",
            ),
        ),
        migrations.AlterField(
            model_name="recommendation",
            name="data_category",
            field=models.CharField(
                default="plan", max_length=12, verbose_name="kategori af oplysninger"
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    minutes_category__in=["plan", "health", "social", "crime", "employment", "economy"]
                ),
                name="meeting_minutes_category_known",
            ),
        ),
    ]
