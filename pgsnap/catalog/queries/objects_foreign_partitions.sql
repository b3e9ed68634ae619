-- The foreign tables of the selection (or whose partitioned table is in it) that are
-- partitions: a dump refuses them by name (catalog/objects.py).
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relispartition AS is_partition,
       pg_catalog.format('%%I.%%I', pn.nspname, p.relname) AS parent
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind = 'f' AND c.relispartition
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[])
       OR pn.nspname = ANY (%(schemas)s::pg_catalog.text[]))
ORDER BY 2, 3
