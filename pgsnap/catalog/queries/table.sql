-- The table itself: kind, persistence, options, row security, replica identity, comment, sizes,
-- the composite type of a typed table, the parents of an inheritance child (in INHERITS order),
-- its table access method when it is not heap (CREATE TABLE ... USING).
SELECT c.oid AS relid, c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relpersistence::text AS persistence, COALESCE(c.reloptions, '{}') AS reloptions,
       COALESCE((SELECT tc.reloptions FROM pg_catalog.pg_class tc WHERE tc.oid = c.reltoastrelid),
                '{}') AS toast_options,
       c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security,
       c.relreplident::text AS replica_identity, c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS of_type,
       ARRAY(SELECT ARRAY[pn.nspname::text, pc.relname::text]
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid AND NOT c.relispartition
             ORDER BY i.inhseqno) AS parents,
       (SELECT am.amname FROM pg_catalog.pg_am am
        WHERE am.oid = c.relam AND am.amname <> 'heap') AS access_method,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       pg_catalog.pg_relation_size(c.oid) AS table_bytes,
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
       pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
       GREATEST(c.reltuples, 0)::bigint AS est_rows,
       pg_catalog.current_setting('server_version_num')::int AS server_version
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY (%(oids)s::pg_catalog.oid[])
