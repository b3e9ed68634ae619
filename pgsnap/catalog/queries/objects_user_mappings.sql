-- User mappings of a whole-database dump (with their servers: pg_dump -n leaves them out),
-- with their options as pg_dump writes them (they may hold passwords: pgsnap's messages never
-- show a user mapping's options).  The identity is what the statements name: FOR role SERVER s.
SELECT 'pg_user_mapping' AS cls, u.umid AS oid, 'user mapping' AS kind, '' AS schema,
       pg_catalog.format('FOR %%s SERVER %%I', CASE WHEN u.umuser = 0 THEN 'PUBLIC'
                                                   ELSE pg_catalog.quote_ident(u.usename) END,
                         u.srvname) AS name,
       pg_catalog.format('FOR %%s SERVER %%I', CASE WHEN u.umuser = 0 THEN 'PUBLIC'
                                                   ELSE pg_catalog.quote_ident(u.usename) END,
                         u.srvname) AS identity,
       ARRAY[pg_catalog.format('CREATE USER MAPPING FOR %%s SERVER %%I%%s',
                 CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(u.usename) END,
                 u.srvname,
                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I %%L', o.k, o.v), ', ' ORDER BY o.ord) || ')'
                  FROM pg_catalog.pg_options_to_table(u.umoptions) WITH ORDINALITY AS o(k, v, ord)))]
         AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_user_mappings u
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND d.objid = u.srvid AND d.deptype = 'e')
ORDER BY u.srvname, u.usename
