-- The user's text search parsers, templates, dictionaries and configurations (not the
-- system's, not an extension's).  A configuration's mappings are in pg_ts_config_map: one
-- ALTER ... ADD MAPPING per token type (its name from ts_token_type of the parser), the
-- dictionaries in their order.
SELECT x.cls, x.oid, x.kind, n.nspname AS schema, x.name,
       pg_catalog.format('%%I.%%I', n.nspname, x.name) AS identity, x.ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM (
    SELECT 'pg_ts_parser' AS cls, p.oid, 'text search parser' AS kind, p.prsnamespace AS nsp,
           p.prsname AS name,
           ARRAY[pg_catalog.format(
               'CREATE TEXT SEARCH PARSER %%I.%%I (START = %%s, GETTOKEN = %%s, END = %%s, LEXTYPES = %%s%%s)',
               pn.nspname, p.prsname, p.prsstart::pg_catalog.regproc,
               p.prstoken::pg_catalog.regproc, p.prsend::pg_catalog.regproc,
               p.prslextype::pg_catalog.regproc,
               CASE WHEN p.prsheadline <> 0
                    THEN ', HEADLINE = ' || p.prsheadline::pg_catalog.regproc::pg_catalog.text
                    ELSE '' END)] AS ddl, 1 AS k
    FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
  UNION ALL
    SELECT 'pg_ts_template', t.oid, 'text search template', t.tmplnamespace, t.tmplname,
           ARRAY[pg_catalog.format('CREATE TEXT SEARCH TEMPLATE %%I.%%I (%%sLEXIZE = %%s)',
               tn.nspname, t.tmplname,
               CASE WHEN t.tmplinit <> 0
                    THEN 'INIT = ' || t.tmplinit::pg_catalog.regproc::pg_catalog.text || ', '
                    ELSE '' END,
               t.tmpllexize::pg_catalog.regproc)], 2
    FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
  UNION ALL
    SELECT 'pg_ts_dict', d.oid, 'text search dictionary', d.dictnamespace, d.dictname,
           ARRAY[pg_catalog.format('CREATE TEXT SEARCH DICTIONARY %%I.%%I (TEMPLATE = %%I.%%I%%s)',
               dn.nspname, d.dictname, tmn.nspname, tm.tmplname,
               COALESCE(', ' || d.dictinitoption, ''))], 3
    FROM pg_catalog.pg_ts_dict d
    JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace
    JOIN pg_catalog.pg_ts_template tm ON tm.oid = d.dicttemplate
    JOIN pg_catalog.pg_namespace tmn ON tmn.oid = tm.tmplnamespace
  UNION ALL
    SELECT 'pg_ts_config', c.oid, 'text search configuration', c.cfgnamespace, c.cfgname,
           ARRAY[pg_catalog.format('CREATE TEXT SEARCH CONFIGURATION %%I.%%I (PARSER = %%I.%%I)',
                                   cn.nspname, c.cfgname, prn.nspname, pr.prsname)]
             || ARRAY(SELECT pg_catalog.format(
                          'ALTER TEXT SEARCH CONFIGURATION %%I.%%I ADD MAPPING FOR %%I WITH %%s',
                          cn.nspname, c.cfgname, tt.alias,
                          pg_catalog.string_agg(m.mapdict::pg_catalog.regdictionary::pg_catalog.text,
                                                ', ' ORDER BY m.mapseqno))
                      FROM pg_catalog.pg_ts_config_map m
                      JOIN pg_catalog.ts_token_type(c.cfgparser) AS tt ON tt.tokid = m.maptokentype
                      WHERE m.mapcfg = c.oid
                      GROUP BY m.maptokentype, tt.alias ORDER BY m.maptokentype), 4
    FROM pg_catalog.pg_ts_config c
    JOIN pg_catalog.pg_namespace cn ON cn.oid = c.cfgnamespace
    JOIN pg_catalog.pg_ts_parser pr ON pr.oid = c.cfgparser
    JOIN pg_catalog.pg_namespace prn ON prn.oid = pr.prsnamespace
) AS x
JOIN pg_catalog.pg_namespace n ON n.oid = x.nsp
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = ('pg_catalog.' || x.cls)::pg_catalog.regclass
                    AND d.objid = x.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY x.k, n.nspname, x.name
