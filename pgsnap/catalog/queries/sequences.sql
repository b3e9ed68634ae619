-- Sequences owned by the table's columns: serial (deptype 'a') and identity (deptype 'i'), with
-- their state.
SELECT d.refobjid AS relid, sn.nspname AS schema, sc.relname AS name, a.attname AS column,
       d.deptype = 'i' AS identity, pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max,
       s.seqcache AS cache, s.seqcycle AS cycle,
       sc.relpersistence = 'u' AS unlogged,
       pg_catalog.obj_description(sc.oid, 'pg_class') AS comment,
       -- the value setval gives back: NULL before the first nextval (then the start value)
       COALESCE(pg_catalog.pg_sequence_last_value(sc.oid), s.seqstart) AS last_value,
       pg_catalog.pg_sequence_last_value(sc.oid) IS NOT NULL AS is_called
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.objid
JOIN pg_catalog.pg_class sc ON sc.oid = s.seqrelid
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refobjid = ANY (%(oids)s::pg_catalog.oid[]) AND d.deptype IN ('a', 'i')
ORDER BY d.refobjsubid, sc.relname
