-- Owners and GRANTs, kept by dump --with-privileges: the table's owner (its sequences follow),
-- grants to PUBLIC and to a role with GRANT OPTION, a column grant, a sequence grant, and a
-- privilege the owner revoked from itself.
-- table: public.granted
-- carries-dependencies: no
-- privileges: yes
-- as: public.granted_copy
-- requires:
DO $$ BEGIN CREATE ROLE fidelity_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE fidelity_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
-- case:
CREATE TABLE granted (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, secret text, n serial);
ALTER TABLE granted OWNER TO fidelity_owner;
GRANT SELECT ON granted TO PUBLIC;
GRANT SELECT, INSERT ON granted TO fidelity_reader WITH GRANT OPTION;
GRANT UPDATE (name) ON granted TO fidelity_reader;
GRANT USAGE ON SEQUENCE granted_n_seq TO fidelity_reader;
REVOKE TRUNCATE ON granted FROM fidelity_owner;
INSERT INTO granted (name, secret) VALUES ('a', 's');
