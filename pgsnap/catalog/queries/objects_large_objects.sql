-- Large objects of a whole-database dump (none with --schema, as pg_dump -n): each made with
-- lo_create of its oid, as pg_dump writes it, so it keeps its oid; their data is read apart
-- (backup/large_objects.py), their owners, ACLs and comments come with the other objects'.
SELECT 'pg_largeobject_metadata' AS cls, m.oid, 'large object' AS kind, '' AS schema,
       m.oid::pg_catalog.text AS name, m.oid::pg_catalog.text AS identity,
       ARRAY[pg_catalog.format('SELECT pg_catalog.lo_create(%%L)', m.oid::pg_catalog.text)] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_largeobject_metadata m
WHERE %(schemas)s::pg_catalog.text[] IS NULL
ORDER BY m.oid
