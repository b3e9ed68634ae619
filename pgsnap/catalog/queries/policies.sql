-- Row-security policies, with their roles by name (0 means PUBLIC).
SELECT p.polrelid AS relid, p.polname AS name, p.polpermissive AS permissive, p.polcmd::text AS command,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public'
                         ELSE (SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles
                               WHERE oid = r) END
             FROM pg_catalog.unnest(p.polroles) AS r) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
       pg_catalog.obj_description(p.oid, 'pg_policy') AS comment
FROM pg_catalog.pg_policy p
WHERE p.polrelid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY p.polname
