-- An inheritance child of two parents: inherited and merged columns, an inherited CHECK,
-- its own columns and constraint.
-- table: public.inh_child
-- carries-dependencies: no
-- as: public.inh_child_copy
-- requires:
CREATE TABLE inh_parent (
    id integer NOT NULL,
    name text CONSTRAINT inh_parent_name_check CHECK (name <> ''),
    created timestamptz DEFAULT '2024-01-01 00:00:00+00'
);
CREATE TABLE inh_mixin (tag text DEFAULT 'none');
-- case:
CREATE TABLE inh_child (
    name text NOT NULL,
    extra integer CHECK (extra >= 0),
    PRIMARY KEY (id)
) INHERITS (inh_parent, inh_mixin);
INSERT INTO inh_child (id, name, extra) VALUES (1, 'a', 1), (2, 'b', NULL);
