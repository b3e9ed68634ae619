-- pg_trgm operator classes for GIN and GiST (the GiST one with siglen).
-- table: public.trgm_indexes
-- needs: pg_trgm
-- carries-dependencies: yes
-- requires:
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- case:
CREATE TABLE trgm_indexes (id integer PRIMARY KEY, name text, note text);
CREATE INDEX trgm_indexes_name_gin ON trgm_indexes USING gin (name gin_trgm_ops);
CREATE INDEX trgm_indexes_note_gist ON trgm_indexes USING gist (note gist_trgm_ops (siglen = 32));
INSERT INTO trgm_indexes VALUES (1, 'hello', 'world'), (2, 'help', NULL);
