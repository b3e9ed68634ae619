-- An inheritance parent that has a child: only the parent's own rows and DDL belong to it.
-- table: public.inh_base
-- carries-dependencies: no
-- case:
CREATE TABLE inh_base (id integer PRIMARY KEY, kind text CHECK (kind <> ''));
CREATE TABLE inh_base_child (extra text) INHERITS (inh_base);
INSERT INTO inh_base VALUES (1, 'base');
INSERT INTO inh_base_child VALUES (2, 'child', 'x');
