-- A typed table (CREATE TABLE … OF type) with column options added.
-- table: public.typed_table
-- carries-dependencies: yes
-- as: public.typed_table_copy
-- requires:
CREATE TYPE typed_row AS (id integer, name text, score numeric);
-- case:
CREATE TABLE typed_table OF typed_row (id WITH OPTIONS PRIMARY KEY, name WITH OPTIONS NOT NULL DEFAULT 'anon');
INSERT INTO typed_table VALUES (1, 'a', 1.5), (2, DEFAULT, NULL);
