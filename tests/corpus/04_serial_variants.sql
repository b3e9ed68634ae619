-- smallserial, serial, bigserial, and a hand-made sequence OWNED BY a column.
-- table: public.serial_variants
-- carries-dependencies: no
-- as: public.serial_variants_copy
-- case:
CREATE SEQUENCE serial_variants_custom_seq AS integer START 500 INCREMENT 10 MAXVALUE 100000 CACHE 3;
CREATE TABLE serial_variants (
    a smallserial,
    b serial,
    c bigserial PRIMARY KEY,
    d integer DEFAULT nextval('serial_variants_custom_seq')
);
ALTER SEQUENCE serial_variants_custom_seq OWNED BY serial_variants.d;
INSERT INTO serial_variants DEFAULT VALUES;
INSERT INTO serial_variants DEFAULT VALUES;
