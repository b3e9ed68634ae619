-- Functions that a domain's constraints call (they must exist before the domain).
SELECT DISTINCT p.oid
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
     AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE c.contypid = %(oid)s AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
