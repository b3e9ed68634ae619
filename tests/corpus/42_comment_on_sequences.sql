-- Comments on the table's owned sequences (serial and identity).
-- table: public.comment_on_sequences
-- carries-dependencies: no
-- case:
CREATE TABLE comment_on_sequences (id serial PRIMARY KEY, n integer GENERATED ALWAYS AS IDENTITY);
COMMENT ON SEQUENCE comment_on_sequences_id_seq IS 'serial sequence';
COMMENT ON SEQUENCE comment_on_sequences_n_seq IS 'identity sequence';
INSERT INTO comment_on_sequences DEFAULT VALUES;
