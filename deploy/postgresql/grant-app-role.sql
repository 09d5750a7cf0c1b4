-- The application role's rights (docs/operations.md, "The application role (PostgreSQL)").
-- The server and the worker run as this role; it must not own the tables. Run as the OWNER role
-- after the first `helhed migrate` and after every `helhed migrate` that adds tables:
--
--   psql "$OWNER_DATABASE_URL" -v ON_ERROR_STOP=1 -v app=helhed_app -f grant-app-role.sql
--
-- The same statements `helhed restore` runs for HELHED_DB_APP_ROLE (helhed.ops.backup.pg_protect):
-- everything on the ordinary tables, only SELECT, INSERT on the access log, SELECT on the chain's
-- anchors and nothing on the retention gate, so the application role can neither alter nor empty
-- the access log. One transaction: all or nothing.
BEGIN;
GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
REVOKE ALL ON audit_accesslogentry FROM :"app";
GRANT SELECT, INSERT ON audit_accesslogentry TO :"app";
REVOKE ALL ON audit_chainanchor FROM :"app";
GRANT SELECT ON audit_chainanchor TO :"app";
REVOKE ALL ON audit_retention_guard FROM :"app";
COMMIT;
