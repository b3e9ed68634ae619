-- Sequences that the defaults of the table (or of its partitions) call and that none of them
-- owns (serial and identity sequences come with the table): CREATE SEQUENCE s; ... DEFAULT
-- nextval('s').  Owned by another table or by none, they travel as dependencies.
SELECT DISTINCT sn.nspname AS schema, sc.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max,
       s.seqcache AS cache, s.seqcycle AS cycle, sc.relpersistence = 'u' AS unlogged
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.refobjid
JOIN pg_catalog.pg_class sc ON sc.oid = s.seqrelid
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND ad.adrelid = ANY (%(oids)s::pg_catalog.oid[])
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend o
      WHERE o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND o.objid = s.seqrelid
        AND o.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND o.refobjid = ANY (%(oids)s::pg_catalog.oid[])
        AND o.deptype IN ('a', 'i'))
ORDER BY 1, 2
