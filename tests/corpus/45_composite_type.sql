-- A composite-type column, an array of it, and a CHECK on one of its fields.
-- table: public.composite_column
-- carries-dependencies: yes
-- requires:
CREATE TYPE address AS (street text, zip varchar(10), "Number" integer);
-- case:
CREATE TABLE composite_column (
    id integer PRIMARY KEY,
    home address,
    others address[],
    CONSTRAINT composite_column_zip CHECK ((home).zip IS NULL OR length((home).zip) > 2)
);
INSERT INTO composite_column VALUES (1, ROW('Main St', '12345', 7), ARRAY[ROW('x', 'y,z', NULL)::address]), (2, NULL, '{}');
