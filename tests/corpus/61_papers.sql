-- The rich table of notes/pglast.md §2: identity with options, serial, stored generated column,
-- collation, enum and domain columns, checks, self and outside foreign keys, an exclusion
-- constraint, partial/expression/INCLUDE/GIN indexes, storage parameters, comments, a trigger,
-- row security with two policies, and decoys whose names start with the table's.
-- table: public.papers
-- carries-dependencies: no
-- as: public.papers_test
-- requires:
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TYPE paper_status AS ENUM ('draft', 'submitted', 'published', 'retracted');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE venues (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO venues (name) VALUES ('VLDB');
CREATE TABLE papers_authors (id serial PRIMARY KEY, author text);
CREATE INDEX papers_authors_author_idx ON papers_authors (author);
CREATE FUNCTION touch_updated() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN NEW.updated_at := now(); RETURN NEW; END$$;
-- case:
CREATE TABLE papers (
    id            bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5),
    legacy_no     serial,
    title         text NOT NULL,
    title_lower   text GENERATED ALWAYS AS (lower(title)) STORED,
    sort_key      text COLLATE "C",
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz,
    uid           uuid DEFAULT gen_random_uuid(),
    status        paper_status NOT NULL DEFAULT 'draft',
    pages         positive_int,
    parent_id     bigint,
    venue_id      integer,
    period        tsrange,
    papers_count  integer DEFAULT 0,
    alt_no        integer DEFAULT nextval('papers_authors_id_seq'::regclass),
    tags          text[] DEFAULT '{}'::text[],
    CONSTRAINT papers_pkey PRIMARY KEY (id),
    CONSTRAINT papers_uid_key UNIQUE (uid),
    CONSTRAINT papers_title_check CHECK (char_length(title) > 0 AND title <> title_lower || 'x'),
    CONSTRAINT pages_sane CHECK (pages < 10000 OR status = 'draft'),
    CONSTRAINT papers_parent_fk FOREIGN KEY (parent_id) REFERENCES papers (id) ON DELETE CASCADE,
    CONSTRAINT papers_venue_id_fkey FOREIGN KEY (venue_id) REFERENCES venues (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT papers_no_overlap EXCLUDE USING gist (venue_id WITH =, period WITH &&)
) WITH (fillfactor = 80, autovacuum_enabled = true);
CREATE INDEX papers_status_idx ON papers (status) WHERE status <> 'draft';
CREATE INDEX papers_lower_title_idx ON papers (lower(title) text_pattern_ops);
CREATE INDEX papers_venue_incl_idx ON papers USING btree (venue_id DESC NULLS LAST) INCLUDE (title, uid) WITH (fillfactor = 70);
CREATE INDEX idx_papers_tags ON papers USING gin (tags);
COMMENT ON TABLE papers IS 'Research papers; don''t rename "papers" inside this text';
COMMENT ON COLUMN papers.title IS 'Paper title';
COMMENT ON CONSTRAINT papers_title_check ON papers IS 'title must be non-empty';
COMMENT ON INDEX papers_status_idx IS 'partial index on non-drafts';
CREATE TRIGGER papers_touch BEFORE UPDATE ON papers FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION touch_updated();
COMMENT ON TRIGGER papers_touch ON papers IS 'maintain updated_at';
ALTER TABLE papers ENABLE ROW LEVEL SECURITY;
CREATE POLICY papers_visible ON papers FOR SELECT TO PUBLIC USING (status <> 'retracted');
CREATE POLICY papers_ins ON papers AS RESTRICTIVE FOR INSERT WITH CHECK (pages IS NULL OR pages < 5000);
INSERT INTO papers (title, venue_id, period, pages) VALUES ('Hello', 1, '[2020-01-01,2020-02-01)', 10);
INSERT INTO papers (title, parent_id, status) VALUES ('Reply', 100, 'published');
