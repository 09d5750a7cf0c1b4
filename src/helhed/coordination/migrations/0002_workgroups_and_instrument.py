"""The maintained list of workgroups as shipped, and Helhed's own instrument (version 1).

An installation may rename, reorder, deactivate or add workgroups afterwards
(``/samarbejde/faggrupper/``); this migration only adds rows that do not exist."""

from django.db import migrations

# slug, Danish name, English name, kind, order, description
WORKGROUPS = (
    ("koordinator", "Koordinator / tovholder", "Coordinator", "fagfolk", 10,
     "Koordinerende sagsbehandler eller tovholder for forløbet"),
    ("jobcenter", "Jobcenter", "Job centre", "fagfolk", 20,
     "Sagsbehandlere og konsulenter i jobcentret"),
    ("boern-familie", "Børn og Familie", "Children and families", "fagfolk", 30,
     "Sagsbehandlere og familiebehandlere på børne- og familieområdet"),
    ("ppr-skole", "PPR og skole", "School and educational psychology", "fagfolk", 40,
     "PPR, lærere og skolens vejledere"),
    ("ungeindsats", "Ungeindsats og UU", "Youth guidance", "fagfolk", 50,
     "Ungdommens uddannelsesvejledning og kommunens ungeindsats"),
    ("voksensocial", "Socialpsykiatri og voksen", "Adult social services", "fagfolk", 60,
     "Bostøtte, socialpsykiatri og handicap (voksne)"),
    ("rusmiddel", "Rusmiddelbehandling", "Drug and alcohol treatment", "fagfolk", 70,
     "Kommunal eller regional rusmiddelbehandling"),
    ("psykiatri", "Psykiatri (region)", "Psychiatry (region)", "fagfolk", 80,
     "Regionens psykiatri: ambulant og indlagt"),
    ("sundhed", "Sundhed", "Health", "fagfolk", 90,
     "Kommunal sundhed, sundhedsplejen, egen læge og sygehus"),
    ("kriminalforsorg", "Kriminalforsorgen", "Prison and probation service", "fagfolk", 100,
     "Tilsyn og kriminalforsorg i frihed"),
    ("boligsocial", "Boligsocialt arbejde", "Social housing work", "fagfolk", 110,
     "Boligsociale medarbejdere og gadeplan"),
    ("privat", "Privat leverandør", "Private provider", "fagfolk", 120,
     "Fx mentorforløb købt hos en privat leverandør"),
    ("civilsamfund", "Civilsamfund og frivillige", "Civil society and volunteers", "fagfolk", 130,
     "Foreninger, bisiddere og frivillige"),
    ("borgeren", "Borgeren", "The citizen", "borger", 200,
     "Samarbejdet med borgeren selv (relationelt samarbejde)"),
    ("paaroerende", "Pårørende", "Relatives", "paaroerende", 210,
     "Samarbejdet med borgerens familie og netværk"),
)


def forwards(apps, schema_editor):
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
