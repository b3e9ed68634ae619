-- Indexes of the table; those that back a constraint are created by the constraint.  A
-- partition's indexes that are attached to its parent's are read with the parent
-- (partition_indexes.sql).
SELECT i.indrelid AS relid, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       COALESCE(ic.reloptions, '{}') AS reloptions,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
               WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                 AND c.contype IN ('p', 'u', 'x')) AS backs_constraint,
       i.indisreplident AS replica_identity, i.indisclustered AS clustered,
       ARRAY(SELECT ARRAY[a.attnum::pg_catalog.int4, a.attstattarget::pg_catalog.int4]
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = i.indexrelid AND a.attstattarget::int > 0
             ORDER BY a.attnum) AS stattargets,
       pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY (%(oids)s::pg_catalog.oid[]) AND i.indisvalid AND i.indisready
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY ic.relname
