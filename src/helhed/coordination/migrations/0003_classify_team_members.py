"""Every existing team member gets a workgroup by the rules in ``coordination.logic.classify``
(role text, unit name, welfare area, organisation type); those the rules cannot tell are
marked "ukendt" for a person to decide on ``/samarbejde/faggrupper/placering/``. No field or
migration is added to ``courses``: the mapping lives here, keyed by the team member."""

from django.db import migrations


def forwards(apps, schema_editor):
    from helhed.coordination.logic import classify, signature

    TeamMember = apps.get_model("courses", "TeamMember")
    Mapping = apps.get_model("coordination", "TeamMemberWorkgroup")
    Workgroup = apps.get_model("coordination", "Workgroup")
    known = set(
        Workgroup.objects.filter(active=True, kind="fagfolk").values_list("slug", flat=True)
    )
    done = Mapping.objects.values("team_member_id")
    rows = (
        TeamMember.objects.exclude(pk__in=done)
        .order_by("pk")
        .values_list(
            "pk", "role", "organisation_id", "organisation__org_type_id", "unit_id",
            "unit__name", "welfare_area_id",
        )
    )
    batch = []
    for pk, role, org, org_type, unit, unit_name, area in rows.iterator(chunk_size=2000):
        slug = classify(role, unit_name or "", area, org_type, known)
        batch.append(
            Mapping(
                team_member_id=pk,
                workgroup_id=slug,
                source="regel" if slug else "ukendt",
                signature=signature(role, org, unit, area),
                organisation_id=org,
            )
        )
        if len(batch) >= 2000:
            Mapping.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Mapping.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0002_workgroups_and_instrument"),
        ("courses", "0003_timeliness_indexes"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
