-- REPLICA IDENTITY FULL.
-- table: public.replica_identity_full
-- carries-dependencies: no
-- case:
CREATE TABLE replica_identity_full (id integer, v text);
ALTER TABLE replica_identity_full REPLICA IDENTITY FULL;
INSERT INTO replica_identity_full VALUES (1, 'a'), (1, 'a');
