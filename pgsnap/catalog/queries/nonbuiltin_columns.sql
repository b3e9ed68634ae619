-- The stored columns of the tables %(names)s whose type is not built in (an enum, a domain,
-- a composite, an extension's type, or an array of one): pgsnap copy -j N moves the rows in
-- binary COPY only when there are none, since a built-in type's binary form is the same on
-- two servers of one major version, and a user type's need not be (a composite's carries
-- its members' oids).  16384 is FirstNormalObjectId: every oid below it is the system's.
SELECT (a.attrelid::pg_catalog.regclass)::pg_catalog.text || '.' || a.attname AS column_name
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY (
        SELECT pg_catalog.to_regclass(n) FROM pg_catalog.unnest(%(names)s::pg_catalog.text[]) n)
  AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid >= 16384
ORDER BY 1
