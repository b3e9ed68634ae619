-- A relation's ACL (pg_class.relacl; column NULL) and its columns' ACLs (pg_attribute.attacl),
-- one row per privilege, in ACL order.  grantee NULL is PUBLIC.
SELECT "column", grantor, grantee, privilege, grantable
FROM (
    SELECT NULL::pg_catalog.text AS "column", 0 AS attnum, x.ord,
           pg_catalog.pg_get_userbyid(x.grantor) AS grantor,
           CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END
               AS grantee,
           x.privilege_type AS privilege, x.is_grantable AS grantable
    FROM pg_catalog.pg_class c,
         LATERAL pg_catalog.aclexplode(c.relacl)
             WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
    WHERE c.oid = %(relation)s::pg_catalog.regclass
  UNION ALL
    SELECT a.attname::pg_catalog.text, a.attnum, x.ord,
           pg_catalog.pg_get_userbyid(x.grantor),
           CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
           x.privilege_type, x.is_grantable
    FROM pg_catalog.pg_attribute a,
         LATERAL pg_catalog.aclexplode(a.attacl)
             WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
    WHERE a.attrelid = %(relation)s::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
) AS acl
ORDER BY attnum, ord
