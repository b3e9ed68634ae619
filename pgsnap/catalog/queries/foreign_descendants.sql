-- Which of the tables %(names)s (0-based positions) have a foreign table among their
-- inheritance descendants: ANALYZE of such a table samples the foreign table too (a wrapper
-- with no handler, a server that is not there fail), so the load leaves them out.
WITH RECURSIVE roots AS (
    SELECT n.ord, pg_catalog.to_regclass(n.name) AS oid
    FROM pg_catalog.unnest(%(names)s::pg_catalog.text[]) WITH ORDINALITY AS n(name, ord)
), tree AS (
    SELECT r.ord, i.inhrelid AS oid
    FROM pg_catalog.pg_inherits i JOIN roots r ON i.inhparent = r.oid
  UNION ALL
    SELECT t.ord, i.inhrelid
    FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid
)
SELECT DISTINCT (t.ord - 1)::pg_catalog.int4 AS position
FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.oid
WHERE c.relkind = 'f'
ORDER BY 1
