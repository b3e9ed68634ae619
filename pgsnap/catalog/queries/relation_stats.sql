-- Planner statistics of each table of the selection and of its partitions, read as pg_dump
-- reads them (reltuples as text).  relallfrozen is new in PostgreSQL 18
-- (relation_stats_pg18.sql).  pg_partition_tree() gives a partitioned table's partitions
-- (and nothing for a plain table).
SELECT t.root AS root, n.nspname AS schema, c.relname AS name, c.relpages AS relpages,
       c.reltuples::pg_catalog.text AS reltuples, c.relallvisible AS relallvisible,
       NULL::pg_catalog.int4 AS relallfrozen
FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) AS t(root)
CROSS JOIN LATERAL (SELECT t.root AS relid, 0 AS level UNION ALL
                    SELECT relid, level FROM pg_catalog.pg_partition_tree(t.root) WHERE level > 0) AS p
JOIN pg_catalog.pg_class c ON c.oid = p.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
ORDER BY t.root, p.level, n.nspname, c.relname
