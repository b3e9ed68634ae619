-- REPLICA IDENTITY NOTHING.
-- table: public.replica_identity_nothing
-- carries-dependencies: no
-- case:
CREATE TABLE replica_identity_nothing (id integer PRIMARY KEY, v text);
ALTER TABLE replica_identity_nothing REPLICA IDENTITY NOTHING;
INSERT INTO replica_identity_nothing VALUES (1, 'a');
