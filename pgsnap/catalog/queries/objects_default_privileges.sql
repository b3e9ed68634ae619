-- Default privileges (pg_default_acl) as ALTER DEFAULT PRIVILEGES statements, as pg_dump's
-- buildDefaultACLCommands writes them: a global entry replaces the built-in defaults
-- (acldefault), so it REVOKEs what they give and it lacks, then GRANTs what it adds; an entry
-- IN SCHEMA adds to the global one, so it only GRANTs.  A --schema dump keeps only the
-- entries in its schemas, as pg_dump -n.  The name quotes every name: role "r" in schema "s"
-- on tables (objects_allow_events.py derives it from the statement).
SELECT 'pg_default_acl' AS cls, a.oid, 'default privileges' AS kind,
       COALESCE(n.nspname, '') AS schema,
       pg_catalog.concat_ws(' ', 'role', '"' || pg_catalog.replace(r.rolname, '"', '""') || '"',
                            'in schema "' || pg_catalog.replace(n.nspname, '"', '""') || '"',
                            'on', pg_catalog.lower(k.keyword)) AS name,
       pg_catalog.concat_ws(' ', 'FOR ROLE', pg_catalog.quote_ident(r.rolname),
                            'IN SCHEMA ' || pg_catalog.quote_ident(n.nspname),
                            'ON', k.keyword) AS identity,
       ARRAY(SELECT pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %%I%%s %%s %%s ON %%s %%s %%s%%s',
                        r.rolname, ' IN SCHEMA ' || pg_catalog.quote_ident(n.nspname),
                        x.verb, x.privilege_type, k.keyword,
                        CASE x.verb WHEN 'GRANT' THEN 'TO' ELSE 'FROM' END,
                        CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END,
                        CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
             FROM (SELECT 'REVOKE' AS verb, b.grantee, b.privilege_type, false AS is_grantable,
                          0 AS part, b.ord
                   FROM pg_catalog.aclexplode(base.acl) WITH ORDINALITY
                          AS b(grantor, grantee, privilege_type, is_grantable, ord)
                   WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(base.own) c
                                     WHERE c.grantee = b.grantee
                                       AND c.privilege_type = b.privilege_type)
                 UNION ALL
                   SELECT 'GRANT', c.grantee, c.privilege_type, c.is_grantable, 1, c.ord
                   FROM pg_catalog.aclexplode(base.own) WITH ORDINALITY
                          AS c(grantor, grantee, privilege_type, is_grantable, ord)
                   WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(base.acl) b
                                     WHERE b.grantee = c.grantee
                                       AND b.privilege_type = c.privilege_type
                                       AND b.is_grantable = c.is_grantable)) AS x
             ORDER BY x.part, x.ord) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_default_acl a
JOIN pg_catalog.pg_roles r ON r.oid = a.defaclrole
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
CROSS JOIN LATERAL (SELECT CASE a.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                                                WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES'
                                                WHEN 'n' THEN 'SCHEMAS'
                                                WHEN 'L' THEN 'LARGE OBJECTS' END AS keyword) AS k
CROSS JOIN LATERAL (SELECT CASE WHEN a.defaclnamespace = 0
                                THEN pg_catalog.acldefault(a.defaclobjtype, a.defaclrole)
                           END AS acl,  -- (aclexplode refuses an empty array: NULL for none)
                           NULLIF(a.defaclacl, ARRAY[]::pg_catalog.aclitem[]) AS own) AS base
WHERE %(schemas)s::pg_catalog.text[] IS NULL
   OR n.nspname = ANY (%(schemas)s::pg_catalog.text[])
ORDER BY r.rolname, n.nspname NULLS FIRST, a.defaclobjtype
