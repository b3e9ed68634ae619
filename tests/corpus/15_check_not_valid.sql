-- NOT VALID CHECK constraints that existing rows violate: they must come after the data.
-- table: public.check_not_valid
-- carries-dependencies: no
-- case:
CREATE TABLE check_not_valid (id integer PRIMARY KEY, qty integer, code text);
INSERT INTO check_not_valid VALUES (1, -5, 'lower'), (2, 10, 'UPPER');
ALTER TABLE check_not_valid ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE check_not_valid ADD CONSTRAINT code_upper CHECK (code = upper(code)) NOT VALID;
