-- corpus_db: 09_pg_dump_objects
-- The objects that PostgreSQL's own pg_dump test suite creates to dump: nearly every kind of
--   database object (event trigger, publications, policies, casts, conversions, transforms, a
--   procedural language, access methods, operator classes and families, text search parsers,
--   templates, dictionaries and configurations, a base type, a foreign-data wrapper, server, user
--   mapping and foreign table, a large object, default privileges).
--
-- Origin: GitHub postgres/postgres, src/bin/pg_dump/t/002_pg_dump.pl as stored at commit
--   00d9dcf5bebbb355152a60f0e2120cdf7f9e7ddd (read with the search tool's read_file; the
--   repository is too big to fetch): the create_sql of its tests for the main database, in
--   create_order, transcribed from the Perl literals (\' as ', \\ as \, string concatenations
--   joined).
-- License: PostgreSQL License.
-- Changes for this corpus:
--   - The roles regress_dump_test_role and "regress_quoted  \"" role" are made by
--     09_pg_dump_objects.roles.sql (cluster objects).
--   - Left out: CREATE DATABASE and GRANT/REVOKE ON DATABASE (cluster objects); the tests for the
--     databases regress_pg_dump_test and regress_public_owner; the lz4 and ICU tests (the
--     PostgreSQL 18 wheel has neither); the subscriptions sub1-sub3 and COMMENT ON SUBSCRIPTION
--     (a database holding a subscription cannot be dropped until it is detached; sub2 and sub3
--     also need PostgreSQL 16); the column GRANT/REVOKE on pg_catalog.pg_proc and ALTER FUNCTION
--     pg_stat_reset OWNER TO (changes to initdb's own objects).
-- Objects, counted in the catalogs after loading on PostgreSQL 18 (tests/corpus_db/measure.py; on
--   15 the same less the not-null constraints, which 15 does not catalog): schemas 2, tables 18,
--   partitioned tables 2, partitions 5, columns 71, views 1, materialized views 7, foreign tables
--   1, sequences 3, indexes 15, composite types 1, enum types 1, domains 1, range types 2, base
--   types 1, functions 6, procedures 1, aggregates 1, operators 1, casts 1, collations 1, text
--   search configurations 1, text search dictionaries 1, operator classes 3, operator families 2,
--   primary keys 9, foreign keys 3, check constraints 10, not-null constraints (18+) 18, domain
--   constraints 1, column defaults 13, triggers 6, policies 6, row-security tables 1, extended
--   statistics 3, event triggers 1, publication tables 7, publications 4, foreign-data wrappers
--   1, foreign servers 1, user mappings 1, languages 1, access methods 2, transforms 1,
--   conversions 1, text search parsers 1, text search templates 1, default privileges 4,
--   relations with privileges 6, comments 19, large objects 1.
-- Data: 29 rows in 8 of its 25 tables.

CREATE SCHEMA dump_test;
CREATE TABLE dump_test.test_table (
    col1 serial primary key,
    col2 text COMPRESSION pglz,
    col3 text,
    col4 text,
    CHECK (col1 <= 1000)
) WITH (autovacuum_enabled = false, fillfactor=80);
COMMENT ON CONSTRAINT test_table_col1_check
    ON dump_test.test_table IS 'bounds check';
CREATE TABLE dump_test.test_table_identity (
    col1 int generated always as identity primary key,
    col2 text
);
CREATE TABLE dump_test.test_table_generated (
    col1 int primary key,
    col2 int generated always as (col1 * 2) stored
);
CREATE TABLE dump_test.test_table_fk (
    col1 int references dump_test.test_table)
    PARTITION BY RANGE (col1);
CREATE TABLE dump_test.test_table_fk_1
    PARTITION OF dump_test.test_table_fk
    FOR VALUES FROM (0) TO (10);
INSERT INTO dump_test.test_table (col1) SELECT generate_series FROM generate_series(1,9);
CREATE TABLE dump_test.test_table_generated_child1 ()
    INHERITS (dump_test.test_table_generated);
CREATE TABLE dump_test.test_table_generated_child2 (
    col1 int,
    col2 int
) INHERITS (dump_test.test_table_generated);
GRANT SELECT ON TABLE dump_test.test_table
    TO regress_dump_test_role;
CREATE TABLE dump_test.test_second_table (
    col1 int,
    col2 text
);
CREATE TABLE dump_test.test_third_table (
    f1 int, junk int,
    g1 int generated always as (f1 * 2) stored,
    "F3" int,
    g2 int generated always as ("F3" * 3) stored
);
ALTER TABLE dump_test.test_third_table DROP COLUMN junk;
CREATE TABLE dump_test.test_fourth_table (
);
CREATE TABLE dump_test.test_sixth_table (
    col1 int,
    col2 text,
    col3 bytea
);
CREATE TABLE dump_test.test_seventh_table (
    col1 int,
    col2 text,
    col3 bytea
);
INSERT INTO dump_test.test_second_table (col1, col2) SELECT generate_series, generate_series::text FROM generate_series(1,9);
INSERT INTO dump_test.test_third_table VALUES (123, DEFAULT, 456);
INSERT INTO dump_test.test_fourth_table DEFAULT VALUES;INSERT INTO dump_test.test_fourth_table DEFAULT VALUES;
GRANT INSERT (col1) ON TABLE dump_test.test_second_table
    TO regress_dump_test_role;
CREATE SCHEMA dump_test_second_schema;
GRANT USAGE ON SCHEMA dump_test_second_schema
    TO regress_dump_test_role;
CREATE ACCESS METHOD regress_table_am TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE dump_test.regress_pg_dump_table_am_0() USING heap;
CREATE TABLE dump_test.regress_pg_dump_table_am_1 (col1 int) USING regress_table_am;
CREATE TABLE dump_test.regress_pg_dump_table_am_2() USING heap;
CREATE MATERIALIZED VIEW dump_test.regress_pg_dump_matview_am_0 USING heap AS SELECT 1;
CREATE MATERIALIZED VIEW dump_test.regress_pg_dump_matview_am_1
    USING regress_table_am AS SELECT count(*) FROM pg_class;
CREATE MATERIALIZED VIEW dump_test.regress_pg_dump_matview_am_2 USING heap AS SELECT 1;
ALTER DEFAULT PRIVILEGES
    FOR ROLE regress_dump_test_role IN SCHEMA dump_test
    GRANT SELECT ON TABLES TO regress_dump_test_role;
ALTER DEFAULT PRIVILEGES
    FOR ROLE regress_dump_test_role IN SCHEMA dump_test
    GRANT EXECUTE ON FUNCTIONS TO regress_dump_test_role;
ALTER SCHEMA public OWNER TO "regress_quoted  \"" role";
REVOKE EXECUTE ON FUNCTION pg_sleep(float8)
    FROM public;
GRANT EXECUTE ON FUNCTION pg_sleep(float8)
    TO regress_dump_test_role;
REVOKE ALL ON SCHEMA public FROM "regress_quoted  \"" role";
REVOKE USAGE ON LANGUAGE plpgsql FROM public;
CREATE FUNCTION dump_test.pltestlang_call_handler()
    RETURNS LANGUAGE_HANDLER AS '$libdir/plpgsql',
    'plpgsql_call_handler' LANGUAGE C;
CREATE LANGUAGE pltestlang
    HANDLER dump_test.pltestlang_call_handler;
CREATE MATERIALIZED VIEW dump_test.matview (col1) AS
    SELECT col1 FROM dump_test.test_table;
CREATE MATERIALIZED VIEW
    dump_test.matview_second (col1) AS
    SELECT * FROM dump_test.matview;
CREATE TABLE dump_test.fk_reference_test_table (
    col1 int primary key references dump_test.test_table
);
CREATE POLICY p1 ON dump_test.test_table
    USING (true)
    WITH CHECK (true);
INSERT INTO dump_test.fk_reference_test_table (col1) SELECT generate_series FROM generate_series(1,5);
ALTER TABLE dump_test.test_table
    ENABLE ROW LEVEL SECURITY;
CREATE POLICY p2 ON dump_test.test_table
    FOR SELECT TO regress_dump_test_role USING (true);
CREATE POLICY p3 ON dump_test.test_table
    FOR INSERT TO regress_dump_test_role WITH CHECK (true);
CREATE AGGREGATE dump_test.newavg (
    sfunc = int4_avg_accum,
    basetype = int4,
    stype = _int8,
    finalfunc = int8_avg,
    finalfunc_modify = shareable,
    initcond1 = '{0,0}'
);
CREATE POLICY p4 ON dump_test.test_table FOR UPDATE
    TO regress_dump_test_role USING (true) WITH CHECK (true);
CREATE POLICY p5 ON dump_test.test_table
    FOR DELETE TO regress_dump_test_role USING (true);
CREATE POLICY p6 ON dump_test.test_table AS RESTRICTIVE
    USING (false);
CREATE DOMAIN dump_test.us_postal_code AS TEXT
    COLLATE "C"
    DEFAULT '10014'
    CHECK(VALUE ~ '^\d{5}$' OR
          VALUE ~ '^\d{5}-\d{4}$');
COMMENT ON CONSTRAINT us_postal_code_check
    ON DOMAIN dump_test.us_postal_code IS 'check it';
CREATE FUNCTION dump_test.trigger_func()
    RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN RETURN NULL; END;$$;
CREATE TRIGGER test_trigger
    BEFORE INSERT ON dump_test.test_table
    FOR EACH ROW WHEN (NEW.col1 > 10)
    EXECUTE FUNCTION dump_test.trigger_func();
CREATE FUNCTION dump_test.event_trigger_func()
    RETURNS event_trigger LANGUAGE plpgsql
    AS $$ BEGIN RETURN; END;$$;
CREATE EVENT TRIGGER test_event_trigger
    ON ddl_command_start
    EXECUTE FUNCTION dump_test.event_trigger_func();
CREATE TRANSFORM FOR int LANGUAGE SQL (FROM SQL WITH FUNCTION prsd_lextype(internal), TO SQL WITH FUNCTION int4recv(internal));
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER s1 FOREIGN DATA WRAPPER dummy;
COMMENT ON TABLE dump_test.test_table
    IS 'comment on table';
COMMENT ON COLUMN dump_test.test_table.col1
    IS 'comment on column';
CREATE TYPE dump_test.planets
    AS ENUM ( 'venus', 'earth', 'mars' );
CREATE TYPE dump_test.textrange
    AS RANGE (subtype=text, collation="C");
CREATE TYPE dump_test.int42;
CREATE TYPE dump_test.undefined;
CREATE FUNCTION dump_test.int42_in(cstring)
    RETURNS dump_test.int42 AS 'int4in'
    LANGUAGE internal STRICT IMMUTABLE;
CREATE FUNCTION dump_test.int42_out(dump_test.int42)
    RETURNS cstring AS 'int4out'
    LANGUAGE internal STRICT IMMUTABLE;
CREATE FUNCTION dump_test.func_with_support() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$ SUPPORT varchar_support;
CREATE PROCEDURE dump_test.ptest1(a int)
    LANGUAGE SQL AS $$ INSERT INTO dump_test.test_table (col1) VALUES (a) $$;
CREATE TYPE dump_test.int42 (
    internallength = 4,
    input = dump_test.int42_in,
    output = dump_test.int42_out,
    alignment = int4,
    default = 42,
    passedbyvalue);
CREATE TYPE dump_test.composite AS (
    f1 int,
    f2 dump_test.int42
);
COMMENT ON COLUMN dump_test.composite.f1
    IS 'comment on column of type';
SELECT pg_catalog.lo_from_bytea(0, '\x310a320a330a340a350a360a370a380a390a');
CREATE PUBLICATION pub1;
CREATE PUBLICATION pub2
    FOR ALL TABLES
    WITH (publish = '');
CREATE PUBLICATION pub3;
CREATE PUBLICATION pub4;
CREATE CAST (timestamptz AS interval) WITH FUNCTION age(timestamptz) AS ASSIGNMENT;
ALTER PUBLICATION pub1 ADD TABLE dump_test.test_table;
ALTER PUBLICATION pub3 ADD TABLES IN SCHEMA dump_test;
ALTER PUBLICATION pub3 ADD TABLE dump_test.test_table;
ALTER PUBLICATION pub4 ADD TABLE dump_test.test_table WHERE (col1 > 0);
CREATE ACCESS METHOD gist2 TYPE INDEX HANDLER gisthandler;
ALTER PUBLICATION pub1 ADD TABLE dump_test.test_second_table;
ALTER PUBLICATION pub1 ADD TABLE dump_test.test_sixth_table (col3, col2);
ALTER PUBLICATION pub1 ADD TABLE dump_test.test_seventh_table (col3, col2) WHERE (col1 = 1);
ALTER PUBLICATION pub3 ADD TABLES IN SCHEMA public;
ALTER PUBLICATION pub4 ADD TABLE dump_test.test_second_table WHERE (col2 = 'test');
CREATE TABLE dump_test.test_fifth_table (
    col1 integer,
    col2 boolean,
    col3 boolean,
    col4 bit(5),
    col5 float8
);
INSERT INTO dump_test.test_fifth_table VALUES (NULL, true, false, '11001'::bit(5), 'NaN');
INSERT INTO dump_test.test_table_identity (col2) VALUES ('test');
ALTER DEFAULT PRIVILEGES
    FOR ROLE regress_dump_test_role
    REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
COMMENT ON PUBLICATION pub1
    IS 'comment on publication';
ALTER DEFAULT PRIVILEGES
    FOR ROLE regress_dump_test_role
    REVOKE SELECT ON TABLES FROM regress_dump_test_role;
CREATE MATERIALIZED VIEW
    dump_test.matview_third (col1) AS
    SELECT * FROM dump_test.matview_second WITH NO DATA;
CREATE MATERIALIZED VIEW
    dump_test.matview_fourth (col1) AS
    SELECT * FROM dump_test.matview_third WITH NO DATA;
DO $$
    DECLARE myoid oid;
    BEGIN
        SELECT loid FROM pg_largeobject INTO myoid;
        EXECUTE 'GRANT ALL ON LARGE OBJECT ' || myoid || ' TO regress_dump_test_role;';
    END;
    $$;
CREATE VIEW dump_test.test_view
    WITH (check_option = 'local', security_barrier = true) AS
    SELECT col1 FROM dump_test.test_table;
ALTER VIEW dump_test.test_view ALTER COLUMN col1 SET DEFAULT 1;
COMMENT ON COLUMN dump_test.test_second_table.col1
    IS 'comment on column col1';
COMMENT ON COLUMN dump_test.test_second_table.col2
    IS 'comment on column col2';
DO $$
    DECLARE myoid oid;
    BEGIN
        SELECT loid FROM pg_largeobject INTO myoid;
        EXECUTE 'COMMENT ON LARGE OBJECT ' || myoid || ' IS ''comment on large object'';';
    END;
    $$;
GRANT USAGE ON TYPE dump_test.planets TO regress_dump_test_role;
GRANT USAGE ON TYPE dump_test.textrange TO regress_dump_test_role;
COMMENT ON TYPE dump_test.planets
    IS 'comment on enum type';
COMMENT ON TYPE dump_test.textrange
    IS 'comment on range type';
COMMENT ON TYPE dump_test.int42
    IS 'comment on regular type';
COMMENT ON TYPE dump_test.undefined
    IS 'comment on undefined type';
GRANT USAGE ON DOMAIN dump_test.us_postal_code TO regress_dump_test_role;
CREATE OPERATOR FAMILY dump_test.op_family USING btree;
CREATE OPERATOR CLASS dump_test.op_class
    FOR TYPE bigint USING btree FAMILY dump_test.op_family
    AS STORAGE bigint,
    OPERATOR 1 <(bigint,bigint),
    OPERATOR 2 <=(bigint,bigint),
    OPERATOR 3 =(bigint,bigint),
    OPERATOR 4 >=(bigint,bigint),
    OPERATOR 5 >(bigint,bigint),
    FUNCTION 1 btint8cmp(bigint,bigint),
    FUNCTION 2 btint8sortsupport(internal),
    FUNCTION 4 btequalimage(oid);
CREATE OPERATOR dump_test.~~ (
    PROCEDURE = int4eq,
    LEFTARG = int,
    RIGHTARG = int);
CREATE OPERATOR CLASS dump_test.op_class_custom
    FOR TYPE int USING btree AS
    OPERATOR 3 dump_test.~~;
CREATE TYPE dump_test.range_type_custom AS RANGE (
    subtype = int,
    subtype_opclass = dump_test.op_class_custom);
ALTER OPERATOR FAMILY dump_test.op_family USING btree ADD
    OPERATOR 1 <(bigint,int4),
    OPERATOR 2 <=(bigint,int4),
    OPERATOR 3 =(bigint,int4),
    OPERATOR 4 >=(bigint,int4),
    OPERATOR 5 >(bigint,int4),
    FUNCTION 1 (int4, int4) btint4cmp(int4,int4),
    FUNCTION 2 (int4, int4) btint4sortsupport(internal),
    FUNCTION 4 (int4, int4) btequalimage(oid);
CREATE COLLATION test0 FROM "C";
COMMENT ON COLLATION test0
    IS 'comment on test0 collation';
CREATE DEFAULT CONVERSION dump_test.test_conversion FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION dump_test.test_conversion
    IS 'comment on test conversion';
CREATE TEXT SEARCH CONFIGURATION dump_test.alt_ts_conf1 (copy=english);
CREATE TEXT SEARCH TEMPLATE dump_test.alt_ts_temp1 (lexize=dsimple_lexize);
CREATE TEXT SEARCH PARSER dump_test.alt_ts_prs1
    (start = prsd_start, gettoken = prsd_nexttoken, end = prsd_end, lextypes = prsd_lextype);
CREATE TEXT SEARCH DICTIONARY dump_test.alt_ts_dict1 (template=simple);
COMMENT ON TEXT SEARCH CONFIGURATION dump_test.alt_ts_conf1
    IS 'comment on text search configuration';
COMMENT ON TEXT SEARCH DICTIONARY dump_test.alt_ts_dict1
    IS 'comment on text search dictionary';
COMMENT ON TEXT SEARCH PARSER dump_test.alt_ts_prs1
    IS 'comment on text search parser';
COMMENT ON TEXT SEARCH TEMPLATE dump_test.alt_ts_temp1
    IS 'comment on text search template';
GRANT USAGE ON FOREIGN DATA WRAPPER dummy
    TO regress_dump_test_role;
GRANT USAGE ON FOREIGN SERVER s1
    TO regress_dump_test_role;
CREATE USER MAPPING FOR regress_dump_test_role SERVER s1;
GRANT USAGE ON TYPE dump_test.int42 TO regress_dump_test_role;
CREATE FOREIGN TABLE dump_test.foreign_table (c1 int options (column_name 'col1'))
    SERVER s1 OPTIONS (schema_name 'x1');
CREATE OPERATOR CLASS dump_test.op_class_empty
    FOR TYPE bigint USING btree FAMILY dump_test.op_family
    AS STORAGE bigint;
CREATE TABLE dump_test.measurement (
    city_id serial not null,
    logdate date not null,
    peaktemp int CHECK (peaktemp >= -460),
    unitsales int
) PARTITION BY RANGE (logdate);
CREATE TABLE dump_test.test_inheritance_parent (
    col1 int NOT NULL,
    col2 int CHECK (col2 >= 42)
);
CREATE TABLE dump_test_second_schema.measurement_y2006m2
    PARTITION OF dump_test.measurement (
        unitsales DEFAULT 0 CHECK (unitsales >= 0)
    )
    FOR VALUES FROM ('2006-02-01') TO ('2006-03-01');
GRANT SELECT ON
    TABLE dump_test.measurement
    TO regress_dump_test_role;
CREATE TABLE dump_test.test_inheritance_child (
    col1 int NOT NULL,
    CONSTRAINT test_inheritance_child CHECK (col2 >= 142857)
) INHERITS (dump_test.test_inheritance_parent);
CREATE TRIGGER test_trigger
    AFTER INSERT ON dump_test.measurement
    FOR EACH ROW EXECUTE PROCEDURE dump_test.trigger_func();
CREATE INDEX ON dump_test.measurement (city_id, logdate);
ALTER TABLE dump_test.test_table ALTER COLUMN col1 SET STATISTICS 90;
INSERT INTO dump_test.measurement (city_id, logdate, peaktemp, unitsales) VALUES (1, '2006-02-12', 35, 1);
CREATE TABLE dump_test_second_schema.measurement_y2006m3
    PARTITION OF dump_test.measurement
    FOR VALUES FROM ('2006-03-01') TO ('2006-04-01');
ALTER TABLE dump_test_second_schema.measurement_y2006m3 DISABLE TRIGGER test_trigger;
CREATE TABLE dump_test_second_schema.measurement_y2006m4
    PARTITION OF dump_test.measurement
    FOR VALUES FROM ('2006-04-01') TO ('2006-05-01');
ALTER TABLE dump_test_second_schema.measurement_y2006m4 ENABLE REPLICA TRIGGER test_trigger;
CREATE TABLE dump_test_second_schema.measurement_y2006m5
    PARTITION OF dump_test.measurement
    FOR VALUES FROM ('2006-05-01') TO ('2006-06-01');
ALTER TABLE dump_test_second_schema.measurement_y2006m5 ENABLE ALWAYS TRIGGER test_trigger;
ALTER TABLE dump_test.measurement ADD PRIMARY KEY (city_id, logdate);
ALTER TABLE dump_test.test_table ALTER COLUMN col2 SET STORAGE EXTERNAL;
GRANT SELECT ON TABLE
    dump_test_second_schema.measurement_y2006m2,
    dump_test_second_schema.measurement_y2006m3,
    dump_test_second_schema.measurement_y2006m4,
    dump_test_second_schema.measurement_y2006m5
    TO regress_dump_test_role;
ALTER TABLE dump_test.test_table ALTER COLUMN col3 SET STORAGE MAIN;
ALTER TABLE dump_test.test_table ALTER COLUMN col4 SET (n_distinct = 10);
ALTER TABLE dump_test.test_table CLUSTER ON test_table_pkey;
CREATE STATISTICS dump_test.test_ext_stats_no_options
    ON col1, col2 FROM dump_test.test_fifth_table;
CREATE STATISTICS dump_test.test_ext_stats_opts
    (ndistinct) ON col1, col2 FROM dump_test.test_fifth_table;
ALTER STATISTICS dump_test.test_ext_stats_opts SET STATISTICS 1000;
CREATE TABLE dump_test.table_index_stats (
    col1 int,
    col2 int,
    col3 int);
CREATE INDEX index_with_stats
    ON dump_test.table_index_stats
    ((col1 + 1), col1, (col2 + 1), (col3 + 1));
ALTER INDEX dump_test.index_with_stats
    ALTER COLUMN 1 SET STATISTICS 400;
ALTER INDEX dump_test.index_with_stats
    ALTER COLUMN 3 SET STATISTICS 500;
CREATE STATISTICS dump_test.test_ext_stats_expr
    ON (2 * col1) FROM dump_test.test_fifth_table;
