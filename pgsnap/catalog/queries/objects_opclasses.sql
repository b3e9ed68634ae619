-- The user's operator classes (any access method), as pg_dump writes them: FAMILY only when
-- the family has another name, STORAGE when the key type differs, the operators and support
-- functions bound to the class (pg_depend on the class; the others are the family's own).
SELECT 'pg_opclass' AS cls, c.oid, 'operator class' AS kind, n.nspname AS schema,
       c.opcname AS name,
       pg_catalog.format('%%I.%%I USING %%I', n.nspname, c.opcname, am.amname) AS identity,
       ARRAY[pg_catalog.format('CREATE OPERATOR CLASS %%I.%%I %%sFOR TYPE %%s USING %%I%%s AS %%s',
           n.nspname, c.opcname, CASE WHEN c.opcdefault THEN 'DEFAULT ' ELSE '' END,
           pg_catalog.format_type(c.opcintype, NULL), am.amname,
           CASE WHEN f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace
                THEN pg_catalog.format(' FAMILY %%I.%%I', fn.nspname, f.opfname) ELSE '' END,
           COALESCE((SELECT pg_catalog.string_agg(i.item, ', ' ORDER BY i.k, i.num, i.o)
                     FROM (SELECT 0 AS k, 0 AS num, 0::pg_catalog.oid AS o,
                                  'STORAGE ' || pg_catalog.format_type(c.opckeytype, NULL) AS item
                           WHERE c.opckeytype <> 0 AND c.opckeytype <> c.opcintype
                         UNION ALL
                           SELECT 1, ao.amopstrategy, ao.oid,
                                  pg_catalog.format('OPERATOR %%s %%s%%s', ao.amopstrategy,
                                      ao.amopopr::pg_catalog.regoperator,
                                      CASE WHEN ao.amoppurpose = 'o' THEN pg_catalog.format(
                                          ' FOR ORDER BY %%I.%%I', sfn.nspname, sf.opfname)
                                      ELSE '' END)
                           FROM pg_catalog.pg_amop ao
                           JOIN pg_catalog.pg_depend d
                             ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass
                            AND d.objid = ao.oid
                            AND d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                            AND d.refobjid = c.oid
                           LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
                           LEFT JOIN pg_catalog.pg_namespace sfn ON sfn.oid = sf.opfnamespace
                           WHERE ao.amopfamily = c.opcfamily
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
                            AND d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                            AND d.refobjid = c.oid
                           WHERE ap.amprocfamily = c.opcfamily) AS i),
                    'STORAGE ' || pg_catalog.format_type(c.opcintype, NULL)))] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_opclass c
JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, c.opcname, am.amname
