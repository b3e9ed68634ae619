-- Column collations ("C", "POSIX", ucs_basic), on a scalar and an array, and in an index.
-- table: public.collations
-- carries-dependencies: no
-- case:
CREATE TABLE collations (
    id integer PRIMARY KEY,
    c_text text COLLATE "C",
    posix varchar(20) COLLATE "POSIX",
    plain text,
    tags text[] COLLATE "C",
    basic text COLLATE ucs_basic
);
CREATE INDEX collations_plain_c_idx ON collations (plain COLLATE "C" text_pattern_ops);
INSERT INTO collations VALUES (1, 'b', 'B', 'ä', '{z,a}', 'x'), (2, 'a', 'a', 'Z', NULL, NULL);
