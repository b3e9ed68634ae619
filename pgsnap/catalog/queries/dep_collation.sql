-- One collation: provider, locales, determinism and ICU rules, on every supported server.
-- PG15 has colliculocale, PG16 adds collicurules, PG17 renames colliculocale to colllocale:
-- the row as JSON reads whichever the server has.
SELECT c.oid, n.nspname AS schema, c.collname AS name, c.collprovider::text AS provider,
       c.collisdeterministic AS deterministic, c.collcollate AS collate, c.collctype AS ctype,
       COALESCE(pg_catalog.to_jsonb(c) ->> 'colllocale',
                pg_catalog.to_jsonb(c) ->> 'colliculocale') AS locale,
       pg_catalog.to_jsonb(c) ->> 'collicurules' AS rules,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e') AS extension
FROM pg_catalog.pg_collation c
JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE c.oid = %(oid)s
