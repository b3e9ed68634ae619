-- Comments on the objects of a whole-database dump other than tables (a table's travel
-- with it): the object, and for a part of one (a view's column, a domain's constraint, a
-- view's rule or trigger, a foreign table's column or CHECK) the COMMENT target that names
-- the part; `after` for a part made after the rows (a view's rule or trigger: its comment
-- goes with it, in the view's post).  A composite type's attributes are its relation's
-- columns: their comments go with the type; a materialized view's indexes' go with it,
-- after the index.
SELECT c.relname AS cls, x.oid, x.target, x.description,
       COALESCE(x.target ~ '^(RULE|TRIGGER|INDEX) ', false) AS after
FROM (
    SELECT d.classoid, d.objoid AS oid, NULL::pg_catalog.text AS target, d.description
    FROM pg_catalog.pg_description d
    WHERE d.objsubid = 0
      AND (d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)
      AND d.classoid <> 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.classoid <> 'pg_catalog.pg_constraint'::pg_catalog.regclass
      AND d.classoid <> 'pg_catalog.pg_rewrite'::pg_catalog.regclass
      AND d.classoid <> 'pg_catalog.pg_trigger'::pg_catalog.regclass
      AND d.classoid <> 'pg_catalog.pg_largeobject'::pg_catalog.regclass
  UNION ALL
    -- a large object's comment names pg_largeobject, and its oid may be below 16384
    SELECT 'pg_catalog.pg_largeobject_metadata'::pg_catalog.regclass, d.objoid, NULL,
           d.description
    FROM pg_catalog.pg_description d
    WHERE d.classoid = 'pg_catalog.pg_largeobject'::pg_catalog.regclass AND d.objsubid = 0
  UNION ALL
    SELECT CASE WHEN r.relkind = 'c' THEN 'pg_catalog.pg_type'::pg_catalog.regclass
                ELSE d.classoid END,
           CASE WHEN r.relkind = 'c' THEN r.reltype ELSE d.objoid END,
           CASE WHEN d.objsubid = 0 THEN NULL
                ELSE pg_catalog.format('COLUMN %%I.%%I.%%I', n.nspname, r.relname, a.attname) END,
           d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_class r ON r.oid = d.objoid AND r.relkind IN ('v', 'm', 'S', 'c', 'f')
    JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.objsubid
    WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, i.indrelid,
           pg_catalog.format('INDEX %%I.%%I', n.nspname, ic.relname), d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_class ic ON ic.oid = d.objoid AND ic.relkind = 'i'
    JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
    JOIN pg_catalog.pg_class m ON m.oid = i.indrelid AND m.relkind = 'm'
    JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
  UNION ALL
    SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, k.contypid,
           pg_catalog.format('CONSTRAINT %%I ON DOMAIN %%I.%%I', k.conname, n.nspname, t.typname),
           d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_constraint k ON k.oid = d.objoid AND k.contypid <> 0
    JOIN pg_catalog.pg_type t ON t.oid = k.contypid
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, k.conrelid,
           pg_catalog.format('CONSTRAINT %%I ON %%I.%%I', k.conname, n.nspname, r.relname),
           d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_constraint k ON k.oid = d.objoid
    JOIN pg_catalog.pg_class r ON r.oid = k.conrelid AND r.relkind = 'f'
    JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, r.ev_class,
           pg_catalog.format('RULE %%I ON %%I.%%I', r.rulename, n.nspname, v.relname),
           d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_rewrite r ON r.oid = d.objoid
    JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
    JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
  UNION ALL
    SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, t.tgrelid,
           pg_catalog.format('TRIGGER %%I ON %%I.%%I', t.tgname, n.nspname, v.relname),
           d.description
    FROM pg_catalog.pg_description d
    JOIN pg_catalog.pg_trigger t ON t.oid = d.objoid
    JOIN pg_catalog.pg_class v ON v.oid = t.tgrelid AND v.relkind IN ('v', 'm')
    JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
    WHERE d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
) AS x
JOIN pg_catalog.pg_class c ON c.oid = x.classoid
ORDER BY 1, 2, 3 NULLS FIRST
