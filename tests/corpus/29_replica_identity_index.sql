-- REPLICA IDENTITY USING INDEX on a unique index over NOT NULL columns.
-- table: public.replica_identity_index
-- carries-dependencies: no
-- as: public.replica_identity_index_copy
-- case:
CREATE TABLE replica_identity_index (id integer PRIMARY KEY, code text NOT NULL, v text);
CREATE UNIQUE INDEX replica_identity_index_code ON replica_identity_index (code);
ALTER TABLE replica_identity_index REPLICA IDENTITY USING INDEX replica_identity_index_code;
INSERT INTO replica_identity_index VALUES (1, 'a', NULL), (2, 'b', 'x');
