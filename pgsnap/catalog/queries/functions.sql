-- Functions by oid: what the dependency walker needs of each, in oid order.
SELECT p.oid, n.nspname AS schema, p.proname AS name,
       p.oid::pg_catalog.regprocedure::text AS signature, p.prorettype AS rettype,
       p.proargtypes::pg_catalog.oid[] AS argtypes, p.prokind::text AS kind,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e') AS extension
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.oid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY p.oid
