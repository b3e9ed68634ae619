-- The user's collations (not the system's, not an extension's), as dep_collation.sql reads one.
SELECT c.oid, n.nspname AS schema, c.collname AS name, c.collprovider::text AS provider,
       c.collisdeterministic AS deterministic, c.collcollate AS collate, c.collctype AS ctype,
       COALESCE(pg_catalog.to_jsonb(c) ->> 'colllocale',
                pg_catalog.to_jsonb(c) ->> 'colliculocale') AS locale,
       pg_catalog.to_jsonb(c) ->> 'collicurules' AS rules
FROM pg_catalog.pg_collation c
JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.collname
