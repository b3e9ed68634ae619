-- Constraints of the table (PG18 NOT NULL constraints included, as contype 'n').
SELECT con.conrelid AS relid, con.conname AS name, con.contype::text AS type,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition, con.convalidated AS validated,
       COALESCE(con.conkey, '{}') AS columns, con.connoinherit AS no_inherit,
       con.conindid <> 0 AND con.contype IN ('p', 'u', 'x') AS uses_index,
       pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_catalog.pg_constraint con
WHERE con.conrelid = ANY (%(oids)s::pg_catalog.oid[]) AND con.conislocal
ORDER BY CASE con.contype WHEN 'n' THEN 0 WHEN 'c' THEN 1 WHEN 'p' THEN 2 WHEN 'u' THEN 3
                          WHEN 'x' THEN 4 ELSE 5 END, con.conname
