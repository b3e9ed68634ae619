-- Collations the table's columns, indexes (columns, expressions, predicates), partition key,
-- defaults, constraints, triggers and policies use, outside pg_catalog and information_schema.
SELECT DISTINCT co.oid
FROM (
    SELECT a.attcollation AS oid FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = ANY (%(oids)s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT ic.oid FROM pg_catalog.pg_index i
    CROSS JOIN LATERAL pg_catalog.unnest(i.indcollation::pg_catalog.oid[]) AS ic(oid)
    WHERE i.indrelid = ANY (%(oids)s::pg_catalog.oid[])
    UNION
    SELECT pc.oid FROM pg_catalog.pg_partitioned_table p
    CROSS JOIN LATERAL pg_catalog.unnest(p.partcollation::pg_catalog.oid[]) AS pc(oid)
    WHERE p.partrelid = ANY (%(oids)s::pg_catalog.oid[])
    UNION
    SELECT d.refobjid FROM pg_catalog.pg_depend d
    WHERE d.refclassid = 'pg_catalog.pg_collation'::pg_catalog.regclass
      AND ((d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
            AND d.objid IN (SELECT oid FROM pg_catalog.pg_attrdef WHERE adrelid = ANY (%(oids)s::pg_catalog.oid[])))
        OR (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
            AND d.objid IN (SELECT oid FROM pg_catalog.pg_constraint WHERE conrelid = ANY (%(oids)s::pg_catalog.oid[])))
        OR (d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
            AND d.objid IN (SELECT oid FROM pg_catalog.pg_trigger
                            WHERE tgrelid = ANY (%(oids)s::pg_catalog.oid[]) AND NOT tgisinternal))
        OR (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND d.objid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ANY (%(oids)s::pg_catalog.oid[])))
        OR (d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
            AND d.objid IN (SELECT oid FROM pg_catalog.pg_policy WHERE polrelid = ANY (%(oids)s::pg_catalog.oid[]))))
) AS used
JOIN pg_catalog.pg_collation co ON co.oid = used.oid
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
