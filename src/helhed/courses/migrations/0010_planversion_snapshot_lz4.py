# PostgreSQL: a plan version's snapshot (the whole plan as JSON, 3-5 KB on average) is stored
# compressed (TOAST). lz4 compresses it in about half the CPU of PostgreSQL's default pglz, to the
# same size, and reads back faster (docs/performance.md, "The fast build, fifth step"). Only new
# values are written with it; no table rewrite, a brief lock. Servers built without lz4 keep pglz.
# SQLite stores the JSON as text: nothing to do there.

from django.db import migrations

TABLE = "courses_planversion"
COLUMN = "snapshot"


def _has_lz4(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def compress(apps, schema_editor, method="lz4"):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if method == "lz4" and not _has_lz4(cursor):
            return
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {COLUMN} SET COMPRESSION {method}")


def back(apps, schema_editor):
    compress(apps, schema_editor, method="default")


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0009_team_rule_index"),
    ]

    operations = [migrations.RunPython(compress, back, elidable=False)]
