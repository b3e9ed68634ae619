-- Find a relation by (optional) schema and name; unqualified names follow the caller's search path.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relispartition AS is_partition,
       (SELECT pg_catalog.string_agg(i.inhparent::pg_catalog.regclass::text, ', ')
          FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) AS parent
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = %(name)s
  AND ((%(schema)s::text IS NULL AND n.nspname = ANY (%(path)s::text[]))
       OR n.nspname = %(schema)s::text)
ORDER BY pg_catalog.array_position(%(path)s::text[], n.nspname::text) NULLS LAST
LIMIT 1
