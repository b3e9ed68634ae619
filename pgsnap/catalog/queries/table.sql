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
       s.heap AS table_bytes, s.heap + s.toast + s.indexes AS total_bytes, s.indexes AS index_bytes,
       GREATEST(c.reltuples, 0)::bigint AS est_rows,
       pg_catalog.current_setting('server_version_num')::int AS server_version
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- sizes: the heap's and the TOAST table's main forks as they are now (chunk planning needs
-- them exact), the indexes' from pg_class.relpages (as of their build or last VACUUM: for
-- inspect's figures).  pg_total_relation_size and pg_indexes_size open every index and fork:
-- on 2,000 small tables this query took 0.22-0.27 s with them, 0.09-0.10 s so (issue 13).
CROSS JOIN LATERAL (
    SELECT pg_catalog.pg_relation_size(c.oid) AS heap,
           COALESCE(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0) AS toast,
           (SELECT COALESCE(sum(ic.relpages), 0)::bigint
                   * pg_catalog.current_setting('block_size')::bigint
            FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = c.oid) AS indexes
) s
WHERE c.oid = ANY (%(oids)s::pg_catalog.oid[])
