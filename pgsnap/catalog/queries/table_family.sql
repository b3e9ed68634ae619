-- The oids of a table (%(table)s, fully quoted) and of its partitions or children, as this
-- session sees them (a table created in its open transaction included).
WITH RECURSIVE family AS (
    SELECT pg_catalog.to_regclass(%(table)s)::pg_catalog.oid AS oid
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
)
SELECT oid FROM family WHERE oid IS NOT NULL
