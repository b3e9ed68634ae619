-- The table itself: kind, persistence, options, row security, replica identity, comment, sizes,
-- the composite type of a typed table, the parents of an inheritance child (in INHERITS order).
SELECT c.oid AS relid, c.relkind, c.relpersistence, c.reloptions,
       (SELECT tc.reloptions FROM pg_catalog.pg_class tc WHERE tc.oid = c.reltoastrelid) AS toast_options, c.relrowsecurity, c.relforcerowsecurity,
       c.relreplident, c.relispartition,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
           AS inherits,
       CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS of_type,
       ARRAY(SELECT ARRAY[pn.nspname::text, pc.relname::text]
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid AND NOT c.relispartition
             ORDER BY i.inhseqno) AS parents,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
       GREATEST(c.reltuples, 0)::bigint AS est_rows
FROM pg_catalog.pg_class c
WHERE c.oid = ANY (%(oids)s::pg_catalog.oid[])
