-- Columns in order, with type, default or generation expression, identity, collation, comment,
-- and the per-column settings pg_dump restores (statistics target, storage, compression, options).
SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull, a.attidentity, a.attgenerated,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
            THEN pg_catalog.format('%%I.%%I', cn.nspname, co.collname) END AS collation,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
       NULLIF(a.attstattarget::int, -1) AS stattarget,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END AS storage,
       NULLIF(a.attcompression::text, '') AS compression,
       a.attoptions
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
