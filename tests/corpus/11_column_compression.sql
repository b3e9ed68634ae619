-- Per-column compression set explicitly to pglz (every server has it).
-- table: public.column_compression
-- carries-dependencies: no
-- case:
CREATE TABLE column_compression (id integer PRIMARY KEY, a text COMPRESSION pglz, b jsonb);
ALTER TABLE column_compression ALTER COLUMN b SET COMPRESSION pglz;
INSERT INTO column_compression VALUES (1, repeat('abc', 2000), '{"k": "v"}');
