-- An enum column with an enum default, an enum array, and a CHECK and partial index on it; one
-- label was added later BEFORE another, so its sort order differs from its OID order.
-- table: public.enum_column
-- carries-dependencies: yes
-- requires:
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
-- case:
CREATE TABLE enum_column (
    id integer PRIMARY KEY,
    m mood NOT NULL DEFAULT 'ok',
    history mood[],
    CONSTRAINT enum_column_not_sad CHECK (m <> 'sad')
);
CREATE INDEX enum_column_happy ON enum_column (id) WHERE m = 'happy';
INSERT INTO enum_column VALUES (1, 'happy', '{sad,ok,meh}'), (2, 'it''s "complicated"', NULL), (3, 'meh', '{}');
