-- A partition's indexes that belong to an index of its parent (created and attached like
-- pg_dump does), with the key constraint behind them when there is one.
SELECT i.indrelid AS relid, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       pic.relname AS parent_index,
       con.conname AS "constraint", pg_catalog.pg_get_constraintdef(con.oid) AS constraint_def
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_inherits h ON h.inhrelid = i.indexrelid
JOIN pg_catalog.pg_class pic ON pic.oid = h.inhparent
LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
     AND con.contype IN ('p', 'u', 'x')
WHERE i.indrelid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY ic.relname
