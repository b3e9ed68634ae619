-- A policy of another table whose expressions name a table a --replace swaps.
SELECT n.nspname AS schema, c.relname AS "table", p.polrelid AS relid, p.polname AS name
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE p.oid = %(oid)s
