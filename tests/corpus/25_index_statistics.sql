-- Statistics targets on the expression columns of an index.
-- table: public.index_statistics
-- carries-dependencies: no
-- case:
CREATE TABLE index_statistics (id integer PRIMARY KEY, a integer, b integer, c text);
CREATE INDEX index_statistics_expr ON index_statistics ((a + b), lower(c), id);
ALTER INDEX index_statistics_expr ALTER COLUMN 1 SET STATISTICS 300;
ALTER INDEX index_statistics_expr ALTER COLUMN 2 SET STATISTICS 50;
INSERT INTO index_statistics VALUES (1, 1, 2, 'X'), (2, NULL, 3, NULL);
