-- Per-column storage that differs from the type's default.
-- table: public.column_storage
-- carries-dependencies: no
-- case:
CREATE TABLE column_storage (id integer PRIMARY KEY, a text, b numeric, c bytea, d jsonb);
ALTER TABLE column_storage
    ALTER COLUMN a SET STORAGE EXTERNAL,
    ALTER COLUMN b SET STORAGE EXTENDED,
    ALTER COLUMN c SET STORAGE PLAIN,
    ALTER COLUMN d SET STORAGE MAIN;
INSERT INTO column_storage VALUES (1, repeat('x', 3000), 1.5, '\x0102', '{"a": 1}');
