-- The relations whose dependencies a table's dump carries: the table and every partition under
-- it (each has its own triggers, defaults and indexes), with the composite type of a typed table.
WITH RECURSIVE tree AS (
    SELECT %(oid)s::pg_catalog.oid AS oid, 0 AS depth
  UNION ALL
    SELECT i.inhrelid, t.depth + 1
    FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE c.relispartition
)
SELECT t.oid, c.reloftype AS of_type
FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.oid
ORDER BY t.depth, t.oid
