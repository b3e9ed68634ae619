-- Comments on the table, its columns, constraints of each kind and its indexes, with quotes,
-- newlines, backslashes and non-ASCII text.
-- table: public.comments
-- carries-dependencies: no
-- as: public.comments_copy
-- case:
CREATE TABLE comments (
    id integer PRIMARY KEY,
    code text UNIQUE,
    parent integer REFERENCES comments (id),
    qty integer CONSTRAINT comments_qty_check CHECK (qty >= 0)
);
CREATE INDEX comments_qty_idx ON comments (qty);
COMMENT ON TABLE comments IS 'the "comments" table; it''s commented
on two lines \ with a backslash, ünïcødé ✓';
COMMENT ON COLUMN comments.id IS 'key';
COMMENT ON COLUMN comments.code IS '';
COMMENT ON CONSTRAINT comments_pkey ON comments IS 'primary key';
COMMENT ON CONSTRAINT comments_code_key ON comments IS 'unique code';
COMMENT ON CONSTRAINT comments_parent_fkey ON comments IS 'self reference';
COMMENT ON CONSTRAINT comments_qty_check ON comments IS 'non-negative';
COMMENT ON INDEX comments_qty_idx IS 'by quantity';
INSERT INTO comments VALUES (1, 'a', NULL, 0), (2, 'b', 1, 5);
