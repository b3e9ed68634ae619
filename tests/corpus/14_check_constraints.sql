-- CHECK constraints: named, unnamed, multi-column, NO INHERIT, with a comment.
-- table: public.check_constraints
-- carries-dependencies: no
-- as: public.check_constraints_copy
-- case:
CREATE TABLE check_constraints (
    id integer PRIMARY KEY CHECK (id > 0),
    lo integer,
    hi integer,
    name text CONSTRAINT name_not_blank CHECK (btrim(name) <> ''),
    kind text,
    CONSTRAINT check_constraints_range CHECK (lo IS NULL OR hi IS NULL OR lo <= hi),
    CONSTRAINT kind_known CHECK (kind IN ('a', 'b', 'c')) NO INHERIT
);
COMMENT ON CONSTRAINT check_constraints_range ON check_constraints IS 'lo never above hi';
INSERT INTO check_constraints VALUES (1, 1, 2, 'x', 'a'), (2, NULL, 5, ' y ', NULL);
