-- A user-defined range type (and its multirange), with an exclusion constraint on it.
-- table: public.range_column
-- carries-dependencies: yes
-- requires:
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
-- case:
CREATE TABLE range_column (
    id integer PRIMARY KEY,
    r floatrange,
    many floatmultirange,
    builtin int4multirange DEFAULT '{}',
    CONSTRAINT range_column_no_overlap EXCLUDE USING gist (r WITH &&)
);
INSERT INTO range_column VALUES (1, '[1.5,2.5)', '{[1,2),[3,4)}', '{[1,3)}'), (2, 'empty', NULL, NULL);
