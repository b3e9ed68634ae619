SELECT c.conname, c.contype, pg_catalog.pg_get_constraintdef(c.oid) AS def
FROM pg_catalog.pg_constraint c WHERE c.contypid = %(oid)s ORDER BY c.contype, c.conname
