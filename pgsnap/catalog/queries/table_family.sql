-- The oids of the tables %(tables)s (fully quoted names) and of their partitions or children,
-- as this session sees them (a table created in its open transaction included): one query
-- for any number of tables.
WITH RECURSIVE family AS (
    SELECT pg_catalog.to_regclass(t.name)::pg_catalog.oid AS oid
    FROM pg_catalog.unnest(%(tables)s::pg_catalog.text[]) AS t(name)
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
)
SELECT DISTINCT oid FROM family WHERE oid IS NOT NULL
