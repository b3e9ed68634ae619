-- Roles that 09_pg_dump_objects.sql names (cluster objects, so not in the database file):
-- the two that src/bin/pg_dump/t/002_pg_dump.pl creates first (create_order 1), made
-- idempotent so that the prelude can run once per cluster before the file.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['regress_dump_test_role', 'regress_quoted  \" role'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
    END LOOP;
END
$$;
