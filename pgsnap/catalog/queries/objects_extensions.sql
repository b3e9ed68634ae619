-- Extensions, with their schema and version (a whole-database dump only).
SELECT 'pg_extension' AS cls, e.oid, 'extension' AS kind, '' AS schema, e.extname AS name,
       pg_catalog.quote_ident(e.extname) AS identity,
       ARRAY[pg_catalog.format('CREATE EXTENSION IF NOT EXISTS %%I WITH SCHEMA %%I VERSION %%L',
                               e.extname, n.nspname, e.extversion)] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE %(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[])
ORDER BY e.extname
