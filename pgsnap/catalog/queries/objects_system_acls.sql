-- Functions of the system schemas, and languages of the system or of extensions (plpgsql),
-- whose ACL is not the one the database began with
-- (pg_init_privs; acldefault where it has none): pg_dump writes what makes them so again, and
-- so does pgsnap, as an object of GRANT and REVOKE statements only.
SELECT 'pg_proc' AS cls, p.oid, 'function' AS kind, n.nspname AS schema, p.proname AS name,
       pg_catalog.format('%%I.%%I(%%s)', n.nspname, p.proname,
                         pg_catalog.oidvectortypes(p.proargtypes)) AS identity,
       ARRAY(SELECT pg_catalog.format('REVOKE ALL ON FUNCTION %%s FROM %%s',
                        pg_catalog.format('%%I.%%I(%%s)', n.nspname, p.proname,
                                          pg_catalog.oidvectortypes(p.proargtypes)),
                        CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END)
             FROM (SELECT x.grantee, min(x.ord) AS first
                   FROM pg_catalog.aclexplode(COALESCE(ip.initprivs, pg_catalog.acldefault('f', p.proowner)))
                        WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
                   WHERE x.grantee <> p.proowner GROUP BY x.grantee) AS g
             ORDER BY g.first)
         || ARRAY(SELECT pg_catalog.format('GRANT %%s ON FUNCTION %%s TO %%s%%s', x.privilege_type,
                             pg_catalog.format('%%I.%%I(%%s)', n.nspname, p.proname,
                                          pg_catalog.oidvectortypes(p.proargtypes)),
                             CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END,
                             CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                  FROM pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner)))
                       WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
                  WHERE x.grantee <> p.proowner ORDER BY x.ord) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_init_privs ip
       ON ip.objoid = p.oid AND ip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND ip.objsubid = 0
WHERE n.nspname IN ('pg_catalog', 'information_schema')
  AND %(schemas)s::pg_catalog.text[] IS NULL
  AND COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))
      IS DISTINCT FROM COALESCE(ip.initprivs, pg_catalog.acldefault('f', p.proowner))
UNION ALL
SELECT 'pg_language', l.oid, 'language', '', l.lanname, pg_catalog.quote_ident(l.lanname),
       ARRAY(SELECT pg_catalog.format('REVOKE ALL ON LANGUAGE %%I FROM %%s', l.lanname,
                        CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END)
             FROM (SELECT x.grantee, min(x.ord) AS first
                   FROM pg_catalog.aclexplode(COALESCE(ip.initprivs, pg_catalog.acldefault('l', l.lanowner)))
                        WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
                   WHERE x.grantee <> l.lanowner GROUP BY x.grantee) AS g
             ORDER BY g.first)
         || ARRAY(SELECT pg_catalog.format('GRANT %%s ON LANGUAGE %%I TO %%s%%s', x.privilege_type,
                             l.lanname,
                             CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END,
                             CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                  FROM pg_catalog.aclexplode(COALESCE(l.lanacl, pg_catalog.acldefault('l', l.lanowner)))
                       WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
                  WHERE x.grantee <> l.lanowner ORDER BY x.ord),
       ARRAY[]::pg_catalog.text[], NULL::pg_catalog.text[]
FROM pg_catalog.pg_language l
LEFT JOIN pg_catalog.pg_init_privs ip
       ON ip.objoid = l.oid AND ip.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass
      AND ip.objsubid = 0
WHERE (l.oid < 16384 OR EXISTS (SELECT FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_language'::pg_catalog.regclass
                                  AND d.objid = l.oid AND d.deptype = 'e'))
  AND %(schemas)s::pg_catalog.text[] IS NULL
  AND COALESCE(l.lanacl, pg_catalog.acldefault('l', l.lanowner))
      IS DISTINCT FROM COALESCE(ip.initprivs, pg_catalog.acldefault('l', l.lanowner))
