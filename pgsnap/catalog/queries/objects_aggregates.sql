-- Aggregates (pg_get_functiondef refuses them): CREATE AGGREGATE with every option pg_dump
-- writes, an ordered-set aggregate's arguments with their ORDER BY.  The identity lists
-- every argument type, as ALTER AGGREGATE, COMMENT and GRANT ... ON FUNCTION all take it
-- (an aggregate of no argument is name(*)).  Not those of extensions or of the system.
SELECT 'pg_proc' AS cls, p.oid, 'aggregate' AS kind, n.nspname AS schema, p.proname AS name,
       pg_catalog.format('%%I.%%I(%%s)', n.nspname, p.proname,
           CASE WHEN p.pronargs = 0 THEN '*'
                ELSE (SELECT pg_catalog.string_agg(pg_catalog.format_type(t.t, NULL), ', '
                                                   ORDER BY t.i)
                      FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY AS t(t, i)) END)
         AS identity,
       ARRAY[pg_catalog.format('CREATE AGGREGATE %%I.%%I(%%s) (%%s)', n.nspname, p.proname,
           CASE WHEN p.pronargs = 0 THEN '*'
                ELSE pg_catalog.pg_get_function_arguments(p.oid) END,
           pg_catalog.concat_ws(', ',
               'SFUNC = ' || a.aggtransfn::pg_catalog.regproc::pg_catalog.text,
               'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
               CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
               CASE WHEN a.aggfinalfn <> 0
                    THEN 'FINALFUNC = ' || a.aggfinalfn::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
               CASE WHEN a.aggfinalmodify <> m.dflt
                    THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'
                             WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
               CASE WHEN a.aggcombinefn <> 0
                    THEN 'COMBINEFUNC = ' || a.aggcombinefn::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN a.aggserialfn <> 0
                    THEN 'SERIALFUNC = ' || a.aggserialfn::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN a.aggdeserialfn <> 0
                    THEN 'DESERIALFUNC = '
                         || a.aggdeserialfn::pg_catalog.regproc::pg_catalog.text END,
               'INITCOND = ' || pg_catalog.quote_literal(a.agginitval),
               CASE WHEN a.aggmtransfn <> 0
                    THEN 'MSFUNC = ' || a.aggmtransfn::pg_catalog.regproc::pg_catalog.text
                         || ', MINVFUNC = ' || a.aggminvtransfn::pg_catalog.regproc::pg_catalog.text
                         || ', MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
               CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
               CASE WHEN a.aggmfinalfn <> 0
                    THEN 'MFINALFUNC = ' || a.aggmfinalfn::pg_catalog.regproc::pg_catalog.text END,
               CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
               CASE WHEN a.aggmfinalmodify <> m.dflt
                    THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'
                             WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
               'MINITCOND = ' || pg_catalog.quote_literal(a.aggminitval),
               CASE WHEN a.aggsortop <> 0
                    THEN pg_catalog.format('SORTOP = OPERATOR(%%I.%%s)', son.nspname, so.oprname)
               END,
               CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
               CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE'
                                  WHEN 'r' THEN 'PARALLEL = RESTRICTED' END))] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
CROSS JOIN LATERAL (SELECT CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END::"char" AS dflt) AS m
LEFT JOIN pg_catalog.pg_operator so ON so.oid = a.aggsortop
LEFT JOIN pg_catalog.pg_namespace son ON son.oid = so.oprnamespace
WHERE p.prokind = 'a'
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, p.proname, p.oid
