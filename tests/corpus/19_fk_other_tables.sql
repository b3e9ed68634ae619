-- Foreign keys to other tables: actions, MATCH FULL, composite keys, SET NULL (column list),
-- and a NOT VALID one that existing rows violate.
-- table: public.fk_child
-- carries-dependencies: no
-- requires:
CREATE TABLE fk_parent (id integer PRIMARY KEY, code text, region integer, UNIQUE (code, region));
INSERT INTO fk_parent VALUES (1, 'a', 1), (2, 'b', 2);
CREATE TABLE fk_other (k text PRIMARY KEY);
INSERT INTO fk_other VALUES ('x');
-- case:
CREATE TABLE fk_child (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES fk_parent (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    code text,
    region integer,
    code2 text,
    region2 integer,
    k text DEFAULT 'x',
    CONSTRAINT fk_child_code_fk FOREIGN KEY (code, region) REFERENCES fk_parent (code, region) ON DELETE SET NULL (code),
    CONSTRAINT fk_child_full_fk FOREIGN KEY (code2, region2) REFERENCES fk_parent (code, region) MATCH FULL ON UPDATE CASCADE
);
INSERT INTO fk_child VALUES (1, 1, 'a', 1, 'b', 2, 'x'), (2, NULL, NULL, NULL, NULL, NULL, 'missing');
ALTER TABLE fk_child ADD CONSTRAINT fk_child_k_fk FOREIGN KEY (k) REFERENCES fk_other (k) ON DELETE SET DEFAULT NOT VALID;
