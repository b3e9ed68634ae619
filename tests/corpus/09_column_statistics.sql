-- Per-column statistics targets (0, a high one, and the maximum).
-- table: public.column_statistics
-- carries-dependencies: no
-- case:
CREATE TABLE column_statistics (id integer PRIMARY KEY, a text, b integer, c jsonb);
ALTER TABLE column_statistics
    ALTER COLUMN a SET STATISTICS 500,
    ALTER COLUMN b SET STATISTICS 0,
    ALTER COLUMN c SET STATISTICS 10000;
INSERT INTO column_statistics VALUES (1, 'a', 1, '{}'), (2, NULL, NULL, NULL);
