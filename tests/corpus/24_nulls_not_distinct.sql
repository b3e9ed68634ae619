-- UNIQUE NULLS NOT DISTINCT as a constraint and as a unique index.
-- table: public.nulls_not_distinct
-- carries-dependencies: no
-- case:
CREATE TABLE nulls_not_distinct (
    id integer PRIMARY KEY,
    a integer,
    b integer,
    c text,
    CONSTRAINT nulls_not_distinct_ab UNIQUE NULLS NOT DISTINCT (a, b)
);
CREATE UNIQUE INDEX nulls_not_distinct_c_idx ON nulls_not_distinct (c) NULLS NOT DISTINCT;
INSERT INTO nulls_not_distinct VALUES (1, 1, NULL, NULL), (2, 2, NULL, 'x');
