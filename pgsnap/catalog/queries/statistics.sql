-- Extended statistics (CREATE STATISTICS) on the table, in their own schemas.  The target is
-- int4 with -1 for the default before PG17, a nullable int2 from PG17 on: NULL means default.
SELECT s.stxrelid AS relid, n.nspname AS schema, s.stxname AS name,
       pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
       NULLIF(s.stxstattarget::pg_catalog.int4, -1) AS target,
       pg_catalog.obj_description(s.oid, 'pg_statistic_ext') AS comment
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
WHERE s.stxrelid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY n.nspname, s.stxname
