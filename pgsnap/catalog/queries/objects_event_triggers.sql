-- Event triggers (a whole-database dump only: pg_dump -n leaves them out), then the
-- ALTER that gives a trigger not enabled in origin mode its state.  Section post: they must
-- not fire while the restore runs its DDL.
SELECT 'pg_event_trigger' AS cls, e.oid, 'event trigger' AS kind, '' AS schema,
       e.evtname AS name, pg_catalog.quote_ident(e.evtname) AS identity,
       ARRAY[pg_catalog.format('CREATE EVENT TRIGGER %%I ON %%I%%s EXECUTE FUNCTION %%I.%%I()',
                 e.evtname, e.evtevent,
                 (SELECT ' WHEN TAG IN (' || pg_catalog.string_agg(pg_catalog.quote_literal(t),
                                                                  ', ' ORDER BY o) || ')'
                  FROM pg_catalog.unnest(e.evttags) WITH ORDINALITY AS x(t, o)),
                 pn.nspname, p.proname)]
         || ARRAY(SELECT pg_catalog.format('ALTER EVENT TRIGGER %%I %%s', e.evtname,
                             CASE e.evtenabled WHEN 'D' THEN 'DISABLE'
                                               WHEN 'R' THEN 'ENABLE REPLICA'
                                               ELSE 'ENABLE ALWAYS' END)
                  WHERE e.evtenabled <> 'O') AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_event_trigger e
JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                    AND d.objid = e.oid AND d.deptype = 'e')
ORDER BY e.evtname
