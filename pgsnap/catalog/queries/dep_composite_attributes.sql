SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.atttypid AS type_oid
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = %(relid)s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
