-- How far the index builds on the tables %(oids)s are (CREATE INDEX, and the index of an
-- ADD PRIMARY KEY / UNIQUE): one row per build in progress, from any session.
SELECT p.phase::pg_catalog.text AS phase,
       p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done
FROM pg_catalog.pg_stat_progress_create_index p
WHERE p.relid = ANY (%(oids)s::pg_catalog.oid[])
ORDER BY p.pid
