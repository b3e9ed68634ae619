-- Schemas of a whole-database (or --schema) dump: the user's, not the system's or an
-- extension's.  public exists in every database: it gets no CREATE, only its comment and ACL.
-- A load leaves a schema that exists as it is (restore/objects.py).
SELECT 'pg_namespace' AS cls, n.oid, 'schema' AS kind, '' AS schema, n.nspname AS name,
       pg_catalog.quote_ident(n.nspname) AS identity,
       CASE WHEN n.nspname = 'public' THEN ARRAY[]::pg_catalog.text[]
            ELSE ARRAY['CREATE SCHEMA IF NOT EXISTS ' || pg_catalog.quote_ident(n.nspname)] END AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                    AND d.objid = n.oid AND d.deptype = 'e')
ORDER BY n.nspname
