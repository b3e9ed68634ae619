-- Defaults of many forms: SQL-standard functions, casts, arrays, a sequence the table does not
-- own, current_user, intervals, and an expression over several functions.
-- table: public.default_expressions
-- carries-dependencies: no
-- requires:
CREATE SEQUENCE shared_counter_seq START 100;
-- case:
CREATE TABLE default_expressions (
    id integer PRIMARY KEY,
    counter bigint DEFAULT nextval('shared_counter_seq'),
    at_ts timestamp(3) DEFAULT CURRENT_TIMESTAMP(3),
    on_day date DEFAULT CURRENT_DATE,
    who name DEFAULT CURRENT_USER,
    tags text[] DEFAULT ARRAY['a', 'b c']::text[],
    span interval DEFAULT '1 day 02:00:00'::interval,
    money_left numeric(12,2) DEFAULT -0.5,
    label text DEFAULT ('x' || lpad((random() * 0)::integer::text, 3, '0')),
    flag boolean DEFAULT true,
    j jsonb DEFAULT '{"a": [1, null]}'::jsonb
);
INSERT INTO default_expressions (id, at_ts, on_day, who) VALUES (1, '2024-01-01', '2024-01-01', 'x'), (2, NULL, NULL, NULL);
