-- The table itself: kind, persistence, options, row security, replica identity, comment, sizes.
SELECT c.relkind, c.relpersistence, c.reloptions,
       (SELECT tc.reloptions FROM pg_catalog.pg_class tc WHERE tc.oid = c.reltoastrelid) AS toast_options, c.relrowsecurity, c.relforcerowsecurity,
       c.relreplident, c.relispartition,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
           AS inherits,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
       GREATEST(c.reltuples, 0)::bigint AS est_rows
FROM pg_catalog.pg_class c
WHERE c.oid = %(oid)s
