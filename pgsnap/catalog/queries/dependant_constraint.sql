-- A foreign key of another table that references a table a --replace swaps.
SELECT con.conname AS name, con.conrelid::pg_catalog.regclass::text AS "table",
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_catalog.pg_constraint con
WHERE con.oid = %(oid)s
