-- Row security enabled and forced, with one policy.
-- table: public.rls_force
-- carries-dependencies: no
-- case:
CREATE TABLE rls_force (id integer PRIMARY KEY, tenant integer);
ALTER TABLE rls_force ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls_force FORCE ROW LEVEL SECURITY;
CREATE POLICY rls_force_tenant ON rls_force USING (tenant = 1);
INSERT INTO rls_force VALUES (1, 1), (2, 2);
