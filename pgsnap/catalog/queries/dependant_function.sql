-- A function whose SQL body names a table a --replace swaps.
SELECT pg_catalog.pg_get_functiondef(p.oid) AS definition,
       p.oid::pg_catalog.regprocedure::text AS signature,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_catalog.pg_proc p
WHERE p.oid = %(oid)s
