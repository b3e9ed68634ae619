-- A list-partitioned table on an expression, with a sub-partitioned (hash) partition.
-- table: public.events
-- also-dump: public.events_web, public.events_app, public.events_app_0, public.events_app_1
-- carries-dependencies: no
-- as: public.events_copy
-- case:
CREATE TABLE events (id integer NOT NULL, source text NOT NULL, payload jsonb) PARTITION BY LIST (lower(source));
CREATE TABLE events_web PARTITION OF events FOR VALUES IN ('web', 'www');
CREATE TABLE events_app PARTITION OF events FOR VALUES IN ('app') PARTITION BY HASH (id);
CREATE TABLE events_app_0 PARTITION OF events_app FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE events_app_1 PARTITION OF events_app FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO events VALUES (1, 'Web', '{}'), (2, 'app', NULL), (3, 'APP', '[]');
