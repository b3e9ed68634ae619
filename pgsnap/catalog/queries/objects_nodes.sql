-- Catalog rows that stand for another object when a whole-database dump orders its objects:
-- a view's rewrite rule is the view, a default or a CHECK its table, an index, trigger,
-- policy or key its table's post-data, an array or row type its element or relation, a
-- partition its root (a foreign one is an object of its own), a table's sequence the table, an extension's member the extension.
SELECT c.relname AS cls, m.oid, m.node_cls, m.node_oid, m.post
FROM (
    SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass AS classid, r.oid, 'pg_class' AS node_cls,
           r.ev_class AS node_oid, r.rulename <> '_RETURN' AS post
    FROM pg_catalog.pg_rewrite r
  UNION ALL
    SELECT 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid, 'pg_class', d.adrelid, false
    FROM pg_catalog.pg_attrdef d
  UNION ALL
    SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid,
           CASE WHEN k.contypid <> 0 THEN 'pg_type' ELSE 'pg_class' END,
           CASE WHEN k.contypid <> 0 THEN k.contypid ELSE k.conrelid END,
           k.conrelid <> 0 AND k.contype NOT IN ('c', 'n')
    FROM pg_catalog.pg_constraint k WHERE k.conrelid <> 0 OR k.contypid <> 0
  UNION ALL
    SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid, 'pg_class', t.tgrelid, true
    FROM pg_catalog.pg_trigger t
  UNION ALL
    SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, p.oid, 'pg_class', p.polrelid, true
    FROM pg_catalog.pg_policy p
  UNION ALL
    SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid,
           CASE WHEN t.typrelid <> 0 THEN 'pg_class' ELSE 'pg_type' END,
           CASE WHEN t.typrelid <> 0 THEN t.typrelid
                WHEN mr.rngtypid IS NOT NULL THEN mr.rngtypid ELSE t.typelem END, false
    FROM pg_catalog.pg_type t
    LEFT JOIN pg_catalog.pg_range mr ON mr.rngmultitypid = t.oid
    LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND et.typarray = t.oid
    WHERE t.oid >= 16384
      AND ((t.typrelid <> 0 AND t.typtype = 'c'
            AND (SELECT rc.relkind FROM pg_catalog.pg_class rc WHERE rc.oid = t.typrelid) <> 'c')
           OR mr.rngtypid IS NOT NULL OR et.oid IS NOT NULL)
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid,
           CASE WHEN c.relkind = 'c' THEN 'pg_type' ELSE 'pg_class' END,
           CASE WHEN c.relkind IN ('i', 'I') THEN i.indrelid
                WHEN c.relkind = 'c' THEN c.reltype
                WHEN c.relkind = 't' THEN o.oid
                ELSE pg_catalog.pg_partition_root(c.oid) END,
           c.relkind IN ('i', 'I')
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_catalog.pg_class o ON o.reltoastrelid = c.oid AND c.relkind = 't'  -- a toast's table
    WHERE c.oid >= 16384
      AND (c.relkind IN ('i', 'I', 'c', 't') OR (c.relispartition AND c.relkind <> 'f'))
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, d.objid, 'pg_class', d.refobjid, false
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  UNION ALL
    SELECT 'pg_catalog.pg_amop'::pg_catalog.regclass, o.oid, 'pg_opfamily', o.amopfamily, false
    FROM pg_catalog.pg_amop o WHERE o.oid >= 16384
  UNION ALL
    SELECT 'pg_catalog.pg_amproc'::pg_catalog.regclass, o.oid, 'pg_opfamily', o.amprocfamily,
           false
    FROM pg_catalog.pg_amproc o WHERE o.oid >= 16384
  UNION ALL
    SELECT 'pg_catalog.pg_publication_rel'::pg_catalog.regclass, p.oid, 'pg_publication',
           p.prpubid, true
    FROM pg_catalog.pg_publication_rel p
  UNION ALL
    SELECT d.classid, d.objid, 'pg_extension', d.refobjid, false
    FROM pg_catalog.pg_depend d
    WHERE d.deptype = 'e' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
) AS m
JOIN pg_catalog.pg_class c ON c.oid = m.classid
WHERE m.node_oid IS NOT NULL
