-- Every partition under each partitioned table of %(oids)s (relid: the table), parents before
-- children, with its bound, its own partition key (sub-partitioned), its heap size and its TOAST
-- heap's (leaves are what a dump reads; the chunk planner weighs both; 0 without out-of-line
-- values, so that the archive leaves the field out).
WITH RECURSIVE tree AS (
    SELECT i.inhrelid AS oid, i.inhparent AS parent, 1 AS depth, i.inhparent AS root
    FROM pg_catalog.pg_inherits i WHERE i.inhparent = ANY (%(oids)s::pg_catalog.oid[])
  UNION ALL
    SELECT i.inhrelid, i.inhparent, t.depth + 1, t.root
    FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid
)
SELECT t.root AS relid, c.oid, n.nspname AS schema, c.relname AS name, pn.nspname AS parent_schema,
       pc.relname AS parent_name, c.relkind::text AS kind,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       COALESCE(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS toast_bytes
FROM tree t
JOIN pg_catalog.pg_class c ON c.oid = t.oid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class pc ON pc.oid = t.parent
JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE c.relispartition
ORDER BY t.root, t.depth, c.relname
