-- One user-defined type: kind, name, and what it is built from (element, base, subtype, attributes).
SELECT t.oid, t.typtype::text AS kind, t.typcategory::text AS category, n.nspname AS schema,
       t.typname AS name, t.typelem AS element, t.typbasetype AS base, t.typrelid AS relid,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS basetype, t.typnotnull AS not_null,
       t.typdefault AS default,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
              OR r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
            THEN pg_catalog.format('%%I.%%I', cn.nspname, co.collname) END AS collation,
       r.rngsubtype AS range_subtype, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngsubopc IS NOT NULL AND NOT opc.opcdefault
            THEN pg_catalog.format('%%I.%%I', opcn.nspname, opc.opcname) END AS subtype_opclass,
       CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::pg_catalog.regproc::text END AS canonical,
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::pg_catalog.regproc::text END AS subtype_diff,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e') AS extension
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
-- a domain's collation, or a range's (its own typcollation is 0)
LEFT JOIN pg_catalog.pg_collation co ON co.oid = COALESCE(r.rngcollation, t.typcollation)
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
LEFT JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
WHERE t.oid = %(oid)s
