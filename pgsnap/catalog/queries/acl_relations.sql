-- Relations' owners (relid first), whether each has an ACL of its own (a NULL relacl means the
-- defaults), and the owner's default privileges on it (acldefault), to tell whether they were
-- reduced.
SELECT c.oid AS relid, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relacl IS NOT NULL AS has_acl,
       ARRAY(SELECT d.privilege_type
             FROM pg_catalog.aclexplode(pg_catalog.acldefault(
                      CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) AS d
             ORDER BY d.privilege_type) AS owner_default
FROM pg_catalog.pg_class c
WHERE c.oid = ANY (%(oids)s::pg_catalog.oid[])
