-- Access methods of a whole-database dump: the user's, not the built-in ones nor an
-- extension's.  pg_dump -n leaves them out.  They have no owner and no ACL.
SELECT 'pg_am' AS cls, a.oid, 'access method' AS kind, '' AS schema, a.amname AS name,
       pg_catalog.quote_ident(a.amname) AS identity,
       ARRAY[pg_catalog.format('CREATE ACCESS METHOD %%I TYPE %%s HANDLER %%I.%%I', a.amname,
                 CASE a.amtype WHEN 'i' THEN 'INDEX' ELSE 'TABLE' END, n.nspname, p.proname)]
         AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_am a
JOIN pg_catalog.pg_proc p ON p.oid = a.amhandler
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND a.oid >= 16384
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_am'::pg_catalog.regclass
                    AND d.objid = a.oid AND d.deptype = 'e')
ORDER BY a.amname
