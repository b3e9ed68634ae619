-- Sequences that belong to no table (no OWNED BY, not an identity): definition and value.
-- A table's own sequences travel with the table.
SELECT 'pg_class' AS cls, c.oid, 'sequence' AS kind, n.nspname AS schema, c.relname AS name,
       pg_catalog.format('%%I.%%I', n.nspname, c.relname) AS identity,
       ARRAY[pg_catalog.format(
                 'CREATE %%sSEQUENCE %%I.%%I AS %%s START WITH %%s INCREMENT BY %%s MINVALUE %%s MAXVALUE %%s CACHE %%s%%s',
                 CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END,
                 n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart,
                 s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                 CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)]
         || ARRAY(SELECT pg_catalog.format('SELECT pg_catalog.setval(%%L, %%s, true)',
                                           pg_catalog.format('%%I.%%I', n.nspname, c.relname), v)
                  FROM pg_catalog.pg_sequence_last_value(c.oid) AS v WHERE v IS NOT NULL) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind = 'S'
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')
                    AND d.refclassid IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                                         'pg_catalog.pg_extension'::pg_catalog.regclass))
ORDER BY n.nspname, c.relname
