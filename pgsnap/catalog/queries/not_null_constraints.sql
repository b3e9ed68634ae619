-- The NOT NULL constraints (PostgreSQL 18+) of a table and of every partition under it that
-- are not inherited (a rename of the parent's renames those), with the column each is on:
-- what a staged load renames when it swaps the table into place.
WITH RECURSIVE family AS (
    SELECT pg_catalog.to_regclass(%(table)s)::pg_catalog.oid AS oid
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
)
SELECT c.relname AS relation, con.conname AS name, a.attname AS column
FROM family f
JOIN pg_catalog.pg_class c ON c.oid = f.oid
JOIN pg_catalog.pg_constraint con ON con.conrelid = c.oid AND con.contype = 'n'
     AND con.coninhcount = 0
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = con.conkey[1]
ORDER BY 1, 2
