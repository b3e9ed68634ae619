-- Per-column attribute options (n_distinct, n_distinct_inherited).
-- table: public.column_attoptions
-- carries-dependencies: no
-- case:
CREATE TABLE column_attoptions (id integer PRIMARY KEY, a integer, b text);
ALTER TABLE column_attoptions
    ALTER COLUMN a SET (n_distinct = -0.5),
    ALTER COLUMN b SET (n_distinct = 100, n_distinct_inherited = 50);
INSERT INTO column_attoptions VALUES (1, 1, 'x'), (2, 1, 'y');
