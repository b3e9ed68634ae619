-- PG18 virtual generated columns (the default kind there), beside a stored one.
-- table: public.generated_virtual
-- min-version: 18
-- carries-dependencies: no
-- case:
CREATE TABLE generated_virtual (
    id integer PRIMARY KEY,
    a integer,
    twice integer GENERATED ALWAYS AS (a * 2) VIRTUAL,
    label text GENERATED ALWAYS AS ((a::text || '!')),
    kept integer GENERATED ALWAYS AS (a + 1) STORED
);
INSERT INTO generated_virtual (id, a) VALUES (1, 10), (2, NULL), (3, -4);
