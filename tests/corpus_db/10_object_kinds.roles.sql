-- Roles that 10_object_kinds.sql names (cluster objects, so not in the database file): made
-- idempotent so that the prelude can run once per cluster before the file.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['dboracle_reader', 'dboracle_writer', 'dboracle odd "role"'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
    END LOOP;
END
$$;
