-- Owners and ACLs of the objects of a whole-database dump other than tables, one row per
-- object: its owner, whether it has an ACL of its own, the owner's default privileges
-- (acldefault) and its ACL exploded in order (grantee NULL: PUBLIC).
SELECT o.cls, o.oid, pg_catalog.pg_get_userbyid(o.owner) AS owner, o.acl IS NOT NULL AS has_acl,
       CASE WHEN o.acl_kind IS NULL THEN ARRAY[]::pg_catalog.text[]
            ELSE ARRAY(SELECT d.privilege_type FROM pg_catalog.aclexplode(
                           pg_catalog.acldefault(o.acl_kind, o.owner)) AS d
                       ORDER BY d.privilege_type) END AS owner_default,
       ARRAY(SELECT pg_catalog.pg_get_userbyid(x.grantor)
             FROM pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS x(grantor, grantee, p, g, ord)
             ORDER BY x.ord) AS grantors,
       ARRAY(SELECT CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee) END
             FROM pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS x(grantor, grantee, p, g, ord)
             ORDER BY x.ord) AS grantees,
       ARRAY(SELECT x.p
             FROM pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS x(grantor, grantee, p, g, ord)
             ORDER BY x.ord) AS privileges,
       ARRAY(SELECT x.g
             FROM pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS x(grantor, grantee, p, g, ord)
             ORDER BY x.ord) AS grantables
FROM (
    SELECT 'pg_namespace' AS cls, oid, nspowner AS owner, nspacl AS acl, 'n'::"char" AS acl_kind
    FROM pg_catalog.pg_namespace
  UNION ALL
    SELECT 'pg_proc', oid, proowner, proacl, 'f'::"char" FROM pg_catalog.pg_proc WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_type', oid, typowner, typacl, 'T'::"char" FROM pg_catalog.pg_type WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_class', oid, relowner, relacl,
           CASE relkind WHEN 'S' THEN 's' ELSE 'r' END::"char"
    FROM pg_catalog.pg_class WHERE oid >= 16384 AND relkind IN ('v', 'm', 'S')
  UNION ALL
    SELECT 'pg_largeobject_metadata', oid, lomowner, lomacl, 'L'::"char"
    FROM pg_catalog.pg_largeobject_metadata
  UNION ALL
    SELECT 'pg_collation', oid, collowner, NULL, NULL FROM pg_catalog.pg_collation
    WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_operator', oid, oprowner, NULL, NULL FROM pg_catalog.pg_operator WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_opclass', oid, opcowner, NULL, NULL FROM pg_catalog.pg_opclass WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_opfamily', oid, opfowner, NULL, NULL FROM pg_catalog.pg_opfamily
    WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_ts_config', oid, cfgowner, NULL, NULL FROM pg_catalog.pg_ts_config
    WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_ts_dict', oid, dictowner, NULL, NULL FROM pg_catalog.pg_ts_dict WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_conversion', oid, conowner, NULL, NULL FROM pg_catalog.pg_conversion
    WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_publication', oid, pubowner, NULL, NULL FROM pg_catalog.pg_publication
  UNION ALL
    SELECT 'pg_event_trigger', oid, evtowner, NULL, NULL FROM pg_catalog.pg_event_trigger
) AS o
