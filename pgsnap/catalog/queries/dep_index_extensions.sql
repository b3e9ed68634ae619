-- Extensions whose operator classes the table's indexes (and exclusion constraints) use.
SELECT DISTINCT e.extname AS name
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL pg_catalog.unnest(i.indclass::pg_catalog.oid[]) AS opc(oid)
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
     AND d.objid = opc.oid AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
WHERE i.indrelid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY 1
