"""Database-level guard: the access log accepts INSERT only.

UPDATE is always refused. DELETE is refused unless a row in ``audit_retention_guard`` opens the
gate; only the retention job (and the test harness's table flush) may open it, inside its own
transaction. The guard table is deliberately not a Django model, so no application code path can
reach it through the ORM. The same triggers exist on SQLite and PostgreSQL.
"""

from django.db import migrations

SQLITE = [
    "CREATE TABLE IF NOT EXISTS audit_retention_guard (allow_delete INTEGER NOT NULL)",
    """CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE ON audit_accesslogentry
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_accesslog_no_delete BEFORE DELETE ON audit_accesslogentry
       WHEN NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_delete = 1)
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only: DELETE refused'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_accesslog_no_update",
    "DROP TRIGGER IF EXISTS audit_accesslog_no_delete",
    "DROP TABLE IF EXISTS audit_retention_guard",
]

POSTGRESQL = [
    "CREATE TABLE IF NOT EXISTS audit_retention_guard (allow_delete INTEGER NOT NULL)",
    """CREATE OR REPLACE FUNCTION audit_accesslog_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           RAISE EXCEPTION 'audit_accesslogentry is append-only: UPDATE refused';
         END IF;
         IF NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_delete = 1) THEN
           RAISE EXCEPTION 'audit_accesslogentry is append-only: DELETE refused';
         END IF;
         RETURN OLD;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_accesslog_guard BEFORE UPDATE OR DELETE ON audit_accesslogentry
       FOR EACH ROW EXECUTE FUNCTION audit_accesslog_guard()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_accesslog_guard ON audit_accesslogentry",
    "DROP FUNCTION IF EXISTS audit_accesslog_guard()",
    "DROP TABLE IF EXISTS audit_retention_guard",
]


def forwards(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = (
        POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
