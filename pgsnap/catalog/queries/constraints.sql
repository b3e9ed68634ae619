-- Constraints of the table (PG18 NOT NULL constraints included, as contype 'n'): its own, and
-- (PG18) an inherited NOT NULL whose name is not the one its first parent's constraint on the
-- column would give it (a partition named it before ATTACH PARTITION, a child before INHERIT):
-- restored as a named table constraint, it keeps that name.
SELECT con.conrelid AS relid, con.conname AS name, con.contype::text AS type,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition, con.convalidated AS validated,
       COALESCE(con.conkey, '{}') AS columns, con.connoinherit AS no_inherit,
       con.conindid <> 0 AND con.contype IN ('p', 'u', 'x') AS uses_index,
       pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment, con.oid
FROM pg_catalog.pg_constraint con
WHERE con.conrelid = ANY (%(oids)s::pg_catalog.oid[])
  AND (con.conislocal
       OR con.contype = 'n' AND con.convalidated AND con.conname IS DISTINCT FROM (
            SELECT pc.conname
            FROM pg_catalog.pg_inherits h
            JOIN pg_catalog.pg_attribute ca
                 ON ca.attrelid = con.conrelid AND ca.attnum = con.conkey[1]
            JOIN pg_catalog.pg_attribute pa
                 ON pa.attrelid = h.inhparent AND pa.attname = ca.attname
            JOIN pg_catalog.pg_constraint pc
                 ON pc.conrelid = h.inhparent AND pc.contype = 'n' AND pc.conkey[1] = pa.attnum
            WHERE h.inhrelid = con.conrelid
            ORDER BY h.inhseqno LIMIT 1))
ORDER BY CASE con.contype WHEN 'n' THEN 0 WHEN 'c' THEN 1 WHEN 'p' THEN 2 WHEN 'u' THEN 3
                          WHEN 'x' THEN 4 ELSE 5 END, con.conname
