-- A plain table: serial key, common types, defaults, NOT NULL, a column named like the table.
-- table: public.plain_types
-- carries-dependencies: no
-- as: public.plain_types_copy
-- case:
CREATE TABLE plain_types (
    id serial PRIMARY KEY,
    name text NOT NULL,
    qty integer DEFAULT 0,
    price numeric(12,2),
    ratio double precision,
    created timestamptz DEFAULT now(),
    day date,
    flags boolean[] DEFAULT '{}',
    payload jsonb,
    big bigint,
    code character varying(10),
    fixed character(3),
    raw bytea,
    uid uuid,
    addr inet,
    plain_types integer
);
INSERT INTO plain_types (name, qty, price, ratio, day, payload, big, code, fixed, raw, uid, addr) VALUES
    ('a', 1, 1.50, 0.25, '2024-01-01', '{"k": 1}', 9007199254740993, 'x', 'abc', '\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.0.0.1/8'),
    ('b', NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (E'tab\there', -5, -0.01, '-Infinity', 'infinity', '[]', -1, '', '  ', '\x', NULL, '::1');
