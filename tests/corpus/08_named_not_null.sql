-- PG18 NOT NULL constraints with names, NO INHERIT, and a comment on one.
-- table: public.named_not_null
-- min-version: 18
-- carries-dependencies: no
-- case:
CREATE TABLE named_not_null (
    id integer CONSTRAINT named_not_null_id_required NOT NULL,
    a text CONSTRAINT "A must be set" NOT NULL,
    b integer NOT NULL,
    d integer CONSTRAINT d_nn NOT NULL NO INHERIT,
    CONSTRAINT named_not_null_pkey PRIMARY KEY (id)
);
INSERT INTO named_not_null VALUES (1, 'x', 2, 4), (2, 'y', 3, 6);
COMMENT ON CONSTRAINT "A must be set" ON named_not_null IS 'a is required';
