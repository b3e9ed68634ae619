-- Which of the named roles do not exist on this server (roles are cluster-wide).
SELECT r.name
FROM pg_catalog.unnest(%(roles)s::pg_catalog.text[]) AS r(name)
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name)
ORDER BY r.name
