-- The ACLs of relations and of their columns (relid first), one row per privilege, in ACL
-- order.  grantee NULL is PUBLIC.
SELECT relid, "column", grantor, grantee, privilege, grantable
FROM (
    SELECT c.oid AS relid, NULL::pg_catalog.text AS "column", 0 AS attnum, x.ord,
           pg_catalog.pg_get_userbyid(x.grantor) AS grantor,
           CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END
               AS grantee,
           x.privilege_type AS privilege, x.is_grantable AS grantable
    FROM pg_catalog.pg_class c,
         LATERAL pg_catalog.aclexplode(c.relacl)
             WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
    WHERE c.oid = ANY (%(oids)s::pg_catalog.oid[])
  UNION ALL
    SELECT a.attrelid, a.attname::pg_catalog.text, a.attnum, x.ord,
           pg_catalog.pg_get_userbyid(x.grantor),
           CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
           x.privilege_type, x.is_grantable
    FROM pg_catalog.pg_attribute a,
         LATERAL pg_catalog.aclexplode(a.attacl)
             WITH ORDINALITY AS x(grantor, grantee, privilege_type, is_grantable, ord)
    WHERE a.attrelid = ANY (%(oids)s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
) AS acl
ORDER BY relid, attnum, ord
