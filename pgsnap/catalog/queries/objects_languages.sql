-- Procedural languages of a whole-database dump: the user's, not the built-in ones nor an
-- extension's (plpgsql is one).  pg_dump -n leaves them out.  The handler, inline and
-- validator functions are named with their schema (HANDLER takes a name, no arguments).
SELECT 'pg_language' AS cls, l.oid, 'language' AS kind, '' AS schema, l.lanname AS name,
       pg_catalog.quote_ident(l.lanname) AS identity,
       ARRAY[pg_catalog.format('CREATE %%sPROCEDURAL LANGUAGE %%I HANDLER %%s%%s%%s',
                 CASE WHEN l.lanpltrusted THEN 'TRUSTED ' ELSE '' END, l.lanname,
                 (SELECT pg_catalog.format('%%I.%%I', n.nspname, p.proname)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = l.lanplcallfoid),
                 (SELECT pg_catalog.format(' INLINE %%I.%%I', n.nspname, p.proname)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = l.laninline),
                 (SELECT pg_catalog.format(' VALIDATOR %%I.%%I', n.nspname, p.proname)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = l.lanvalidator))] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_language l
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND l.oid >= 16384 AND l.lanplcallfoid <> 0
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_language'::pg_catalog.regclass
                    AND d.objid = l.oid AND d.deptype = 'e')
ORDER BY l.lanname
