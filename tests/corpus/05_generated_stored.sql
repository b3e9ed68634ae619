-- Stored generated columns, including one that depends on another column's default.
-- table: public.generated_stored
-- carries-dependencies: no
-- case:
CREATE TABLE generated_stored (
    id integer PRIMARY KEY,
    price numeric(10,2) NOT NULL DEFAULT 0,
    qty integer,
    total numeric GENERATED ALWAYS AS (price * qty) STORED,
    label text GENERATED ALWAYS AS ('item ' || id::text) STORED,
    shout text GENERATED ALWAYS AS (upper(('item ' || id::text) || '!')) STORED NOT NULL
);
INSERT INTO generated_stored (id, price, qty) VALUES (1, 2.50, 4), (2, 0, NULL), (3, 9.99, 1);
