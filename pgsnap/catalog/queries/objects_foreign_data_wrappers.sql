-- Foreign-data wrappers of a whole-database dump (pg_dump -n leaves them out), not an
-- extension's (CREATE EXTENSION postgres_fdw makes its own), with their options in order.
SELECT 'pg_foreign_data_wrapper' AS cls, w.oid, 'foreign data wrapper' AS kind, '' AS schema,
       w.fdwname AS name, pg_catalog.quote_ident(w.fdwname) AS identity,
       ARRAY[pg_catalog.format('CREATE FOREIGN DATA WRAPPER %%I%%s%%s%%s', w.fdwname,
                 (SELECT pg_catalog.format(' HANDLER %%I.%%I', n.nspname, p.proname)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = w.fdwhandler),
                 (SELECT pg_catalog.format(' VALIDATOR %%I.%%I', n.nspname, p.proname)
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.oid = w.fdwvalidator),
                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I %%L', o.k, o.v), ', ' ORDER BY o.ord) || ')'
                  FROM pg_catalog.pg_options_to_table(w.fdwoptions) WITH ORDINALITY AS o(k, v, ord)))]
         AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_foreign_data_wrapper w
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                    AND d.objid = w.oid AND d.deptype = 'e')
ORDER BY w.fdwname
