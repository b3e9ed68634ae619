SELECT e.enumlabel AS label FROM pg_catalog.pg_enum e WHERE e.enumtypid = %(oid)s ORDER BY e.enumsortorder
