-- Columns in order, with type, default or generation expression, identity, collation, comment,
-- and the per-column settings pg_dump restores (statistics target, storage, compression, options);
-- for a child or a partition: whether the column is its own, and the default and NOT NULL that
-- its parents give it, and whether a parent generates it.
SELECT a.attrelid AS relid, a.attnum, a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity::text AS identity, a.attgenerated::text AS generated,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default,
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
            THEN pg_catalog.format('%%I.%%I', cn.nspname, co.collname) END AS collation,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
       NULLIF(a.attstattarget::int, -1) AS stattarget,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       NULLIF(a.attcompression::text, '') AS compression,
       COALESCE(a.attoptions, '{}') AS options, a.attislocal AS local,
       (SELECT pg_catalog.pg_get_expr(pd.adbin, pd.adrelid)
        FROM pg_catalog.pg_inherits h
        JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
        JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
        WHERE h.inhrelid = a.attrelid
        ORDER BY h.inhseqno LIMIT 1) AS inherited_default,
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h
               JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
               WHERE h.inhrelid = a.attrelid AND pa.attnotnull) AS inherited_not_null,
       EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h
               JOIN pg_catalog.pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
               WHERE h.inhrelid = a.attrelid AND pa.attgenerated <> '') AS inherited_generated
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = ANY (%(oids)s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
