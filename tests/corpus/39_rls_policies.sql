-- Row security enabled with permissive and restrictive policies for each command, for roles,
-- one with a sub-select on another table.
-- table: public.rls_policies
-- carries-dependencies: no
-- as: public.rls_policies_copy
-- requires:
DO $$BEGIN CREATE ROLE fidelity_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE "Fidelity Writer" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE rls_allowed (name text PRIMARY KEY);
-- case:
CREATE TABLE rls_policies (id integer PRIMARY KEY, owner_name text, secret boolean DEFAULT false);
ALTER TABLE rls_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY rls_policies_read ON rls_policies FOR SELECT USING (NOT secret);
CREATE POLICY rls_policies_insert ON rls_policies AS RESTRICTIVE FOR INSERT TO fidelity_reader, "Fidelity Writer"
    WITH CHECK (owner_name = current_user);
CREATE POLICY rls_policies_update ON rls_policies FOR UPDATE TO "Fidelity Writer"
    USING (owner_name = current_user) WITH CHECK (owner_name IS NOT NULL);
CREATE POLICY rls_policies_delete ON rls_policies FOR DELETE USING (id > 100 AND owner_name IN (SELECT name FROM rls_allowed));
CREATE POLICY rls_policies_all ON rls_policies TO fidelity_reader USING (true);
COMMENT ON POLICY rls_policies_read ON rls_policies IS 'public rows only';
INSERT INTO rls_policies VALUES (1, 'x', false), (2, 'y', true);
