-- Owners and ACLs of the objects of a whole-database dump other than tables, one row per
-- object: its owner, whether it has an ACL of its own, the owner's and PUBLIC's default
-- privileges (acldefault: PUBLIC may use a type or a language, run a function), its ACL
-- exploded in order (grantee NULL: PUBLIC), then (a foreign table) its columns' ACLs, column
-- by column (`columns` names the column, NULL for the object's).
SELECT o.cls, o.oid, pg_catalog.pg_get_userbyid(o.owner) AS owner, o.acl IS NOT NULL AS has_acl,
       CASE WHEN o.acl_kind IS NULL THEN ARRAY[]::pg_catalog.text[]
            ELSE ARRAY(SELECT d.privilege_type FROM pg_catalog.aclexplode(
                           pg_catalog.acldefault(o.acl_kind, o.owner)) AS d
                       WHERE d.grantee = o.owner ORDER BY d.privilege_type) END AS owner_default,
       CASE WHEN o.acl_kind IS NULL THEN ARRAY[]::pg_catalog.text[]
            ELSE ARRAY(SELECT d.privilege_type FROM pg_catalog.aclexplode(
                           pg_catalog.acldefault(o.acl_kind, o.owner)) AS d
                       WHERE d.grantee = 0 ORDER BY d.privilege_type) END AS public_default,
       i.grantors, i.grantees, i.privileges, i.grantables, i.columns
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
    FROM pg_catalog.pg_class WHERE oid >= 16384 AND relkind IN ('v', 'm', 'S', 'f')
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
    SELECT 'pg_language', oid, lanowner, lanacl, 'l'::"char" FROM pg_catalog.pg_language
    WHERE oid >= 16384
  UNION ALL
    SELECT 'pg_foreign_data_wrapper', oid, fdwowner, fdwacl, 'F'::"char"
    FROM pg_catalog.pg_foreign_data_wrapper
  UNION ALL
    SELECT 'pg_foreign_server', oid, srvowner, srvacl, 'S'::"char" FROM pg_catalog.pg_foreign_server
  UNION ALL
    SELECT 'pg_event_trigger', oid, evtowner, NULL, NULL FROM pg_catalog.pg_event_trigger
) AS o
CROSS JOIN LATERAL (
    SELECT COALESCE(pg_catalog.array_agg(pg_catalog.pg_get_userbyid(x.grantor)
                                         ORDER BY x.attnum, x.ord), '{}') AS grantors,
           COALESCE(pg_catalog.array_agg(CASE WHEN x.grantee = 0 THEN NULL
                                              ELSE pg_catalog.pg_get_userbyid(x.grantee) END
                                         ORDER BY x.attnum, x.ord), '{}') AS grantees,
           COALESCE(pg_catalog.array_agg(x.p ORDER BY x.attnum, x.ord), '{}') AS privileges,
           COALESCE(pg_catalog.array_agg(x.g ORDER BY x.attnum, x.ord), '{}') AS grantables,
           COALESCE(pg_catalog.array_agg(x.col ORDER BY x.attnum, x.ord), '{}') AS columns
    FROM (
        SELECT e.grantor, e.grantee, e.p, e.g, e.ord, 0 AS attnum, NULL::pg_catalog.text AS col
        FROM pg_catalog.aclexplode(o.acl) WITH ORDINALITY AS e(grantor, grantee, p, g, ord)
      UNION ALL
        SELECT e.grantor, e.grantee, e.p, e.g, e.ord, a.attnum, a.attname::pg_catalog.text
        FROM pg_catalog.pg_attribute a
        CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl)
                           WITH ORDINALITY AS e(grantor, grantee, p, g, ord)
        WHERE o.cls = 'pg_class' AND o.acl_kind = 'r' AND a.attrelid = o.oid AND a.attnum > 0
          AND NOT a.attisdropped AND a.attacl IS NOT NULL
          AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = o.oid) = 'f'
    ) AS x
) AS i
