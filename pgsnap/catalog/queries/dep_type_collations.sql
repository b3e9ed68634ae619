-- Collations a domain (its own, its checks'), composite (its attributes') or range (its
-- subtype's) type uses, outside pg_catalog and information_schema.
SELECT DISTINCT co.oid
FROM (
    SELECT t.typcollation AS oid FROM pg_catalog.pg_type t WHERE t.oid = %(oid)s
    UNION
    SELECT r.rngcollation FROM pg_catalog.pg_range r WHERE r.rngtypid = %(oid)s
    UNION
    SELECT a.attcollation FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid
    WHERE t.oid = %(oid)s AND t.typrelid <> 0 AND a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT d.refobjid FROM pg_catalog.pg_depend d
    WHERE d.refclassid = 'pg_catalog.pg_collation'::pg_catalog.regclass
      AND d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
      AND d.objid IN (SELECT oid FROM pg_catalog.pg_constraint WHERE contypid = %(oid)s)
) AS used
JOIN pg_catalog.pg_collation co ON co.oid = used.oid
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
