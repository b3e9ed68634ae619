-- Extended statistics: ndistinct/dependencies, mcv with an expression, a statistics target,
-- and a comment.
-- table: public.extended_statistics
-- carries-dependencies: no
-- as: public.extended_statistics_copy
-- case:
CREATE TABLE extended_statistics (id integer PRIMARY KEY, a integer, b integer, c text);
CREATE STATISTICS extended_statistics_ab (ndistinct, dependencies) ON a, b FROM extended_statistics;
CREATE STATISTICS extended_statistics_expr (mcv) ON a, lower(c) FROM extended_statistics;
ALTER STATISTICS extended_statistics_ab SET STATISTICS 500;
COMMENT ON STATISTICS extended_statistics_expr IS 'mcv over a and lower(c)';
INSERT INTO extended_statistics VALUES (1, 1, 1, 'A'), (2, 1, 1, 'a');
