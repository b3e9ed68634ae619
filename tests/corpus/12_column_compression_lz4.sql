-- Per-column lz4 compression, on servers built with lz4.
-- table: public.column_compression_lz4
-- needs: lz4
-- carries-dependencies: no
-- case:
CREATE TABLE column_compression_lz4 (id integer PRIMARY KEY, a text COMPRESSION lz4, b text);
INSERT INTO column_compression_lz4 VALUES (1, repeat('lz4', 3000), 'b');
