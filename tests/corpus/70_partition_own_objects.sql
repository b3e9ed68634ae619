-- What partitions have of their own: a CHECK, a column default, comments, a trigger (whose
-- function pgsnap must carry), row security, UNLOGGED.
-- table: public.readings
-- also-dump: public.readings_a, public.readings_b
-- carries-dependencies: yes
-- as: public.readings_copy
-- requires:
CREATE FUNCTION readings_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
-- case:
CREATE TABLE readings (id integer NOT NULL, kind text NOT NULL, v numeric) PARTITION BY LIST (kind);
CREATE TABLE readings_a PARTITION OF readings (v DEFAULT 0, CONSTRAINT readings_a_v_check CHECK (v >= 0)) FOR VALUES IN ('a');
CREATE UNLOGGED TABLE readings_b PARTITION OF readings FOR VALUES IN ('b');
COMMENT ON TABLE readings_a IS 'partition a';
COMMENT ON COLUMN readings_a.v IS 'value of a';
CREATE TRIGGER readings_a_touch BEFORE INSERT ON readings_a FOR EACH ROW EXECUTE FUNCTION readings_noop();
ALTER TABLE readings_b ENABLE ROW LEVEL SECURITY;
INSERT INTO readings VALUES (1, 'a', 1), (2, 'b', NULL);
CREATE STATISTICS readings_a_stats (dependencies) ON id, v FROM readings_a;
