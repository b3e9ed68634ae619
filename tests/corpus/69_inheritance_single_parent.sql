-- An inheritance child of one parent, with an inherited column default and CHECK, and its
-- own column.
-- table: public.inh_single_child
-- carries-dependencies: no
-- requires:
CREATE TABLE inh_single_parent (
    id integer NOT NULL,
    kind text DEFAULT 'plain' CONSTRAINT inh_single_parent_kind_check CHECK (kind <> '')
);
-- case:
CREATE TABLE inh_single_child (extra integer) INHERITS (inh_single_parent);
INSERT INTO inh_single_child VALUES (1, 'a', 10), (2, DEFAULT, NULL);
