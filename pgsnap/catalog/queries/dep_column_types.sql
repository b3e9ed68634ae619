-- The types of the columns of the table and its partitions, the table's own first, in
-- column order (each is visited for what it is built from).
SELECT a.atttypid AS oid
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY (%(oids)s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid <> %(table)s, a.attrelid, a.attnum
