-- Roles that 07_postgrest.sql needs (cluster objects, so not in the database file itself):
-- the four of PostgREST's test/spec/fixtures/roles.sql, made idempotent so that the prelude
-- can run once per cluster before the file.  data.sql's postgrest.auth rows name
-- postgrest_test_author, and a trigger (postgrest.check_role_exists) refuses unknown roles.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['postgrest_test_anonymous', 'postgrest_test_default_role', 'postgrest_test_author'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgrest_test_superuser') THEN
        CREATE ROLE postgrest_test_superuser WITH SUPERUSER;
    END IF;
END
$$;
