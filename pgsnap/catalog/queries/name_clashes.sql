-- Which of the names a load creates are taken by another object, for every table it creates
-- in one query.  Each wanted name (%(schemas)s, %(names)s, %(tables)s: whether it is a
-- table's own name, %(plans)s: the 0-based table it belongs to, %(replaced)s: that table's
-- name, fully quoted, when the load drops or replaces it, else NULL) clashes with a relation
-- in the schema (any kind) that is not the replaced table nor one of its indexes, partitions
-- or owned sequences; for a table's own name, also with a standalone type (CREATE TABLE
-- makes a row type of that name).  Rows: the table, what was wanted, and what holds the
-- name, as pg_describe_object says it.
WITH RECURSIVE wanted AS (
    SELECT w.schema, w.name, w.is_table, w.plan, w.replaced
    FROM ROWS FROM (pg_catalog.unnest(%(schemas)s::pg_catalog.text[]),
                    pg_catalog.unnest(%(names)s::pg_catalog.text[]),
                    pg_catalog.unnest(%(tables)s::pg_catalog.bool[]),
                    pg_catalog.unnest(%(plans)s::pg_catalog.int4[]),
                    pg_catalog.unnest(%(replaced)s::pg_catalog.text[]))
         AS w(schema, name, is_table, plan, replaced)
),
family AS (
    SELECT r.replaced AS root, pg_catalog.to_regclass(r.replaced)::pg_catalog.oid AS oid
    FROM (SELECT DISTINCT replaced FROM wanted WHERE replaced IS NOT NULL) r
  UNION ALL
    SELECT f.root, i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
),
theirs AS (
    SELECT root, oid FROM family WHERE oid IS NOT NULL
  UNION
    SELECT f.root, x.indexrelid
    FROM pg_catalog.pg_index x JOIN family f ON x.indrelid = f.oid
  UNION
    SELECT f.root, d.objid
    FROM pg_catalog.pg_depend d JOIN family f ON d.refobjid = f.oid
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.deptype IN ('a', 'i')
)
SELECT w.plan, w.schema, w.name,
       pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0) AS holder
FROM wanted w
JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name
WHERE NOT EXISTS (SELECT FROM theirs t WHERE t.root = w.replaced AND t.oid = c.oid)
UNION ALL
SELECT w.plan, w.schema, w.name,
       pg_catalog.pg_describe_object('pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0) AS holder
FROM wanted w
JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema
JOIN pg_catalog.pg_type t ON t.typnamespace = n.oid AND t.typname = w.name
WHERE w.is_table AND t.typrelid = 0
ORDER BY 1, 2, 3
