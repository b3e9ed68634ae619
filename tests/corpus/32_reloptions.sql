-- Table storage parameters, including toast.* ones.
-- table: public.reloptions
-- carries-dependencies: no
-- case:
CREATE TABLE reloptions (id integer PRIMARY KEY, body text)
    WITH (fillfactor = 70, autovacuum_enabled = false, autovacuum_vacuum_scale_factor = 0.05,
          toast_tuple_target = 256, parallel_workers = 2, toast.autovacuum_enabled = false,
          toast.autovacuum_vacuum_cost_delay = 5);
INSERT INTO reloptions VALUES (1, repeat('r', 5000)), (2, '');
