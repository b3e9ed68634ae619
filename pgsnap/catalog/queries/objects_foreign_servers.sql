-- Foreign servers of a whole-database dump (pg_dump -n leaves them out), not an extension's.
SELECT 'pg_foreign_server' AS cls, s.oid, 'server' AS kind, '' AS schema, s.srvname AS name,
       pg_catalog.quote_ident(s.srvname) AS identity,
       ARRAY[pg_catalog.format('CREATE SERVER %%I%%s%%s FOREIGN DATA WRAPPER %%I%%s', s.srvname,
                 ' TYPE ' || pg_catalog.quote_literal(s.srvtype),
                 ' VERSION ' || pg_catalog.quote_literal(s.srvversion), w.fdwname,
                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I %%L', o.k, o.v), ', ' ORDER BY o.ord) || ')'
                  FROM pg_catalog.pg_options_to_table(s.srvoptions) WITH ORDINALITY AS o(k, v, ord)))]
         AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND d.objid = s.oid AND d.deptype = 'e')
ORDER BY s.srvname
