-- The user's operator families (any access method): CREATE OPERATOR FAMILY, then as pg_dump
-- the members bound to no operator class (their pg_depend points at the family, not at a
-- class) in one ALTER OPERATOR FAMILY ... ADD.  Not those of extensions or of the system.
SELECT 'pg_opfamily' AS cls, f.oid, 'operator family' AS kind, n.nspname AS schema,
       f.opfname AS name,
       pg_catalog.format('%%I.%%I USING %%I', n.nspname, f.opfname, am.amname) AS identity,
       ARRAY[pg_catalog.format('CREATE OPERATOR FAMILY %%I.%%I USING %%I', n.nspname, f.opfname,
                               am.amname)]
         || ARRAY(SELECT pg_catalog.format('ALTER OPERATOR FAMILY %%I.%%I USING %%I ADD %%s',
                                           n.nspname, f.opfname, am.amname, l.items)
                  FROM (SELECT pg_catalog.string_agg(i.item, ', ' ORDER BY i.k, i.num, i.o) AS items
                        FROM (SELECT 1 AS k, ao.amopstrategy AS num, ao.oid AS o,
                                     pg_catalog.format('OPERATOR %%s %%s%%s', ao.amopstrategy,
                                         ao.amopopr::pg_catalog.regoperator,
                                         CASE WHEN ao.amoppurpose = 'o' THEN pg_catalog.format(
                                             ' FOR ORDER BY %%I.%%I', sfn.nspname, sf.opfname)
                                         ELSE '' END) AS item
                              FROM pg_catalog.pg_amop ao
                              JOIN pg_catalog.pg_depend d
                                ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass
                               AND d.objid = ao.oid
                               AND d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                               AND d.refobjid = f.oid
                              LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
                              LEFT JOIN pg_catalog.pg_namespace sfn ON sfn.oid = sf.opfnamespace
                              WHERE ao.amopfamily = f.oid
                            UNION ALL
                              SELECT 2, ap.amprocnum, ap.oid,
                                     pg_catalog.format('FUNCTION %%s (%%s, %%s) %%s', ap.amprocnum,
                                         pg_catalog.format_type(ap.amproclefttype, NULL),
                                         pg_catalog.format_type(ap.amprocrighttype, NULL),
                                         ap.amproc::pg_catalog.regprocedure)
                              FROM pg_catalog.pg_amproc ap
                              JOIN pg_catalog.pg_depend d
                                ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass
                               AND d.objid = ap.oid
                               AND d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                               AND d.refobjid = f.oid
                              WHERE ap.amprocfamily = f.oid) AS i) AS l
                  WHERE l.items IS NOT NULL) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_opfamily f
JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                    AND d.objid = f.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, f.opfname, am.amname
