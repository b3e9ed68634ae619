-- An unlogged table with a serial key (its sequence is unlogged too on PG15+) and an index.
-- table: public.unlogged_cache
-- carries-dependencies: no
-- case:
CREATE UNLOGGED TABLE unlogged_cache (id serial PRIMARY KEY, k text UNIQUE, v jsonb);
CREATE INDEX unlogged_cache_v_idx ON unlogged_cache USING gin (v);
INSERT INTO unlogged_cache (k, v) VALUES ('a', '{"x": 1}'), ('b', NULL);
