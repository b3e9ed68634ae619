-- One index of every built-in access method: btree, hash, gist, gin, brin, spgist.
-- table: public.index_methods
-- carries-dependencies: no
-- as: public.index_methods_copy
-- case:
CREATE TABLE index_methods (
    id integer PRIMARY KEY,
    name text,
    pos point,
    doc tsvector,
    tags text[],
    ts timestamptz,
    net inet
);
CREATE INDEX index_methods_name_hash ON index_methods USING hash (name);
CREATE INDEX index_methods_pos_gist ON index_methods USING gist (pos);
CREATE INDEX index_methods_doc_gin ON index_methods USING gin (doc);
CREATE INDEX index_methods_tags_gin ON index_methods USING gin (tags);
CREATE INDEX index_methods_ts_brin ON index_methods USING brin (ts);
CREATE INDEX index_methods_name_spgist ON index_methods USING spgist (name);
CREATE INDEX index_methods_net_spgist ON index_methods USING spgist (net);
CREATE INDEX index_methods_name_btree ON index_methods (name DESC NULLS LAST, id);
INSERT INTO index_methods VALUES
    (1, 'one', '(1,1)', to_tsvector('simple', 'hello world'), '{a,b}', '2024-01-01', '10.1.0.0/16'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL);
