-- Every ordering dependency between user objects (pg_depend, normal and automatic), by
-- catalog name and oid.  Also, for an operator whose commutator or negator does not name it
-- back: that one is defined after it (the CREATE that fills in a shell resets its links, so
-- only that order gives the one-sided link again).
SELECT c.relname AS cls, d.objid AS oid, rc.relname AS ref_cls, d.refobjid AS ref_oid
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class c ON c.oid = d.classid
JOIN pg_catalog.pg_class rc ON rc.oid = d.refclassid
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
UNION ALL
SELECT 'pg_operator', l.other, 'pg_operator', o.oid
FROM pg_catalog.pg_operator o
CROSS JOIN LATERAL (VALUES (o.oprcom, 'c'), (o.oprnegate, 'n')) AS l(other, link)
JOIN pg_catalog.pg_operator x ON x.oid = l.other
WHERE o.oid >= 16384 AND l.other >= 16384 AND l.other <> o.oid
  AND CASE l.link WHEN 'c' THEN x.oprcom ELSE x.oprnegate END <> o.oid
