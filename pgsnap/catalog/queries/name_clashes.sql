-- Which of the names a load creates are taken by another object: a relation in the schema
-- (any kind) that is not the table the load drops or replaces (%(table)s, fully quoted, or
-- NULL) nor one of its indexes, partitions or owned sequences; for a table's own name, also
-- a standalone type (CREATE TABLE makes a row type of that name).  Rows: what was wanted, and
-- what holds the name, as pg_describe_object says it.
WITH RECURSIVE family AS (
    SELECT pg_catalog.to_regclass(%(table)s)::pg_catalog.oid AS oid
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
),
theirs AS (
    SELECT oid FROM family WHERE oid IS NOT NULL
  UNION
    SELECT x.indexrelid FROM pg_catalog.pg_index x WHERE x.indrelid IN (SELECT oid FROM family)
  UNION
    SELECT d.objid FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.refobjid IN (SELECT oid FROM family) AND d.deptype IN ('a', 'i')
),
wanted AS (
    SELECT w.schema, w.name, w.is_table
    FROM ROWS FROM (pg_catalog.unnest(%(schemas)s::pg_catalog.text[]),
                    pg_catalog.unnest(%(names)s::pg_catalog.text[]),
                    pg_catalog.unnest(%(tables)s::pg_catalog.bool[])) AS w(schema, name, is_table)
)
SELECT w.schema, w.name,
       pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0) AS holder
FROM wanted w
JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
WHERE c.oid NOT IN (SELECT oid FROM theirs)
UNION ALL
SELECT w.schema, w.name,
       pg_catalog.pg_describe_object('pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0) AS holder
FROM wanted w
JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
JOIN pg_catalog.pg_type t ON t.typnamespace = n.oid AND t.typname = w.name
WHERE w.is_table AND t.typrelid = 0
ORDER BY 1, 2
