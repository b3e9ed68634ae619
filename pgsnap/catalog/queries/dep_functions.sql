-- Functions that the table's defaults, generated columns, checks, triggers, indexes and policies
-- call, outside pg_catalog and information_schema.
SELECT DISTINCT p.oid
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND ((d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
        AND d.objid IN (SELECT oid FROM pg_catalog.pg_attrdef WHERE adrelid = ANY (%(oids)s::pg_catalog.oid[])))
    OR (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
        AND d.objid IN (SELECT oid FROM pg_catalog.pg_constraint
                        WHERE conrelid = ANY (%(oids)s::pg_catalog.oid[])))
    OR (d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
        AND d.objid IN (SELECT oid FROM pg_catalog.pg_trigger WHERE tgrelid = ANY (%(oids)s::pg_catalog.oid[]) AND NOT tgisinternal))
    OR (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ANY (%(oids)s::pg_catalog.oid[])))
    OR (d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
        AND d.objid IN (SELECT oid FROM pg_catalog.pg_policy WHERE polrelid = ANY (%(oids)s::pg_catalog.oid[]))))
ORDER BY 1
