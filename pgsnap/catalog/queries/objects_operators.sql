-- Operators (not shells: a commutator or negator not yet defined is made again by the
-- CREATE OPERATOR that names it), identity schema.op(left, right) with NONE for a prefix
-- operator's left argument (objects_depend.sql orders one-sided commutator and negator
-- links).  Not those of extensions or of the system.
SELECT 'pg_operator' AS cls, o.oid, 'operator' AS kind, n.nspname AS schema, o.oprname AS name,
       pg_catalog.format('%%I.%%s(%%s, %%s)', n.nspname, o.oprname,
           CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE pg_catalog.format_type(o.oprleft, NULL) END,
           pg_catalog.format_type(o.oprright, NULL)) AS identity,
       ARRAY[pg_catalog.format('CREATE OPERATOR %%I.%%s (%%s)', n.nspname, o.oprname,
           pg_catalog.concat_ws(', ',
               'FUNCTION = ' || o.oprcode::pg_catalog.regproc::pg_catalog.text,
               CASE WHEN o.oprleft <> 0
                    THEN 'LEFTARG = ' || pg_catalog.format_type(o.oprleft, NULL) END,
               'RIGHTARG = ' || pg_catalog.format_type(o.oprright, NULL),
               CASE WHEN o.oprcom <> 0 THEN pg_catalog.format('COMMUTATOR = OPERATOR(%%I.%%s)',
                                                               cn.nspname, c.oprname) END,
               CASE WHEN o.oprnegate <> 0 THEN pg_catalog.format('NEGATOR = OPERATOR(%%I.%%s)',
                                                                  nn.nspname, ng.oprname) END,
               CASE WHEN o.oprrest <> 0
                    THEN 'RESTRICT = ' || o.oprrest::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN o.oprjoin <> 0
                    THEN 'JOIN = ' || o.oprjoin::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN o.oprcanmerge THEN 'MERGES' END,
               CASE WHEN o.oprcanhash THEN 'HASHES' END))] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_operator o
JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
LEFT JOIN pg_catalog.pg_operator c ON c.oid = o.oprcom
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
LEFT JOIN pg_catalog.pg_operator ng ON ng.oid = o.oprnegate
LEFT JOIN pg_catalog.pg_namespace nn ON nn.oid = ng.oprnamespace
WHERE o.oprcode <> 0
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                    AND d.objid = o.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, o.oprname, o.oid
