-- One sequence's options, to compare with the archive's (an existing relation of that name
-- that is not a sequence has no row).
SELECT sn.nspname AS schema, sc.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max,
       s.seqcache AS cache, s.seqcycle AS cycle, sc.relpersistence = 'u' AS unlogged
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class sc ON sc.oid = s.seqrelid
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
WHERE s.seqrelid = %(oid)s
