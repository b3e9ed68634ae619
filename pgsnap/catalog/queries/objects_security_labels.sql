-- How many security labels the database's objects carry (pgsnap does not carry them: a
-- dump says so).
SELECT count(*) AS n FROM pg_catalog.pg_seclabel
