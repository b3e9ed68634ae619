-- A self-referencing foreign key whose referenced key is a unique index, not a constraint:
-- the index must exist before the foreign key is added.
-- table: public.self_fk_to_unique_index
-- carries-dependencies: no
-- case:
CREATE TABLE self_fk_to_unique_index (id integer PRIMARY KEY, code text NOT NULL, parent_code text);
CREATE UNIQUE INDEX self_fk_to_unique_index_code ON self_fk_to_unique_index (code);
ALTER TABLE self_fk_to_unique_index ADD CONSTRAINT self_fk_to_unique_index_parent_fk
    FOREIGN KEY (parent_code) REFERENCES self_fk_to_unique_index (code);
INSERT INTO self_fk_to_unique_index VALUES (1, 'a', NULL), (2, 'b', 'a');
