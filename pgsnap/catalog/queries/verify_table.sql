-- A live table for `pgsnap verify`: its stored columns and its indexes, or no row when
-- %(name)s (a fully quoted schema.table) names no table.
SELECT c.oid,
       c.relkind::text AS kind,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns,
       ARRAY(SELECT i.relname::text
             FROM pg_catalog.pg_index x
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = c.oid
             ORDER BY i.relname) AS indexes
FROM pg_catalog.pg_class c
WHERE c.oid = pg_catalog.to_regclass(%(name)s)
