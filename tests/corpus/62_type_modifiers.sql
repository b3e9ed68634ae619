-- Types whose printed form carries modifiers or unusual spellings.
-- table: public.type_modifiers
-- carries-dependencies: no
-- case:
CREATE TABLE type_modifiers (
    id integer PRIMARY KEY,
    ch "char",
    b3 bit(3),
    vb bit varying(10),
    iv interval day to second(3),
    tz time(2) with time zone,
    ts0 timestamp(0) without time zone,
    big numeric(1000, 500),
    neg numeric(5, -2),
    vc varchar,
    arr2 integer[][],
    nm name,
    oids oid,
    reg regclass,
    txt tsquery,
    mr datemultirange
);
INSERT INTO type_modifiers VALUES
    (1, 'x', B'101', B'1', '1 day 00:00:01.123', '10:00:00.12+02', '2024-01-01 00:00:00', 1.5, 12300, 'v', '{{1,2},{3,4}}', 'n', 1, 'pg_class', 'a & b', '{[2024-01-01,2024-02-01)}'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
