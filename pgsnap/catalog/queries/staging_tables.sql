-- Staging tables of pgsnap loads (pgsnap_stage_<hex>): the tables themselves, not their
-- partitions, which go with them.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname LIKE %(pattern)s
ORDER BY 1, 2
