SELECT c.conname AS name, c.contype::text AS type, pg_catalog.pg_get_constraintdef(c.oid) AS definition
FROM pg_catalog.pg_constraint c WHERE c.contypid = %(oid)s ORDER BY c.contype, c.conname
