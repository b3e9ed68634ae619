-- What depends on a table (%(table)s, fully quoted) from outside it: views and materialized
-- views that select from it (and, transitively, views on those), foreign keys of other tables,
-- rules and policies of other tables, functions with SQL bodies, other tables' columns of its
-- row type, publications.  What the table owns (its indexes, constraints, triggers, policies,
-- rules, sequences, partitions) is not listed.  One row per object; `columns` are the table's
-- columns it uses (by name; empty when it uses the whole row or none in particular), `depth`
-- 1 for a direct dependant, more through views; `relation` the table or view it is or is on.
WITH RECURSIVE family AS (
    SELECT pg_catalog.to_regclass(%(table)s)::pg_catalog.oid AS oid
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent = f.oid
),
roots AS (
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AS classid, f.oid FROM family f
  UNION ALL
    SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, c.reltype
    FROM pg_catalog.pg_class c JOIN family f ON f.oid = c.oid
),
found AS (
    SELECT d.classid, d.objid, d.objsubid, d.refobjid, d.refobjsubid, 1 AS depth
    FROM pg_catalog.pg_depend d
    JOIN roots r ON d.refclassid = r.classid AND d.refobjid = r.oid
    WHERE d.deptype IN ('n', 'a')
  UNION
    SELECT d.classid, d.objid, d.objsubid, d.refobjid, d.refobjsubid, x.depth + 1
    FROM found x
    JOIN pg_catalog.pg_rewrite rw
      ON x.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = x.objid
    JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class AND v.relkind IN ('v', 'm')
    JOIN pg_catalog.pg_depend d
      ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = v.oid
     AND d.deptype = 'n'
    WHERE x.depth < 32 AND d.objid <> rw.oid
),
objects AS (
    -- a view's rule stands for the view
    SELECT CASE WHEN rw.rulename = '_RETURN' THEN 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid
                ELSE f.classid END AS classid,
           CASE WHEN rw.rulename = '_RETURN' THEN rw.ev_class ELSE f.objid END AS objid,
           CASE WHEN rw.rulename = '_RETURN' THEN 0 ELSE f.objsubid END AS objsubid,
           f.refobjid, f.refobjsubid, f.depth
    FROM found f
    LEFT JOIN pg_catalog.pg_rewrite rw
      ON f.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = f.objid
)
SELECT o.classid, o.objid, pg_catalog.max(o.depth) AS depth,
       (SELECT ARRAY[n.nspname::text, c.relname::text]
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = CASE o.classid
                        WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass
                          THEN (SELECT conrelid FROM pg_catalog.pg_constraint WHERE oid = o.objid)
                        WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                          THEN (SELECT ev_class FROM pg_catalog.pg_rewrite WHERE oid = o.objid)
                        WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass
                          THEN (SELECT polrelid FROM pg_catalog.pg_policy WHERE oid = o.objid)
                        WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN o.objid
                      END) AS relation,
       (pg_catalog.pg_identify_object(o.classid, o.objid, o.objsubid)).type AS kind,
       pg_catalog.pg_describe_object(o.classid, o.objid, o.objsubid) AS description,
       ARRAY(SELECT DISTINCT a.attname::pg_catalog.text
             FROM objects u JOIN pg_catalog.pg_attribute a
               ON a.attrelid = u.refobjid AND a.attnum = u.refobjsubid
             WHERE u.classid = o.classid AND u.objid = o.objid AND u.refobjsubid > 0
               AND u.refobjid IN (SELECT oid FROM family)
             ORDER BY 1) AS columns
FROM objects o
WHERE NOT EXISTS (  -- the table's own objects
        SELECT 1 FROM pg_catalog.pg_constraint c
        WHERE o.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND c.oid = o.objid
          AND c.conrelid IN (SELECT oid FROM family))
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_rewrite r
        WHERE o.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = o.objid
          AND r.ev_class IN (SELECT oid FROM family))
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_policy p
        WHERE o.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND p.oid = o.objid
          AND p.polrelid IN (SELECT oid FROM family))
  AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_trigger t
        WHERE o.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND t.oid = o.objid
          AND t.tgrelid IN (SELECT oid FROM family))
  AND NOT (o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND (o.objid IN (SELECT oid FROM family)
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                           WHERE c.oid = o.objid AND c.relkind IN ('i', 'I', 'S', 't'))))
  AND NOT (o.classid = 'pg_catalog.pg_type'::pg_catalog.regclass)
  AND NOT (o.classid IN ('pg_catalog.pg_attrdef'::pg_catalog.regclass,
                         'pg_catalog.pg_statistic_ext'::pg_catalog.regclass))
GROUP BY o.classid, o.objid, o.objsubid
ORDER BY 3, 5
