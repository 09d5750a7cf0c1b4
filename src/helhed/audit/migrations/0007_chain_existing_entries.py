"""Chain the entries written before the hash chain, and let the gate open for erasure too.

1. The append-only triggers are dropped for the duration (they refuse every UPDATE).
2. Existing entries are chained in the order (at, id): sequence numbers 1…n, a salt each, the
   keyed hash under ``HELHED_AUDIT_KEY`` (so the key must be set before migrating) — an old
   installation verifies from here on.
3. The triggers come back. DELETE opens as before only when ``audit_retention_guard`` has a row
   with ``allow_delete = 1`` (``services.prune``); UPDATE now opens only when it has a row with
   ``allow_update = 1`` (``services.anonymise_citizen_entries``, which blanks personal fields and
   keeps their digests). Both open inside the service's own transaction and close before it ends.
"""

from django.conf import settings
from django.db import migrations

from helhed.audit import logic

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_accesslog_no_update",
    "DROP TRIGGER IF EXISTS audit_accesslog_no_delete",
]
SQLITE_CREATE = [
    """CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE ON audit_accesslogentry
       WHEN NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_update = 1)
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_accesslog_no_delete BEFORE DELETE ON audit_accesslogentry
       WHEN NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_delete = 1)
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only: DELETE refused'); END""",
]
SQLITE_OLD = [
    """CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE ON audit_accesslogentry
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only: UPDATE refused'); END""",
    SQLITE_CREATE[1],
]

POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS audit_accesslog_guard ON audit_accesslogentry"]
POSTGRESQL_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_accesslog_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           IF NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_update = 1) THEN
             RAISE EXCEPTION 'audit_accesslogentry is append-only: UPDATE refused';
           END IF;
           RETURN NEW;
         END IF;
         IF NOT EXISTS (SELECT 1 FROM audit_retention_guard WHERE allow_delete = 1) THEN
           RAISE EXCEPTION 'audit_accesslogentry is append-only: DELETE refused';
         END IF;
         RETURN OLD;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_accesslog_guard BEFORE UPDATE OR DELETE ON audit_accesslogentry
       FOR EACH ROW EXECUTE FUNCTION audit_accesslog_guard()""",
]
POSTGRESQL_OLD = [
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
    POSTGRESQL_CREATE[1],
]
GATE_COLUMN = (
    "ALTER TABLE audit_retention_guard ADD COLUMN allow_update INTEGER NOT NULL DEFAULT 0"
)
GATE_COLUMN_REVERSE = "ALTER TABLE audit_retention_guard DROP COLUMN allow_update"

FIELDS = [
    "id",
    "at",
    "actor_id",
    "actor_organisation_id",
    "actor_unit_id",
    "purpose",
    "without_consent",
    "listing",
    *logic.PERSONAL_FIELDS,
]


def chain_existing(apps, schema_editor):
    entry_model = apps.get_model("audit", "AccessLogEntry")
    key = logic.key_bytes(settings.HELHED_AUDIT_KEY)
    using = schema_editor.connection.alias
    rows = entry_model._base_manager.using(using).filter(seq__isnull=True).order_by("at", "id")
    prev_hash, seq, batch = logic.GENESIS, 0, []
    for row in rows.values(*FIELDS).iterator(chunk_size=2000):
        seq += 1
        row.update(seq=seq, salt=logic.new_salt(), erased=None)
        row["chain_hash"] = logic.entry_hash(key, prev_hash, row)
        prev_hash = row["chain_hash"]
        batch.append(
            entry_model(
                id=row["id"], seq=seq, salt=row["salt"], chain_hash=row["chain_hash"]
            )
        )
        if len(batch) >= 1000:
            entry_model._base_manager.using(using).bulk_update(batch, ["seq", "salt", "chain_hash"])
            batch = []
    if batch:
        entry_model._base_manager.using(using).bulk_update(batch, ["seq", "salt", "chain_hash"])


def forwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(sql)
    chain_existing(apps, schema_editor)
    schema_editor.execute(GATE_COLUMN)
    for sql in POSTGRESQL_CREATE if postgresql else SQLITE_CREATE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(sql)
    entry_model = apps.get_model("audit", "AccessLogEntry")
    entry_model._base_manager.using(schema_editor.connection.alias).update(
        seq=None, salt=None, chain_hash=None, erased=None
    )
    schema_editor.execute(GATE_COLUMN_REVERSE)
    for sql in POSTGRESQL_OLD if postgresql else SQLITE_OLD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
