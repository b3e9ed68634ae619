-- Every ordering dependency between user objects (pg_depend, normal and automatic), by
-- catalog name and oid.
SELECT c.relname AS cls, d.objid AS oid, rc.relname AS ref_cls, d.refobjid AS ref_oid
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.classid
JOIN pg_catalog.pg_class rc ON rc.oid = d.refclassid
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
