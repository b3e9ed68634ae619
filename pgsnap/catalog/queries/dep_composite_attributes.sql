-- A composite type's attributes, in order, with a collation where it is not the type's own.
SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.atttypid AS type_oid,
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
            THEN pg_catalog.format('%%I.%%I', cn.nspname, co.collname) END AS collation
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = %(relid)s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
