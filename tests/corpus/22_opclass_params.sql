-- Operator classes with parameters and non-default opclasses, index storage parameters.
-- table: public.opclass_params
-- carries-dependencies: no
-- case:
CREATE TABLE opclass_params (id integer PRIMARY KEY, doc tsvector, n integer, j jsonb, name text, ts timestamp, tags integer[]);
CREATE INDEX opclass_params_doc_idx ON opclass_params USING gist (doc tsvector_ops (siglen = 64));
CREATE INDEX opclass_params_n_idx ON opclass_params USING brin (n int4_minmax_multi_ops (values_per_range = 16));
CREATE INDEX opclass_params_j_idx ON opclass_params USING gin (j jsonb_path_ops);
CREATE INDEX opclass_params_name_idx ON opclass_params (name text_pattern_ops);
CREATE INDEX opclass_params_ts_idx ON opclass_params USING brin (ts) WITH (pages_per_range = 16, autosummarize = on);
CREATE INDEX opclass_params_tags_idx ON opclass_params USING gin (tags) WITH (fastupdate = off, gin_pending_list_limit = 128);
CREATE INDEX opclass_params_name_ff ON opclass_params (name) WITH (fillfactor = 50, deduplicate_items = off);
INSERT INTO opclass_params VALUES (1, to_tsvector('simple', 'a b'), 5, '{"a": [1]}', 'x', '2024-01-01', '{1,2}');
