-- Partial, expression, INCLUDE and unique indexes, with index storage parameters.
-- table: public.partial_expression_include
-- carries-dependencies: no
-- case:
CREATE TABLE partial_expression_include (
    id integer PRIMARY KEY,
    email text,
    status text,
    created date,
    score numeric
);
CREATE INDEX pei_active ON partial_expression_include (created) WHERE status <> 'deleted' AND score > 0;
CREATE UNIQUE INDEX pei_email_lower ON partial_expression_include (lower(email));
CREATE INDEX pei_covering ON partial_expression_include (status DESC NULLS FIRST) INCLUDE (email, score) WITH (fillfactor = 70);
CREATE INDEX pei_expr_partial ON partial_expression_include ((score * 2), (created + 1)) WHERE email IS NOT NULL;
INSERT INTO partial_expression_include VALUES (1, 'A@x', 'new', '2024-01-01', 1), (2, NULL, 'deleted', NULL, -1);
