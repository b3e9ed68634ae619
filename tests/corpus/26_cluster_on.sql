-- CLUSTER ON a non-key index.
-- table: public.cluster_on
-- carries-dependencies: no
-- as: public.cluster_on_copy
-- case:
CREATE TABLE cluster_on (id integer PRIMARY KEY, k integer, v text);
CREATE INDEX cluster_on_k_idx ON cluster_on (k);
INSERT INTO cluster_on VALUES (1, 3, 'c'), (2, 1, 'a'), (3, 2, 'b');
CLUSTER cluster_on USING cluster_on_k_idx;
